//! HTTP endpoints of the committee service.

pub mod bodies;
pub mod decisions;
pub mod meetings;
pub mod oparl;
pub mod people;
pub mod terms;
pub mod topics;

use serde::{Deserialize, Deserializer};
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every committee endpoint.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(bodies::list)
        .service(bodies::create_working_group)
        .service(bodies::get)
        .service(bodies::dissolve)
        .service(bodies::memberships)
        .service(bodies::create_membership)
        .service(bodies::end_membership)
        .service(meetings::plan)
        .service(meetings::list)
        .service(meetings::get)
        .service(meetings::transition)
        .service(meetings::add_item)
        .service(meetings::reorder)
        .service(meetings::remove_item)
        .service(meetings::invite)
        .service(meetings::record_attendance)
        .service(meetings::read_minutes)
        .service(meetings::write_minutes)
        .service(topics::create)
        .service(topics::list)
        .service(topics::get)
        .service(topics::history)
        .service(topics::drafts)
        .service(topics::add_draft)
        .service(topics::transition)
        .service(decisions::create)
        .service(decisions::list)
        .service(decisions::get)
        .service(people::get)
        .service(people::consent)
        .service(meetings::forum_report)
        .service(terms::list)
        .service(terms::proposal)
        .service(terms::create)
        .service(oparl::system)
        .service(oparl::list_bodies)
        .service(oparl::get_body)
        .service(oparl::list_organizations)
        .service(oparl::get_organization)
        .service(oparl::list_organization_meetings)
        .service(oparl::list_people)
        .service(oparl::get_person)
        .service(oparl::list_memberships)
        .service(oparl::get_membership)
        .service(oparl::list_meetings)
        .service(oparl::get_meeting)
        .service(oparl::list_agenda_items)
        .service(oparl::get_agenda_item)
        .service(oparl::list_locations)
        .service(oparl::get_location)
        .service(oparl::list_papers)
        .service(oparl::get_paper)
        .service(oparl::list_consultations)
        .service(oparl::get_consultation)
        .service(oparl::list_legislative_terms)
        .service(oparl::get_legislative_term);
}

/// Integer types of query parameters.
pub(crate) trait QueryInt: Copy + TryFrom<i128> {
    const MIN: Self;
    const MAX: Self;
}

impl QueryInt for i32 {
    const MIN: Self = i32::MIN;
    const MAX: Self = i32::MAX;
}

impl QueryInt for i64 {
    const MIN: Self = i64::MIN;
    const MAX: Self = i64::MAX;
}

/// Reads an integer query parameter (`#[serde(default, deserialize_with = "…")]`). An integer
/// beyond the type's range reads as the type's nearest bound, so the handler's range check
/// refuses it with 422 naming the parameter, like any other number out of range, instead of
/// the whole query string failing; what is not an integer at all stays a 400.
pub(crate) fn query_int<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: QueryInt,
{
    let raw = std::borrow::Cow::<str>::deserialize(deserializer)?;
    saturating_int(&raw)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("expected an integer, got {raw:?}")))
}

/// The integer `raw` spells (optional sign, decimal digits), saturated to `T`'s range.
fn saturating_int<T: QueryInt>(raw: &str) -> Option<T> {
    let (negative, digits) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw.strip_prefix('+').unwrap_or(raw)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bound = if negative { T::MIN } else { T::MAX };
    // Only digits: parsing fails only when even i128 is too small, which saturates as well.
    let value = digits
        .parse::<i128>()
        .ok()
        .and_then(|magnitude| {
            if negative {
                magnitude.checked_neg()
            } else {
                Some(magnitude)
            }
        })
        .and_then(|value| T::try_from(value).ok());
    Some(value.unwrap_or(bound))
}

#[cfg(test)]
mod tests {
    use super::saturating_int;

    #[test]
    fn query_integers_saturate_at_the_types_bounds() {
        assert_eq!(saturating_int::<i32>("2027"), Some(2027));
        assert_eq!(saturating_int::<i32>("-12"), Some(-12));
        assert_eq!(saturating_int::<i32>("+7"), Some(7));
        assert_eq!(saturating_int::<i32>("-2147483648"), Some(i32::MIN));
        assert_eq!(saturating_int::<i32>("2147483648"), Some(i32::MAX));
        assert_eq!(saturating_int::<i32>("-99999999999"), Some(i32::MIN));
        assert_eq!(
            saturating_int::<i64>(&"9".repeat(60)),
            Some(i64::MAX),
            "beyond i128"
        );
        assert_eq!(
            saturating_int::<i64>(&format!("-{}", "9".repeat(60))),
            Some(i64::MIN)
        );
        for bad in ["", "-", "+", "12a", "1.5", " 1", "1e3", "--1", "٣"] {
            assert_eq!(saturating_int::<i64>(bad), None, "{bad:?}");
        }
    }
}
