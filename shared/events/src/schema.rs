//! Diesel schema of the tables created by [`crate::MIGRATIONS`]; public so that services and
//! tests can inspect the outbox (e.g. unpublished rows for diagnostics).

diesel::table! {
    /// Events written by the service, waiting for or done with publishing.
    outbox (id) {
        id -> Int8,
        event_id -> Uuid,
        event_type -> Text,
        source -> Text,
        subject -> Text,
        envelope -> Jsonb,
        created_at -> Timestamptz,
        published_at -> Nullable<Timestamptz>,
        attempts -> Int4,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    /// Ids of events whose effect is committed.
    inbox (event_id) {
        event_id -> Uuid,
        event_type -> Text,
        source -> Text,
        received_at -> Timestamptz,
    }
}
