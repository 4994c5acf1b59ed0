//! The one integration-test binary of the server: a real HTTP server on 127.0.0.1, a real database, real
//! certificates. `TestApp` runs on SQLite by default; the `postgres-tests` feature runs the very same suite on
//! PostgreSQL (ECERT_TEST_DATABASE_URL must then be set, or every test fails).

mod app;
mod authz;
mod bad_input;
mod evidence;
mod exchange;
mod openapi;
mod portal;
mod registry;
mod verification;
