//! The pool hands out connections without a round trip and still never hands out a dead one:
//! after the database dropped its connections (as on a restart) the next checkout opens a new
//! connection, and a request whose connection is dropped under it gets a retryable 503.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use diesel_async::RunQueryDsl;
use qmf_platform::ApiError;

/// Drops every other connection to the test database, as a database restart would.
async fn drop_connections(url: &str) {
    use diesel_async::AsyncConnection;
    let mut admin = diesel_async::AsyncPgConnection::establish(url)
        .await
        .unwrap();
    diesel::sql_query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&mut admin)
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
}

/// The server process id behind a connection.
async fn backend_pid(conn: &mut diesel_async::AsyncPgConnection) -> i32 {
    #[derive(diesel::QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let row: Pid = diesel::sql_query("SELECT pg_backend_pid() AS pid")
        .get_result(conn)
        .await
        .unwrap();
    row.pid
}

#[tokio::test]
async fn a_dropped_idle_connection_is_replaced_at_checkout() {
    let db = qmf_testkit::create_database().await;
    let pool = qmf_platform::db::pool(&db.url, 1).unwrap();
    let first = backend_pid(&mut pool.get().await.unwrap()).await;
    // Without a drop, the pool hands out the same connection again.
    assert_eq!(backend_pid(&mut pool.get().await.unwrap()).await, first);

    drop_connections(&db.url).await;
    let second = backend_pid(&mut pool.get().await.unwrap()).await;
    assert_ne!(second, first, "the dead connection was handed out again");
}

#[tokio::test]
async fn a_connection_dropped_under_a_request_answers_503() {
    let db = qmf_testkit::create_database().await;
    let pool = qmf_platform::db::pool(&db.url, 1).unwrap();
    let lost = {
        let mut conn = pool.get().await.unwrap();
        backend_pid(&mut conn).await;
        drop_connections(&db.url).await;
        diesel::sql_query("SELECT 1").execute(&mut conn).await
    };
    let error = ApiError::from(lost.expect_err("the connection was dropped"));
    assert!(
        matches!(error, ApiError::Unavailable(_)),
        "expected 503, got {error:?}"
    );
    let mut conn = pool.get().await.unwrap();
    diesel::sql_query("SELECT 1")
        .execute(&mut conn)
        .await
        .unwrap();
}
