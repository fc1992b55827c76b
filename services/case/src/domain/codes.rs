//! Code lists of the help process.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Kind of help (SGB VIII). The code names the help; the paragraph is in the description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HelpKind {
    /// §28 Erziehungsberatung (counselling).
    Counselling,
    /// §29 Soziale Gruppenarbeit (social group work).
    SocialGroupWork,
    /// §30 Erziehungsbeistand, Betreuungshelfer (educational assistant).
    EducationalAssistant,
    /// §31 Sozialpädagogische Familienhilfe, SPFH (family help).
    FamilyHelp,
    /// §32 Erziehung in einer Tagesgruppe (day group).
    DayGroup,
    /// §33 Vollzeitpflege (foster care).
    FosterCare,
    /// §34 Heimerziehung, sonstige betreute Wohnform (residential care).
    ResidentialCare,
    /// §35 Intensive sozialpädagogische Einzelbetreuung (intensive individual care).
    IntensiveIndividualCare,
    /// §35a Eingliederungshilfe für junge Menschen mit seelischer Behinderung (integration help).
    IntegrationHelp,
    /// §41 Hilfe für junge Volljährige (help for young adults).
    YoungAdultHelp,
    /// §27 Abs. 2 sonstige / flexible Hilfe (other or flexible help).
    FlexibleHelp,
}

/// Phase of a case in the regional process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Case opened (Fallaufnahme), needs assessment running.
    Intake,
    /// Needs assessment (Bedarfserhebung / sozialpädagogische Diagnose) completed.
    Assessed,
    /// A help plan is agreed and waits for the provider to accept it and for the help to start.
    PlanAgreed,
    /// The help is being delivered (Verlauf); reviews are held.
    HelpRunning,
    /// The help has ended (Ende); the case waits to be closed.
    Ending,
    /// Closed.
    Closed,
}

/// Planned or unplanned end of a help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndKind {
    /// Ended as the help plan foresaw.
    Planned,
    /// Ended earlier or otherwise than planned.
    Unplanned,
    /// Closed without any help after the intake or assessment.
    WithoutHelp,
}

/// Why a help ended or a case was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The goals were reached.
    GoalsReached,
    /// Another help fits better.
    ChangeOfHelp,
    /// The family or young person ended the cooperation.
    EndedByFamily,
    /// The provider ended the help.
    EndedByProvider,
    /// The family moved away (responsibility left the region).
    Moved,
    /// The young person came of age without continuing help.
    CameOfAge,
    /// No help is needed (closing without help).
    NoNeed,
    /// Other reason (explained in the text).
    Other,
}

/// Rating of a goal (1 = not reached at all … 5 = fully reached).
pub const RATING_SCALE: std::ops::RangeInclusive<i32> = 1..=5;

/// The text of a rating value, for documentation and reports.
pub fn rating_label(rating: i32) -> &'static str {
    match rating {
        1 => "not reached",
        2 => "hardly reached",
        3 => "partly reached",
        4 => "largely reached",
        5 => "fully reached",
        _ => "invalid",
    }
}
