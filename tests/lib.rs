//! System tests of the QMF platform live in `tests/`; this crate has no code of its own.
