//! Several replicas starting at once migrate one after another, without errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_migrations_apply_once() {
    let db = qmf_testkit::create_database().await;
    let results: Vec<_> = (0..4)
        .map(|_| {
            let url = db.url.clone();
            std::thread::spawn(move || {
                qmf_platform::db::run_migrations(
                    &url,
                    &[qmf_platform::db::MIGRATIONS, qmf_events::MIGRATIONS],
                )
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    let applied: usize = results.into_iter().map(|r| r.unwrap()).sum();
    // Whichever replica came first applied every migration of the two sets; the others none.
    let expected = migration_count("migrations") + migration_count("../events/migrations");
    assert!(expected >= 3, "found only {expected} migration directories");
    assert_eq!(applied, expected);
    // A later start finds nothing to do.
    let again = qmf_platform::db::run_migrations(
        &db.url,
        &[qmf_platform::db::MIGRATIONS, qmf_events::MIGRATIONS],
    )
    .unwrap();
    assert_eq!(again, 0);
}

/// Number of migration directories under a path relative to this crate.
fn migration_count(relative: &str) -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter(|entry| entry.as_ref().unwrap().path().join("up.sql").is_file())
        .count()
}

#[test]
fn an_unreachable_database_is_a_clear_error() {
    let error = qmf_platform::db::run_migrations(
        "postgres://postgres@127.0.0.1:1/none",
        &[qmf_platform::db::MIGRATIONS],
    )
    .unwrap_err();
    assert!(error.to_string().contains("cannot connect"), "{error}");
}

/// The database records applied migrations by version alone: sets that share a version are
/// refused before anything runs, rather than one migration being skipped without a word.
#[test]
fn sets_sharing_a_version_are_refused() {
    let sets = [qmf_platform::db::MIGRATIONS, qmf_platform::db::MIGRATIONS];
    let error = qmf_platform::db::distinct_versions(&sets).unwrap_err();
    assert!(error.to_string().contains("share the version"), "{error}");
    let error = qmf_platform::db::run_migrations("postgres://postgres@127.0.0.1:1/none", &sets)
        .unwrap_err();
    assert!(error.to_string().contains("share the version"), "{error}");
    qmf_platform::db::distinct_versions(&[qmf_platform::db::MIGRATIONS, qmf_events::MIGRATIONS])
        .unwrap();
}
