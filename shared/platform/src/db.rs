//! Database pool and migrations.

use diesel::migration::{Migration, MigrationSource};
use diesel::pg::Pg;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{
    AnsiTransactionManager, AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl,
    TransactionManager,
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::{ApiError, ApiResult};

/// The connection pool every service uses for request handling.
pub type DbPool = Pool<AsyncPgConnection>;

/// Tables of the shared HTTP mechanisms (idempotency keys); every service applies them.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Key of the advisory lock that serialises migrations across replicas starting at once.
const MIGRATION_LOCK_KEY: i64 = 0x514D_465F_4D49_4752; // "QMF_MIGR"

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot build the database pool: {0}")]
    Pool(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("migration failed: {0}")]
    Migration(String),
}

/// Builds a pool; it connects lazily, on first use.
///
/// A checkout costs no round trip (no `SELECT 1`): a connection whose socket has closed (the
/// database restarted, the network dropped it) or whose transaction state is broken is
/// recognised without asking the server and replaced.
///
/// A connection is driven by a task on the runtime that established it and dies with that
/// runtime. So a pool must stay with one runtime: each actix worker has its own (see
/// `http::bind`), and the process-wide one serves only tasks of the main runtime (relay,
/// consumer, background jobs).
pub fn pool(database_url: &str, max_size: usize) -> Result<DbPool, DbError> {
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Pool::builder(manager)
        .max_size(max_size)
        .build()
        .map_err(|e| DbError::Pool(e.to_string()))
}

/// Applies `sets` in order (platform, events, the service's own) under a session advisory lock,
/// so that several replicas starting at once migrate one after another.
///
/// Blocking: it runs on its own thread with its own runtime, because diesel-async's migration
/// harness needs a multi-threaded runtime and actix workers are single-threaded.
pub fn run_migrations(database_url: &str, sets: &[EmbeddedMigrations]) -> Result<usize, DbError> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .map_err(|e| DbError::Migration(e.to_string()))?;
                runtime.block_on(migrate(database_url, sets))
            })
            .join()
            .map_err(|_| DbError::Migration("migration thread panicked".into()))?
    })
}

async fn migrate(url: &str, sets: &[EmbeddedMigrations]) -> Result<usize, DbError> {
    distinct_versions(sets)?;
    let mut conn = AsyncPgConnection::establish(url)
        .await
        .map_err(|e| DbError::Connect(e.to_string()))?;
    diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
        .execute(&mut conn)
        .await
        .map_err(|e| DbError::Migration(e.to_string()))?;
    let mut applied = 0;
    let mut harness = AsyncMigrationHarness::new(conn);
    let mut outcome = Ok(());
    for set in sets {
        match harness.run_pending_migrations(Borrowed(set)) {
            Ok(versions) => applied += versions.len(),
            Err(e) => {
                outcome = Err(DbError::Migration(e.to_string()));
                break;
            }
        }
    }
    let mut conn = harness.into_inner();
    diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
        .execute(&mut conn)
        .await
        .map_err(|e| DbError::Migration(e.to_string()))?;
    outcome.map(|_| applied)
}

/// Refuses sets of migrations that share a version: the database records applied migrations by
/// version alone, so a migration whose version another set applied first would be skipped
/// without a word.
pub fn distinct_versions(sets: &[EmbeddedMigrations]) -> Result<(), DbError> {
    let mut seen = std::collections::HashMap::new();
    for set in sets {
        let migrations = MigrationSource::<Pg>::migrations(set)
            .map_err(|e| DbError::Migration(e.to_string()))?;
        for migration in migrations {
            let name = migration.name().to_string();
            let version = migration.name().version().to_string();
            if let Some(first) = seen.insert(version.clone(), name.clone()) {
                return Err(DbError::Migration(format!(
                    "migrations {first} and {name} share the version {version}; give one of \
                     them a version of its own"
                )));
            }
        }
    }
    Ok(())
}

/// Whether the database answers; used by readiness.
pub async fn ping(pool: &DbPool) -> bool {
    match pool.get().await {
        Ok(mut conn) => diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .await
            .is_ok(),
        Err(_) => false,
    }
}

/// Lets a borrowed migration set be applied (the harness takes its source by value).
struct Borrowed<'a>(&'a EmbeddedMigrations);

impl MigrationSource<Pg> for Borrowed<'_> {
    fn migrations(&self) -> diesel::migration::Result<Vec<Box<dyn Migration<Pg>>>> {
        MigrationSource::<Pg>::migrations(self.0)
    }
}

/// Runs `operation` in one transaction on `conn`: committed when it returns `Ok`, rolled back
/// when it returns an error (the operation's error is kept). The one transaction helper for
/// handlers, consumers and jobs; HTTP writes go through [`crate::write::Write`], which adds the
/// idempotent answer to the same transaction.
pub async fn transaction<R, F>(conn: &mut AsyncPgConnection, operation: F) -> ApiResult<R>
where
    F: AsyncFnOnce(&mut AsyncPgConnection) -> ApiResult<R>,
{
    AnsiTransactionManager::begin_transaction(conn).await?;
    match operation(&mut *conn).await {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(conn).await?;
            Ok(value)
        }
        Err(error) => match AnsiTransactionManager::rollback_transaction(conn).await {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// Maps a violated constraint (unique index, exclusion or check constraint) to the 409 problem
/// `rules` names for it (`rules` returns `None` for constraints it does not know, which stay
/// internal errors). The one place where database constraints become rule conflicts.
///
/// ```ignore
/// diesel::insert_into(t).values(v).execute(conn).await.map_err(|e| {
///     unique_violation(e, |constraint| match constraint {
///         "organizations_name_unique" => Some(Rule::OrganizationNameUnique.conflict("…")),
///         _ => None,
///     })
/// })
/// ```
pub fn unique_violation(
    error: diesel::result::Error,
    rules: impl Fn(&str) -> Option<ApiError>,
) -> ApiError {
    if let diesel::result::Error::DatabaseError(_, info) = &error
        && let Some(problem) = info.constraint_name().and_then(&rules)
    {
        return problem;
    }
    ApiError::from(error)
}

/// A query whose SQL text never changes (values are bound, never spliced in), kept prepared on
/// its connection: later runs skip the parse, the plan and the round trip that preparing takes.
///
/// Diesel keeps its query builder's statements prepared, but not raw SQL (`sql_query`), since
/// it cannot know whether such text was built from values; nor updates. Mark with
/// [`KeepPrepared::keep_prepared`] only text that is fixed in the source (constants and
/// `format!` of constants), never text that varies with input, or each connection's cache of
/// statements grows without bound.
#[derive(Debug, Clone)]
pub struct Prepared<T>(T);

/// Marks a query as [`Prepared`].
pub trait KeepPrepared: Sized {
    fn keep_prepared(self) -> Prepared<Self> {
        Prepared(self)
    }
}

impl<T: diesel::query_builder::QueryFragment<Pg>> KeepPrepared for T {}

impl<T> diesel::query_builder::QueryId for Prepared<T> {
    type QueryId = ();
    // Keyed by its SQL text, not by its type (raw queries of one type differ in their text).
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<T: diesel::query_builder::Query> diesel::query_builder::Query for Prepared<T> {
    type SqlType = T::SqlType;
}

impl<T: diesel::query_builder::QueryFragment<Pg>> diesel::query_builder::QueryFragment<Pg>
    for Prepared<T>
{
    fn walk_ast<'b>(
        &'b self,
        pass: diesel::query_builder::AstPass<'_, 'b, Pg>,
    ) -> diesel::QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> diesel::QueryResult<bool> {
        Ok(true)
    }
}
