//! The search state with an incrementally maintained score.
//!
//! The state only ever holds plans that keep every hard rule for the hosts the search may
//! change (valid dates, day and week capacity, available guests, one guest per organisation,
//! composition, room, yearly guest limit); pinned dialogues are copied as they are. The score
//! parts (medium and every soft term) are updated by the primitive operations below, each of
//! which can be undone.

use crate::model::{Plan, Scheduled};
use crate::score::{Score, year_balance_value};

use super::prep::{Prep, UNSCHEDULED};

/// Weight of one medium violation against the soft total in the search objective.
pub(crate) const BIG: i64 = 1_000_000_000;

#[derive(Clone, Copy, Debug)]
pub(crate) enum Op {
    Add(u32, u32),
    Remove(u32, u32, u8),
    SetDay(u32, i32),
    Schedule(u32),
    Unschedule(u32, i32),
}

#[derive(Clone)]
pub(crate) struct State {
    pub day: Vec<i32>,
    pub guests: Vec<Vec<u32>>,
    pub day_load: Vec<u8>,
    pub day_host: Vec<i32>,
    pub week_load: Vec<u8>,
    pub year_n: Vec<i64>,
    pub total: i64,
    pub staff_n: Vec<u16>,
    pub staff_year: Vec<u8>,
    pub unscheduled: i64,
    pub moved: i64,
    pub shortfall: i64,
    pub travel: i64,
    pub date_cost: i64,
    pub absent: i64,
    pub year_bal: i64,
    pub log: Vec<Op>,
    pub logging: bool,
    w_short: i64,
    w_travel: i64,
    w_absent: i64,
}

impl State {
    /// The empty plan plus the pinned dialogues.
    pub fn new(p: &Prep<'_>) -> Self {
        let mut st = State {
            day: vec![UNSCHEDULED; p.n_orgs],
            guests: vec![Vec::new(); p.n_orgs],
            day_load: vec![0; p.n_days],
            day_host: vec![-1; p.n_days],
            week_load: vec![0; p.n_weeks],
            year_n: vec![0; p.n_years],
            total: 0,
            staff_n: vec![0; p.n_staff],
            staff_year: vec![0; p.n_staff * p.n_years],
            unscheduled: p.n_orgs as i64,
            moved: 0,
            shortfall: p.target.max(0) * p.n_staff as i64,
            travel: 0,
            date_cost: 0,
            absent: 0,
            year_bal: 0,
            log: Vec::new(),
            logging: false,
            w_short: p.w_short,
            w_travel: p.w_travel,
            w_absent: p.w_absent,
        };
        st.moved = p.published_day.iter().filter(|d| d.is_some()).count() as i64;
        for (h, d) in p.pinned_plan.scheduled() {
            let day = (d.date - p.inst.start).num_days() as i32;
            st.schedule(p, h, day);
            for &g in &d.guests {
                st.add_guest(p, h, g);
            }
        }
        st.log.clear();
        st
    }

    /// Search objective: medium first, then soft.
    #[inline]
    pub fn cost(&self) -> i64 {
        BIG * (self.unscheduled + self.moved) + self.soft()
    }

    #[inline]
    fn soft(&self) -> i64 {
        self.w_short * self.shortfall
            + self.year_bal
            + self.w_travel * self.travel
            + self.date_cost
            + self.w_absent * self.absent
    }

    /// Score as maintained (hard is 0 by construction for the changeable hosts).
    pub fn score(&self) -> Score {
        Score {
            hard: 0,
            medium: (self.unscheduled + self.moved) as u64,
            soft: self.soft(),
        }
    }

    pub fn plan(&self, p: &Prep<'_>) -> Plan {
        let mut plan = Plan::empty(p.inst);
        for h in 0..p.n_orgs {
            if self.day[h] != UNSCHEDULED {
                plan.dialogues[h] = Some(Scheduled {
                    date: p.date(self.day[h]),
                    guests: self.guests[h].iter().map(|&g| g as usize).collect(),
                });
            }
        }
        plan
    }

    #[inline]
    pub fn year(&self, p: &Prep<'_>, h: usize) -> Option<usize> {
        p.year_of(self.day[h])
    }

    #[inline]
    fn short_of(p: &Prep<'_>, n: u16) -> i64 {
        (p.target - i64::from(n)).max(0)
    }

    /// Whether the dialogue of `h` misses its district youth office (S6).
    pub fn is_absent(&self, p: &Prep<'_>, h: usize) -> bool {
        let yo = p.district_yo[h];
        yo as usize != h
            && !self.guests[h]
                .iter()
                .any(|&g| p.staff_org[g as usize] == yo)
    }

    fn refresh_year_balance(&mut self, p: &Prep<'_>) {
        self.year_bal = year_balance_value(p.w_year, &self.year_n, self.total);
    }

    fn moved_of(p: &Prep<'_>, h: usize, day: i32) -> i64 {
        match p.published_day[h] {
            Some(d) => i64::from(d != day),
            None => 0,
        }
    }

    fn date_cost_of(p: &Prep<'_>, h: usize, day: i32) -> i64 {
        match p.day_pos(h, day) {
            Some(k) => p.host_day_cost[h][k],
            None => p.date_cost(h, p.date(day)),
        }
    }

    fn occupy(&mut self, p: &Prep<'_>, h: usize, day: i32, sign: i8) {
        if p.in_cycle(day) {
            let d = day as usize;
            let w = p.day_week[d] as usize;
            if sign > 0 {
                self.day_load[d] += 1;
                self.week_load[w] += 1;
                self.day_host[d] = h as i32;
            } else {
                self.day_load[d] -= 1;
                self.week_load[w] -= 1;
                if self.day_host[d] == h as i32 {
                    self.day_host[d] = -1;
                }
            }
        }
        if let Some(y) = p.year_of(day) {
            self.year_n[y] += i64::from(sign);
        }
        self.total += i64::from(sign);
        self.date_cost += i64::from(sign) * Self::date_cost_of(p, h, day);
        self.moved +=
            i64::from(sign) * (Self::moved_of(p, h, day) - Self::moved_of(p, h, UNSCHEDULED));
        self.refresh_year_balance(p);
    }

    /// Schedules the unscheduled host `h` on `day` without guests.
    pub fn schedule(&mut self, p: &Prep<'_>, h: usize, day: i32) {
        debug_assert_eq!(self.day[h], UNSCHEDULED);
        self.day[h] = day;
        self.unscheduled -= 1;
        self.occupy(p, h, day, 1);
        if self.is_absent(p, h) {
            self.absent += 1;
        }
        if self.logging {
            self.log.push(Op::Schedule(h as u32));
        }
    }

    /// Unschedules `h`, which must have no guests.
    pub fn unschedule(&mut self, p: &Prep<'_>, h: usize) {
        debug_assert!(self.guests[h].is_empty());
        let day = self.day[h];
        if self.is_absent(p, h) {
            self.absent -= 1;
        }
        self.occupy(p, h, day, -1);
        self.day[h] = UNSCHEDULED;
        self.unscheduled += 1;
        if self.logging {
            self.log.push(Op::Unschedule(h as u32, day));
        }
    }

    /// Moves the scheduled `h` to `day`, with its guests.
    pub fn set_day(&mut self, p: &Prep<'_>, h: usize, day: i32) {
        let old = self.day[h];
        let (oy, ny) = (p.year_of(old), p.year_of(day));
        self.occupy(p, h, old, -1);
        self.day[h] = day;
        self.occupy(p, h, day, 1);
        if oy != ny {
            for &g in &self.guests[h] {
                let g = g as usize;
                if let Some(y) = oy {
                    self.staff_year[g * p.n_years + y] -= 1;
                }
                if let Some(y) = ny {
                    self.staff_year[g * p.n_years + y] += 1;
                }
            }
        }
        if self.logging {
            self.log.push(Op::SetDay(h as u32, old));
        }
    }

    /// Adds guest `s` to the scheduled dialogue of `h`.
    pub fn add_guest(&mut self, p: &Prep<'_>, h: usize, s: usize) {
        let was_absent = self.is_absent(p, h);
        let n = self.staff_n[s];
        self.shortfall += Self::short_of(p, n + 1) - Self::short_of(p, n);
        self.staff_n[s] = n + 1;
        if let Some(y) = self.year(p, h) {
            self.staff_year[s * p.n_years + y] += 1;
        }
        self.travel += p.travel(p.staff_org[s] as usize, h);
        self.guests[h].push(s as u32);
        if was_absent && !self.is_absent(p, h) {
            self.absent -= 1;
        }
        if self.logging {
            self.log.push(Op::Add(h as u32, s as u32));
        }
    }

    /// Removes the guest at position `i` of the dialogue of `h`.
    pub fn remove_guest_at(&mut self, p: &Prep<'_>, h: usize, i: usize) {
        let was_absent = self.is_absent(p, h);
        let s = self.guests[h].swap_remove(i) as usize;
        let n = self.staff_n[s];
        self.shortfall += Self::short_of(p, n - 1) - Self::short_of(p, n);
        self.staff_n[s] = n - 1;
        if let Some(y) = self.year(p, h) {
            self.staff_year[s * p.n_years + y] -= 1;
        }
        self.travel -= p.travel(p.staff_org[s] as usize, h);
        if !was_absent && self.is_absent(p, h) {
            self.absent += 1;
        }
        if self.logging {
            self.log.push(Op::Remove(h as u32, s as u32, i as u8));
        }
    }

    /// Undoes every logged operation after position `mark`.
    pub fn undo_to(&mut self, p: &Prep<'_>, mark: usize) {
        let logging = self.logging;
        self.logging = false;
        while self.log.len() > mark {
            let Some(op) = self.log.pop() else { break };
            match op {
                Op::Add(h, s) => {
                    let h = h as usize;
                    if let Some(i) = self.guests[h].iter().rposition(|&g| g == s) {
                        self.remove_guest_at(p, h, i);
                    }
                }
                Op::Remove(h, s, i) => {
                    let h = h as usize;
                    self.add_guest(p, h, s as usize);
                    // restore the position swap_remove changed
                    let g = &mut self.guests[h];
                    let last = g.len() - 1;
                    g.swap(i as usize, last);
                }
                Op::SetDay(h, old) => self.set_day(p, h as usize, old),
                Op::Schedule(h) => self.unschedule(p, h as usize),
                Op::Unschedule(h, day) => self.schedule(p, h as usize, day),
            }
        }
        self.logging = logging;
    }
}
