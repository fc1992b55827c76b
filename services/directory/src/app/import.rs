//! Storing CSV imports: all rows or none, each row's conflict named by its line.

use std::collections::{HashMap, HashSet};

use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiResult, FieldError};
use uuid::Uuid;

use crate::domain::import::{at_line, refuse};
use crate::domain::organization::OrganizationDraft;
use crate::domain::person::PersonDraft;
use crate::events;
use crate::store::{organizations as organization_store, people as person_store};

/// Stores every organisation of an upload (`directory.organization.registered.v1` each), after
/// refusing the whole upload if a row was bad or names a taken name.
#[tracing::instrument(skip_all, fields(rows = drafts.len()))]
pub async fn organizations(
    conn: &mut AsyncPgConnection,
    drafts: &[(u64, OrganizationDraft)],
    mut errors: Vec<FieldError>,
) -> ApiResult<Vec<Uuid>> {
    let names: Vec<String> = drafts.iter().map(|(_, d)| d.name.to_lowercase()).collect();
    let taken: HashSet<String> = organization_store::taken_names(conn, &names)
        .await?
        .into_iter()
        .collect();
    for (line, draft) in drafts {
        if taken.contains(&draft.name.to_lowercase()) {
            errors.push(FieldError::new(
                format!("/lines/{line}/name"),
                "an organisation with this name already exists",
            ));
        }
    }
    refuse(errors)?;
    let mut ids = Vec::with_capacity(drafts.len());
    for (line, draft) in drafts {
        let row = organization_store::insert(conn, Uuid::now_v7(), draft)
            .await
            .map_err(|e| at_line(*line, e))?;
        events::organization_registered(conn, &row).await?;
        ids.push(row.id);
    }
    Ok(ids)
}

/// Stores every person of an upload (`directory.person.registered.v1` each), after refusing the
/// whole upload if a row was bad or names an unknown or deactivated organisation.
#[tracing::instrument(skip_all, fields(rows = drafts.len()))]
pub async fn people(
    conn: &mut AsyncPgConnection,
    drafts: &[(u64, PersonDraft)],
    mut errors: Vec<FieldError>,
) -> ApiResult<Vec<Uuid>> {
    let mut organization_ids: Vec<Uuid> = drafts.iter().map(|(_, d)| d.organization_id).collect();
    organization_ids.sort();
    organization_ids.dedup();
    let known: HashMap<Uuid, bool> = organization_store::activity(conn, &organization_ids)
        .await?
        .into_iter()
        .collect();
    for (line, draft) in drafts {
        let message = match known.get(&draft.organization_id) {
            None => "no such organisation",
            Some(false) => "the organisation is deactivated",
            Some(true) => continue,
        };
        errors.push(FieldError::new(
            format!("/lines/{line}/organization_id"),
            message,
        ));
    }
    refuse(errors)?;
    let mut ids = Vec::with_capacity(drafts.len());
    for (line, draft) in drafts {
        let row = person_store::insert(conn, Uuid::now_v7(), draft)
            .await
            .map_err(|e| at_line(*line, e))?;
        events::person_registered(conn, &row).await?;
        ids.push(row.id);
    }
    Ok(ids)
}
