//! Commands that move a case through the regional process, one file per process step. Each
//! handler extracts a [`CommandRequest`] (and the body, if any) and names its command; the
//! request decides access, checks the body and runs the command through the one command runner
//! (`app::commands::run`) inside the write's transaction, and answers with the case and its new
//! ETag.

pub mod assessment;
pub mod closing;
pub mod help;
pub mod plan;
pub mod review;
pub mod transfer;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use std::future::Future;
use std::pin::Pin;

use qmf_platform::{ApiResult, IfMatch, Json, Principal, Reply, Write};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::app::commands::{self, CaseCommand, CommandInput};
use crate::app::{Caller, today};
use crate::domain::access::{self, Audience};
use crate::settings::CaseSettings;

/// What every command on a case extracts, in this order: the caller, the write, the settings,
/// the path `P` (the case id, or the case id and a plan version) and `If-Match`.
pub struct CommandRequest<P = Uuid> {
    principal: Principal,
    write: Write,
    settings: web::Data<CaseSettings>,
    path: P,
    if_match: IfMatch,
}

impl<P: DeserializeOwned + 'static> FromRequest for CommandRequest<P> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let parts = <(
            Principal,
            Write,
            web::Data<CaseSettings>,
            web::Path<P>,
            IfMatch,
        )>::from_request(req, payload);
        Box::pin(async move {
            let (principal, write, settings, path, if_match) = parts.await?;
            Ok(CommandRequest {
                principal,
                write,
                settings,
                path: path.into_inner(),
                if_match,
            })
        })
    }
}

impl CommandRequest {
    /// Decides access and runs the command `command` makes for the caller's audience.
    async fn run<C: CaseCommand>(
        self,
        command: impl FnOnce(Audience) -> ApiResult<C>,
    ) -> ApiResult<Reply> {
        let id = self.path;
        self.run_on(id, command).await
    }

    /// Decides access, checks `body` and runs the command `command` makes of it.
    async fn run_with<I: CommandInput, C: CaseCommand>(
        self,
        body: Json<I>,
        command: impl FnOnce(I) -> C,
    ) -> ApiResult<Reply> {
        let id = self.path;
        self.run_on(id, |_| {
            let input = body.into_inner()?;
            input.validate(today())?;
            Ok(command(input))
        })
        .await
    }
}

impl<P> CommandRequest<P> {
    /// Decides the caller's audience (403 for a role that never sees single cases), lets
    /// `command` build the command from it (its own access and body checks), then runs it on
    /// case `id` in the write's transaction.
    async fn run_on<C: CaseCommand>(
        self,
        id: Uuid,
        command: impl FnOnce(Audience) -> ApiResult<C>,
    ) -> ApiResult<Reply> {
        let audience = access::audience(&self.principal)?;
        let command = command(audience)?;
        let (principal, settings, if_match) = (self.principal, self.settings, self.if_match);
        self.write
            .run(async move |conn| {
                let caller = Caller::new(&principal, audience, settings.get_ref());
                let case = commands::run(conn, caller, id, if_match, command).await?;
                Ok(Reply::ok_with_etag(&case, case.version))
            })
            .await
    }
}
