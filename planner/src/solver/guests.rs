//! Exact guest assignment for fixed dates by a minimum-cost flow.
//!
//! With the dates fixed, choosing guests is a flow problem: a unit of flow is one guest
//! attendance, going source → person → (person, year) → (dialogue, organisation) →
//! (dialogue, kind) → dialogue → sink. The arc capacities carry the yearly limit, one guest
//! per organisation and the room; the composition minimums (guests, youth offices,
//! institutions) are arcs with a large bonus; the attendance target is a bonus on the first
//! units of each person; travel and the district youth office are arc costs. A minimum-cost
//! flow of any amount is then the best guest assignment for those dates.

use super::flow::MinCostFlow;
use super::prep::{Prep, UNSCHEDULED};
use super::search::composition_ok;
use super::state::State;

const BONUS: i64 = 10_000_000;

/// How many guest arcs the flow gets: per dialogue the `per_host` nearest possible guests and
/// per person the `per_person` nearest dialogues they can attend, plus every person of the
/// host district's youth office. `None` keeps every arc (exact).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub per_host: Option<usize>,
    pub per_person: usize,
}

impl Limits {
    /// 40 nearest guests per dialogue, 12 nearest dialogues per person: on L-1 as good as the
    /// exact flow at a fraction of the time (instances up to 25,000 host-person pairs always
    /// get the exact flow).
    pub const DEFAULT: Limits = Limits {
        per_host: Some(40),
        per_person: 12,
    };
}

/// The people each dialogue may get as guests in the flow, per position in `hosts`.
fn candidate_arcs(p: &Prep<'_>, st: &State, hosts: &[usize], limits: Limits) -> Vec<Vec<u32>> {
    let mut lists: Vec<Vec<u32>> = vec![Vec::new(); hosts.len()];
    let possible = |h: usize, s: usize| {
        p.available(s, st.day[h])
            && p.year_of(st.day[h])
                .is_some_and(|y| st.staff_year[s * p.n_years + y] < p.year_cap)
    };
    let Some(per_host) = limits.per_host else {
        for (k, &h) in hosts.iter().enumerate() {
            lists[k] = p.near_staff[h]
                .iter()
                .copied()
                .filter(|&s| possible(h, s as usize))
                .collect();
        }
        return lists;
    };
    let mut mark = vec![false; p.n_staff * hosts.len()];
    for (k, &h) in hosts.iter().enumerate() {
        let dyo = p.district_yo[h];
        let mut taken = 0;
        for &s in &p.near_staff[h] {
            let su = s as usize;
            let from_dyo = p.staff_org[su] == dyo && dyo as usize != h;
            if (taken < per_host || from_dyo) && possible(h, su) {
                taken += 1;
                mark[k * p.n_staff + su] = true;
                lists[k].push(s);
            }
        }
    }
    let mut near: Vec<(i64, usize)> = Vec::with_capacity(hosts.len());
    for s in 0..p.n_staff {
        near.clear();
        let o = p.staff_org[s] as usize;
        for (k, &h) in hosts.iter().enumerate() {
            if o != h && possible(h, s) {
                near.push((p.travel(o, h), k));
            }
        }
        let keep = limits.per_person.min(near.len());
        if keep > 0 && keep < near.len() {
            near.select_nth_unstable(keep - 1);
        }
        for &(_, k) in &near[..keep] {
            if !mark[k * p.n_staff + s] {
                mark[k * p.n_staff + s] = true;
                lists[k].push(s as u32);
            }
        }
    }
    lists
}

/// Replaces the guests of every changeable scheduled dialogue by the best assignment for the
/// current dates. Returns false (leaving `st` unchanged) when the flow cannot meet the
/// composition rules everywhere.
pub(crate) fn reassign(p: &Prep<'_>, st: &mut State, limits: Limits) -> bool {
    let hosts: Vec<usize> = (0..p.n_orgs)
        .filter(|&h| p.free[h] && st.day[h] != UNSCHEDULED)
        .collect();
    if hosts.is_empty() {
        return true;
    }
    let backup = st.clone();
    let logging = st.logging;
    st.logging = false;
    for &h in &hosts {
        while let Some(i) = st.guests[h].len().checked_sub(1) {
            st.remove_guest_at(p, h, i);
        }
    }
    let ny = p.n_years.max(1);
    let staff_node = |s: usize| 2 + s;
    let sy_node = |s: usize, y: usize| 2 + p.n_staff + s * ny + y;
    let mut next = 2 + p.n_staff + p.n_staff * ny;
    // count nodes first: per host 3 nodes plus one per organisation with several staff
    let multi: Vec<bool> = p.org_staff.iter().map(|v| v.len() > 1).collect();
    let per_host = 3 + multi.iter().filter(|&&m| m).count();
    let mut g = MinCostFlow::new(next + hosts.len() * per_host);
    for s in 0..p.n_staff {
        let have = i64::from(st.staff_n[s]);
        let bonus_units = (p.target - have).max(0);
        if bonus_units > 0 {
            g.add_edge(0, staff_node(s), bonus_units, -p.w_short);
        }
        g.add_edge(0, staff_node(s), i64::from(p.year_cap) * ny as i64, 0);
        for y in 0..p.n_years {
            let cap = i64::from(p.year_cap) - i64::from(st.staff_year[s * p.n_years + y]);
            if cap > 0 {
                g.add_edge(staff_node(s), sy_node(s, y), cap, 0);
            }
        }
    }
    // small instances get every arc: the flow is then exact
    let limits = if hosts.len() * p.n_staff <= 25_000 {
        Limits {
            per_host: None,
            ..limits
        }
    } else {
        limits
    };
    let candidates = candidate_arcs(p, st, &hosts, limits);
    let mut arcs: Vec<(usize, usize, usize)> = Vec::new(); // (edge, host, staff)
    let mut org_node = vec![usize::MAX; p.n_orgs];
    for (k, &h) in hosts.iter().enumerate() {
        let day = st.day[h];
        let Some(y) = p.year_of(day) else { continue };
        let yo_kind = next;
        let inst_kind = next + 1;
        let host = next + 2;
        next += 3;
        g.add_edge(yo_kind, host, p.need_yo[h] as i64, -BONUS);
        g.add_edge(yo_kind, host, p.max_guests[h] as i64, 0);
        g.add_edge(inst_kind, host, p.need_inst[h] as i64, -BONUS);
        g.add_edge(inst_kind, host, p.max_guests[h] as i64, 0);
        let min = p.min_guests.min(p.max_guests[h]);
        g.add_edge(host, 1, min as i64, -BONUS);
        g.add_edge(host, 1, (p.max_guests[h] - min) as i64, 0);
        org_node.fill(usize::MAX);
        let dyo = p.district_yo[h] as usize;
        for &s in &candidates[k] {
            let s = s as usize;
            let o = p.staff_org[s] as usize;
            let kind = if p.org_yo[o] { yo_kind } else { inst_kind };
            let bonus = if o == dyo && dyo != h { -p.w_absent } else { 0 };
            let target = if multi[o] {
                if org_node[o] == usize::MAX {
                    org_node[o] = next;
                    next += 1;
                    g.add_edge(org_node[o], kind, 1, bonus);
                }
                org_node[o]
            } else {
                kind
            };
            let cost = p.w_travel * p.travel(o, h) + if multi[o] { 0 } else { bonus };
            let e = g.add_edge(sy_node(s, y), target, 1, cost);
            arcs.push((e, h, s));
        }
    }
    g.run_negative(0, 1);
    for &(e, h, s) in &arcs {
        if g.flow(e) > 0 {
            st.add_guest(p, h, s);
        }
    }
    let ok = hosts.iter().all(|&h| composition_ok(p, st, h));
    if !ok {
        *st = backup;
    }
    st.logging = logging;
    st.log.clear();
    ok
}
