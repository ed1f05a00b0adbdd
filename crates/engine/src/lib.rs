//! The Orchestrix workflow engine, a library: other Rust services embed it.
//!
//! [`compile`] turns a normalised [`orchestrix_domain::Workflow`] (either shape) into a checked
//! [`Plan`] plus [`orchestrix_domain::Diagnostic`]s; [`Engine::run`] executes a plan for one
//! request and returns an [`Outcome`] (the HTTP answer and the execution record) while it
//! streams [`orchestrix_domain::ExecutionEvent`]s. The language is specified in the project's
//! `docs/nodes.md`.
//!
//! The engine depends on `orchestrix-domain` only (plus serde, tokio's timer and small value
//! crates): no web framework, no database driver. It reaches the world through the traits in
//! [`ports`] — tenant store, mailer, password hasher, token signer, clock, event sink, HTTP
//! client — which the embedding application implements.

mod compile;
mod nodes;
pub mod ports;
mod runtime;
pub mod template;

pub use compile::{CompileOptions, Compiled, Plan, compile};
pub use ports::Ports;
pub use runtime::{
    Answer, Engine, Failure, Limits, OutboundPolicy, Outcome, RunRequest, is_forbidden_ip,
};
