//! The development secret and HS256 tokens signed with it.

use std::env;
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;

use base64::Engine;
use chrono::{Duration, Utc};
use clap::ValueEnum;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use uuid::Uuid;

use crate::Result;
use crate::ctx::Ctx;

/// The services reject shorter secrets.
const MIN_SECRET_LEN: usize = 32;
const TOKEN_LIFETIME_HOURS: i64 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Coordinator,
    YouthOfficeStaff,
    InstitutionStaff,
    Caseworker,
    Auditor,
    CommitteeSecretary,
    Trainer,
    Service,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::YouthOfficeStaff => "youth_office_staff",
            Role::InstitutionStaff => "institution_staff",
            Role::Caseworker => "caseworker",
            Role::Auditor => "auditor",
            Role::CommitteeSecretary => "committee_secretary",
            Role::Trainer => "trainer",
            Role::Service => "service",
        }
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    org: Option<String>,
    roles: Vec<&'static str>,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
}

/// The issuer the services expect (QMF_AUTH_ISSUER, default `qmf-dev`).
pub fn issuer() -> String {
    env_or("QMF_AUTH_ISSUER", "qmf-dev")
}

/// The audience the services expect (QMF_AUTH_AUDIENCE, default `qmf`).
pub fn audience() -> String {
    env_or("QMF_AUTH_AUDIENCE", "qmf")
}

fn env_or(name: &str, default: &str) -> String {
    env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// QMF_AUTH_DEV_SECRET when set (e.g. to talk to a docker compose cluster), else the secret
/// kept in `.qmf/dev-secret`, generated on first use.
pub fn dev_secret(ctx: &Ctx) -> Result<String> {
    if let Some(secret) = env::var("QMF_AUTH_DEV_SECRET")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        if secret.len() < MIN_SECRET_LEN {
            return Err(format!(
                "QMF_AUTH_DEV_SECRET must be at least {MIN_SECRET_LEN} characters"
            )
            .into());
        }
        return Ok(secret);
    }
    let path = ctx.secret_file();
    fs::create_dir_all(&ctx.state)?;
    // 244 random bits from the OS generator, as 64 hex digits.
    let fresh = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
    {
        Ok(mut file) => {
            file.write_all(format!("{fresh}\n").as_bytes())?;
            Ok(fresh)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let secret = fs::read_to_string(&path)?.trim().to_string();
            if secret.len() < MIN_SECRET_LEN {
                return Err(format!(
                    "{} holds a secret shorter than {MIN_SECRET_LEN} characters; delete it to \
                     get a new one",
                    path.display()
                )
                .into());
            }
            Ok(secret)
        }
        Err(e) => Err(format!("cannot create {}: {e}", path.display()).into()),
    }
}

pub fn mint(ctx: &Ctx, roles: &[Role], org: Option<Uuid>, sub: Option<&str>) -> Result<String> {
    let first = roles.first().ok_or("at least one role is needed")?;
    let default_sub = format!("dev-{}", first.as_str());
    let now = Utc::now();
    let mut names: Vec<&'static str> = Vec::new();
    for role in roles {
        if !names.contains(&role.as_str()) {
            names.push(role.as_str());
        }
    }
    let claims = Claims {
        sub: sub.unwrap_or(&default_sub),
        org: org.map(|o| o.to_string()),
        roles: names,
        iss: issuer(),
        aud: audience(),
        iat: now.timestamp(),
        exp: (now + Duration::hours(TOKEN_LIFETIME_HOURS)).timestamp(),
    };
    let secret = dev_secret(ctx)?;
    Ok(jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )?)
}

pub fn admin_token(ctx: &Ctx) -> Result<String> {
    mint(ctx, &[Role::Admin], None, None)
}

/// QMF_CASE_KEYS when set, else a development key kept in `.qmf/case-key` (generated on first
/// use): the case service encrypts names and dates of birth with it. Losing the file makes the
/// local case data unreadable, as it would in production.
pub fn case_keys(ctx: &Ctx) -> Result<String> {
    if let Some(keys) = env::var("QMF_CASE_KEYS")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        return Ok(keys);
    }
    let path = ctx.case_key_file();
    fs::create_dir_all(&ctx.state)?;
    let mut bytes = Vec::with_capacity(32);
    bytes.extend_from_slice(Uuid::new_v4().as_bytes());
    bytes.extend_from_slice(Uuid::new_v4().as_bytes());
    let fresh = format!(
        "dev:{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    );
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
    {
        Ok(mut file) => {
            file.write_all(format!("{fresh}\n").as_bytes())?;
            Ok(fresh)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            Ok(fs::read_to_string(&path)?.trim().to_string())
        }
        Err(e) => Err(format!("cannot create {}: {e}", path.display()).into()),
    }
}
