//! Commands that move a case through the regional process, one file per process step. Each
//! handler decides access, checks the body and runs its command through the one command runner
//! (`app::commands::run`) inside the write's transaction; it answers with the case and its new
//! ETag.

pub mod assessment;
pub mod closing;
pub mod help;
pub mod plan;
pub mod review;
pub mod transfer;

use actix_web::web;
use qmf_platform::{ApiResult, IfMatch, Principal, Reply, Write};
use uuid::Uuid;

use crate::app::Caller;
use crate::app::commands::{self, CaseCommand};
use crate::domain::access::Audience;
use crate::settings::CaseSettings;

/// Runs `command` on case `id` through the command runner in the write's transaction and
/// answers with the case and its new ETag.
async fn answer<C: CaseCommand>(
    write: Write,
    principal: Principal,
    audience: Audience,
    settings: web::Data<CaseSettings>,
    id: Uuid,
    if_match: IfMatch,
    command: C,
) -> ApiResult<Reply> {
    write
        .run(async move |conn| {
            let caller = Caller::new(&principal, audience, settings.get_ref());
            let case = commands::run(conn, caller, id, if_match, command).await?;
            Ok(Reply::ok_with_etag(&case, case.version))
        })
        .await
}
