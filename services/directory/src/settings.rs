//! Settings of the directory service beyond the shared configuration: the thresholds the
//! engagement view judges by.

use qmf_platform::config::{ConfigError, bounded};

use crate::domain::engagement::Thresholds;

#[derive(Debug, Clone, Default)]
pub struct DirectorySettings {
    pub engagement: Thresholds,
}

impl DirectorySettings {
    /// Reads the engagement thresholds (defaults from [`Thresholds::default`]):
    /// `QMF_ENGAGEMENT_AGREEMENT_ENDING_DAYS` (90), `QMF_ENGAGEMENT_LEADERSHIP_VALID_MONTHS`
    /// (24), `QMF_ENGAGEMENT_LEADERSHIP_WARNING_MONTHS` (3, less than the validity),
    /// `QMF_ENGAGEMENT_ATTENDANCE_WINDOW_MONTHS` (24), `QMF_ENGAGEMENT_ATTENDANCE_MET_PERCENT`
    /// (60), `QMF_ENGAGEMENT_ATTENDANCE_AT_RISK_PERCENT` (40, at most the met share),
    /// `QMF_ENGAGEMENT_GUEST_VISITS_EXPECTED` (1), `QMF_ENGAGEMENT_OVERDUE_MEASURES_AT_RISK`
    /// (1), `QMF_ENGAGEMENT_TRAININGS_MET_PERCENT` (90) and
    /// `QMF_ENGAGEMENT_TRAININGS_AT_RISK_PERCENT` (60, at most the met share).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        let d = Thresholds::default();
        let percent = |share: f64| (share * 100.0).round() as u32;
        let share = |key: &str, default: f64| -> Result<f64, ConfigError> {
            Ok(f64::from(bounded(&get, key, percent(default), 0..=100)?) / 100.0)
        };
        let engagement = Thresholds {
            agreement_ending_days: bounded(
                &get,
                "QMF_ENGAGEMENT_AGREEMENT_ENDING_DAYS",
                d.agreement_ending_days,
                0..=730,
            )?,
            leadership_valid_months: bounded(
                &get,
                "QMF_ENGAGEMENT_LEADERSHIP_VALID_MONTHS",
                d.leadership_valid_months,
                1..=120,
            )?,
            leadership_warning_months: bounded(
                &get,
                "QMF_ENGAGEMENT_LEADERSHIP_WARNING_MONTHS",
                d.leadership_warning_months,
                0..=119,
            )?,
            attendance_window_months: bounded(
                &get,
                "QMF_ENGAGEMENT_ATTENDANCE_WINDOW_MONTHS",
                d.attendance_window_months,
                1..=120,
            )?,
            attendance_met_share: share(
                "QMF_ENGAGEMENT_ATTENDANCE_MET_PERCENT",
                d.attendance_met_share,
            )?,
            attendance_at_risk_share: share(
                "QMF_ENGAGEMENT_ATTENDANCE_AT_RISK_PERCENT",
                d.attendance_at_risk_share,
            )?,
            guest_visits_expected: bounded(
                &get,
                "QMF_ENGAGEMENT_GUEST_VISITS_EXPECTED",
                d.guest_visits_expected,
                0..=50,
            )?,
            overdue_measures_at_risk: bounded(
                &get,
                "QMF_ENGAGEMENT_OVERDUE_MEASURES_AT_RISK",
                d.overdue_measures_at_risk,
                0..=1000,
            )?,
            trainings_met_share: share(
                "QMF_ENGAGEMENT_TRAININGS_MET_PERCENT",
                d.trainings_met_share,
            )?,
            trainings_at_risk_share: share(
                "QMF_ENGAGEMENT_TRAININGS_AT_RISK_PERCENT",
                d.trainings_at_risk_share,
            )?,
        };
        let contradiction = |variable: &str, value: String, reason: &str| ConfigError {
            variable: variable.into(),
            value,
            reason: reason.into(),
        };
        if engagement.leadership_warning_months >= engagement.leadership_valid_months {
            return Err(contradiction(
                "QMF_ENGAGEMENT_LEADERSHIP_WARNING_MONTHS",
                engagement.leadership_warning_months.to_string(),
                "must be less than QMF_ENGAGEMENT_LEADERSHIP_VALID_MONTHS",
            ));
        }
        if engagement.attendance_at_risk_share > engagement.attendance_met_share {
            return Err(contradiction(
                "QMF_ENGAGEMENT_ATTENDANCE_AT_RISK_PERCENT",
                percent(engagement.attendance_at_risk_share).to_string(),
                "must not exceed QMF_ENGAGEMENT_ATTENDANCE_MET_PERCENT",
            ));
        }
        if engagement.trainings_at_risk_share > engagement.trainings_met_share {
            return Err(contradiction(
                "QMF_ENGAGEMENT_TRAININGS_AT_RISK_PERCENT",
                percent(engagement.trainings_at_risk_share).to_string(),
                "must not exceed QMF_ENGAGEMENT_TRAININGS_MET_PERCENT",
            ));
        }
        Ok(DirectorySettings { engagement })
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<DirectorySettings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        DirectorySettings::from_lookup(|k| map.get(k).cloned())
    }

    fn refused(vars: &[(&str, &str)]) -> String {
        match settings(vars) {
            Ok(s) => panic!("accepted {vars:?}: {s:?}"),
            Err(e) => e.variable,
        }
    }

    #[test]
    fn defaults_are_the_documented_thresholds() {
        let s = settings(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.engagement, Thresholds::default());
    }

    #[test]
    fn each_threshold_is_read_as_given() {
        let s = settings(&[
            ("QMF_ENGAGEMENT_AGREEMENT_ENDING_DAYS", "30"),
            ("QMF_ENGAGEMENT_LEADERSHIP_VALID_MONTHS", "12"),
            ("QMF_ENGAGEMENT_LEADERSHIP_WARNING_MONTHS", "2"),
            ("QMF_ENGAGEMENT_ATTENDANCE_WINDOW_MONTHS", "36"),
            ("QMF_ENGAGEMENT_ATTENDANCE_MET_PERCENT", "75"),
            ("QMF_ENGAGEMENT_ATTENDANCE_AT_RISK_PERCENT", "50"),
            ("QMF_ENGAGEMENT_GUEST_VISITS_EXPECTED", "2"),
            ("QMF_ENGAGEMENT_OVERDUE_MEASURES_AT_RISK", "0"),
            ("QMF_ENGAGEMENT_TRAININGS_MET_PERCENT", "100"),
            ("QMF_ENGAGEMENT_TRAININGS_AT_RISK_PERCENT", "80"),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.engagement,
            Thresholds {
                agreement_ending_days: 30,
                leadership_valid_months: 12,
                leadership_warning_months: 2,
                attendance_window_months: 36,
                attendance_met_share: 0.75,
                attendance_at_risk_share: 0.5,
                guest_visits_expected: 2,
                overdue_measures_at_risk: 0,
                trainings_met_share: 1.0,
                trainings_at_risk_share: 0.8,
            }
        );
    }

    #[test]
    fn out_of_range_or_contradicting_values_name_their_variable() {
        for (key, value) in [
            ("QMF_ENGAGEMENT_ATTENDANCE_MET_PERCENT", "101"),
            ("QMF_ENGAGEMENT_TRAININGS_MET_PERCENT", "-1"),
            ("QMF_ENGAGEMENT_LEADERSHIP_VALID_MONTHS", "0"),
            ("QMF_ENGAGEMENT_AGREEMENT_ENDING_DAYS", "ninety"),
            ("QMF_ENGAGEMENT_GUEST_VISITS_EXPECTED", "0.5"),
        ] {
            assert_eq!(refused(&[(key, value)]), key);
        }
        assert_eq!(
            refused(&[
                ("QMF_ENGAGEMENT_LEADERSHIP_VALID_MONTHS", "6"),
                ("QMF_ENGAGEMENT_LEADERSHIP_WARNING_MONTHS", "6"),
            ]),
            "QMF_ENGAGEMENT_LEADERSHIP_WARNING_MONTHS"
        );
        assert_eq!(
            refused(&[("QMF_ENGAGEMENT_ATTENDANCE_AT_RISK_PERCENT", "61")]),
            "QMF_ENGAGEMENT_ATTENDANCE_AT_RISK_PERCENT"
        );
        assert_eq!(
            refused(&[
                ("QMF_ENGAGEMENT_TRAININGS_MET_PERCENT", "50"),
                ("QMF_ENGAGEMENT_TRAININGS_AT_RISK_PERCENT", "60"),
            ]),
            "QMF_ENGAGEMENT_TRAININGS_AT_RISK_PERCENT"
        );
    }
}
