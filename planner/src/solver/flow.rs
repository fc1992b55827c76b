//! A small min-cost max-flow (successive shortest paths with a queue-based Bellman-Ford),
//! used to give every host a date: as many dialogues as the day and week limits allow, at
//! the lowest date cost.

use std::collections::VecDeque;

struct Edge {
    to: usize,
    cap: i64,
    cost: i64,
}

pub(crate) struct MinCostFlow {
    edges: Vec<Edge>,
    adj: Vec<Vec<usize>>,
}

impl MinCostFlow {
    pub fn new(nodes: usize) -> Self {
        Self {
            edges: Vec::new(),
            adj: vec![Vec::new(); nodes],
        }
    }

    /// Adds an edge and returns its id (its flow is read with [`Self::flow`]).
    pub fn add_edge(&mut self, from: usize, to: usize, cap: i64, cost: i64) -> usize {
        let id = self.edges.len();
        self.edges.push(Edge { to, cap, cost });
        self.adj[from].push(id);
        self.edges.push(Edge {
            to: from,
            cap: 0,
            cost: -cost,
        });
        self.adj[to].push(id + 1);
        id
    }

    /// Flow on edge `id`.
    pub fn flow(&self, id: usize) -> i64 {
        self.edges[id ^ 1].cap
    }

    /// Pushes the maximum flow from `s` to `t` at minimum cost; returns (flow, cost).
    pub fn run(&mut self, s: usize, t: usize) -> (i64, i64) {
        let n = self.adj.len();
        let (mut flow, mut cost) = (0, 0);
        loop {
            let mut dist = vec![i64::MAX; n];
            let mut prev = vec![usize::MAX; n];
            let mut in_queue = vec![false; n];
            let mut queue = VecDeque::new();
            dist[s] = 0;
            queue.push_back(s);
            while let Some(u) = queue.pop_front() {
                in_queue[u] = false;
                for &e in &self.adj[u] {
                    let edge = &self.edges[e];
                    if edge.cap > 0 && dist[u] + edge.cost < dist[edge.to] {
                        dist[edge.to] = dist[u] + edge.cost;
                        prev[edge.to] = e;
                        if !in_queue[edge.to] {
                            in_queue[edge.to] = true;
                            queue.push_back(edge.to);
                        }
                    }
                }
            }
            if dist[t] == i64::MAX {
                return (flow, cost);
            }
            let mut push = i64::MAX;
            let mut v = t;
            while v != s {
                let e = prev[v];
                push = push.min(self.edges[e].cap);
                v = self.edges[e ^ 1].to;
            }
            let mut v = t;
            while v != s {
                let e = prev[v];
                self.edges[e].cap -= push;
                self.edges[e ^ 1].cap += push;
                v = self.edges[e ^ 1].to;
            }
            flow += push;
            cost += push * dist[t];
        }
    }
}
