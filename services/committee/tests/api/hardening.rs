#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The platform's shared defences as the committee service applies them: the token table.

use crate::common::spawn;

#[tokio::test]
async fn the_token_table_holds() {
    let app = spawn().await;
    qmf_testkit::token_table::check(&app.base, "/v1/bodies", &["institution_staff"], None).await;
}
