//! Throwaway PostgreSQL databases: every test gets its own, so tests run in parallel without
//! seeing each other's rows.

use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// Admin connection used to create test databases; the cluster is throwaway.
pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:55432/postgres";

/// A freshly created, empty database.
#[derive(Debug, Clone)]
pub struct TestDatabase {
    /// Database name, `qmf_test_<uuid>`.
    pub name: String,
    /// Connection URL of the new database.
    pub url: String,
}

impl TestDatabase {
    /// A deadpool pool on this database, the pool type the services use.
    pub fn pool(&self, max_size: usize) -> Pool<AsyncPgConnection> {
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(self.url.clone());
        match Pool::builder(manager).max_size(max_size).build() {
            Ok(pool) => pool,
            Err(e) => panic!("cannot build a pool for test database {}: {e}", self.name),
        }
    }

    /// Drops the database, disconnecting remaining sessions. Best effort: the cluster is
    /// throwaway, this only keeps it small over many runs.
    pub async fn drop_database(&self) {
        if let Ok(mut conn) = AsyncPgConnection::establish(&admin_url()).await {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn)
            .await;
        }
    }
}

/// The admin URL from `QMF_TEST_DATABASE_URL`, or the local throwaway cluster.
pub fn admin_url() -> String {
    std::env::var("QMF_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_string())
}

/// Creates `qmf_test_<uuid>` on the admin server and returns its URL. Panics when PostgreSQL
/// is unreachable: a test cannot do anything useful without it.
pub async fn create_database() -> TestDatabase {
    let admin = admin_url();
    let name = format!("qmf_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = match AsyncPgConnection::establish(&admin).await {
        Ok(conn) => conn,
        Err(e) => panic!("cannot connect to the test PostgreSQL at {admin}: {e}"),
    };
    if let Err(e) = diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
    {
        panic!("cannot create test database {name}: {e}");
    }
    TestDatabase {
        url: database_url(&admin, &name),
        name,
    }
}

/// Replaces the database path of `admin_url` with `name`, keeping user, host and query.
fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin_url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:55432/postgres", "x"),
            "postgres://postgres@127.0.0.1:55432/x"
        );
        assert_eq!(
            database_url("postgres://u:p@h:1/postgres?sslmode=disable", "x"),
            "postgres://u:p@h:1/x?sslmode=disable"
        );
        assert_eq!(database_url("postgres://h:1", "x"), "postgres://h:1/x");
    }
}
