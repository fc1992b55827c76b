//! Expert days proposed by the Forum or by quality dialogues.

use actix_web::{get, web};
use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::{ApiError, ApiResult, DbPool, Principal, Reply};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::access;
use crate::store::proposals::{ProposalRow, list as list_rows};

/// An expert day (Fachtag) proposed by a Forum decision or a quality-dialogue finding.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-000000000008", "source": "dialogue_finding",
    "title": "Fachtag Übergänge in die Volljährigkeit",
    "summary": "Ein gemeinsamer Fachtag soll die Praxis nach §41 SGB VIII klären.",
    "proposed_on": "2027-05-12", "received_at": "2027-05-12T15:00:00Z", "sessions": []}))]
pub struct Proposal {
    /// The id of the Forum decision or of the dialogue finding.
    pub id: Uuid,
    /// `committee_decision` (a decision of kind `event`) or `dialogue_finding` (a finding of
    /// kind `expert_day`).
    pub source: String,
    pub title: String,
    /// The finding's summary (decisions carry none).
    pub summary: Option<String>,
    /// When it was decided, or when the dialogue was held.
    pub proposed_on: NaiveDate,
    pub received_at: DateTime<Utc>,
    /// Sessions scheduled from it (`proposal_id` of a session), cancelled ones included.
    pub sessions: Vec<Uuid>,
}

fn view(row: ProposalRow) -> Proposal {
    Proposal {
        id: row.id,
        source: row.source,
        title: row.title,
        summary: row.summary,
        proposed_on: row.proposed_on,
        received_at: row.received_at,
        sessions: row.sessions,
    }
}

/// Expert-day proposals, newest first (at most 500).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProposalList {
    pub items: Vec<Proposal>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProposalQuery {
    /// Only proposals without a session that stands (default false).
    pub open: Option<bool>,
}

/// List expert-day proposals.
///
/// The organisers and the coordination. Every Forum decision of kind `event` and every
/// quality-dialogue finding of kind `expert_day` the service received; schedule a session of
/// an expert-day course with its `proposal_id` to realise one, and the session links back.
#[utoipa::path(
    tag = "sessions",
    operation_id = "list_expert_day_proposals",
    params(ProposalQuery),
    responses(
        (status = 200, description = "The proposals.", body = ProposalList),
        (status = 403, description = "Only the organisers and the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/expert-day-proposals")]
pub async fn list(
    principal: Principal,
    pool: web::Data<DbPool>,
    query: web::Query<ProposalQuery>,
) -> ApiResult<Reply> {
    if !access::acts_for_everyone(&principal) {
        return Err(ApiError::Forbidden(
            "expert-day proposals are for the organisers and the coordination".into(),
        ));
    }
    let mut conn = pool.get().await?;
    let rows = list_rows(&mut conn, query.open.unwrap_or(false)).await?;
    Ok(Reply::ok(&ProposalList {
        items: rows.into_iter().map(view).collect(),
    }))
}
