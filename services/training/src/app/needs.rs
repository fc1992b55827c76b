//! Who still needs which training, per person and per organisation.

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult, Principal, not_found};
use uuid::Uuid;

use super::today;
use crate::domain::access;
use crate::domain::needs::{Completed, Need, needs};
use crate::store::needs::{self as store, CourseRow, PersonRow};

/// A person with their required courses.
pub struct PersonNeeds {
    pub person: PersonRow,
    pub needs: Vec<Need>,
}

/// The required courses (for their titles) and each person's needs.
pub struct Needs {
    pub courses: Vec<CourseRow>,
    pub people: Vec<PersonNeeds>,
}

async fn compute(conn: &mut AsyncPgConnection, people: Vec<PersonRow>) -> ApiResult<Needs> {
    let courses = store::required_courses(conn).await?;
    let required: Vec<_> = courses.iter().map(CourseRow::required).collect();
    let releases = store::latest_releases(conn).await?;
    let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    let mut completed: HashMap<Uuid, Vec<Completed>> = HashMap::new();
    for (person, completion) in store::completions(conn, &ids).await? {
        completed.entry(person).or_default().push(completion);
    }
    let today = today();
    let people = people
        .into_iter()
        .map(|person| {
            let done = completed.get(&person.id).map_or(&[][..], Vec::as_slice);
            let needs = needs(&person.functions, &required, done, &releases, today);
            PersonNeeds { person, needs }
        })
        .collect();
    Ok(Needs { courses, people })
}

/// One person's needs: whoever may register for them.
pub async fn of_person(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    person: Uuid,
) -> ApiResult<Needs> {
    let people = store::people(conn, None, Some(person), today()).await?;
    let row = people.first().ok_or_else(|| not_found("person"))?;
    let organization = row.organization_id;
    super::require_act_for(conn, principal, person, organization).await?;
    compute(conn, people).await
}

/// The needs of an organisation's active staff: its software, the organisers and the
/// coordination.
pub async fn of_organization(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    organization: Uuid,
) -> ApiResult<Needs> {
    let allowed = access::acts_for_everyone(principal)
        || (principal.has_role(qmf_platform::Role::Service) && principal.belongs_to(organization));
    if !allowed {
        return Err(ApiError::Forbidden(
            "an organisation's training needs are for its software, the organisers and the coordination"
                .into(),
        ));
    }
    qmf_directory_copy::store::find_organization(conn, organization)
        .await?
        .ok_or_else(|| not_found("organisation"))?;
    let people = store::people(conn, Some(organization), None, today()).await?;
    compute(conn, people).await
}
