//! Settings of the case service beyond the shared configuration.

use std::time::Duration;

use qmf_platform::config::ConfigError;

use crate::crypto::Keyring;
use crate::domain::process::ProcessSettings;
use crate::domain::retention::RetentionSettings;

#[derive(Debug, Clone)]
pub struct CaseSettings {
    pub keyring: Keyring,
    pub process: ProcessSettings,
    /// Default months between help-plan reviews.
    pub default_review_interval_months: i32,
    pub retention: RetentionSettings,
    /// How often the retention job runs (once across all replicas).
    pub retention_interval: Duration,
}

impl CaseSettings {
    /// Reads `QMF_CASE_KEYS` (required: `id:base64key[,id:base64key…]`, 32-byte keys),
    /// `QMF_CASE_CURRENT_KEY` (default: the first id), `QMF_CASE_REOPEN_WITHIN_DAYS` (365) and
    /// `QMF_CASE_REVIEW_INTERVAL_MONTHS` (6), `QMF_CASE_ARCHIVE_AFTER_DAYS` (365),
    /// `QMF_CASE_ERASE_AFTER_YEARS` (10), `QMF_CASE_RETAIN_UNTIL_AGE` (30) and
    /// `QMF_CASE_RETENTION_INTERVAL_SECS` (3600).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        let invalid = |variable: &str, value: &str, reason: String| ConfigError {
            variable: variable.into(),
            value: value.into(),
            reason,
        };
        let keys = get("QMF_CASE_KEYS").ok_or_else(|| {
            invalid(
                "QMF_CASE_KEYS",
                "",
                "required: encryption keys for personal data, id:base64(32 bytes)[,…]".into(),
            )
        })?;
        let keyring = Keyring::parse(&keys, get("QMF_CASE_CURRENT_KEY").as_deref())
            .map_err(|reason| invalid("QMF_CASE_KEYS", "<hidden>", reason))?;
        let number = |variable: &str, default: i64, range: std::ops::RangeInclusive<i64>| match get(
            variable,
        ) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| {
                    invalid(
                        variable,
                        &raw,
                        format!(
                            "expected a number from {} to {}",
                            range.start(),
                            range.end()
                        ),
                    )
                }),
        };
        Ok(CaseSettings {
            keyring,
            process: ProcessSettings {
                reopen_within_days: number("QMF_CASE_REOPEN_WITHIN_DAYS", 365, 0..=3650)?,
            },
            default_review_interval_months: number("QMF_CASE_REVIEW_INTERVAL_MONTHS", 6, 1..=24)?
                as i32,
            retention: RetentionSettings {
                archive_after_days: number("QMF_CASE_ARCHIVE_AFTER_DAYS", 365, 0..=36500)?,
                erase_after_years: number("QMF_CASE_ERASE_AFTER_YEARS", 10, 0..=100)? as u32,
                retain_until_age: number("QMF_CASE_RETAIN_UNTIL_AGE", 30, 0..=120)? as i32,
            },
            retention_interval: Duration::from_secs(number(
                "QMF_CASE_RETENTION_INTERVAL_SECS",
                3600,
                1..=604_800,
            )? as u64),
        })
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, String)]) -> Result<CaseSettings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        CaseSettings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn keys_are_required_and_numbers_checked() {
        assert_eq!(
            settings(&[]).err().map(|e| e.variable),
            Some("QMF_CASE_KEYS".into())
        );
        let keys = ("QMF_CASE_KEYS", format!("k1:{}", Keyring::generate_key()));
        let ok = settings(std::slice::from_ref(&keys)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.default_review_interval_months, 6);
        assert_eq!(ok.retention_interval, Duration::from_secs(3600));
        let bad = settings(&[
            keys.clone(),
            ("QMF_CASE_REVIEW_INTERVAL_MONTHS", "0".into()),
        ])
        .err();
        assert_eq!(
            bad.map(|e| e.variable),
            Some("QMF_CASE_REVIEW_INTERVAL_MONTHS".into())
        );
        let bad = settings(&[keys, ("QMF_CASE_RETENTION_INTERVAL_SECS", "0".into())]).err();
        assert_eq!(
            bad.map(|e| e.variable),
            Some("QMF_CASE_RETENTION_INTERVAL_SECS".into())
        );
    }
}
