use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, post, web};
use chrono::{Datelike, NaiveDate};
use qmf_contracts::directory::District;
use qmf_platform::codes::code;
use qmf_platform::{ApiResult, DbPool, Principal, Reply, Write};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::{self, engagement::Judged};
use crate::domain::engagement::{
    self, AgreementKind, CRITERIA, Criterion, Reader, Status, overall,
};
use crate::settings::DirectorySettings;

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
                statuses: CRITERIA
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
    settings: web::Data<DirectorySettings>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let judged =
        app::engagement::of_organization(&mut conn, &principal, *id, &settings.engagement).await?;
    Ok(Reply::ok(&response(judged)))
}

/// Orders the region's table by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegionSort {
    Name,
    Kind,
    District,
    /// The overall status (`asc`: met first; `desc`: not met first).
    Overall,
    Agreement,
    Leadership,
    Committees,
    Dialogues,
    Results,
    Trainings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    Asc,
    Desc,
}

/// The table's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TableFormat {
    Json,
    Csv,
}

/// Filters, order and format of the region's table.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RegionQuery {
    /// `youth_office` or `institution`.
    #[param(inline)]
    pub kind: Option<RegionKind>,
    #[param(inline)]
    pub district: Option<District>,
    /// Only organisations with this overall status.
    #[param(inline)]
    pub status: Option<Status>,
    /// Only those with this status of the agreement criterion.
    #[param(inline)]
    pub agreement: Option<Status>,
    #[param(inline)]
    pub leadership: Option<Status>,
    #[param(inline)]
    pub committees: Option<Status>,
    #[param(inline)]
    pub dialogues: Option<Status>,
    #[param(inline)]
    pub results: Option<Status>,
    #[param(inline)]
    pub trainings: Option<Status>,
    /// The day to judge (default today; not in the future), e.g. the last day of a past
    /// quarter; judged with what is known now.
    pub on: Option<NaiveDate>,
    /// Default `name`; ties by name.
    #[param(inline)]
    pub sort: Option<RegionSort>,
    /// Default `asc`; statuses order `met`, `at_risk`, `not_met`. Ties stay in name order.
    #[param(inline)]
    pub order: Option<SortOrder>,
    /// `json` (default) or `csv` (one row per organisation, the counts left out).
    #[param(inline)]
    pub format: Option<TableFormat>,
}

/// The kinds of organisation in the region's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    YouthOffice,
    Institution,
}

/// How many organisations have each status.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct StatusCounts {
    pub met: u32,
    pub at_risk: u32,
    pub not_met: u32,
}

impl StatusCounts {
    fn add(&mut self, status: Status) {
        match status {
            Status::Met => self.met += 1,
            Status::AtRisk => self.at_risk += 1,
            Status::NotMet => self.not_met += 1,
        }
    }
}

/// The counts per status of the organisations of the chosen kind and district (before the
/// status filters).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RegionCounts {
    pub organizations: u32,
    pub overall: StatusCounts,
    /// Per criterion (`agreement`, `leadership`, `committees`, `dialogues`, `results`,
    /// `trainings`).
    pub criteria: BTreeMap<String, StatusCounts>,
}

/// One organisation in the region's table: the figures of each criterion as the coordination
/// sees them (staff as counts).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RegionRowView {
    pub organization_id: Uuid,
    pub name: String,
    /// `youth_office` or `institution`.
    pub kind: String,
    pub district: Option<String>,
    pub overall: Status,
    pub criteria: Criteria,
}

/// Commitment at a glance for the region.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "on": "2026-12-05",
    "counts": {"organizations": 2, "overall": {"met": 1, "at_risk": 0, "not_met": 1},
        "criteria": {
            "agreement": {"met": 2, "at_risk": 0, "not_met": 0},
            "leadership": {"met": 1, "at_risk": 0, "not_met": 1},
            "committees": {"met": 2, "at_risk": 0, "not_met": 0},
            "dialogues": {"met": 2, "at_risk": 0, "not_met": 0},
            "results": {"met": 2, "at_risk": 0, "not_met": 0},
            "trainings": {"met": 2, "at_risk": 0, "not_met": 0}}},
    "items": [{"organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "name": "Jugendamt Hohenlohekreis",
        "kind": "youth_office", "district": "hohenlohekreis", "overall": "not_met",
        "criteria": {
            "agreement": {"status": "met", "kind": "quality_development_agreement", "valid_until": null},
            "leadership": {"status": "not_met", "confirmed_on": "2024-06-30", "valid_until": "2026-06-30"},
            "committees": {"status": "met", "seats": 3, "meetings": 8, "present": 7, "excused": 1},
            "dialogues": {"status": "met", "cycle_id": "01938100-0000-7000-8000-000000000001",
                "hosted_held": 1, "hosted_pending": 0, "guest_visits": 4, "guest_visits_by_person": null},
            "results": {"status": "met", "open": 1, "done": 2, "overdue": []},
            "trainings": {"status": "met", "required": 20, "done": 19,
                "missing": [{"function": "caseworker", "course": "Arbeiten mit den QMF-Instrumenten", "staff": 1}]}}}]
}))]
pub struct RegionEngagement {
    /// The day judged.
    pub on: NaiveDate,
    pub counts: RegionCounts,
    /// The organisations that pass the status filters, in the chosen order.
    pub items: Vec<RegionRowView>,
}

/// The status a row is sorted by: a criterion's, or else the overall one.
fn status_of(row: &RegionRowView, sort: RegionSort) -> Status {
    let criterion = match sort {
        RegionSort::Agreement => 0,
        RegionSort::Leadership => 1,
        RegionSort::Committees => 2,
        RegionSort::Dialogues => 3,
        RegionSort::Results => 4,
        RegionSort::Trainings => 5,
        RegionSort::Name | RegionSort::Kind | RegionSort::District | RegionSort::Overall => {
            return row.overall;
        }
    };
    statuses(row)[criterion]
}

/// The criteria's statuses in [`CRITERIA`] order.
fn statuses(row: &RegionRowView) -> [Status; 6] {
    let c = &row.criteria;
    [
        c.agreement.status,
        c.leadership.status,
        c.committees.status,
        c.dialogues.status,
        c.results.status,
        c.trainings.status,
    ]
}

fn region_csv(items: &[RegionRowView]) -> Result<String, qmf_platform::ApiError> {
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let rows = items.iter().map(|r| {
        let c = &r.criteria;
        vec![
            r.organization_id.to_string(),
            r.name.clone(),
            r.kind.clone(),
            r.district.clone().unwrap_or_default(),
            code(&r.overall),
            code(&c.agreement.status),
            c.agreement.kind.clone().unwrap_or_default(),
            day(c.agreement.valid_until),
            code(&c.leadership.status),
            day(c.leadership.confirmed_on),
            day(c.leadership.valid_until),
            code(&c.committees.status),
            c.committees.seats.to_string(),
            c.committees.meetings.to_string(),
            c.committees.present.to_string(),
            c.committees.excused.to_string(),
            code(&c.dialogues.status),
            c.dialogues.hosted_held.to_string(),
            c.dialogues.hosted_pending.to_string(),
            c.dialogues.guest_visits.to_string(),
            code(&c.results.status),
            c.results.open.to_string(),
            c.results.done.to_string(),
            c.results.overdue.len().to_string(),
            code(&c.trainings.status),
            c.trainings.required.to_string(),
            c.trainings.done.to_string(),
        ]
    });
    qmf_platform::csv_out::write(
        &[
            "organization_id",
            "name",
            "kind",
            "district",
            "overall",
            "agreement",
            "agreement_kind",
            "agreement_valid_until",
            "leadership",
            "leadership_confirmed_on",
            "leadership_valid_until",
            "committees",
            "seats",
            "meetings",
            "meetings_present",
            "meetings_excused",
            "dialogues",
            "dialogues_hosted_held",
            "dialogues_hosted_pending",
            "guest_visits",
            "results",
            "measures_open",
            "measures_done",
            "measures_overdue",
            "trainings",
            "trainings_required",
            "trainings_done",
        ],
        rows,
    )
    .map_err(qmf_platform::ApiError::internal)
}

/// Commitment at a glance for the region: every organisation's engagement.
///
/// The coordination and admins. Every active youth office and institution (the parties of the
/// agreements) with each criterion's status and figures judged today (or `on`), staff only as
/// counts; the counts per status of the organisations of the chosen kind and district; the
/// rows filtered by overall or per-criterion status and ordered as asked. `?format=csv` gives
/// the rows as CSV (one column per figure; the overdue measures as their number). Not paged:
/// the region has some dozens of organisations.
#[utoipa::path(
    tag = "engagement",
    operation_id = "get_region_engagement",
    params(RegionQuery),
    responses(
        (status = 200, description = "The table (JSON), or its rows as CSV.",
            content((RegionEngagement = "application/json"), (String = "text/csv"))),
        (status = 400, description = "An unknown filter, status, order or format.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the coordination and admins.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`on` lies in the future.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/engagement")]
pub async fn of_region(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<DirectorySettings>,
    query: web::Query<RegionQuery>,
) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    let kind = query.kind.map(|k| match k {
        RegionKind::YouthOffice => "youth_office",
        RegionKind::Institution => "institution",
    });
    let district = query.district.map(|d| code(&d));
    let (on, rows) = app::engagement::region(
        &mut conn,
        &principal,
        query.on,
        kind,
        district.as_deref(),
        &settings.engagement,
    )
    .await?;
    let all: Vec<RegionRowView> = rows
        .into_iter()
        .map(|r| RegionRowView {
            organization_id: r.organization_id,
            name: r.name,
            kind: r.kind,
            district: r.district,
            overall: overall(&r.criteria),
            criteria: criteria(&r.criteria, Reader::Coordination),
        })
        .collect();
    let mut counts = RegionCounts {
        organizations: all.len() as u32,
        overall: StatusCounts::default(),
        criteria: CRITERIA
            .iter()
            .map(|name| (name.to_string(), StatusCounts::default()))
            .collect(),
    };
    for row in &all {
        counts.overall.add(row.overall);
        for (name, status) in CRITERIA.iter().zip(statuses(row)) {
            if let Some(c) = counts.criteria.get_mut(*name) {
                c.add(status);
            }
        }
    }
    let wanted = [
        query.agreement,
        query.leadership,
        query.committees,
        query.dialogues,
        query.results,
        query.trainings,
    ];
    let mut items: Vec<RegionRowView> = all
        .into_iter()
        .filter(|row| query.status.is_none_or(|s| row.overall == s))
        .filter(|row| {
            wanted
                .iter()
                .zip(statuses(row))
                .all(|(want, status)| want.is_none_or(|w| w == status))
        })
        .collect();
    // The rows come ordered by name; the stable sort keeps that order among ties, whichever
    // the direction.
    let sort = query.sort.unwrap_or(RegionSort::Name);
    let desc = query.order == Some(SortOrder::Desc);
    let directed = |o: std::cmp::Ordering| if desc { o.reverse() } else { o };
    match sort {
        RegionSort::Name => items.sort_by(|a, b| directed(a.name.cmp(&b.name))),
        RegionSort::Kind => items.sort_by(|a, b| directed(a.kind.cmp(&b.kind))),
        RegionSort::District => items.sort_by(|a, b| directed(a.district.cmp(&b.district))),
        _ => items.sort_by(|a, b| directed(status_of(a, sort).cmp(&status_of(b, sort)))),
    }
    if query.format == Some(TableFormat::Csv) {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(region_csv(&items)?));
    }
    Ok(HttpResponse::Ok().json(RegionEngagement { on, counts, items }))
}

/// What a rebuild replayed and the facts it gave.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"events": 1204, "facts": {"engagement_seats": 61, "engagement_meetings": 40,
    "engagement_attendance": 310, "engagement_cycles": 1, "engagement_dialogues": 44,
    "engagement_guests": 180, "engagement_measures": 27, "engagement_courses": 6,
    "engagement_completions": 212}}))]
pub struct Rebuilt {
    /// The kept events applied again, in arrival order.
    #[schema(format = Int64)]
    pub events: u64,
    /// The rows of each fact table afterwards.
    pub facts: BTreeMap<String, i64>,
}

/// Rebuild the engagement view from its kept events.
///
/// Admins only. The directory keeps every event the view is fed by; this empties the view's
/// facts and applies all kept events again in arrival order, in one transaction (events that
/// arrive meanwhile wait and are applied afterwards). The view reads the same before and after;
/// use it after a change to how events become facts. The directory's own records (agreements,
/// leadership confirmations, staff) are read directly and need no rebuild. Events the directory
/// never received are not in the history; the training catalogue can be sent again at its
/// source (`POST /v1/courses/republish` of the training service).
#[utoipa::path(
    tag = "administration",
    operation_id = "rebuild_engagement",
    responses(
        (status = 200, description = "Rebuilt.", body = Rebuilt),
        (status = 403, description = "Only admins.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/engagement/rebuild")]
pub async fn rebuild(principal: Principal, write: Write) -> ApiResult<Reply> {
    engagement::require_rebuilder(&principal)?;
    write
        .run(async move |conn| {
            let rebuilt = app::engagement::rebuild(conn).await?;
            Ok(Reply::ok(&Rebuilt {
                events: rebuilt.events,
                facts: rebuilt
                    .facts
                    .into_iter()
                    .map(|(table, n)| (table.to_string(), n))
                    .collect(),
            }))
        })
        .await
}
