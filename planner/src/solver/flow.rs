//! A small min-cost flow: primal-dual with Dijkstra on reduced costs (potentials from an
//! initial Bellman-Ford, so negative arc costs are allowed) and blocking flows on the
//! shortest-path subgraph. Used to give every host a date and to assign guests exactly.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

struct Edge {
    to: u32,
    cap: i32,
    cost: i64,
}

pub(crate) struct MinCostFlow {
    edges: Vec<Edge>,
    adj: Vec<Vec<u32>>,
}

const INF: i64 = i64::MAX / 4;

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
        let cap = cap.clamp(0, i64::from(i32::MAX)) as i32;
        self.edges.push(Edge {
            to: to as u32,
            cap,
            cost,
        });
        self.adj[from].push(id as u32);
        self.edges.push(Edge {
            to: from as u32,
            cap: 0,
            cost: -cost,
        });
        self.adj[to].push(id as u32 + 1);
        id
    }

    /// Flow on edge `id`.
    pub fn flow(&self, id: usize) -> i64 {
        i64::from(self.edges[id ^ 1].cap)
    }

    /// Pushes the maximum flow from `s` to `t` at minimum cost.
    pub fn run(&mut self, s: usize, t: usize) {
        self.solve(s, t, false);
    }

    /// Pushes flow from `s` to `t` while a path of negative cost exists: the minimum-cost
    /// flow of any amount.
    pub fn run_negative(&mut self, s: usize, t: usize) {
        self.solve(s, t, true);
    }

    /// Shortest distances from `s` by a queue-based Bellman-Ford (negative costs allowed,
    /// no negative cycles).
    fn bellman_ford(&self, s: usize) -> Vec<i64> {
        let n = self.adj.len();
        let mut dist = vec![INF; n];
        let mut in_queue = vec![false; n];
        let mut queue = VecDeque::new();
        dist[s] = 0;
        queue.push_back(s);
        while let Some(u) = queue.pop_front() {
            in_queue[u] = false;
            for &e in &self.adj[u] {
                let edge = &self.edges[e as usize];
                let v = edge.to as usize;
                if edge.cap > 0 && dist[u] + edge.cost < dist[v] {
                    dist[v] = dist[u] + edge.cost;
                    if !in_queue[v] {
                        in_queue[v] = true;
                        queue.push_back(v);
                    }
                }
            }
        }
        dist
    }

    fn solve(&mut self, s: usize, t: usize, only_negative: bool) {
        let n = self.adj.len();
        // potentials: true distances, so that reduced costs are non-negative
        let mut pot = self.bellman_ford(s);
        for p in pot.iter_mut() {
            if *p == INF {
                *p = 0;
            }
        }
        let mut dist = vec![INF; n];
        let mut heap = BinaryHeap::new();
        let mut level = vec![u32::MAX; n];
        let mut iter = vec![0usize; n];
        loop {
            // Dijkstra on reduced costs
            dist.fill(INF);
            dist[s] = 0;
            heap.push(Reverse((0i64, s as u32)));
            while let Some(Reverse((d, u))) = heap.pop() {
                let u = u as usize;
                if d > dist[u] {
                    continue;
                }
                if u == t {
                    break;
                }
                for &e in &self.adj[u] {
                    let edge = &self.edges[e as usize];
                    if edge.cap <= 0 {
                        continue;
                    }
                    let v = edge.to as usize;
                    let nd = d + edge.cost + pot[u] - pot[v];
                    if nd < dist[v] {
                        dist[v] = nd;
                        heap.push(Reverse((nd, v as u32)));
                    }
                }
            }
            heap.clear();
            if dist[t] >= INF {
                return;
            }
            // nodes at or beyond t's distance move by that distance: reduced costs stay
            // non-negative and shortest paths to t get reduced cost 0
            let dt = dist[t];
            for v in 0..n {
                pot[v] += dist[v].min(dt);
            }
            // real cost of a shortest s-t path
            if only_negative && pot[t] - pot[s] >= 0 {
                return;
            }
            // blocking flows on the admissible subgraph (reduced cost 0)
            loop {
                level.fill(u32::MAX);
                level[s] = 0;
                let mut queue = VecDeque::from([s]);
                while let Some(u) = queue.pop_front() {
                    for &e in &self.adj[u] {
                        let edge = &self.edges[e as usize];
                        let v = edge.to as usize;
                        if edge.cap > 0 && level[v] == u32::MAX && edge.cost + pot[u] - pot[v] == 0
                        {
                            level[v] = level[u] + 1;
                            queue.push_back(v);
                        }
                    }
                }
                if level[t] == u32::MAX {
                    break;
                }
                iter.fill(0);
                while self.dfs(s, t, &level, &mut iter, &pot) > 0 {}
            }
        }
    }

    /// One augmenting path of the level graph (unit-ish capacities: pushes the bottleneck).
    fn dfs(&mut self, s: usize, t: usize, level: &[u32], iter: &mut [usize], pot: &[i64]) -> i32 {
        // iterative DFS keeping the path of edge ids
        let mut path: Vec<u32> = Vec::new();
        let mut u = s;
        loop {
            if u == t {
                let push = path
                    .iter()
                    .map(|&e| self.edges[e as usize].cap)
                    .min()
                    .unwrap_or(0);
                for &e in &path {
                    self.edges[e as usize].cap -= push;
                    self.edges[(e ^ 1) as usize].cap += push;
                }
                return push;
            }
            let mut advanced = false;
            while iter[u] < self.adj[u].len() {
                let e = self.adj[u][iter[u]];
                let edge = &self.edges[e as usize];
                let v = edge.to as usize;
                if edge.cap > 0 && level[v] == level[u] + 1 && edge.cost + pot[u] - pot[v] == 0 {
                    path.push(e);
                    u = v;
                    advanced = true;
                    break;
                }
                iter[u] += 1;
            }
            if !advanced {
                // dead end: retreat and skip the edge that led here
                let Some(e) = path.pop() else {
                    return 0;
                };
                u = self.edges[(e ^ 1) as usize].to as usize;
                iter[u] += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::needless_range_loop)]

    use super::MinCostFlow;

    fn permutations(n: usize) -> Vec<Vec<usize>> {
        if n == 0 {
            return vec![Vec::new()];
        }
        let mut out = Vec::new();
        for p in permutations(n - 1) {
            for i in 0..=p.len() {
                let mut q = p.clone();
                q.insert(i, n - 1);
                out.push(q);
            }
        }
        out
    }

    /// Assignment problems: the flow's matching costs what the best permutation costs.
    #[test]
    fn assignment_matches_brute_force() {
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as i64 % 50 - 10
        };
        for n in 1..=5 {
            for _ in 0..20 {
                let cost: Vec<Vec<i64>> =
                    (0..n).map(|_| (0..n).map(|_| next()).collect()).collect();
                let mut g = MinCostFlow::new(2 + 2 * n);
                let mut edges = Vec::new();
                for i in 0..n {
                    g.add_edge(0, 2 + i, 1, 0);
                    g.add_edge(2 + n + i, 1, 1, 0);
                    for j in 0..n {
                        edges.push((g.add_edge(2 + i, 2 + n + j, 1, cost[i][j]), i, j));
                    }
                }
                g.run(0, 1);
                let got: i64 = edges
                    .iter()
                    .filter(|&&(e, _, _)| g.flow(e) > 0)
                    .map(|&(_, i, j)| cost[i][j])
                    .sum();
                let used = edges.iter().filter(|&&(e, _, _)| g.flow(e) > 0).count();
                let best = permutations(n)
                    .iter()
                    .map(|p| (0..n).map(|i| cost[i][p[i]]).sum::<i64>())
                    .min()
                    .unwrap();
                assert_eq!((used, got), (n, best), "{cost:?}");
            }
        }
    }

    /// With `run_negative` only paths that lower the cost are used.
    #[test]
    fn negative_run_stops_at_zero_cost() {
        let mut g = MinCostFlow::new(4);
        let cheap = g.add_edge(0, 2, 1, -5);
        let dear = g.add_edge(0, 3, 1, 4);
        g.add_edge(2, 1, 1, 2);
        g.add_edge(3, 1, 1, -1);
        g.run_negative(0, 1);
        assert_eq!((g.flow(cheap), g.flow(dear)), (1, 0));
    }
}
