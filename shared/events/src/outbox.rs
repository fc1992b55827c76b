//! Writing events: into the `outbox` table, in the caller's transaction, so that an event
//! exists exactly when the state change that caused it is committed.

use diesel::pg::Pg;
use diesel::result::Error as DieselError;
use diesel::{ExpressionMethods, QueryResult};
use diesel_async::{AsyncConnectionCore, RunQueryDsl};
use serde::Serialize;

use crate::envelope::Envelope;
use crate::schema::outbox;
use crate::trace::current_traceparent;

/// Records an event in the outbox and returns its envelope. Call it inside the transaction
/// that makes the change the event reports; the relay publishes it after the commit (call
/// [`crate::wake_relays`] after the commit for low latency; the platform's writes do). The current span's trace context, if any, is
/// stored as `traceparent` so the consumers' work joins this trace.
///
/// `source` names the producer (`/qmf/case`), `event_type` the versioned type and routing key
/// (`case.closed.v1`), `subject` the aggregate id.
///
/// Events are published in outbox id order. For that to be the aggregate's order even under
/// concurrent writes, write (and so lock) the aggregate's row before calling `enqueue` in the
/// same transaction: a concurrent writer of the same aggregate then waits for this commit
/// before it draws its outbox id.
///
/// `conn` is the transaction's connection (`&mut AsyncPgConnection`), or a shared reference to
/// it (`&mut &AsyncPgConnection`) so that the insert can be pipelined with other statements of
/// the transaction (polled together, e.g. with `try_join!`).
pub async fn enqueue<C, T>(
    conn: &mut C,
    source: &str,
    event_type: &str,
    subject: &str,
    data: &T,
) -> QueryResult<Envelope>
where
    C: AsyncConnectionCore<Backend = Pg>,
    T: Serialize + ?Sized,
{
    let data =
        serde_json::to_value(data).map_err(|e| DieselError::SerializationError(Box::new(e)))?;
    let envelope =
        Envelope::new(source, event_type, subject, data).with_traceparent(current_traceparent());
    enqueue_envelope(conn, &envelope).await?;
    Ok(envelope)
}

/// Records a typed event in the outbox (see [`enqueue`]): its payload, type, producer and
/// subject come from the event itself. The one publish call of every service.
pub async fn publish<C, E>(conn: &mut C, event: &E) -> QueryResult<Envelope>
where
    C: AsyncConnectionCore<Backend = Pg>,
    E: qmf_contracts::Event,
{
    enqueue(
        conn,
        event.source(),
        event.event_type(),
        &event.subject(),
        event,
    )
    .await
}

/// Records an already built envelope, e.g. one re-emitted by a migration tool. Refuses
/// envelopes the relay could never publish (wrong version, empty or over-long type), because
/// such a row would hold back every later event.
pub async fn enqueue_envelope<C>(conn: &mut C, envelope: &Envelope) -> QueryResult<()>
where
    C: AsyncConnectionCore<Backend = Pg>,
{
    envelope
        .validate()
        .map_err(|e| DieselError::SerializationError(Box::new(e)))?;
    if envelope.event_type.len() > 255 {
        return Err(DieselError::SerializationError(
            format!(
                "event type {:?} is longer than 255 bytes",
                envelope.event_type
            )
            .into(),
        ));
    }
    let json =
        serde_json::to_value(envelope).map_err(|e| DieselError::SerializationError(Box::new(e)))?;
    diesel::insert_into(outbox::table)
        .values((
            outbox::event_id.eq(envelope.id),
            outbox::event_type.eq(&envelope.event_type),
            outbox::source.eq(&envelope.source),
            outbox::subject.eq(&envelope.subject),
            outbox::envelope.eq(json),
            outbox::created_at.eq(envelope.time),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
