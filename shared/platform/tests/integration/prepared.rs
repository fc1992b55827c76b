//! Raw SQL marked `keep_prepared` is prepared once per connection and then reused; unmarked
//! raw SQL is prepared anew each time and not kept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::sql_types::{BigInt, Integer};
use diesel_async::RunQueryDsl;
use qmf_platform::db::KeepPrepared;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// Statements the connection has kept prepared whose text contains `marker`.
async fn kept(conn: &mut diesel_async::AsyncPgConnection, marker: &str) -> i64 {
    let row: Count = diesel::sql_query(
        "SELECT count(*) AS count FROM pg_prepared_statements WHERE statement LIKE '%' || $1 || '%' \
           AND statement NOT LIKE '%pg_prepared_statements%'",
    )
    .bind::<diesel::sql_types::Text, _>(marker)
    .get_result(conn)
    .await
    .unwrap();
    row.count
}

#[tokio::test]
async fn marked_raw_sql_is_prepared_once_and_kept() {
    let db = qmf_testkit::create_database().await;
    let pool = qmf_platform::db::pool(&db.url, 1).unwrap();
    let mut conn = pool.get().await.unwrap();
    for n in 0..3 {
        let row: Count = diesel::sql_query("SELECT $1::int8 + 1 AS count /* kept */")
            .bind::<BigInt, _>(n)
            .keep_prepared()
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!(row.count, n + 1);
        diesel::sql_query("SELECT $1::int4 /* not kept */")
            .bind::<Integer, _>(1)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    assert_eq!(kept(&mut conn, "/* kept */").await, 1);
    assert_eq!(kept(&mut conn, "/* not kept */").await, 0);
    // Two texts of the same type are two statements, each with its own answer.
    let other: Count = diesel::sql_query("SELECT $1::int8 + 2 AS count /* kept */")
        .bind::<BigInt, _>(1)
        .keep_prepared()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(other.count, 3);
    assert_eq!(kept(&mut conn, "/* kept */").await, 2);
}
