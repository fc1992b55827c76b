//! What the case service publishes: pseudonymised process events. (What it consumes, the
//! directory's events, is kept by `qmf_directory_copy`.)

use diesel_async::AsyncPgConnection;

/// Publishes `case.opened.v1` for a new case: pseudonym, office, help kind, date.
pub async fn case_opened(
    conn: &mut AsyncPgConnection,
    row: &crate::store::cases::CaseRow,
) -> Result<(), qmf_platform::ApiError> {
    use qmf_contracts::case as published;
    let data = published::CaseOpenedV1 {
        case: row.pseudonym,
        office_id: row.responsible_office_id,
        help_kind: row.help_kind.clone(),
        opened_on: row.opened_on,
    };
    publish(conn, published::CASE_OPENED, row, &data).await
}

async fn publish(
    conn: &mut AsyncPgConnection,
    event_type: &str,
    row: &crate::store::cases::CaseRow,
    data: &impl serde::Serialize,
) -> Result<(), qmf_platform::ApiError> {
    qmf_events::enqueue(
        conn,
        qmf_contracts::case::SOURCE,
        event_type,
        &row.pseudonym.to_string(),
        data,
    )
    .await?;
    Ok(())
}

pub async fn assessment_completed(
    conn: &mut AsyncPgConnection,
    row: &crate::store::cases::CaseRow,
    instrument_version: i32,
    participation: &crate::domain::participation::Participation,
) -> Result<(), qmf_platform::ApiError> {
    use qmf_contracts::case as published;
    let data = published::AssessmentCompletedV1 {
        case: row.pseudonym,
        office_id: row.responsible_office_id,
        help_kind: row.help_kind.clone(),
        instrument_version,
        young_person_heard: participation.young_person_heard,
        agreement_reached: participation.agreement_reached,
    };
    publish(conn, published::ASSESSMENT_COMPLETED, row, &data).await
}

pub async fn plan_agreed(
    conn: &mut AsyncPgConnection,
    row: &crate::store::cases::CaseRow,
    plan: &crate::store::plans::PlanRow,
    goal_count: usize,
) -> Result<(), qmf_platform::ApiError> {
    use qmf_contracts::case as published;
    let data = published::PlanAgreedV1 {
        case: row.pseudonym,
        office_id: row.responsible_office_id,
        provider_id: plan.provider_id,
        help_kind: row.help_kind.clone(),
        plan_version: plan.plan_version,
        goal_count: goal_count as i32,
        review_interval_months: plan.review_interval_months,
        start_on: plan.start_on,
    };
    publish(conn, published::PLAN_AGREED, row, &data).await
}

pub async fn help_started(
    conn: &mut AsyncPgConnection,
    row: &crate::store::cases::CaseRow,
    plan: &crate::store::plans::PlanRow,
    started_on: chrono::NaiveDate,
) -> Result<(), qmf_platform::ApiError> {
    use qmf_contracts::case as published;
    let data = published::HelpStartedV1 {
        case: row.pseudonym,
        office_id: row.responsible_office_id,
        provider_id: plan.provider_id,
        help_kind: row.help_kind.clone(),
        started_on,
    };
    publish(conn, published::HELP_STARTED, row, &data).await
}

pub async fn review_held(
    conn: &mut AsyncPgConnection,
    row: &crate::store::cases::CaseRow,
    plan: &crate::store::plans::PlanRow,
    held_on: chrono::NaiveDate,
    ratings: Vec<i32>,
    participation: &crate::domain::participation::Participation,
) -> Result<(), qmf_platform::ApiError> {
    use qmf_contracts::case as published;
    let data = published::ReviewHeldV1 {
        case: row.pseudonym,
        office_id: row.responsible_office_id,
        provider_id: plan.provider_id,
        held_on,
        ratings,
        young_person_heard: participation.young_person_heard,
        agreement_reached: participation.agreement_reached,
    };
    publish(conn, published::REVIEW_HELD, row, &data).await
}

pub async fn transferred(
    conn: &mut AsyncPgConnection,
    row: &crate::store::cases::CaseRow,
    from_office_id: uuid::Uuid,
) -> Result<(), qmf_platform::ApiError> {
    use qmf_contracts::case as published;
    let data = published::TransferredV1 {
        case: row.pseudonym,
        from_office_id,
        to_office_id: row.responsible_office_id,
        help_kind: row.help_kind.clone(),
    };
    publish(conn, published::TRANSFERRED, row, &data).await
}

/// `case.closed.v1` with the outcome: provider of the plan in force, duration, end, and the
/// mean of the final goal ratings.
pub async fn closed(
    conn: &mut AsyncPgConnection,
    row: &crate::store::cases::CaseRow,
) -> Result<(), qmf_platform::ApiError> {
    use crate::store::plans;
    use qmf_contracts::case as published;
    let plan = plans::accepted(conn, row.id).await?;
    let final_review = plans::reviews_of(conn, row.id)
        .await?
        .into_iter()
        .rev()
        .find(|r| r.is_final);
    let goal_attainment = match final_review {
        Some(review) => {
            let ratings = plans::ratings_of(conn, review.id).await?;
            (!ratings.is_empty()).then(|| {
                ratings.iter().map(|(_, r)| f64::from(*r)).sum::<f64>() / ratings.len() as f64
            })
        }
        None => None,
    };
    let data = published::ClosedV1 {
        case: row.pseudonym,
        office_id: row.responsible_office_id,
        provider_id: plan.map(|p| p.provider_id),
        help_kind: row.help_kind.clone(),
        duration_days: row
            .help_started_on
            .zip(row.ended_on)
            .map(|(start, end)| (end - start).num_days()),
        end_kind: row.end_kind.clone().unwrap_or_default(),
        end_reason: row.end_reason.clone().unwrap_or_default(),
        goal_attainment,
    };
    publish(conn, published::CLOSED, row, &data).await
}
