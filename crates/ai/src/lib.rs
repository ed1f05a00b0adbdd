//! AI workflow generation for Orchestrix: provider adapters (OpenAI-compatible and Gemini),
//! prompts built from the node catalogue, JSON extraction and repair, the compile-check-retry
//! loop and the builtin offline planner.
//!
//! Depends on the domain crate (and, through a port, on the engine's compiler); never on the
//! web framework or a store. Not written yet: this crate is a placeholder for its issue.
