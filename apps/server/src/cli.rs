//! The command line: `orchestrix [serve]`, `migrate`, `run`, `validate`.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Orchestrix: the backend of a visual API builder. Stores, checks, runs and publishes
/// workflows as HTTP APIs, and streams every step live.
#[derive(Debug, Parser)]
#[command(name = "orchestrix", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default). Configuration comes from the environment and .env.
    Serve,
    /// Apply the store's migrations (indexes and set-up) and exit; a second run does nothing.
    Migrate,
    /// Run a workflow file once on the embedded store, printing each event and the response.
    Run {
        /// A workflow JSON file: `{steps|nodes, edges?}`, or a file with several under
        /// `workflows` (then pick one with --name).
        workflow: PathBuf,
        /// Which workflow of a file that holds several.
        #[arg(long)]
        name: Option<String>,
        /// The request input, a JSON object.
        #[arg(long, default_value = "{}")]
        input: String,
        /// Where the embedded store keeps its data (default: a temporary directory).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Compile a workflow file and print its diagnostics; exits 1 when it has errors.
    Validate {
        /// A workflow JSON file: `{steps|nodes, edges?}`, or a file with several under
        /// `workflows` (then pick one with --name).
        workflow: PathBuf,
        /// Which workflow of a file that holds several.
        #[arg(long)]
        name: Option<String>,
    },
}
