//! Replay of dead letters. Messages that failed `max_deliveries` times or were invalid wait in
//! the service's dead-letter queue (visible in the management UI); after the cause is fixed an
//! operator moves them back with [`replay_dead_letters`].

use lapin::options::{
    BasicAckOptions, BasicGetOptions, BasicNackOptions, BasicPublishOptions, ConfirmSelectOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Confirmation, Connection};

use crate::broker::{self, timed};
use crate::error::{EventsError, short};
use crate::{EventsConfig, topology};

/// Moves up to `max` messages from the service's dead-letter queue back into the service's
/// event queue and returns how many were moved. Only messages present when it starts are
/// moved, so a message that fails again is not replayed in a loop.
///
/// The messages go straight to the service's own queue (default exchange, queue name as key),
/// not through the topic exchange: other services already handled these events, and an
/// invalid message must not spread to them. Body, properties and headers (including `x-death`,
/// which records the original routing key) are kept; `x-delivery-count` is dropped so the
/// message gets a full set of deliveries again. Each message is acknowledged in the
/// dead-letter queue only after the broker confirmed the copy, so none is lost.
pub async fn replay_dead_letters(config: &EventsConfig, max: usize) -> Result<usize, EventsError> {
    let connection = broker::connect(config, "replay").await?;
    let result = replay(&connection, config, max).await;
    broker::close(&connection).await;
    result
}

async fn replay(
    connection: &Connection,
    config: &EventsConfig,
    max: usize,
) -> Result<usize, EventsError> {
    let channel = timed(
        config.broker_timeout,
        "setting up the replay channel",
        async {
            let channel = connection.create_channel().await?;
            channel
                .confirm_select(ConfirmSelectOptions::default())
                .await?;
            topology::declare_service_queues(&channel, config).await?;
            Ok(channel)
        },
    )
    .await?;
    let dead_letters = short(&config.dead_letter_queue())?;
    let target = short(&config.queue_name())?;

    let mut moved = 0usize;
    let mut budget = max;
    while moved < budget {
        let message = timed(config.broker_timeout, "fetching a dead letter", async {
            Ok(channel
                .basic_get(dead_letters.clone(), BasicGetOptions { no_ack: false })
                .await?)
        })
        .await?;
        let Some(message) = message else {
            break;
        };
        let remaining = usize::try_from(message.message_count).unwrap_or(usize::MAX);
        budget = budget.min(moved.saturating_add(remaining).saturating_add(1));
        let delivery = message.delivery;
        let properties = replay_properties(&delivery.properties);
        let confirmation = timed(
            config.broker_timeout,
            "waiting for a publisher confirm",
            async {
                let confirm = channel
                    .basic_publish(
                        "".into(),
                        target.clone(),
                        BasicPublishOptions {
                            mandatory: true,
                            immediate: false,
                        },
                        &delivery.data,
                        properties,
                    )
                    .await?;
                Ok(confirm.await?)
            },
        )
        .await;
        match confirmation {
            Ok(Confirmation::Ack(None)) => {
                delivery.acker.ack(BasicAckOptions::default()).await?;
                moved += 1;
            }
            other => {
                let _ = delivery
                    .acker
                    .nack(BasicNackOptions {
                        multiple: false,
                        requeue: true,
                    })
                    .await;
                return Err(match other {
                    Err(error) => error,
                    Ok(Confirmation::Nack(_)) => {
                        EventsError::NotAccepted("nacked by the broker".into())
                    }
                    Ok(_) => EventsError::NotAccepted(format!(
                        "queue {} did not take the message",
                        config.queue_name()
                    )),
                });
            }
        }
    }
    // Closed before the connection, which would otherwise report the open channel as an error.
    let _ = channel.close(200, "replayed".into()).await;
    Ok(moved)
}

/// The dead letter's properties without the broker's delivery counter.
fn replay_properties(original: &BasicProperties) -> BasicProperties {
    let mut properties = original.clone().with_delivery_mode(2);
    if let Some(headers) = original.headers() {
        let kept: std::collections::BTreeMap<_, _> = headers
            .inner()
            .iter()
            .filter(|(key, _)| key.as_str() != "x-delivery-count")
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        properties = properties.with_headers(FieldTable::from(kept));
    }
    properties
}
