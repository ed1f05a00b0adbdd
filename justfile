# Recipes call the same commands as the README and .ci/run.

# Run the server on the embedded store (http://localhost:4000/health).
run:
    cargo run --release -p orchestrix-server --bin orchestrix -- serve

# Every test, with the real servers started and stopped by the script.
test *ARGS:
    scripts/test.sh {{ARGS}}

# What CI runs: fmt check, clippy -D warnings, then the test command.
ci:
    .ci/run

# Benchmarks (figures go to docs/performance.md).
bench:
    cargo bench --workspace

fmt:
    cargo fmt --all

lint:
    cargo clippy --workspace --all-targets -- -D warnings
