//! Writes committed together on a real database: every write of a batch is answered with its
//! own result, a failed write takes back only itself, a failed commit takes back the whole
//! batch and tells every write so, a write that panics fails only its batch, and a key's queue
//! is forgotten when it is empty.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use actix_web::web;
use diesel::sql_types::{BigInt, Integer};
use diesel_async::RunQueryDsl;
use qmf_platform::together::Together;
use qmf_platform::{ApiError, ApiResult, DbPool, Reply, Write};
use qmf_testkit::TestDatabase;

async fn database(table: &str) -> (TestDatabase, DbPool) {
    let db = qmf_testkit::create_database().await;
    let pool = qmf_platform::db::pool(&db.url, 4).unwrap();
    let mut conn = pool.get().await.unwrap();
    diesel::sql_query(table).execute(&mut conn).await.unwrap();
    drop(conn);
    (db, pool)
}

/// Inserts `value`; `sleep` seconds first (so that the writes behind it queue), and fails
/// after its insert when `fail` is set.
async fn insert(
    together: Arc<Together<u8>>,
    pool: DbPool,
    value: i32,
    sleep: f64,
    fail: bool,
) -> ApiResult<Reply> {
    Write::without_key(web::Data::new(pool))
        .run_together(&together, 1, move |conn| {
            Box::pin(async move {
                diesel::sql_query("SELECT pg_sleep($1)")
                    .bind::<diesel::sql_types::Double, _>(sleep)
                    .execute(conn)
                    .await?;
                diesel::sql_query("INSERT INTO written (value) VALUES ($1)")
                    .bind::<Integer, _>(value)
                    .execute(conn)
                    .await?;
                if fail {
                    return Err(ApiError::Conflict {
                        rule: "test_rule".into(),
                        detail: format!("{value} refused"),
                    });
                }
                Ok(Reply::ok(&value))
            })
        })
        .await
}

async fn values(pool: &DbPool) -> Vec<i64> {
    #[derive(diesel::QueryableByName)]
    struct Value {
        #[diesel(sql_type = BigInt)]
        value: i64,
    }
    let mut conn = pool.get().await.unwrap();
    let rows: Vec<Value> =
        diesel::sql_query("SELECT value::int8 AS value FROM written ORDER BY value")
            .load(&mut conn)
            .await
            .unwrap();
    rows.into_iter().map(|v| v.value).collect()
}

#[tokio::test]
async fn each_write_of_a_batch_keeps_its_own_answer() {
    let (_db, pool) = database("CREATE TABLE written (value int NOT NULL)").await;
    let together: Arc<Together<u8>> = Arc::default();
    // The first write sleeps, so the others queue behind it and go as one batch.
    let mut writes = vec![tokio::spawn(insert(
        together.clone(),
        pool.clone(),
        0,
        0.3,
        false,
    ))];
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    for value in 1..20 {
        writes.push(tokio::spawn(insert(
            together.clone(),
            pool.clone(),
            value,
            0.0,
            value == 7,
        )));
    }
    let mut answers = Vec::new();
    for write in writes {
        answers.push(write.await.unwrap());
    }
    for (value, answer) in answers.iter().enumerate() {
        match answer {
            Err(ApiError::Conflict { detail, .. }) if value == 7 => {
                assert_eq!(detail, "7 refused");
            }
            Ok(reply) => assert_eq!(reply.status().as_u16(), 200, "write {value}"),
            other => panic!("write {value}: {other:?}"),
        }
    }
    // The refused write took back its insert, and only its own.
    let expected: Vec<i64> = (0..20).filter(|v| *v != 7).collect();
    assert_eq!(values(&pool).await, expected);
    assert!(together.is_empty(), "the key's queue is forgotten");
}

#[tokio::test]
async fn a_failed_commit_answers_every_write_of_its_batch_with_the_error() {
    // Checked at commit: two writes of one batch with the same value make its commit fail.
    let (_db, pool) =
        database("CREATE TABLE written (value int NOT NULL UNIQUE DEFERRABLE INITIALLY DEFERRED)")
            .await;
    let together: Arc<Together<u8>> = Arc::default();
    let first = tokio::spawn(insert(together.clone(), pool.clone(), 0, 0.3, false));
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let mut batch = Vec::new();
    for value in [1, 2, 3, 2, 4] {
        batch.push(tokio::spawn(insert(
            together.clone(),
            pool.clone(),
            value,
            0.0,
            false,
        )));
    }
    assert!(first.await.unwrap().is_ok(), "the batch before commits");
    for write in batch {
        let answer = write.await.unwrap();
        assert!(
            answer.is_err(),
            "nothing of a failed commit is answered as done"
        );
    }
    assert_eq!(values(&pool).await, vec![0]);
    // The key goes on working with the same pool afterwards.
    assert!(
        insert(together.clone(), pool.clone(), 5, 0.0, false)
            .await
            .is_ok()
    );
    assert_eq!(values(&pool).await, vec![0, 5]);
    assert!(together.is_empty());
}

#[tokio::test]
async fn a_write_that_panics_fails_its_batch_and_the_key_goes_on() {
    let (_db, pool) = database("CREATE TABLE written (value int NOT NULL)").await;
    let together: Arc<Together<u8>> = Arc::default();
    // The first write holds the key while the others queue behind it, one of which panics.
    let first = tokio::spawn(insert(together.clone(), pool.clone(), 0, 0.3, false));
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let pool_for_panic = pool.clone();
    let together_for_panic = together.clone();
    let panicking = tokio::spawn(async move {
        Write::without_key(web::Data::new(pool_for_panic))
            .run_together(&together_for_panic, 1, move |_conn| {
                Box::pin(async move {
                    if together_for_panic_marker() {
                        panic!("a write that breaks");
                    }
                    Ok(Reply::no_content())
                })
            })
            .await
    });
    let behind = tokio::spawn(insert(together.clone(), pool.clone(), 2, 0.0, false));
    assert!(first.await.unwrap().is_ok());
    // Every write of the broken batch is answered (with an error), none waits forever.
    let answered = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        (panicking.await.unwrap(), behind.await.unwrap())
    })
    .await
    .expect("the writes of a broken batch are answered");
    assert!(answered.0.is_err());
    // Its batch never committed: the write queued with it was not kept either.
    assert!(answered.1.is_err());
    // The key starts anew with the next write (without the broken queue forgotten, it would
    // wait for a task that is gone).
    let next = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        insert(together.clone(), pool.clone(), 3, 0.0, false),
    )
    .await
    .expect("the key takes writes again");
    assert!(next.is_ok());
    assert_eq!(values(&pool).await, vec![0, 3]);
    assert!(together.is_empty());
}

/// Always true; keeps the compiler from seeing the panic as unconditional.
fn together_for_panic_marker() -> bool {
    std::hint::black_box(true)
}
