#!/usr/bin/env bash
# The single entry point for every test: installs the test-only tools, starts the real servers
# the tests talk to (SecantusDB for MongoDB, an aiosmtpd SMTP sink) on free loopback ports,
# exports their addresses, runs `cargo test --workspace`, and stops everything it started —
# also when a test fails or the script is interrupted.
#
#   scripts/test.sh [extra cargo test args]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orchestrix/target}"
run_dir="$(mktemp -d "${TMPDIR:-/tmp}/orchestrix-test.XXXXXX")"
pids=()

cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$run_dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '[test.sh] %s\n' "$*"; }

# --- Python tools: SecantusDB, aiosmtpd and schemathesis in .venv-test -------------------
venv="$root/.venv-test"
if ! "$venv/bin/python" -c "import secantus, aiosmtpd, schemathesis" 2>/dev/null \
   || ! cmp -s scripts/test-requirements.txt "$venv/.requirements" 2>/dev/null; then
  say "installing test servers into .venv-test"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/test-requirements.txt
  cp scripts/test-requirements.txt "$venv/.requirements"
fi

# --- socket.io-client for the JS checks --------------------------------------------------
if ! cmp -s tests/js/package-lock.json tests/js/node_modules/.orchestrix-lock 2>/dev/null; then
  say "npm ci in tests/js"
  (cd tests/js && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.orchestrix-lock)
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for_port() { # port name pid log
  for _ in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then say "$2 exited early:"; cat "$4" >&2; return 1; fi
    sleep 0.1
  done
  say "$2 did not open port $1 in 15 s:"; cat "$4" >&2; return 1
}

# --- SecantusDB (MongoDB wire protocol) --------------------------------------------------
mongo_port="$(free_port)"
"$venv/bin/secantusd-py" --host 127.0.0.1 --port "$mongo_port" --storage-path :memory: \
  --log-level WARNING >"$run_dir/secantusdb.log" 2>&1 &
pids+=($!)
wait_for_port "$mongo_port" SecantusDB "${pids[-1]}" "$run_dir/secantusdb.log"
say "SecantusDB on 127.0.0.1:$mongo_port"

# --- SMTP sink: every message lands in a Maildir the tests read -------------------------
smtp_port="$(free_port)"
maildir="$run_dir/maildir"
"$venv/bin/python" -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$maildir" \
  >"$run_dir/smtp.log" 2>&1 &
pids+=($!)
wait_for_port "$smtp_port" "SMTP sink" "${pids[-1]}" "$run_dir/smtp.log"
say "SMTP sink on 127.0.0.1:$smtp_port (Maildir $maildir)"

export MONGODB_TEST_URI="mongodb://127.0.0.1:$mongo_port"
export SECANTUSD_BIN="$venv/bin/secantusd-py"
export SMTP_TEST_ADDR="127.0.0.1:$smtp_port"
export SMTP_TEST_MAILDIR="$maildir"
export SCHEMATHESIS_BIN="$venv/bin/schemathesis"
export ORCHESTRIX_JS_DIR="$root/tests/js"
export ORCHESTRIX_CONFORMANCE_DIR="${ORCHESTRIX_CONFORMANCE_DIR:-$root/../shared/conformance}"

say "cargo test --workspace $*"
cargo test --workspace "$@"
