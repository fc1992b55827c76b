//! Background jobs of the training service.

use std::time::Duration;

use qmf_platform::jobs::Job;

use crate::app;

pub const EXPIRE_OFFERS: &str = "training.offers.expire";

/// How often expired offers are looked for.
pub const EXPIRE_INTERVAL: Duration = Duration::from_secs(30);

/// Lets offers that were not accepted in time go and offers their seats on; safe with several
/// replicas (the job runs on one at a time) and records only the runs that found an expired
/// offer.
pub fn expire_offers_job() -> Job {
    Job::polling(EXPIRE_OFFERS, EXPIRE_INTERVAL, |pool| async move {
        app::registrations::expire_offers(&pool)
            .await
            .map(|expired| (expired > 0).then(|| format!("{expired} offers expired")))
    })
}

pub const REMINDERS: &str = "training.reminders";

/// How often due reminders are looked for.
pub const REMINDER_INTERVAL: Duration = Duration::from_secs(600);

/// Publishes the reminders that are due (7 days and 1 day before a session), once each.
pub fn reminders_job() -> Job {
    Job::polling(REMINDERS, REMINDER_INTERVAL, |pool| async move {
        app::reminders::remind(&pool)
            .await
            .map(|sent| (sent > 0).then(|| format!("{sent} reminders published")))
    })
}
