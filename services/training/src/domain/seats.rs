//! Who gets a seat: capacity, the seats kept for youth-office and for institution staff until
//! the reservation ends, and the limit per organisation. Offered seats are held: they count as
//! taken until accepted or expired.

use chrono::NaiveDate;

/// The seat rules of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatRules {
    pub capacity: i64,
    pub min_youth_office: i64,
    pub min_institution: i64,
    pub reserved_until: Option<NaiveDate>,
    pub max_per_organization: Option<i64>,
}

/// Seats taken (confirmed or offered), in all and by kind, and by the registrant's
/// organisation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Taken {
    pub total: i64,
    pub youth_office: i64,
    pub institution: i64,
    pub organization: i64,
}

/// The kind of organisation a registrant works for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    YouthOffice,
    Institution,
}

/// Why a registration waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Every seat is taken.
    Full,
    /// The free seats are kept for staff of the other kind of organisation until the
    /// reservation ends.
    ReservedForOthers,
    /// The organisation has as many seats as a session allows it.
    OrganizationLimit,
}

impl Wait {
    pub fn reason(self) -> &'static str {
        match self {
            Wait::Full => "every seat is taken",
            Wait::ReservedForOthers => {
                "the free seats are kept for staff of the other kind of organisation until the reservation ends"
            }
            Wait::OrganizationLimit => {
                "the organisation has as many seats as the session allows it"
            }
        }
    }
}

/// Seats still kept for youth-office and for institution staff on `today`: what each kind
/// lacks of its minimum while the reservation lasts, nothing after it.
pub fn kept(
    rules: &SeatRules,
    youth_office: i64,
    institution: i64,
    today: NaiveDate,
) -> (i64, i64) {
    if rules.reserved_until.is_some_and(|until| today <= until) {
        (
            (rules.min_youth_office - youth_office).max(0),
            (rules.min_institution - institution).max(0),
        )
    } else {
        (0, 0)
    }
}

/// Whether a registrant of `kind` gets a seat now, given what is taken, on `today`.
pub fn decide(rules: &SeatRules, taken: &Taken, kind: Kind, today: NaiveDate) -> Result<(), Wait> {
    let free = rules.capacity - taken.total;
    if free <= 0 {
        return Err(Wait::Full);
    }
    if rules
        .max_per_organization
        .is_some_and(|max| taken.organization >= max)
    {
        return Err(Wait::OrganizationLimit);
    }
    // Seats the other kind still needs to reach its minimum stay free for it.
    let (for_youth_offices, for_institutions) =
        kept(rules, taken.youth_office, taken.institution, today);
    let kept_for_others = match kind {
        Kind::YouthOffice => for_institutions,
        Kind::Institution => for_youth_offices,
    };
    if kept_for_others > 0 && free - kept_for_others <= 0 {
        return Err(Wait::ReservedForOthers);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const RULES: SeatRules = SeatRules {
        capacity: 10,
        min_youth_office: 3,
        min_institution: 3,
        reserved_until: None,
        max_per_organization: Some(2),
    };

    #[test]
    fn a_full_session_waitlists() {
        let taken = Taken {
            total: 10,
            ..Taken::default()
        };
        assert_eq!(
            decide(&RULES, &taken, Kind::Institution, day("2027-01-01")),
            Err(Wait::Full)
        );
    }

    #[test]
    fn reserved_seats_stay_free_for_the_other_kind_until_the_reservation_ends() {
        let rules = SeatRules {
            reserved_until: Some(day("2027-02-10")),
            max_per_organization: None,
            ..RULES
        };
        // 7 institution staff have seats; 3 seats are left, all kept for youth offices.
        let taken = Taken {
            total: 7,
            institution: 7,
            ..Taken::default()
        };
        assert_eq!(
            decide(&rules, &taken, Kind::Institution, day("2027-02-10")),
            Err(Wait::ReservedForOthers)
        );
        assert_eq!(
            decide(&rules, &taken, Kind::YouthOffice, day("2027-02-10")),
            Ok(())
        );
        // After the reservation the seats are everyone's.
        assert_eq!(
            decide(&rules, &taken, Kind::Institution, day("2027-02-11")),
            Ok(())
        );
        // A youth office that has its minimum no longer holds seats back.
        let met = Taken {
            total: 7,
            institution: 4,
            youth_office: 3,
            organization: 0,
        };
        assert_eq!(
            decide(&rules, &met, Kind::Institution, day("2027-02-01")),
            Ok(())
        );
    }

    #[test]
    fn an_organisation_gets_at_most_its_limit() {
        let taken = Taken {
            total: 4,
            institution: 4,
            youth_office: 0,
            organization: 2,
        };
        assert_eq!(
            decide(&RULES, &taken, Kind::Institution, day("2027-01-01")),
            Err(Wait::OrganizationLimit)
        );
    }
}
