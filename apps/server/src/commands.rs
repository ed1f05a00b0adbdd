//! The one-shot subcommands: `migrate`, `validate` and `run`.

use crate::configuration::Settings;
use crate::ports::TenantPort;
use crate::state::{engine, open_store};
use anyhow::{Context, bail};
use orchestrix_auth::{Passwords, TokenKeys};
use orchestrix_domain::{Diagnostic, ExecutionEvent, UserId, Workflow, WorkflowSource};
use orchestrix_engine::ports::EventSink;
use orchestrix_engine::{CompileOptions, RunRequest, compile};
use orchestrix_store::{CollectionDefs, DocumentStore};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// The owner a workflow run from the command line acts as.
pub const CLI_OWNER: &str = "cli";

/// `orchestrix migrate`: applies what is missing and says what it did.
pub async fn migrate(settings: &Settings) -> anyhow::Result<ExitCode> {
    let store = open_store(settings).await?;
    let report = orchestrix_store::migrate(store.as_ref())
        .await
        .context("applying migrations")?;
    println!("storage: {}", store.kind());
    if report.applied.is_empty() {
        println!(
            "nothing to apply ({} migrations already recorded)",
            report.skipped.len()
        );
    }
    for id in &report.applied {
        println!("applied {id}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a workflow file: a workflow (`{steps|nodes, edges?}`), or a conformance-style file
/// with several under `workflows`, one of which `name` picks.
pub fn read_workflow(path: &Path, name: Option<&str>) -> anyhow::Result<WorkflowSource> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let doc: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let workflow = match (doc.get("workflows").and_then(Value::as_object), name) {
        (Some(all), Some(name)) => all.get(name).cloned().with_context(|| {
            let names: Vec<&String> = all.keys().collect();
            format!(
                "no workflow named '{name}' in {} (it has {names:?})",
                path.display()
            )
        })?,
        (Some(all), None) => {
            let names: Vec<&String> = all.keys().collect();
            bail!(
                "{} holds several workflows; pick one with --name (one of {names:?})",
                path.display()
            )
        }
        (None, _) => doc,
    };
    serde_json::from_value(workflow)
        .context("the workflow needs `steps` (or `nodes`) and optional `edges`")
}

fn print_diagnostics(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        let severity = if d.is_error() { "error" } else { "warning" };
        let node = d
            .node_id
            .as_deref()
            .map(|n| format!(" [node {n}]"))
            .unwrap_or_default();
        let field = d
            .field
            .as_deref()
            .map(|f| format!(" [field {f}]"))
            .unwrap_or_default();
        println!("{severity} {}{node}{field}: {}", d.code.as_str(), d.message);
    }
}

/// `orchestrix validate`: prints diagnostics; exit 1 when any is an error.
pub fn validate(path: &Path, name: Option<&str>, max_nodes: usize) -> anyhow::Result<ExitCode> {
    let source = read_workflow(path, name)?;
    let workflow = Workflow::normalize(&source).map_err(|e| anyhow::anyhow!("{e}"))?;
    let compiled = compile(
        &workflow,
        &CompileOptions {
            max_nodes,
            collections: None,
        },
    );
    print_diagnostics(&compiled.diagnostics);
    let errors = compiled.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = compiled.diagnostics.len() - errors;
    println!(
        "{} nodes: {errors} errors, {warnings} warnings",
        workflow.nodes.len()
    );
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Prints each event as one JSON line the moment it happens.
struct PrintEvents;

impl EventSink for PrintEvents {
    fn emit(&self, event: &ExecutionEvent) {
        if let Ok(line) = serde_json::to_string(event) {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }
}

/// `orchestrix run`: compiles, runs once on the embedded store in `data_dir` (a temporary
/// directory when not given), prints events and then the response.
pub async fn run(
    mut settings: Settings,
    path: &Path,
    name: Option<&str>,
    input: &str,
    data_dir: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let input: Value = serde_json::from_str(input).context("--input must be JSON")?;
    let source = read_workflow(path, name)?;
    let workflow = Workflow::normalize(&source).map_err(|e| anyhow::anyhow!("{e}"))?;

    let temp = match data_dir {
        Some(_) => None,
        None => Some(
            tempfile::Builder::new()
                .prefix("orchestrix-run-")
                .tempdir()?,
        ),
    };
    let dir = data_dir
        .or_else(|| temp.as_ref().map(|t| t.path().to_path_buf()))
        .context("no data directory")?;
    settings.storage = crate::configuration::StorageKind::Sqlite;
    settings.database_path = dir.join("orchestrix.db");
    let store: Arc<dyn DocumentStore> = open_store(&settings).await?;
    orchestrix_store::migrate(store.as_ref()).await?;

    let owner = UserId::from_stored(CLI_OWNER);
    let collections = CollectionDefs::new(store.clone())
        .list_for_owner(&owner)
        .await?;
    let compiled = compile(
        &workflow,
        &CompileOptions {
            max_nodes: settings.max_nodes,
            collections: Some(collections),
        },
    );
    print_diagnostics(&compiled.diagnostics);
    let Some(plan) = compiled.plan else {
        println!("the workflow has errors and cannot run");
        return Ok(ExitCode::FAILURE);
    };

    let keys = TokenKeys::new(settings.resolve_jwt_secret()?);
    let engine = engine(
        &settings,
        Passwords::new(settings.bcrypt_cost),
        keys,
        Arc::new(PrintEvents),
    )?;
    let tenant = TenantPort::new(store, &owner);
    let outcome = engine
        .run(&plan, RunRequest::new("cli", owner, input), &tenant)
        .await;
    let response = serde_json::json!({
        "status": outcome.status(),
        "headers": outcome.headers().iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
        "body": outcome.body(),
    });
    println!("{}", serde_json::to_string_pretty(&response)?);
    let failed = outcome.execution.status == orchestrix_domain::ExecutionStatus::Failed;
    drop(temp);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
