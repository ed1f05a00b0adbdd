//! Does bcrypt block the async workers? Times `GET /health` while idle, then while 50
//! registrations (bcrypt at the production cost, 10) run concurrently, in the same run on
//! the same server. If hashing ran on the async threads, /health would queue behind it.
//!
//!   cargo bench -p orchestrix-server --bench health_under_bcrypt
//!
//! Prints p50/p99 for both phases and their ratio; figures go to docs/performance.md.

use orchestrix_server::configuration::Settings;
use orchestrix_server::startup::Application;
use std::time::{Duration, Instant};

const PROBES: usize = 200;
const REGISTRATIONS: usize = 50;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn probe_health(client: &reqwest::Client, url: &str, n: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        let res = client.get(url).send().await.expect("health answers");
        assert!(res.status().is_success());
        out.push(start.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    out.sort_by(f64::total_cmp);
    out
}

fn main() -> anyhow::Result<()> {
    // Two workers, like the machines these figures come from.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("bench.db");
        let settings = Settings::from_vars([
            ("HOST".to_string(), "127.0.0.1".to_string()),
            ("PORT".to_string(), "0".to_string()),
            ("DATABASE_PATH".to_string(), db.display().to_string()),
            ("BCRYPT_COST".to_string(), "10".to_string()),
        ])?;
        let app = Application::build(settings).await?;
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::new();
        let health = format!("{base}/health");
        probe_health(&client, &health, 20).await; // warm up

        let idle = probe_health(&client, &health, PROBES).await;

        let flood_started = Instant::now();
        let flood: Vec<_> = (0..REGISTRATIONS)
            .map(|i| {
                let client = client.clone();
                let url = format!("{base}/auth/register");
                tokio::spawn(async move {
                    let body = serde_json::json!({"email": format!("bench{i}@example.com"), "password": "bench-password"});
                    client.post(url).json(&body).send().await.map(|r| r.status().as_u16())
                })
            })
            .collect();
        let during = probe_health(&client, &health, PROBES).await;
        let mut created = 0;
        for task in flood {
            if matches!(task.await, Ok(Ok(201))) {
                created += 1;
            }
        }
        let flood_secs = flood_started.elapsed().as_secs_f64();

        let (i50, i99) = (percentile(&idle, 0.5), percentile(&idle, 0.99));
        let (d50, d99) = (percentile(&during, 0.5), percentile(&during, 0.99));
        println!("GET /health latency, {PROBES} probes each, 2 async workers, bcrypt cost 10");
        println!("  idle:                    p50 {i50:.3} ms   p99 {i99:.3} ms");
        println!("  during {REGISTRATIONS} registrations: p50 {d50:.3} ms   p99 {d99:.3} ms");
        println!("  ratio during/idle:       p50 {:.2}x       p99 {:.2}x", d50 / i50, d99 / i99);
        println!("  registrations: {created}/{REGISTRATIONS} created in {flood_secs:.2} s");
        anyhow::ensure!(created == REGISTRATIONS, "some registrations failed");
        Ok(())
    })
}
