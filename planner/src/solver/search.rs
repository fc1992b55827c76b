//! Construction (dates by min-cost flow, guests greedily) and simulated annealing over
//! guest and date moves.

use super::flow::MinCostFlow;
use super::prep::{Prep, UNSCHEDULED};
use super::state::{BIG, State};

/// SplitMix64: small, fast, good enough for move selection.
#[derive(Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Uniform in [0, 1).
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Whether the dialogue of `h` meets the composition rules (H14–H18 by construction).
pub(crate) fn composition_ok(p: &Prep<'_>, st: &State, h: usize) -> bool {
    let g = &st.guests[h];
    if g.len() < p.min_guests || g.len() > p.max_guests[h] {
        return false;
    }
    let yo = g
        .iter()
        .filter(|&&s| p.org_yo[p.staff_org[s as usize] as usize])
        .count();
    yo >= p.need_yo[h] && g.len() - yo >= p.need_inst[h]
}

/// Whether `s` may join the dialogue of `h`, ignoring the guest at position `except`.
#[inline]
fn eligible(p: &Prep<'_>, st: &State, h: usize, s: usize, except: Option<usize>) -> bool {
    let o = p.staff_org[s];
    if o as usize == h {
        return false;
    }
    let day = st.day[h];
    if !p.available(s, day) {
        return false;
    }
    for (i, &g) in st.guests[h].iter().enumerate() {
        if Some(i) != except && p.staff_org[g as usize] == o {
            return false;
        }
    }
    match st.year(p, h) {
        Some(y) => st.staff_year[s * p.n_years + y] < p.year_cap,
        None => true,
    }
}

/// The change of the objective if `s` joined `h` (travel, shortfall, district youth office).
fn marginal(p: &Prep<'_>, st: &State, h: usize, s: usize) -> i64 {
    let o = p.staff_org[s] as usize;
    let mut m = p.w_travel * p.travel(o, h);
    if i64::from(st.staff_n[s]) < p.target {
        m -= p.w_short;
    }
    if o == p.district_yo[h] as usize && st.is_absent(p, h) {
        m -= p.w_absent;
    }
    m
}

/// Adds guests to `h` until the composition rules hold, then while a guest lowers the
/// objective. Returns whether the composition holds.
pub(crate) fn fill(p: &Prep<'_>, st: &mut State, h: usize) -> bool {
    loop {
        let n = st.guests[h].len();
        if n >= p.max_guests[h] {
            break;
        }
        let yo = st.guests[h]
            .iter()
            .filter(|&&s| p.org_yo[p.staff_org[s as usize] as usize])
            .count();
        let need_yo = p.need_yo[h].saturating_sub(yo);
        let need_inst = p.need_inst[h].saturating_sub(n - yo);
        let required = need_yo > 0 || need_inst > 0 || n < p.min_guests;
        let mut best: Option<(i64, usize)> = None;
        for s in 0..p.n_staff {
            let is_yo = p.org_yo[p.staff_org[s] as usize];
            if (need_yo > 0 && !is_yo) || (need_yo == 0 && need_inst > 0 && is_yo) {
                continue;
            }
            if !eligible(p, st, h, s, None) {
                continue;
            }
            let m = marginal(p, st, h, s);
            if best.is_none_or(|(bm, _)| m < bm) {
                best = Some((m, s));
            }
        }
        match best {
            Some((m, s)) if required || m < 0 => st.add_guest(p, h, s),
            _ => break,
        }
    }
    composition_ok(p, st, h)
}

/// Date cost of host `h` on `day` for the date flow: S4/S5/S7, an estimate of S6 (nobody of
/// the district youth office can come) and the replanning penalty for moving a published
/// dialogue.
fn flow_date_cost(p: &Prep<'_>, h: usize, k: usize, guest_floor: i64) -> i64 {
    let day = i32::from(p.host_days[h][k]);
    let mut cost = p.host_day_cost[h][k] + guest_estimate(p, h, day) - guest_floor;
    if let Some(prev) = p.published_day[h]
        && prev != day
    {
        cost += 1_000_000;
    }
    let yo = p.district_yo[h] as usize;
    if yo != h
        && !p.org_staff[yo]
            .iter()
            .any(|&s| p.available(s as usize, day))
    {
        cost += p.w_absent;
    }
    cost
}

/// Travel of the four nearest people of distinct organisations who could come on `day`: a
/// rough measure of how well a date suits the likely guests.
fn guest_estimate(p: &Prep<'_>, h: usize, day: i32) -> i64 {
    let mut orgs: [u32; 4] = [u32::MAX; 4];
    let mut n = 0;
    let mut total = 0;
    for &s in &p.near_staff[h] {
        let o = p.staff_org[s as usize];
        if orgs[..n].contains(&o) || !p.available(s as usize, day) {
            continue;
        }
        orgs[n] = o;
        n += 1;
        total += p.w_travel * p.travel(o as usize, h);
        if n == orgs.len() {
            break;
        }
    }
    total
}

/// Dates for every host that can get one: the most dialogues the day and week limits allow,
/// then the lowest date cost plus year balance (S2). The flow runs source → host → day →
/// (week, year) → year → sink; the week limit sits on the (week, year) arcs, and an ISO week
/// that spans two calendar years has its limit split between them in every possible way.
/// Year balance is a convex cost on the year → sink arcs (all costs scaled by the number of
/// years to stay integral).
fn flow_dates(p: &Prep<'_>, st: &State, hosts: &[usize]) -> Vec<(i32, usize)> {
    let ny = p.n_years.max(1);
    // years touched by each week (within the cycle)
    let mut week_years: Vec<Vec<usize>> = vec![Vec::new(); p.n_weeks];
    for d in 0..p.n_days {
        let (w, y) = (p.day_week[d] as usize, p.day_year[d] as usize);
        if !week_years[w].contains(&y) {
            week_years[w].push(y);
        }
    }
    let split_weeks: Vec<usize> = (0..p.n_weeks)
        .filter(|&w| week_years[w].len() > 1)
        .collect();
    let free_cap = |w: usize| (i64::from(p.week_cap) - i64::from(st.week_load[w])).max(0);
    // every split of the boundary weeks' limits (bounded, for odd rules)
    let mut splits: Vec<Vec<i64>> = vec![Vec::new()];
    for &w in &split_weeks {
        let cap = free_cap(w);
        let mut next = Vec::new();
        for base in &splits {
            for a in 0..=cap {
                let mut v = base.clone();
                v.push(a);
                next.push(v);
            }
        }
        splits = next;
        if splits.len() > 64 {
            splits.truncate(64);
        }
    }
    let run = |split: &[i64], total: Option<i64>| -> (Vec<(i32, usize)>, i64) {
        let host_node = |i: usize| 2 + i;
        let day_base = 2 + hosts.len();
        let wy_base = day_base + p.n_days;
        let year_base = wy_base + p.n_weeks * ny;
        let mut g = MinCostFlow::new(year_base + ny);
        let mut assign = Vec::new();
        for (i, &h) in hosts.iter().enumerate() {
            g.add_edge(0, host_node(i), 1, 0);
            let floor = p.host_days[h]
                .iter()
                .map(|&d| guest_estimate(p, h, i32::from(d)))
                .min()
                .unwrap_or(0);
            for (k, &d) in p.host_days[h].iter().enumerate() {
                let cost = if total.is_some() {
                    ny as i64 * flow_date_cost(p, h, k, floor)
                } else {
                    0
                };
                let e = g.add_edge(host_node(i), day_base + d as usize, 1, cost);
                assign.push((e, h, i32::from(d)));
            }
        }
        for d in 0..p.n_days {
            let cap = i64::from(p.day_cap) - i64::from(st.day_load[d]);
            if cap > 0 {
                let (w, y) = (p.day_week[d] as usize, p.day_year[d] as usize);
                g.add_edge(day_base + d, wy_base + w * ny + y, cap, 0);
            }
        }
        for (w, years) in week_years.iter().enumerate() {
            for (j, &y) in years.iter().enumerate() {
                let cap = match split_weeks.iter().position(|&x| x == w) {
                    Some(k) if j == 0 => split[k],
                    Some(k) => free_cap(w) - split[k],
                    None => free_cap(w),
                };
                if cap > 0 {
                    g.add_edge(wy_base + w * ny + y, year_base + y, cap, 0);
                }
            }
        }
        let w2 = p.w_year;
        for y in 0..ny {
            match total {
                // S2 marginal cost of the k-th dialogue in year y (pinned ones included)
                Some(t) if ny > 1 => {
                    let dev = |n: i64| (ny as i64 * n - t).abs();
                    let base = st.year_n.get(y).copied().unwrap_or(0);
                    for k in 1..=hosts.len() as i64 {
                        let c = w2 * (dev(base + k) - dev(base + k - 1));
                        g.add_edge(year_base + y, 1, 1, c);
                    }
                }
                _ => {
                    g.add_edge(year_base + y, 1, hosts.len() as i64, 0);
                }
            }
        }
        g.run(0, 1);
        let chosen: Vec<(i32, usize)> = assign
            .iter()
            .filter(|&&(e, _, _)| g.flow(e) > 0)
            .map(|&(_, h, day)| (day, h))
            .collect();
        let mut trial = st.clone();
        for &(day, h) in &chosen {
            trial.schedule(p, h, day);
        }
        (chosen, trial.cost())
    };
    // first the number of dialogues that fit, then the cheapest way to place that many
    let mut most = 0;
    for split in &splits {
        most = most.max(run(split, None).0.len() as i64);
    }
    let total = Some(most + st.total);
    let mut best: Option<(Vec<(i32, usize)>, i64)> = None;
    for split in &splits {
        let (chosen, cost) = run(split, total);
        if best.as_ref().is_none_or(|(_, c)| cost < *c) {
            best = Some((chosen, cost));
        }
    }
    best.map(|(c, _)| c).unwrap_or_default()
}

/// Builds a first plan: dates by the year-aware date flow, guests greedily in date order and
/// then by the exact guest flow.
pub(crate) fn construct(p: &Prep<'_>) -> State {
    let mut st = State::new(p);
    let hosts: Vec<usize> = (0..p.n_orgs)
        .filter(|&h| !p.host_days[h].is_empty())
        .collect();
    if hosts.is_empty() {
        return st;
    }
    let mut chosen = flow_dates(p, &st, &hosts);
    chosen.sort_unstable();
    for &(day, h) in &chosen {
        st.schedule(p, h, day);
    }
    for &(_, h) in &chosen {
        if !fill(p, &mut st, h) {
            while let Some(i) = st.guests[h].len().checked_sub(1) {
                st.remove_guest_at(p, h, i);
            }
            st.unschedule(p, h);
        }
    }
    // hosts left out (no guests possible on their day): try any free day
    for &h in &hosts {
        if st.day[h] == UNSCHEDULED {
            try_schedule_anywhere(p, &mut st, h);
        }
    }
    let mut exact = st.clone();
    if super::guests::reassign(p, &mut exact, super::guests::Limits::DEFAULT)
        && exact.cost() < st.cost()
    {
        st = exact;
    }
    st.log.clear();
    st
}

fn day_free(p: &Prep<'_>, st: &State, day: i32, leaving_week: Option<usize>) -> bool {
    let d = day as usize;
    if st.day_load[d] >= p.day_cap {
        return false;
    }
    let w = p.day_week[d] as usize;
    Some(w) == leaving_week || st.week_load[w] < p.week_cap
}

fn try_schedule_anywhere(p: &Prep<'_>, st: &mut State, h: usize) -> bool {
    for k in 0..p.host_days[h].len() {
        let day = i32::from(p.host_days[h][k]);
        if !day_free(p, st, day, None) {
            continue;
        }
        st.schedule(p, h, day);
        if fill(p, st, h) {
            return true;
        }
        while let Some(i) = st.guests[h].len().checked_sub(1) {
            st.remove_guest_at(p, h, i);
        }
        st.unschedule(p, h);
    }
    false
}

/// One annealing walker.
pub(crate) struct Walker<'p, 'a> {
    pub p: &'p Prep<'a>,
    pub st: State,
    pub best: State,
    pub best_cost: i64,
    pub rng: Rng,
    /// Hosts the search may change and schedule.
    hosts: Vec<u32>,
    pub iterations: u64,
    /// Plans seen at fixed points of the current epoch, polished at its end.
    snapshots: Vec<State>,
    /// Longest guest flow so far (to keep the polish within the deadline).
    pub flow_time: std::time::Duration,
}

/// Snapshots per epoch.
const SNAPSHOTS: u64 = 3;

impl<'p, 'a> Walker<'p, 'a> {
    pub fn new(p: &'p Prep<'a>, start: State, seed: u64) -> Self {
        let hosts = (0..p.n_orgs)
            .filter(|&h| !p.host_days[h].is_empty())
            .map(|h| h as u32)
            .collect();
        let mut st = start;
        st.logging = true;
        st.log.clear();
        let best_cost = st.cost();
        Walker {
            p,
            best: st.clone(),
            st,
            best_cost,
            rng: Rng::new(seed),
            hosts,
            iterations: 0,
            snapshots: Vec::new(),
            flow_time: std::time::Duration::ZERO,
        }
    }

    /// Restarts the walk from `state`.
    pub fn reset_to(&mut self, state: &State) {
        self.st = state.clone();
        self.st.logging = true;
        self.st.log.clear();
        if self.st.cost() < self.best_cost {
            self.best = state.clone();
            self.best_cost = self.st.cost();
        }
    }

    /// Runs `n` annealing steps at temperatures falling geometrically from `t0` to `t1`;
    /// stops early when `stop` says so (checked every 256 steps).
    pub fn anneal(&mut self, n: u64, t0: f64, t1: f64, stop: &dyn Fn() -> bool) {
        if self.hosts.is_empty() {
            return;
        }
        let ratio = if n > 1 {
            (t1 / t0).powf(1.0 / (n - 1) as f64)
        } else {
            1.0
        };
        let mut temp = t0;
        self.snapshots.clear();
        let every = (n / SNAPSHOTS).max(1);
        for i in 0..n {
            if i % 256 == 0 && stop() {
                break;
            }
            self.step(temp);
            temp *= ratio;
            if (i + 1) % every == 0 && self.snapshots.len() < SNAPSHOTS as usize {
                self.snapshots.push(self.st.clone());
            }
        }
    }

    /// Gives the best plan, and the plans seen at the snapshot points, the best guests for
    /// their dates (exact flow); keeps the best result. Dates that the annealing's quick
    /// guest repair undervalues get their chance this way.
    /// A flow that would end after `deadline` is skipped (the best plan first, then the
    /// snapshots from the latest).
    pub fn polish(&mut self, deadline: Option<std::time::Instant>) {
        let mut candidates = std::mem::take(&mut self.snapshots);
        candidates.push(self.best.clone());
        while let Some(mut polished) = candidates.pop() {
            let started = std::time::Instant::now();
            if deadline.is_some_and(|d| started + self.flow_time > d) {
                break;
            }
            let ok = super::guests::reassign(self.p, &mut polished, super::guests::Limits::DEFAULT);
            self.flow_time = self.flow_time.max(started.elapsed());
            if ok && polished.cost() < self.best_cost {
                self.best_cost = polished.cost();
                self.best = polished;
            }
        }
    }

    fn step(&mut self, temp: f64) {
        self.iterations += 1;
        let before = self.st.cost();
        let h = self.hosts[self.rng.below(self.hosts.len())] as usize;
        let ok = if self.st.day[h] == UNSCHEDULED {
            self.schedule_move(h)
        } else {
            let r = self.rng.below(100);
            match r {
                0..30 => self.replace_move(h),
                30..42 => self.add_move(h),
                42..54 => self.remove_move(h),
                54..76 => self.transfer_move(h),
                76..88 => self.swap_move(h),
                _ => self.date_move(h),
            }
        };
        if !ok {
            self.st.undo_to(self.p, 0);
            return;
        }
        let delta = self.st.cost() - before;
        if delta <= 0 || (delta < BIG && self.rng.unit() < (-(delta as f64) / temp).exp()) {
            self.st.log.clear();
            let c = self.st.cost();
            if c < self.best_cost {
                self.best_cost = c;
                self.best.clone_from(&self.st);
            }
        } else {
            self.st.undo_to(self.p, 0);
        }
    }

    /// A random person of another organisation, biased towards short travel to `h`.
    fn random_staff(&mut self, h: usize) -> usize {
        let list = &self.p.near_staff[h];
        if list.is_empty() {
            return self.rng.below(self.p.n_staff);
        }
        let u = self.rng.unit();
        list[((u * u) * list.len() as f64) as usize % list.len()] as usize
    }

    fn replace_move(&mut self, h: usize) -> bool {
        let (p, n) = (self.p, self.st.guests[h].len());
        if n == 0 {
            return false;
        }
        let i = self.rng.below(n);
        let g = self.st.guests[h][i] as usize;
        let s = if self.rng.below(4) == 0 {
            let col = &p.org_staff[p.staff_org[g] as usize];
            col[self.rng.below(col.len())] as usize
        } else {
            self.random_staff(h)
        };
        if s == g || !eligible(p, &self.st, h, s, Some(i)) {
            return false;
        }
        self.st.remove_guest_at(p, h, i);
        self.st.add_guest(p, h, s);
        composition_ok(p, &self.st, h)
    }

    fn add_move(&mut self, h: usize) -> bool {
        let p = self.p;
        if self.st.guests[h].len() >= p.max_guests[h] {
            return false;
        }
        let s = self.random_staff(h);
        if !eligible(p, &self.st, h, s, None) {
            return false;
        }
        self.st.add_guest(p, h, s);
        true
    }

    fn remove_move(&mut self, h: usize) -> bool {
        let p = self.p;
        let n = self.st.guests[h].len();
        if n <= p.min_guests {
            return false;
        }
        let i = self.rng.below(n);
        self.st.remove_guest_at(p, h, i);
        composition_ok(p, &self.st, h)
    }

    fn other_scheduled(&mut self, h: usize) -> Option<usize> {
        let h2 = self.hosts[self.rng.below(self.hosts.len())] as usize;
        (h2 != h && self.st.day[h2] != UNSCHEDULED).then_some(h2)
    }

    fn transfer_move(&mut self, h: usize) -> bool {
        let p = self.p;
        let n = self.st.guests[h].len();
        if n <= p.min_guests {
            return false;
        }
        let Some(h2) = self.other_scheduled(h) else {
            return false;
        };
        if self.st.guests[h2].len() >= p.max_guests[h2] {
            return false;
        }
        let i = self.rng.below(n);
        let g = self.st.guests[h][i] as usize;
        let same_year = self.st.year(p, h) == self.st.year(p, h2);
        // with the same year, the place freed in h's year is the one taken in h2's
        if same_year {
            let o = p.staff_org[g];
            if o as usize == h2
                || !p.available(g, self.st.day[h2])
                || self.st.guests[h2]
                    .iter()
                    .any(|&x| p.staff_org[x as usize] == o)
            {
                return false;
            }
        } else if !eligible(p, &self.st, h2, g, None) {
            return false;
        }
        self.st.remove_guest_at(p, h, i);
        self.st.add_guest(p, h2, g);
        composition_ok(p, &self.st, h)
    }

    fn swap_move(&mut self, h: usize) -> bool {
        let p = self.p;
        let Some(h2) = self.other_scheduled(h) else {
            return false;
        };
        let (n1, n2) = (self.st.guests[h].len(), self.st.guests[h2].len());
        if n1 == 0 || n2 == 0 {
            return false;
        }
        let i1 = self.rng.below(n1);
        let i2 = self.rng.below(n2);
        let g1 = self.st.guests[h][i1] as usize;
        let g2 = self.st.guests[h2][i2] as usize;
        if p.staff_org[g1] == p.staff_org[g2] {
            return false;
        }
        // remove both first so that the yearly limits see the freed places
        self.st.remove_guest_at(p, h, i1);
        self.st.remove_guest_at(p, h2, i2);
        if !eligible(p, &self.st, h, g2, None) || !eligible(p, &self.st, h2, g1, None) {
            return false;
        }
        self.st.add_guest(p, h, g2);
        self.st.add_guest(p, h2, g1);
        composition_ok(p, &self.st, h) && composition_ok(p, &self.st, h2)
    }

    /// Moves `h` to `day` (which must be free for it), dropping guests who cannot come and
    /// refilling the dialogue.
    fn relocate(&mut self, h: usize, day: i32) -> bool {
        let p = self.p;
        let new_year = p.year_of(day);
        let year_changes = new_year != self.st.year(p, h);
        let mut i = 0;
        let mut dropped: [u32; 8] = [0; 8];
        let mut n_dropped = 0;
        while i < self.st.guests[h].len() {
            let g = self.st.guests[h][i] as usize;
            let capped = year_changes
                && new_year.is_some_and(|y| self.st.staff_year[g * p.n_years + y] >= p.year_cap);
            if capped || !p.available(g, day) {
                self.st.remove_guest_at(p, h, i);
                if n_dropped < dropped.len() {
                    dropped[n_dropped] = g as u32;
                    n_dropped += 1;
                }
            } else {
                i += 1;
            }
        }
        self.st.set_day(p, h, day);
        if !fill(p, &mut self.st, h) {
            return false;
        }
        // people who lost this dialogue go to the nearest other one with room, so that
        // they keep their attendances
        for &g in &dropped[..n_dropped] {
            let g = g as usize;
            if i64::from(self.st.staff_n[g]) >= p.target {
                continue;
            }
            let mut best: Option<(i64, usize)> = None;
            for &h2 in &self.hosts {
                let h2 = h2 as usize;
                if h2 == h
                    || self.st.day[h2] == UNSCHEDULED
                    || self.st.guests[h2].len() >= p.max_guests[h2]
                    || !eligible(p, &self.st, h2, g, None)
                {
                    continue;
                }
                let m = marginal(p, &self.st, h2, g);
                if best.is_none_or(|(bm, _)| m < bm) {
                    best = Some((m, h2));
                }
            }
            if let Some((_, h2)) = best {
                self.st.add_guest(p, h2, g);
            }
        }
        true
    }

    fn date_move(&mut self, h: usize) -> bool {
        let p = self.p;
        let days = &p.host_days[h];
        let day = i32::from(days[self.rng.below(days.len())]);
        let cur = self.st.day[h];
        if day == cur {
            return false;
        }
        let cur_week = p.day_week[cur as usize] as usize;
        if day_free(p, &self.st, day, Some(cur_week)) {
            if !self.relocate(h, day) {
                return false;
            }
            let to_year = p.year_of(day);
            if to_year == p.year_of(cur) || self.rng.below(2) == 0 {
                return true;
            }
            // keep the years balanced: move another dialogue out of the year h went to
            for _ in 0..8 {
                let h2 = self.hosts[self.rng.below(self.hosts.len())] as usize;
                let d_old = self.st.day[h2];
                if h2 == h || d_old == UNSCHEDULED || p.year_of(d_old) != to_year {
                    continue;
                }
                let days2 = &p.host_days[h2];
                let d2 = i32::from(days2[self.rng.below(days2.len())]);
                let w_old = p.day_week[d_old as usize] as usize;
                if p.year_of(d2) == to_year || !day_free(p, &self.st, d2, Some(w_old)) {
                    continue;
                }
                return self.relocate(h2, d2);
            }
            return true;
        }
        // occupied: swap with the other host when both dates are valid for both
        let other = self.st.day_host[day as usize];
        if other < 0 || self.st.day_load[day as usize] != 1 {
            return false;
        }
        let h2 = other as usize;
        if !p.free[h2] || p.day_pos(h2, cur).is_none() {
            return false;
        }
        self.relocate_pair(h, h2)
    }

    /// Exchanges the dates of `h` and `h2` (day and week loads stay the same).
    fn relocate_pair(&mut self, h: usize, h2: usize) -> bool {
        let (d1, d2) = (self.st.day[h], self.st.day[h2]);
        // move h2 to d1 and h to d2; loads are counted per operation, so the intermediate
        // double occupation is harmless
        self.relocate(h2, d1) && self.relocate(h, d2)
    }

    fn schedule_move(&mut self, h: usize) -> bool {
        let p = self.p;
        let days = &p.host_days[h];
        let day = i32::from(days[self.rng.below(days.len())]);
        if day_free(p, &self.st, day, None) {
            self.st.schedule(p, h, day);
            return fill(p, &mut self.st, h);
        }
        // kick the host of that day to another of its dates
        let other = self.st.day_host[day as usize];
        if other < 0 || self.st.day_load[day as usize] != 1 || !p.free[other as usize] {
            return false;
        }
        let h2 = other as usize;
        let days2 = &p.host_days[h2];
        let d2 = i32::from(days2[self.rng.below(days2.len())]);
        if d2 == day || !day_free(p, &self.st, d2, Some(p.day_week[day as usize] as usize)) {
            return false;
        }
        if !self.relocate(h2, d2) {
            return false;
        }
        if !day_free(p, &self.st, day, None) {
            return false;
        }
        self.st.schedule(p, h, day);
        fill(p, &mut self.st, h)
    }
}
