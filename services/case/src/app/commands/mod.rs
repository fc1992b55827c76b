//! Commands that move a case through the regional process, one file per process step.
//!
//! Every command runs through [`run`], inside the write's transaction: the runner locks the case
//! through the access rules, checks who gives the command, the case's ETag and the process rule
//! (reading the case's plans once), then lets the command make its own change
//! ([`CaseCommand::apply`]) and writes what every step writes: the case's new phase and columns,
//! the event, the timeline step and the audit record. A command states only what is its own.

pub mod assessment;
pub mod closing;
pub mod documents;
pub mod help;
pub mod plan;
pub mod review;
pub mod transfer;

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiResult, IfMatch, not_found};
use serde_json::Value;
use uuid::Uuid;

use super::views::{CaseResponse, case_response};
use super::{Caller, case_state, today};
use crate::domain::access;
use crate::domain::codes::Phase;
use crate::domain::process::{self, Command};
use crate::events::{self, Event};
use crate::store::cases::{self as case_store, CaseChange, CaseRow};
use crate::store::plans::{self as plan_store, PlanRow};
use crate::store::{audit, code, steps};

/// Who may give a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Giver {
    /// The youth office responsible for the case (checked before the ETag).
    ResponsibleOffice,
    /// The party the command addresses, which the command checks itself: the institution a
    /// plan version is offered to, the office a transfer is offered to.
    Addressee,
}

/// The locked case as a command finds it, with what it may use.
#[derive(Debug)]
pub struct Locked<'a> {
    pub case: CaseRow,
    /// The plan in force (accepted by the provider), if any.
    pub accepted_plan: Option<PlanRow>,
    pub caller: Caller<'a>,
    /// The day the process rules were checked on.
    pub today: NaiveDate,
    /// The phase the process rule gives.
    pub next: Phase,
}

/// What a command did, for the runner to write.
#[derive(Debug)]
#[must_use]
pub struct Done {
    step: &'static str,
    details: Value,
    phase: Option<Phase>,
    change: CaseChange,
    event: Option<Event>,
}

impl Done {
    /// The timeline step `step` (audited as `case.{step}`) with its details: ids and codes, never
    /// personal data. The case moves to the phase the process rule gives.
    pub fn step(step: &'static str, details: Value) -> Done {
        Done {
            step,
            details,
            phase: None,
            change: CaseChange::default(),
            event: None,
        }
    }

    /// The case's columns the command changes besides the phase.
    pub fn changing(mut self, change: CaseChange) -> Done {
        self.change = change;
        self
    }

    /// The phase the case moves to when it is not the one the process rule gives.
    pub fn in_phase(mut self, phase: Phase) -> Done {
        self.phase = Some(phase);
        self
    }

    /// The event the step publishes.
    pub fn publishing(mut self, event: Event) -> Done {
        self.event = Some(event);
        self
    }
}

/// A command on one case. The runner ([`run`]) checks, in this order: who gives it
/// ([`GIVER`](CaseCommand::GIVER)), the case's ETag, the command's own lookups
/// ([`prepare`](CaseCommand::prepare)) and its process rule ([`RULE`](CaseCommand::RULE)); then
/// the command makes its change ([`apply`](CaseCommand::apply)).
// The futures run on actix's single-threaded runtimes, so they need no `Send` bound.
#[allow(async_fn_in_trait)]
pub trait CaseCommand {
    /// Who may give the command; the responsible youth office unless the command says otherwise.
    const GIVER: Giver = Giver::ResponsibleOffice;

    /// The process rule the command is checked against.
    const RULE: Command;

    /// Lookups whose failure answers before the process rule does (most commands have none).
    async fn prepare(&mut self, _conn: &mut AsyncPgConnection, _case: &CaseRow) -> ApiResult<()> {
        Ok(())
    }

    /// The command's own change; `locked.next` is the phase the process rule gives.
    async fn apply(self, conn: &mut AsyncPgConnection, locked: Locked<'_>) -> ApiResult<Done>;
}

/// The body of a command: its own checks, made after access and before the runner.
pub trait CommandInput {
    /// Checks the body on `today`; errors point into the request.
    fn validate(&self, today: NaiveDate) -> ApiResult<()>;
}

/// Runs `command` on case `id` at the version `if_match` names and returns the changed case as
/// the caller sees it. Runs on the write's transaction: any error leaves nothing behind.
#[tracing::instrument(
    skip_all,
    fields(case_id = %id, rule = ?C::RULE, step = tracing::field::Empty)
)]
pub async fn run<C: CaseCommand>(
    conn: &mut AsyncPgConnection,
    caller: Caller<'_>,
    id: Uuid,
    if_match: IfMatch,
    mut command: C,
) -> ApiResult<CaseResponse> {
    let office = match C::GIVER {
        Giver::ResponsibleOffice => Some(access::require_office(caller.audience)?),
        Giver::Addressee => None,
    };
    // The lock and the plans in one round trip: the plans are read once the lock is held.
    let shared = &*conn;
    let (case, plans) = tokio::try_join!(
        case_store::lock_visible(shared, id, caller.audience),
        plan_store::open(shared, id)
    )?;
    let case = case.ok_or_else(|| not_found("case"))?;
    if let Some(office) = office {
        access::require_responsible(office, case.responsible_office_id)?;
    }
    if_match.check(case.version)?;
    command.prepare(conn, &case).await?;
    let plan_store::OpenPlans {
        proposed: proposed_plan,
        accepted: accepted_plan,
    } = plans;
    let plan_proposed = proposed_plan.is_some();
    let state = case_state(&case, plan_proposed, accepted_plan.is_some())?;
    let today = today();
    let next = process::apply(&state, C::RULE, today, caller.settings.process)?;
    let locked = Locked {
        case,
        accepted_plan,
        caller,
        today,
        next,
    };
    let done = command.apply(conn, locked).await?;
    tracing::Span::current().record("step", done.step);

    let change = CaseChange {
        phase: Some(code(&done.phase.unwrap_or(next))),
        ..done.change
    };
    let action = format!("case.{}", done.step);
    // What every step writes, pipelined in one round trip; the event needs the changed row.
    let shared = &*conn;
    let (row, (), (), external_ids) = tokio::try_join!(
        case_store::change(shared, id, change),
        steps::record(shared, id, done.step, caller.principal, done.details),
        audit::record(shared, caller.principal, Some(id), &action),
        case_store::external_ids(shared, id),
    )?;
    if let Some(event) = done.event {
        events::publish(conn, &row, event).await?;
    }
    case_response(row, external_ids, caller.audience, caller.settings)
}
