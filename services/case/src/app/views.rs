//! The case as callers see it: decrypted, shaped for their audience.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::access::Audience;
use crate::domain::case_file::{CustodyHolder, PersonalData, YoungPerson};
use crate::domain::codes::{EndKind, EndReason, HelpKind, Phase};
use crate::settings::CaseSettings;
use crate::store::cases::CaseRow;
use crate::store::parse_code;

/// A pending transfer of responsibility to another youth office (§86 SGB VIII).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"to_office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e61", "reason": "Umzug der Familie in den Landkreis Schwäbisch Hall"}))]
pub struct PendingTransfer {
    pub to_office_id: Uuid,
    pub reason: String,
}

/// A help case. Personal data (`young_person`, `custody_holders`) is `null` once erased after
/// the retention period; institutions see custody holders without contact data.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "01937a10-0000-7000-8000-0000000000c1", "responsible_office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "caseworker_id": "01936f40-0000-7000-8000-000000000001", "help_kind": "family_help", "phase": "intake",
    "young_person": {"given_name": "Mia", "family_name": "Beispiel", "date_of_birth": "2014-03-02"},
    "custody_holders": [{"given_name": "Sandra", "family_name": "Beispiel", "relation": "mother",
        "address": "Musterweg 3, 74072 Heilbronn", "phone": "+49 7131 555-0101", "email": null}],
    "external_ids": {"okjug": "2026-000123"}, "opened_on": "2026-11-23", "help_started_on": null,
    "ended_on": null, "closed_on": null, "end_kind": null, "end_reason": null, "pending_transfer": null,
    "archived": false, "version": 1, "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T09:00:00Z"
}))]
pub struct CaseResponse {
    pub id: Uuid,
    pub responsible_office_id: Uuid,
    pub caseworker_id: Uuid,
    pub help_kind: HelpKind,
    pub phase: Phase,
    pub young_person: Option<YoungPerson>,
    pub custody_holders: Option<Vec<CustodyHolder>>,
    pub external_ids: BTreeMap<String, String>,
    pub opened_on: NaiveDate,
    pub help_started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub end_kind: Option<EndKind>,
    pub end_reason: Option<EndReason>,
    pub pending_transfer: Option<PendingTransfer>,
    /// Archived cases are read-only and readable only with the `archivist` role.
    pub archived: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Decrypts and shapes a case for `audience`.
pub fn case_response(
    row: CaseRow,
    external_ids: BTreeMap<String, String>,
    audience: Audience,
    settings: &CaseSettings,
) -> ApiResult<CaseResponse> {
    let personal = match (&row.personal_data, &row.personal_key_id) {
        (Some(sealed), Some(key_id)) => {
            let data: PersonalData = settings
                .keyring
                .open_json(row.id, key_id, sealed)
                .map_err(ApiError::internal)?;
            Some(if audience.sees_custody_contacts() {
                data
            } else {
                data.without_custody_contacts()
            })
        }
        _ => None,
    };
    let (young_person, custody_holders) = match personal {
        Some(data) => (Some(data.young_person), Some(data.custody_holders)),
        None => (None, None),
    };
    Ok(CaseResponse {
        id: row.id,
        responsible_office_id: row.responsible_office_id,
        caseworker_id: row.caseworker_id,
        help_kind: parse_code(&row.help_kind)?,
        phase: parse_code(&row.phase)?,
        young_person,
        custody_holders,
        external_ids,
        opened_on: row.opened_on,
        help_started_on: row.help_started_on,
        ended_on: row.ended_on,
        closed_on: row.closed_on,
        end_kind: row.end_kind.as_deref().map(parse_code).transpose()?,
        end_reason: row.end_reason.as_deref().map(parse_code).transpose()?,
        pending_transfer: row.transfer_to_office_id.map(|to| PendingTransfer {
            to_office_id: to,
            reason: row.transfer_reason.clone().unwrap_or_default(),
        }),
        archived: row.archived_at.is_some(),
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
