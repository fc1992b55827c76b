//! What the case service publishes: pseudonymised process events. (What it consumes, the
//! directory's events, is kept by `qmf_directory_copy`.)

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use qmf_contracts::case::CaseEvent;
use uuid::Uuid;

use crate::domain::participation::Participation;
use crate::store::cases::CaseRow;
use crate::store::plans::PlanRow;

/// The event a process step publishes, besides the case it is about.
#[derive(Debug)]
pub enum Event {
    /// `case.assessment_completed.v1`.
    AssessmentCompleted {
        instrument_version: i32,
        participation: Participation,
    },
    /// `case.plan_agreed.v1`.
    PlanAgreed { plan: PlanRow, goal_count: usize },
    /// `case.help_started.v1`.
    HelpStarted {
        plan: PlanRow,
        started_on: NaiveDate,
    },
    /// `case.review_held.v1`, with the ratings in the order of the plan's goals.
    ReviewHeld {
        plan: PlanRow,
        held_on: NaiveDate,
        ratings: Vec<i32>,
        participation: Participation,
    },
    /// `case.transferred.v1`: `row` names the receiving office.
    Transferred { from_office_id: Uuid },
    /// `case.closed.v1`.
    Closed,
}

/// Writes `event` about the case `row` (as changed by the step) to the outbox.
#[tracing::instrument(skip_all, fields(case_id = %row.id))]
pub async fn publish(
    conn: &mut AsyncPgConnection,
    row: &CaseRow,
    event: Event,
) -> Result<(), qmf_platform::ApiError> {
    match event {
        Event::AssessmentCompleted {
            instrument_version,
            participation,
        } => assessment_completed(conn, row, instrument_version, &participation).await,
        Event::PlanAgreed { plan, goal_count } => plan_agreed(conn, row, &plan, goal_count).await,
        Event::HelpStarted { plan, started_on } => help_started(conn, row, &plan, started_on).await,
        Event::ReviewHeld {
            plan,
            held_on,
            ratings,
            participation,
        } => review_held(conn, row, &plan, held_on, ratings, &participation).await,
        Event::Transferred { from_office_id } => transferred(conn, row, from_office_id).await,
        Event::Closed => closed(conn, row).await,
    }
}

/// Publishes `case.opened.v1` for a new case: pseudonym, office, help kind, date.
#[tracing::instrument(skip_all, fields(case_id = %row.id))]
pub async fn case_opened(
    conn: &mut AsyncPgConnection,
    row: &CaseRow,
) -> Result<(), qmf_platform::ApiError> {
    use qmf_contracts::case as published;
    let data = published::CaseOpenedV1 {
        case: row.pseudonym,
        office_id: row.responsible_office_id,
        help_kind: row.help_kind.clone(),
        opened_on: row.opened_on,
    };
    enqueue(conn, CaseEvent::Opened(data)).await
}

/// Writes a case event to the outbox; its subject is the case's pseudonym.
async fn enqueue(
    conn: &mut AsyncPgConnection,
    event: CaseEvent,
) -> Result<(), qmf_platform::ApiError> {
    qmf_events::publish(conn, &event).await?;
    Ok(())
}

async fn assessment_completed(
    conn: &mut AsyncPgConnection,
    row: &CaseRow,
    instrument_version: i32,
    participation: &Participation,
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
    enqueue(conn, CaseEvent::AssessmentCompleted(data)).await
}

async fn plan_agreed(
    conn: &mut AsyncPgConnection,
    row: &CaseRow,
    plan: &PlanRow,
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
    enqueue(conn, CaseEvent::PlanAgreed(data)).await
}

async fn help_started(
    conn: &mut AsyncPgConnection,
    row: &CaseRow,
    plan: &PlanRow,
    started_on: NaiveDate,
) -> Result<(), qmf_platform::ApiError> {
    use qmf_contracts::case as published;
    let data = published::HelpStartedV1 {
        case: row.pseudonym,
        office_id: row.responsible_office_id,
        provider_id: plan.provider_id,
        help_kind: row.help_kind.clone(),
        started_on,
    };
    enqueue(conn, CaseEvent::HelpStarted(data)).await
}

async fn review_held(
    conn: &mut AsyncPgConnection,
    row: &CaseRow,
    plan: &PlanRow,
    held_on: NaiveDate,
    ratings: Vec<i32>,
    participation: &Participation,
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
    enqueue(conn, CaseEvent::ReviewHeld(data)).await
}

async fn transferred(
    conn: &mut AsyncPgConnection,
    row: &CaseRow,
    from_office_id: Uuid,
) -> Result<(), qmf_platform::ApiError> {
    use qmf_contracts::case as published;
    let data = published::TransferredV1 {
        case: row.pseudonym,
        from_office_id,
        to_office_id: row.responsible_office_id,
        help_kind: row.help_kind.clone(),
    };
    enqueue(conn, CaseEvent::Transferred(data)).await
}

/// `case.closed.v1` with the outcome: provider of the plan in force, duration, end, and the
/// mean of the final goal ratings.
async fn closed(conn: &mut AsyncPgConnection, row: &CaseRow) -> Result<(), qmf_platform::ApiError> {
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
    enqueue(conn, CaseEvent::Closed(data)).await
}

/// Publishes `case.instrument_released.v1` for a newly released instrument version.
#[tracing::instrument(skip_all, fields(instrument = %row.key, version = row.version))]
pub async fn instrument_released(
    conn: &mut AsyncPgConnection,
    row: &crate::store::instruments::InstrumentRow,
) -> Result<(), qmf_platform::ApiError> {
    let data = qmf_contracts::case::InstrumentReleasedV1 {
        instrument: row.key.clone(),
        version: row.version,
        title: row.title.clone(),
        released_on: qmf_platform::region::berlin_date(row.released_at),
    };
    enqueue(conn, CaseEvent::InstrumentReleased(data)).await
}
