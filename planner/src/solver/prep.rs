//! Pre-computed, index-based view of an instance for the search.

use chrono::{Datelike, NaiveDate};

use crate::model::{Instance, OrgKind, Plan};
use crate::replan::Baseline;

/// Marker of an unscheduled host in [`super::state::State::day`].
pub(crate) const UNSCHEDULED: i32 = i32::MIN;

/// Everything the search needs, as flat arrays.
pub(crate) struct Prep<'a> {
    pub inst: &'a Instance,
    pub n_orgs: usize,
    pub n_staff: usize,
    pub n_years: usize,
    /// Number of days of the cycle (day index 0 = cycle start).
    pub n_days: usize,
    /// ISO week index per day index.
    pub day_week: Vec<u16>,
    pub n_weeks: usize,
    /// Cycle year index per day index.
    pub day_year: Vec<u16>,
    /// Valid day indices per host (H1–H6 and H9 hold), ascending.
    pub host_days: Vec<Vec<u16>>,
    /// Date cost (S4 + S5 + S7, weighted) per host and position in `host_days`.
    pub host_day_cost: Vec<Vec<i64>>,
    /// Availability bitset: bit `d` of row `s` set when staff `s` is available on day `d`.
    avail: Vec<u64>,
    words: usize,
    pub staff_org: Vec<u32>,
    pub org_yo: Vec<bool>,
    pub district_yo: Vec<u32>,
    /// Travel minutes `[from * n_orgs + to]`.
    travel: Vec<u32>,
    pub min_guests: usize,
    pub max_guests: Vec<usize>,
    pub need_yo: Vec<usize>,
    pub need_inst: Vec<usize>,
    pub year_cap: u8,
    pub target: i64,
    pub day_cap: u8,
    pub week_cap: u8,
    pub w_short: i64,
    pub w_travel: i64,
    pub w_absent: i64,
    pub w_year: i64,
    pub w_mf: i64,
    pub w_school: i64,
    pub w_month: i64,
    /// Hosts the search may change (not pinned).
    pub free: Vec<bool>,
    /// The fixed dialogues of pinned hosts.
    pub pinned_plan: Plan,
    /// Published hosts: the previous day offset, for M2.
    pub published_day: Vec<Option<i32>>,
    /// Staff of each organisation.
    pub org_staff: Vec<Vec<u32>>,
    /// Per host: staff of other organisations, nearest first.
    pub near_staff: Vec<Vec<u32>>,
}

impl<'a> Prep<'a> {
    pub fn new(inst: &'a Instance, baseline: Option<&Baseline>) -> Self {
        let r = &inst.rules;
        let w = &r.weights;
        let n_orgs = inst.orgs.len();
        let n_staff = inst.staff.len();
        let n_days = (inst.end - inst.start).num_days() as usize + 1;
        let mut week_ids: Vec<(i32, u32)> = Vec::new();
        let mut day_week = Vec::with_capacity(n_days);
        let mut day_year = Vec::with_capacity(n_days);
        for d in 0..n_days {
            let date = inst.start + chrono::Days::new(d as u64);
            let wk = date.iso_week();
            let key = (wk.year(), wk.week());
            if week_ids.last() != Some(&key) {
                week_ids.push(key);
            }
            day_week.push((week_ids.len() - 1) as u16);
            let y = inst
                .years
                .iter()
                .position(|&y| y == date.year())
                .unwrap_or(0);
            day_year.push(y as u16);
        }
        let words = n_days.div_ceil(64);
        let mut avail = vec![0u64; n_staff * words];
        for (s, st) in inst.staff.iter().enumerate() {
            for d in 0..n_days {
                let date = inst.start + chrono::Days::new(d as u64);
                if !st.unavailable_on(date) {
                    avail[s * words + d / 64] |= 1 << (d % 64);
                }
            }
        }
        let mut free = vec![true; n_orgs];
        let mut pinned_plan = Plan::empty(inst);
        let mut published_day = vec![None; n_orgs];
        if let Some(b) = baseline {
            for h in 0..n_orgs {
                if b.pinned(h) {
                    free[h] = false;
                    pinned_plan.dialogues[h] = b.plan.dialogues.get(h).cloned().flatten();
                }
                if let Some(date) = b.published_date(h) {
                    published_day[h] = Some((date - inst.start).num_days() as i32);
                }
            }
        }
        let min_guests = (r.min_orgs_per_dialogue - 1).max(0) as usize;
        let mut max_guests = Vec::with_capacity(n_orgs);
        let mut need_yo = Vec::with_capacity(n_orgs);
        let mut need_inst = Vec::with_capacity(n_orgs);
        for o in &inst.orgs {
            let room = (o.room_capacity - o.reps.len() as i64).max(0);
            max_guests.push(((r.max_orgs_per_dialogue - 1).min(room)).max(0) as usize);
            let yo = i64::from(o.kind == OrgKind::YouthOffice);
            need_yo.push((r.min_youth_offices_per_dialogue - yo).max(0) as usize);
            need_inst.push((r.min_institutions_per_dialogue - (1 - yo)).max(0) as usize);
        }
        let mut prep = Prep {
            inst,
            n_orgs,
            n_staff,
            n_years: inst.years.len(),
            n_days,
            day_week,
            n_weeks: week_ids.len(),
            day_year,
            host_days: Vec::new(),
            host_day_cost: Vec::new(),
            avail,
            words,
            staff_org: inst.staff.iter().map(|s| s.org as u32).collect(),
            org_yo: inst
                .orgs
                .iter()
                .map(|o| o.kind == OrgKind::YouthOffice)
                .collect(),
            district_yo: inst
                .district_youth_office
                .iter()
                .map(|&o| o as u32)
                .collect(),
            travel: (0..n_orgs * n_orgs)
                .map(|i| inst.travel(i / n_orgs, i % n_orgs))
                .collect(),
            min_guests,
            max_guests,
            need_yo,
            need_inst,
            year_cap: r.max_guest_dialogues_per_staff_per_year.clamp(0, 255) as u8,
            target: r.target_guest_dialogues_per_staff,
            day_cap: r.max_dialogues_per_day.clamp(0, 1) as u8,
            week_cap: r.max_dialogues_per_iso_week.clamp(0, 255) as u8,
            w_short: w.attendance_shortfall,
            w_travel: w.travel_minute,
            w_absent: w.district_youth_office_absent,
            w_year: w.year_balance,
            w_mf: w.monday_friday,
            w_school: w.school_holiday,
            w_month: w.preferred_month,
            free,
            pinned_plan,
            published_day,
            org_staff: inst
                .orgs
                .iter()
                .map(|o| o.staff.iter().map(|&s| s as u32).collect())
                .collect(),
            near_staff: Vec::new(),
        };
        for h in 0..n_orgs {
            let mut list: Vec<u32> = (0..n_staff as u32)
                .filter(|&s| prep.staff_org[s as usize] as usize != h)
                .collect();
            list.sort_by_key(|&s| (prep.travel(prep.staff_org[s as usize] as usize, h), s));
            prep.near_staff.push(list);
        }
        for h in 0..n_orgs {
            let mut days = Vec::new();
            let mut costs = Vec::new();
            let schedulable = prep.free[h]
                && prep.max_guests[h] >= prep.min_guests
                && prep.max_guests[h] >= prep.need_yo[h] + prep.need_inst[h];
            if schedulable {
                for &date in &inst.orgs[h].candidates {
                    let offset = (date - inst.start).num_days();
                    if prep.valid_date(h, date)
                        && let Ok(d) = u16::try_from(offset)
                    {
                        days.push(d);
                        costs.push(prep.date_cost(h, date));
                    }
                }
            }
            prep.host_days.push(days);
            prep.host_day_cost.push(costs);
        }
        prep
    }

    fn valid_date(&self, h: usize, date: NaiveDate) -> bool {
        let inst = self.inst;
        date >= inst.start
            && date <= inst.end
            && date.weekday().number_from_monday() <= 5
            && !inst.public_holidays.contains(&date)
            && !inst.forum_dates.contains(&date)
            && date >= inst.earliest(h)
            && inst.orgs[h]
                .reps
                .iter()
                .all(|&r| !inst.staff[r].unavailable_on(date))
    }

    /// S4 + S5 + S7 (weighted) of host `h` on `date`.
    pub fn date_cost(&self, h: usize, date: NaiveDate) -> i64 {
        let inst = self.inst;
        let mut c = 0;
        let wd = date.weekday().number_from_monday();
        if wd == 1 || wd == 5 {
            c += self.w_mf;
        }
        if inst.in_school_holidays(date) {
            c += self.w_school;
        }
        let months = &inst.orgs[h].preferred_months;
        if !months.is_empty() && !months.contains(&date.month()) {
            c += self.w_month;
        }
        c
    }

    /// The date of a day offset.
    pub fn date(&self, day: i32) -> NaiveDate {
        if day >= 0 {
            self.inst.start + chrono::Days::new(day as u64)
        } else {
            self.inst.start - chrono::Days::new(u64::from(day.unsigned_abs()))
        }
    }

    /// Whether `day` is an index inside the cycle.
    #[inline]
    pub fn in_cycle(&self, day: i32) -> bool {
        day >= 0 && (day as usize) < self.n_days
    }

    /// Cycle year index of a day offset, if it lies in a cycle year.
    pub fn year_of(&self, day: i32) -> Option<usize> {
        if self.in_cycle(day) {
            Some(self.day_year[day as usize] as usize)
        } else {
            let y = self.date(day).year();
            self.inst.years.iter().position(|&x| x == y)
        }
    }

    #[inline]
    pub fn available(&self, s: usize, day: i32) -> bool {
        if !self.in_cycle(day) {
            return !self.inst.staff[s].unavailable_on(self.date(day));
        }
        let d = day as usize;
        self.avail[s * self.words + d / 64] & (1 << (d % 64)) != 0
    }

    #[inline]
    pub fn travel(&self, from_org: usize, to_org: usize) -> i64 {
        i64::from(self.travel[from_org * self.n_orgs + to_org])
    }

    /// Position of `day` in `host_days[h]`.
    pub fn day_pos(&self, h: usize, day: i32) -> Option<usize> {
        u16::try_from(day)
            .ok()
            .and_then(|d| self.host_days[h].binary_search(&d).ok())
    }
}
