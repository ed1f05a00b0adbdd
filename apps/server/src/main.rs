use clap::Parser;
use orchestrix_server::cli::{Cli, Command};
use orchestrix_server::configuration::Settings;
use orchestrix_server::startup::Application;
use orchestrix_server::{commands, telemetry};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("orchestrix: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command.unwrap_or(Command::Serve))) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("orchestrix: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command) -> anyhow::Result<ExitCode> {
    let settings = Settings::load()?;
    telemetry::init(settings.log_format());
    match command {
        Command::Serve => {
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "orchestrix listening");
            app.run_until_stopped().await?;
            tracing::info!("orchestrix stopped");
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => commands::migrate(&settings).await,
        Command::Validate { workflow, name } => {
            commands::validate(&workflow, name.as_deref(), settings.max_nodes)
        }
        Command::Run {
            workflow,
            name,
            input,
            data_dir,
        } => commands::run(settings, &workflow, name.as_deref(), &input, data_dir).await,
    }
}
