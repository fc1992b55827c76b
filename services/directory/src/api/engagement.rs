use std::collections::BTreeMap;

use actix_web::{get, web};
use chrono::{Datelike, NaiveDate};
use qmf_platform::{ApiResult, DbPool, Principal, Reply};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::{self, engagement::Judged};
use crate::domain::engagement::{AgreementKind, Criterion, Reader, Status, Thresholds, overall};

/// The criteria of commitment (Verbindlichkeit) of one organisation, each with its figures and
/// status.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Criteria {
    /// A valid signed agreement: met by a quality development agreement; at risk with only the
    /// old cooperation agreement or one that ends soon.
    pub agreement: AgreementFigures,
    /// The leader's confirmation that the leadership carries the cooperation into its house.
    pub leadership: LeadershipFigures,
    /// Seats in the committees and the share of their meetings attended over two years.
    pub committees: CommitteeFigures,
    /// Quality dialogues in the running cycle: hosted and held, attended as guest.
    pub dialogues: DialogueFigures,
    /// Carrying out results: the measures agreed in dialogues that it owns.
    pub results: ResultFigures,
    /// Required trainings of its active staff per function.
    pub trainings: TrainingFigures,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgreementFigures {
    pub status: Status,
    /// `quality_development_agreement` or `cooperation_agreement`; none without a valid one.
    pub kind: Option<String>,
    /// The day its termination takes effect, if it is terminated.
    pub valid_until: Option<NaiveDate>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeadershipFigures {
    pub status: Status,
    pub confirmed_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CommitteeFigures {
    pub status: Status,
    /// Seats held today.
    pub seats: u32,
    /// Held meetings of the bodies it sat in, within the window.
    pub meetings: u32,
    pub present: u32,
    pub excused: u32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DialogueFigures {
    pub status: Status,
    /// The cycle running on the day; none: no cycle runs (not judged, `met`).
    pub cycle_id: Option<Uuid>,
    pub hosted_held: u32,
    pub hosted_pending: u32,
    /// Dialogues attended by its staff as guests.
    pub guest_visits: u32,
    /// Per staff member (directory ids), for the organisation itself only; `null` for the
    /// coordination, which sees counts.
    pub guest_visits_by_person: Option<Vec<PersonVisits>>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PersonVisits {
    pub person_id: Uuid,
    pub visits: u32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ResultFigures {
    pub status: Status,
    pub open: u32,
    pub done: u32,
    /// The overdue measures by title, earliest due first.
    pub overdue: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TrainingFigures {
    pub status: Status,
    /// Required trainings of its active staff (a course counts once per person).
    pub required: u32,
    /// Of them with a completion still valid.
    pub done: u32,
    pub missing: Vec<MissingTraining>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MissingTraining {
    /// The staff function the course is required for.
    pub function: String,
    pub course: String,
    /// How many of its staff with that function miss it.
    pub staff: u32,
}

/// The statuses at the end of one past quarter.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QuarterStatuses {
    /// E.g. `2026-Q3`.
    pub quarter: String,
    /// Its last day, the day judged.
    pub on: NaiveDate,
    pub overall: Status,
    pub statuses: BTreeMap<String, Status>,
}

/// Commitment at a glance of one organisation: today's criteria and the history per quarter.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "name": "Kinder- und Jugendhilfe Heilbronn",
    "kind": "institution", "on": "2026-12-05", "overall": "at_risk",
    "criteria": {
        "agreement": {"status": "met", "kind": "quality_development_agreement", "valid_until": null},
        "leadership": {"status": "met", "confirmed_on": "2026-11-30", "valid_until": "2028-11-30"},
        "committees": {"status": "met", "seats": 2, "meetings": 5, "present": 4, "excused": 1},
        "dialogues": {"status": "at_risk", "cycle_id": "01938100-0000-7000-8000-000000000001",
            "hosted_held": 0, "hosted_pending": 1, "guest_visits": 2,
            "guest_visits_by_person": [{"person_id": "01936f40-0000-7000-8000-000000000011", "visits": 2}]},
        "results": {"status": "at_risk", "open": 2, "done": 3, "overdue": ["Konzept Elternarbeit"]},
        "trainings": {"status": "met", "required": 12, "done": 11,
            "missing": [{"function": "caseworker", "course": "Arbeiten mit den QMF-Instrumenten", "staff": 1}]}
    },
    "history": [{"quarter": "2026-Q3", "on": "2026-09-30", "overall": "at_risk",
        "statuses": {"agreement": "met", "leadership": "met", "committees": "met",
            "dialogues": "at_risk", "results": "met", "trainings": "at_risk"}}]
}))]
pub struct EngagementResponse {
    pub organization_id: Uuid,
    pub name: String,
    pub kind: String,
    /// The day judged (today).
    pub on: NaiveDate,
    /// The worst status of the criteria.
    pub overall: Status,
    pub criteria: Criteria,
    /// The last eight quarters, oldest first, judged on their last day with what is known now.
    pub history: Vec<QuarterStatuses>,
}

const NAMES: [&str; 6] = [
    "agreement",
    "leadership",
    "committees",
    "dialogues",
    "results",
    "trainings",
];

fn criteria(judged: &[Criterion], reader: Reader) -> Criteria {
    let mut figures = Criteria {
        agreement: AgreementFigures {
            status: Status::NotMet,
            kind: None,
            valid_until: None,
        },
        leadership: LeadershipFigures {
            status: Status::NotMet,
            confirmed_on: None,
            valid_until: None,
        },
        committees: CommitteeFigures {
            status: Status::NotMet,
            seats: 0,
            meetings: 0,
            present: 0,
            excused: 0,
        },
        dialogues: DialogueFigures {
            status: Status::Met,
            cycle_id: None,
            hosted_held: 0,
            hosted_pending: 0,
            guest_visits: 0,
            guest_visits_by_person: None,
        },
        results: ResultFigures {
            status: Status::Met,
            open: 0,
            done: 0,
            overdue: Vec::new(),
        },
        trainings: TrainingFigures {
            status: Status::Met,
            required: 0,
            done: 0,
            missing: Vec::new(),
        },
    };
    for criterion in judged {
        match criterion.clone() {
            Criterion::Agreement {
                status,
                kind,
                valid_until,
            } => {
                figures.agreement = AgreementFigures {
                    status,
                    kind: kind.map(|k| {
                        match k {
                            AgreementKind::Cooperation => "cooperation_agreement",
                            AgreementKind::QualityDevelopment => "quality_development_agreement",
                        }
                        .to_string()
                    }),
                    valid_until,
                }
            }
            Criterion::Leadership {
                status,
                confirmed_on,
                valid_until,
            } => {
                figures.leadership = LeadershipFigures {
                    status,
                    confirmed_on,
                    valid_until,
                }
            }
            Criterion::Committees {
                status,
                seats,
                meetings,
                present,
                excused,
            } => {
                figures.committees = CommitteeFigures {
                    status,
                    seats,
                    meetings,
                    present,
                    excused,
                }
            }
            Criterion::Dialogues {
                status,
                cycle_id,
                hosted_held,
                hosted_pending,
                guest_visits,
                guest_visits_by_person,
            } => {
                figures.dialogues = DialogueFigures {
                    status,
                    cycle_id,
                    hosted_held,
                    hosted_pending,
                    guest_visits,
                    guest_visits_by_person: (reader == Reader::Own).then(|| {
                        guest_visits_by_person
                            .into_iter()
                            .map(|(person_id, visits)| PersonVisits { person_id, visits })
                            .collect()
                    }),
                }
            }
            Criterion::Results {
                status,
                open,
                done,
                overdue,
            } => {
                figures.results = ResultFigures {
                    status,
                    open,
                    done,
                    overdue,
                }
            }
            Criterion::Trainings {
                status,
                required,
                done,
                missing_by_function,
            } => {
                figures.trainings = TrainingFigures {
                    status,
                    required,
                    done,
                    missing: missing_by_function
                        .into_iter()
                        .flat_map(|(function, courses)| {
                            courses
                                .into_iter()
                                .map(move |(course, staff)| MissingTraining {
                                    function: function.clone(),
                                    course,
                                    staff,
                                })
                        })
                        .collect(),
                }
            }
        }
    }
    figures
}

fn response(judged: Judged) -> EngagementResponse {
    EngagementResponse {
        organization_id: judged.organization_id,
        name: judged.name,
        kind: judged.kind,
        on: judged.on,
        overall: overall(&judged.criteria),
        criteria: criteria(&judged.criteria, judged.reader),
        history: judged
            .history
            .iter()
            .map(|(end, criteria)| QuarterStatuses {
                quarter: format!("{}-Q{}", end.year(), end.month0() / 3 + 1),
                on: *end,
                overall: overall(criteria),
                statuses: NAMES
                    .iter()
                    .zip(criteria)
                    .map(|(name, c)| (name.to_string(), c.status()))
                    .collect(),
            })
            .collect(),
    }
}

/// Commitment at a glance: one organisation's engagement.
///
/// The criteria of the region's commitment (Verbindlichkeit), each with its figures and status
/// (`met`, `at_risk`, `not_met`), judged today, and their statuses at the end of each of the
/// last eight quarters. Admins and coordinators read every organisation (staff as counts); the
/// organisation's leader and QMF coordinator read their own (guest visits per staff member by
/// directory id); nobody else. No personal data of children or families.
#[utoipa::path(
    tag = "engagement",
    operation_id = "get_organization_engagement",
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation's engagement.", body = EngagementResponse),
        (status = 403, description = "Not its leader or QMF coordinator, the coordination or an admin.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/organizations/{id}/engagement")]
pub async fn of_organization(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let judged =
        app::engagement::of_organization(&mut conn, &principal, *id, &Thresholds::default())
            .await?;
    Ok(Reply::ok(&response(judged)))
}
