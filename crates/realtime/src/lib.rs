//! Live execution logs for Orchestrix: the in-process event bus with replay, and the
//! Engine.IO v4 / Socket.IO v5 codec and session state machine.
//!
//! Transport-agnostic: no actix, no store. The server mounts the WebSocket, SSE and
//! Socket.IO endpoints over it. Not written yet: this crate is a placeholder for its issue.
