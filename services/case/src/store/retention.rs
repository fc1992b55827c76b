//! Retention: closed cases move to a restricted archive, and personal data is erased when the
//! retention period ends, keeping only anonymous figures (help kind, dates, ratings).

use chrono::NaiveDate;
use diesel::sql_types::{Date, Integer};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;

/// Archives cases closed on or before `closed_until`. Returns how many.
#[tracing::instrument(skip_all, fields(closed_until = %closed_until))]
pub async fn archive(
    conn: &mut AsyncPgConnection,
    closed_until: NaiveDate,
) -> Result<usize, ApiError> {
    Ok(diesel::sql_query(
        "WITH archived AS ( \
             UPDATE cases SET archived_at = now(), version = version + 1, \
                 change_seq = nextval('case_change_seq'), \
                 change_xid = pg_current_xact_id()::text::bigint, updated_at = now() \
             WHERE phase = 'closed' AND archived_at IS NULL AND closed_on <= $1 \
             RETURNING id) \
         INSERT INTO audit_log (subject, case_id, action) \
         SELECT 'retention-job', id, 'case.archive' FROM archived",
    )
    .bind::<Date, _>(closed_until)
    .keep_prepared()
    .execute(conn)
    .await?)
}

/// Erases the personal data of archived cases closed on or before `closed_until` whose young
/// person was born in or before `born_until_year` (both conditions: the longer period wins).
#[tracing::instrument(skip_all, fields(closed_until = %closed_until, born_until_year))]
pub async fn erase(
    conn: &mut AsyncPgConnection,
    closed_until: NaiveDate,
    born_until_year: i32,
) -> Result<usize, ApiError> {
    let erased: Vec<ErasedId> = diesel::sql_query(
        "UPDATE cases SET personal_data = NULL, personal_key_id = NULL, erased_at = now(), \
             version = version + 1, change_seq = nextval('case_change_seq'), \
                 change_xid = pg_current_xact_id()::text::bigint, updated_at = now() \
         WHERE archived_at IS NOT NULL AND erased_at IS NULL AND closed_on <= $1 \
           AND birth_year <= $2 \
         RETURNING id",
    )
    .bind::<Date, _>(closed_until)
    .bind::<Integer, _>(born_until_year)
    .keep_prepared()
    .load(conn)
    .await?;
    let ids: Vec<uuid::Uuid> = erased.iter().map(|e| e.id).collect();
    if ids.is_empty() {
        return Ok(0);
    }
    let any = "= ANY($1)";
    for statement in [
        format!(
            "UPDATE case_documents SET content = NULL, content_key_id = NULL WHERE case_id {any}"
        ),
        format!("UPDATE reviews SET progress_report = NULL WHERE case_id {any}"),
        format!("DELETE FROM case_external_ids WHERE case_id {any}"),
        format!(
            "UPDATE plan_goals SET description = '' WHERE plan_id IN (SELECT id FROM plans WHERE case_id {any})"
        ),
        format!(
            "UPDATE plans SET measures = '[]'::jsonb, decision_reason = NULL, \
             participation = participation - 'not_heard_reason' - 'no_agreement_reason' \
             WHERE case_id {any}"
        ),
        format!(
            "UPDATE reviews SET participation = participation - 'not_heard_reason' \
             - 'no_agreement_reason' WHERE case_id {any}"
        ),
        "INSERT INTO audit_log (subject, case_id, action) \
         SELECT 'retention-job', id, 'case.erase' FROM unnest($1) AS id"
            .to_string(),
    ] {
        diesel::sql_query(statement)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&ids)
            .keep_prepared()
            .execute(conn)
            .await?;
    }
    Ok(ids.len())
}

#[derive(diesel::QueryableByName)]
struct ErasedId {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: uuid::Uuid,
}
