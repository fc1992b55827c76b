//! What the directory publishes: every change goes through the outbox in the same transaction.

use diesel_async::AsyncPgConnection;
use qmf_contracts::directory::{
    AgreementSignedV1, AgreementTerminatedV1, DirectoryEvent, LeadershipConfirmedV1,
    OrganizationDeactivatedV1, OrganizationV1, PersonDeactivatedV1, PersonV1,
};
use qmf_platform::ApiError;

use crate::store::agreements::AgreementRow;
use crate::store::leadership::ConfirmationRow;
use crate::store::organizations::OrganizationRow;
use crate::store::parse_code;
use crate::store::people::PersonRow;

async fn publish(conn: &mut AsyncPgConnection, event: DirectoryEvent) -> Result<(), ApiError> {
    qmf_events::publish(conn, &event).await?;
    Ok(())
}

pub fn organization_snapshot(row: &OrganizationRow) -> Result<OrganizationV1, ApiError> {
    Ok(OrganizationV1 {
        id: row.id,
        name: row.name.clone(),
        kind: parse_code(&row.kind)?,
        district: row.district.as_deref().map(parse_code).transpose()?,
        umbrella_carrier: row.umbrella_carrier.clone(),
        city: row.city.clone(),
        active: row.active,
        version: row.version,
    })
}

pub async fn organization_registered(
    conn: &mut AsyncPgConnection,
    row: &OrganizationRow,
) -> Result<(), ApiError> {
    publish(
        conn,
        DirectoryEvent::OrganizationRegistered(organization_snapshot(row)?),
    )
    .await
}

pub async fn organization_updated(
    conn: &mut AsyncPgConnection,
    row: &OrganizationRow,
) -> Result<(), ApiError> {
    publish(
        conn,
        DirectoryEvent::OrganizationUpdated(organization_snapshot(row)?),
    )
    .await
}

pub async fn organization_deactivated(
    conn: &mut AsyncPgConnection,
    row: &OrganizationRow,
) -> Result<(), ApiError> {
    let data = OrganizationDeactivatedV1 {
        id: row.id,
        deactivated_at: row.deactivated_at.unwrap_or(row.updated_at),
        version: row.version,
    };
    publish(conn, DirectoryEvent::OrganizationDeactivated(data)).await
}

fn person_snapshot(row: &PersonRow) -> Result<PersonV1, ApiError> {
    Ok(PersonV1 {
        id: row.id,
        organization_id: row.organization_id,
        given_name: row.given_name.clone(),
        family_name: row.family_name.clone(),
        email: row.email.clone(),
        functions: row
            .functions
            .iter()
            .map(|f| parse_code(f))
            .collect::<Result<_, _>>()?,
        active_from: row.active_from,
        active_until: row.active_until,
        version: row.version,
    })
}

pub async fn person_registered(
    conn: &mut AsyncPgConnection,
    row: &PersonRow,
) -> Result<(), ApiError> {
    publish(
        conn,
        DirectoryEvent::PersonRegistered(person_snapshot(row)?),
    )
    .await
}

pub async fn person_updated(conn: &mut AsyncPgConnection, row: &PersonRow) -> Result<(), ApiError> {
    publish(conn, DirectoryEvent::PersonUpdated(person_snapshot(row)?)).await
}

pub async fn person_deactivated(
    conn: &mut AsyncPgConnection,
    row: &PersonRow,
) -> Result<(), ApiError> {
    let data = PersonDeactivatedV1 {
        id: row.id,
        organization_id: row.organization_id,
        active_until: row.active_until.unwrap_or_default(),
        version: row.version,
    };
    publish(conn, DirectoryEvent::PersonDeactivated(data)).await
}

pub async fn agreement_signed(
    conn: &mut AsyncPgConnection,
    row: &AgreementRow,
) -> Result<(), ApiError> {
    let data = AgreementSignedV1 {
        id: row.id,
        organization_id: row.organization_id,
        kind: parse_code(&row.kind)?,
        signed_on: row.signed_on,
    };
    publish(conn, DirectoryEvent::AgreementSigned(data)).await
}

pub async fn agreement_terminated(
    conn: &mut AsyncPgConnection,
    row: &AgreementRow,
) -> Result<(), ApiError> {
    let data = AgreementTerminatedV1 {
        id: row.id,
        organization_id: row.organization_id,
        kind: parse_code(&row.kind)?,
        terminated_on: row.terminated_on.unwrap_or(row.signed_on),
    };
    publish(conn, DirectoryEvent::AgreementTerminated(data)).await
}

pub async fn leadership_confirmed(
    conn: &mut AsyncPgConnection,
    row: &ConfirmationRow,
) -> Result<(), ApiError> {
    publish(
        conn,
        DirectoryEvent::LeadershipConfirmed(LeadershipConfirmedV1 {
            id: row.id,
            organization_id: row.organization_id,
            leader_id: row.leader_id,
            confirmed_on: row.confirmed_on,
        }),
    )
    .await
}
