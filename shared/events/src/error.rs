//! One error type for broker, database and confirmation failures, so callers can log and
//! classify them without knowing lapin or diesel internals.

/// A failure of the events machinery.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    /// The broker connection or channel failed; the caller reconnects.
    #[error("broker: {0}")]
    Broker(#[from] lapin::Error),
    /// A database query failed.
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
    /// No database connection could be taken from the pool.
    #[error("database pool: {0}")]
    Pool(#[from] diesel_async::pooled_connection::deadpool::PoolError),
    /// The broker received the message but did not take responsibility for it (nack, or
    /// returned as unroutable): the event stays in the outbox.
    #[error("broker did not accept the message: {0}")]
    NotAccepted(String),
    /// The broker did not answer in time; the connection is treated as broken.
    #[error("timed out: {0}")]
    Timeout(&'static str),
    /// A name is longer than AMQP allows (255 bytes).
    #[error("invalid AMQP name {0:?}: longer than 255 bytes")]
    InvalidName(String),
    /// A message body could not be encoded.
    #[error("serialization: {0}")]
    Serialization(#[from] serde_json::Error),
}

impl EventsError {
    /// Whether the broker connection must be rebuilt before trying again.
    pub(crate) fn breaks_connection(&self) -> bool {
        matches!(self, EventsError::Broker(_) | EventsError::Timeout(_))
    }
}

/// An AMQP short string (exchange, queue, routing key), checked instead of panicking.
pub(crate) fn short(name: &str) -> Result<lapin::types::ShortString, EventsError> {
    lapin::types::ShortString::try_new(name).map_err(|_| EventsError::InvalidName(name.into()))
}
