//! Events of the directory service: organisations, people (staff) and agreements.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::EventType;

pub const SOURCE: &str = "/qmf/directory";

pub const ORGANIZATION_REGISTERED: &str = "directory.organization.registered.v1";
pub const ORGANIZATION_UPDATED: &str = "directory.organization.updated.v1";
pub const ORGANIZATION_DEACTIVATED: &str = "directory.organization.deactivated.v1";
pub const PERSON_REGISTERED: &str = "directory.person.registered.v1";
pub const PERSON_UPDATED: &str = "directory.person.updated.v1";
pub const PERSON_DEACTIVATED: &str = "directory.person.deactivated.v1";
pub const AGREEMENT_SIGNED: &str = "directory.agreement.signed.v1";
pub const AGREEMENT_TERMINATED: &str = "directory.agreement.terminated.v1";
pub const LEADERSHIP_CONFIRMED: &str = "directory.leadership.confirmed.v1";

/// Kind of organisation taking part in QMF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    /// Public youth office (Jugendamt, öffentlicher Träger).
    YouthOffice,
    /// Institution of a free carrier (Einrichtung eines freien Trägers).
    Institution,
    /// State youth office (KVJS Landesjugendamt); attends the Forum as a guest.
    StateYouthOffice,
    /// Education provider running the QMF trainings (JuCon / Diakonische Jugendhilfe Heilbronn).
    EducationProvider,
}

/// The five districts of the region Heilbronn-Franken, one youth office each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum District {
    /// Stadtkreis Heilbronn.
    StadtHeilbronn,
    /// Landkreis Heilbronn.
    LandkreisHeilbronn,
    /// Hohenlohekreis.
    Hohenlohekreis,
    /// Landkreis Schwäbisch Hall.
    SchwaebischHall,
    /// Main-Tauber-Kreis.
    MainTauberKreis,
}

/// Kind of signed agreement on which commitment (Verbindlichkeit) rests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgreementKind {
    /// Kooperationsvereinbarung; can only have been signed before 2021.
    CooperationAgreement,
    /// Qualitätsentwicklungsvereinbarung; the only kind that can be signed from 2021 on.
    QualityDevelopmentAgreement,
}

/// Function of a staff member.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum StaffFunction {
    /// Leitung.
    Leader,
    /// QMF-Koordinator/in.
    QmfCoordinator,
    /// Fallführende Fachkraft.
    Caseworker,
    /// Fachkraft.
    Specialist,
    /// Trainer/in of QMF trainings.
    Trainer,
}

/// State of an organisation after registration or an update (full snapshot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "name": "Jugendamt Stadt Heilbronn",
    "kind": "youth_office", "district": "stadt_heilbronn", "umbrella_carrier": null,
    "city": "Heilbronn", "active": true, "version": 1
}))]
pub struct OrganizationV1 {
    pub id: Uuid,
    pub name: String,
    pub kind: OrganizationKind,
    pub district: Option<District>,
    pub umbrella_carrier: Option<String>,
    pub city: String,
    pub active: bool,
    /// Version of the organisation this snapshot shows; consumers ignore older versions.
    pub version: i32,
}

/// An organisation stopped taking part; it stays readable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "deactivated_at": "2026-11-23T10:00:00Z", "version": 4}))]
pub struct OrganizationDeactivatedV1 {
    pub id: Uuid,
    pub deactivated_at: DateTime<Utc>,
    pub version: i32,
}

/// State of a staff member after registration or an update. Carries the work e-mail (needed
/// for invitations and certificates) but no phone number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f40-0000-7000-8000-000000000001", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "given_name": "Lena", "family_name": "Beispiel", "email": "l.beispiel@jugendamt.example",
    "functions": ["caseworker"], "active_from": "2024-01-01", "active_until": null, "version": 1
}))]
pub struct PersonV1 {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub functions: Vec<StaffFunction>,
    pub active_from: NaiveDate,
    pub active_until: Option<NaiveDate>,
    pub version: i32,
}

/// A staff member left the organisation (end of the active period).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01936f40-0000-7000-8000-000000000001", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "active_until": "2026-12-31", "version": 3}))]
pub struct PersonDeactivatedV1 {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub active_until: NaiveDate,
    pub version: i32,
}

/// An agreement was signed: the organisation takes part in QMF from `signed_on`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01936f41-0000-7000-8000-000000000002", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "kind": "quality_development_agreement", "signed_on": "2021-06-30"}))]
pub struct AgreementSignedV1 {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub kind: AgreementKind,
    pub signed_on: NaiveDate,
}

/// An agreement was terminated; it is no longer valid from `terminated_on`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01936f41-0000-7000-8000-000000000002", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "kind": "cooperation_agreement", "terminated_on": "2026-12-31"}))]
pub struct AgreementTerminatedV1 {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub kind: AgreementKind,
    pub terminated_on: NaiveDate,
}

/// An organisation's leader confirmed that the leadership carries the cooperation into its
/// house (Verpflichtung der Leitung), on `confirmed_on`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01936f42-0000-7000-8000-000000000003", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "leader_id": "01936f40-0000-7000-8000-000000000001", "confirmed_on": "2026-11-30"}))]
pub struct LeadershipConfirmedV1 {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub leader_id: Uuid,
    pub confirmed_on: NaiveDate,
}

/// Everything the directory publishes. Agreements are published under their organisation as
/// subject, so that an organisation's agreement events arrive in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum DirectoryEvent {
    OrganizationRegistered(OrganizationV1),
    OrganizationUpdated(OrganizationV1),
    OrganizationDeactivated(OrganizationDeactivatedV1),
    PersonRegistered(PersonV1),
    PersonUpdated(PersonV1),
    PersonDeactivated(PersonDeactivatedV1),
    AgreementSigned(AgreementSignedV1),
    AgreementTerminated(AgreementTerminatedV1),
    LeadershipConfirmed(LeadershipConfirmedV1),
}

impl crate::Event for DirectoryEvent {
    fn source(&self) -> &'static str {
        SOURCE
    }

    fn event_type(&self) -> &'static str {
        match self {
            DirectoryEvent::OrganizationRegistered(_) => ORGANIZATION_REGISTERED,
            DirectoryEvent::OrganizationUpdated(_) => ORGANIZATION_UPDATED,
            DirectoryEvent::OrganizationDeactivated(_) => ORGANIZATION_DEACTIVATED,
            DirectoryEvent::PersonRegistered(_) => PERSON_REGISTERED,
            DirectoryEvent::PersonUpdated(_) => PERSON_UPDATED,
            DirectoryEvent::PersonDeactivated(_) => PERSON_DEACTIVATED,
            DirectoryEvent::AgreementSigned(_) => AGREEMENT_SIGNED,
            DirectoryEvent::AgreementTerminated(_) => AGREEMENT_TERMINATED,
            DirectoryEvent::LeadershipConfirmed(_) => LEADERSHIP_CONFIRMED,
        }
    }

    fn subject(&self) -> String {
        match self {
            DirectoryEvent::OrganizationRegistered(o) | DirectoryEvent::OrganizationUpdated(o) => {
                o.id.to_string()
            }
            DirectoryEvent::OrganizationDeactivated(o) => o.id.to_string(),
            DirectoryEvent::PersonRegistered(p) | DirectoryEvent::PersonUpdated(p) => {
                p.id.to_string()
            }
            DirectoryEvent::PersonDeactivated(p) => p.id.to_string(),
            DirectoryEvent::AgreementSigned(a) => a.organization_id.to_string(),
            DirectoryEvent::AgreementTerminated(a) => a.organization_id.to_string(),
            DirectoryEvent::LeadershipConfirmed(c) => c.organization_id.to_string(),
        }
    }
}

/// The directory's event catalogue.
pub const EVENTS: &[EventType] = &[
    EventType {
        name: ORGANIZATION_REGISTERED,
        source: SOURCE,
        description: "An organisation was registered (created or imported). Payload: full snapshot.",
        payload: "OrganizationV1",
    },
    EventType {
        name: ORGANIZATION_UPDATED,
        source: SOURCE,
        description: "An organisation's data changed. Payload: full snapshot with the new version.",
        payload: "OrganizationV1",
    },
    EventType {
        name: ORGANIZATION_DEACTIVATED,
        source: SOURCE,
        description: "An organisation was deactivated and no longer takes part.",
        payload: "OrganizationDeactivatedV1",
    },
    EventType {
        name: PERSON_REGISTERED,
        source: SOURCE,
        description: "A staff member was registered (created or imported).",
        payload: "PersonV1",
    },
    EventType {
        name: PERSON_UPDATED,
        source: SOURCE,
        description: "A staff member's data changed. Payload: full snapshot with the new version.",
        payload: "PersonV1",
    },
    EventType {
        name: PERSON_DEACTIVATED,
        source: SOURCE,
        description: "A staff member's active period ended.",
        payload: "PersonDeactivatedV1",
    },
    EventType {
        name: AGREEMENT_SIGNED,
        source: SOURCE,
        description: "An agreement was signed; the organisation has a valid agreement from `signed_on`.",
        payload: "AgreementSignedV1",
    },
    EventType {
        name: AGREEMENT_TERMINATED,
        source: SOURCE,
        description: "An agreement was terminated; it is no longer valid from `terminated_on`.",
        payload: "AgreementTerminatedV1",
    },
    EventType {
        name: LEADERSHIP_CONFIRMED,
        source: SOURCE,
        description: "An organisation's leader confirmed that the leadership carries the cooperation into its house; the newest `confirmed_on` is current.",
        payload: "LeadershipConfirmedV1",
    },
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::Event as _;

    #[test]
    fn an_event_serialises_as_its_payload_under_its_catalogued_type() {
        let org = OrganizationV1 {
            id: Uuid::nil(),
            name: "Jugendamt Stadt Heilbronn".into(),
            kind: OrganizationKind::YouthOffice,
            district: None,
            umbrella_carrier: None,
            city: "Heilbronn".into(),
            active: true,
            version: 1,
        };
        let agreement = AgreementSignedV1 {
            id: Uuid::now_v7(),
            organization_id: Uuid::now_v7(),
            kind: AgreementKind::QualityDevelopmentAgreement,
            signed_on: NaiveDate::from_ymd_opt(2021, 6, 30).unwrap(),
        };
        let registered = DirectoryEvent::OrganizationRegistered(org.clone());
        assert_eq!(
            serde_json::to_value(&registered).unwrap(),
            serde_json::to_value(&org).unwrap()
        );
        assert_eq!(registered.subject(), org.id.to_string());
        let signed = DirectoryEvent::AgreementSigned(agreement.clone());
        assert_eq!(signed.subject(), agreement.organization_id.to_string());
        for event in [registered, DirectoryEvent::OrganizationUpdated(org), signed] {
            let listed = EVENTS
                .iter()
                .find(|e| e.name == event.event_type())
                .unwrap();
            assert_eq!(listed.source, event.source());
        }
    }
}
