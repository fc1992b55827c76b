//! Sessions of a course: dated, placed, with seats, a registration window and quotas.

use chrono::NaiveDate;
use qmf_platform::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A session as the organiser writes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"course_id": "01938200-0000-7000-8000-000000000001",
    "days": ["2027-03-10", "2027-03-11"], "place": "Diakonische Jugendhilfe Heilbronn, Seminarraum 1",
    "capacity": 20, "trainers": [], "registration_opens_on": "2027-01-10",
    "registration_closes_on": "2027-03-03", "cancellation_deadline": "2027-03-03",
    "min_youth_office_seats": 5, "min_institution_seats": 5, "reserved_until": "2027-02-10",
    "max_per_organization": 4, "offer_hours": 48}))]
pub struct SessionInput {
    pub course_id: Uuid,
    /// Every day of the session (1 to 20, distinct).
    #[schema(min_items = 1, max_items = 20)]
    pub days: Vec<NaiveDate>,
    /// Where (up to 300 characters); a place or an online link is needed.
    #[schema(max_length = 300)]
    pub place: Option<String>,
    /// `https://` link of an online session.
    #[schema(max_length = 500)]
    pub online_url: Option<String>,
    /// 1 to 500 seats.
    #[schema(minimum = 1, maximum = 500)]
    pub capacity: i32,
    /// Directory people who teach it (up to 20).
    #[serde(default)]
    pub trainers: Vec<Uuid>,
    pub registration_opens_on: NaiveDate,
    /// On or after the opening, before the first day.
    pub registration_closes_on: NaiveDate,
    /// Until this day participants cancel themselves; after it only the organisers.
    pub cancellation_deadline: NaiveDate,
    /// Seats kept for youth-office staff until `reserved_until` (default 0).
    #[serde(default)]
    #[schema(minimum = 0)]
    pub min_youth_office_seats: i32,
    /// Seats kept for institution staff until `reserved_until` (default 0).
    #[serde(default)]
    #[schema(minimum = 0)]
    pub min_institution_seats: i32,
    /// Last day the reserved seats are kept; then they are free for everyone.
    pub reserved_until: Option<NaiveDate>,
    /// At most this many seats per organisation.
    #[schema(minimum = 1, maximum = 500)]
    pub max_per_organization: Option<i32>,
    /// How long an offered seat is held, 1 to 720 hours (default 48).
    #[schema(minimum = 1, maximum = 720)]
    pub offer_hours: Option<i32>,
    /// Staff who register themselves wait for the approval of their organisation's leader
    /// (default false).
    #[serde(default)]
    pub requires_approval: bool,
    /// For an expert day: the proposal (Forum decision or dialogue finding) it realises,
    /// from `GET /v1/expert-day-proposals`.
    pub proposal_id: Option<Uuid>,
}

/// A checked session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionDraft {
    pub course_id: Uuid,
    pub days: Vec<NaiveDate>,
    pub place: Option<String>,
    pub online_url: Option<String>,
    pub capacity: i32,
    pub trainers: Vec<Uuid>,
    pub registration_opens_on: NaiveDate,
    pub registration_closes_on: NaiveDate,
    pub cancellation_deadline: NaiveDate,
    pub min_youth_office_seats: i32,
    pub min_institution_seats: i32,
    pub reserved_until: Option<NaiveDate>,
    pub max_per_organization: Option<i32>,
    pub offer_hours: i32,
    pub requires_approval: bool,
    pub proposal_id: Option<Uuid>,
}

impl SessionInput {
    pub fn validate(self) -> Result<SessionDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut days = self.days.clone();
        days.sort();
        days.dedup();
        if days.is_empty() || days.len() > 20 || days.len() != self.days.len() {
            errors.push(FieldError::new("/days", "1 to 20 distinct days"));
        }
        let place = self
            .place
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty());
        if place.as_ref().is_some_and(|p| p.chars().count() > 300) {
            errors.push(FieldError::new("/place", "at most 300 characters"));
        }
        let online_url = self
            .online_url
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty());
        if online_url
            .as_ref()
            .is_some_and(|u| !u.starts_with("https://") || u.len() > 500)
        {
            errors.push(FieldError::new(
                "/online_url",
                "an https:// link of at most 500 characters",
            ));
        }
        if place.is_none() && online_url.is_none() {
            errors.push(FieldError::new(
                "/place",
                "a place or an online link is needed",
            ));
        }
        if !(1..=500).contains(&self.capacity) {
            errors.push(FieldError::new("/capacity", "must be from 1 to 500"));
        }
        let mut trainers = self.trainers;
        trainers.sort();
        trainers.dedup();
        if trainers.len() > 20 {
            errors.push(FieldError::new("/trainers", "at most 20 trainers"));
        }
        if self.registration_closes_on < self.registration_opens_on {
            errors.push(FieldError::new(
                "/registration_closes_on",
                "must be on or after registration_opens_on",
            ));
        }
        if let Some(first) = days.first()
            && self.registration_closes_on >= *first
        {
            errors.push(FieldError::new(
                "/registration_closes_on",
                "must be before the first day",
            ));
        }
        if days
            .first()
            .is_some_and(|first| self.cancellation_deadline >= *first)
        {
            errors.push(FieldError::new(
                "/cancellation_deadline",
                "must be before the first day",
            ));
        }
        for (field, value) in [
            ("/min_youth_office_seats", self.min_youth_office_seats),
            ("/min_institution_seats", self.min_institution_seats),
        ] {
            if value < 0 {
                errors.push(FieldError::new(field, "must be 0 or more"));
            }
        }
        if self
            .min_youth_office_seats
            .saturating_add(self.min_institution_seats)
            > self.capacity
        {
            errors.push(FieldError::new(
                "/min_institution_seats",
                "the reserved seats together exceed the capacity",
            ));
        }
        if (self.min_youth_office_seats > 0 || self.min_institution_seats > 0)
            && self.reserved_until.is_none()
        {
            errors.push(FieldError::new(
                "/reserved_until",
                "needed when seats are reserved",
            ));
        }
        if self
            .max_per_organization
            .is_some_and(|m| !(1..=500).contains(&m))
        {
            errors.push(FieldError::new(
                "/max_per_organization",
                "must be from 1 to 500",
            ));
        }
        let offer_hours = self.offer_hours.unwrap_or(48);
        if !(1..=720).contains(&offer_hours) {
            errors.push(FieldError::new("/offer_hours", "must be from 1 to 720"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SessionDraft {
            course_id: self.course_id,
            days,
            place,
            online_url,
            capacity: self.capacity,
            trainers,
            registration_opens_on: self.registration_opens_on,
            registration_closes_on: self.registration_closes_on,
            cancellation_deadline: self.cancellation_deadline,
            min_youth_office_seats: self.min_youth_office_seats,
            min_institution_seats: self.min_institution_seats,
            reserved_until: self.reserved_until,
            max_per_organization: self.max_per_organization,
            offer_hours,
            requires_approval: self.requires_approval,
            proposal_id: self.proposal_id,
        })
    }
}

/// What a session is doing, as readers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// Registration has not opened yet.
    Planned,
    /// Registration is open and seats are free.
    Open,
    /// Registration is open and every seat is taken (new registrations wait).
    Full,
    /// Registration closed; the session is coming or under way.
    Closed,
    /// The session took place.
    Held,
    Cancelled,
}

/// The state a session shows on `today`, from its stored state, registration window, last day
/// and free seats.
pub fn state_on(
    stored: &str,
    opens: NaiveDate,
    closes: NaiveDate,
    last_day: NaiveDate,
    free_seats: i64,
    today: NaiveDate,
) -> SessionState {
    match stored {
        "cancelled" => SessionState::Cancelled,
        "held" => SessionState::Held,
        _ if today > last_day => SessionState::Held,
        _ if today < opens => SessionState::Planned,
        _ if today > closes => SessionState::Closed,
        _ if free_seats <= 0 => SessionState::Full,
        _ => SessionState::Open,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn input() -> SessionInput {
        SessionInput {
            course_id: Uuid::now_v7(),
            days: vec![day("2027-03-11"), day("2027-03-10")],
            place: Some(" Heilbronn ".into()),
            online_url: None,
            capacity: 20,
            trainers: vec![],
            registration_opens_on: day("2027-01-10"),
            registration_closes_on: day("2027-03-03"),
            cancellation_deadline: day("2027-03-03"),
            min_youth_office_seats: 5,
            min_institution_seats: 5,
            reserved_until: Some(day("2027-02-10")),
            max_per_organization: Some(4),
            offer_hours: None,
            requires_approval: false,
            proposal_id: None,
        }
    }

    #[test]
    fn huge_reserved_seats_are_refused_not_overflowed() {
        let bad = SessionInput {
            min_youth_office_seats: i32::MAX,
            min_institution_seats: i32::MAX,
            ..input()
        };
        let pointers: Vec<String> = bad
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.pointer)
            .collect();
        assert!(pointers.contains(&"/min_institution_seats".to_string()));
    }

    #[test]
    fn a_session_is_checked_and_its_days_sorted() {
        let draft = input().validate().unwrap();
        assert_eq!(draft.days, [day("2027-03-10"), day("2027-03-11")]);
        assert_eq!(draft.place.as_deref(), Some("Heilbronn"));
        assert_eq!(draft.offer_hours, 48);
        let bad = SessionInput {
            days: vec![day("2027-03-10"), day("2027-03-10")],
            place: None,
            capacity: 8,
            registration_closes_on: day("2027-03-20"),
            reserved_until: None,
            ..input()
        };
        let pointers: Vec<String> = bad
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.pointer)
            .collect();
        assert!(pointers.contains(&"/days".to_string()));
        assert!(pointers.contains(&"/place".to_string()));
        assert!(pointers.contains(&"/registration_closes_on".to_string()));
        assert!(pointers.contains(&"/min_institution_seats".to_string()));
        assert!(pointers.contains(&"/reserved_until".to_string()));
    }

    #[test]
    fn the_state_follows_the_window_and_the_seats() {
        let (opens, closes, last) = (day("2027-01-10"), day("2027-03-03"), day("2027-03-11"));
        let on =
            |today: &str, free: i64| state_on("scheduled", opens, closes, last, free, day(today));
        assert_eq!(on("2027-01-09", 5), SessionState::Planned);
        assert_eq!(on("2027-01-10", 5), SessionState::Open);
        assert_eq!(on("2027-02-01", 0), SessionState::Full);
        assert_eq!(on("2027-03-05", 5), SessionState::Closed);
        assert_eq!(on("2027-03-12", 5), SessionState::Held);
        assert_eq!(
            state_on("cancelled", opens, closes, last, 5, day("2027-02-01")),
            SessionState::Cancelled
        );
    }
}
