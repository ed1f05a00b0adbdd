//! The Orchestrix server: a thin actix-web application over the workspace's crates —
//! configuration, routes, middleware, live-log endpoints, background jobs and the CLI.
//! Handlers extract, authorise, call a crate and map the result to a response; the work
//! itself happens in the crates below.

pub mod api_document;
pub mod authn;
pub mod cli;
pub mod collections;
pub mod commands;
pub mod configuration;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod openapi;
pub mod ports;
pub mod rate_limit;
pub mod request_id;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod workflows;
