#!/usr/bin/env bash
# Side-by-side benchmarks against peers, in one run. Sets up a Python venv with pymerkle (PyPI)
# under bench/.venv; builds tlog_tiles (crates.io) in bench/target. Not part of CI.
#   bench/run.sh [LEAVES]     (default 1048576)
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet 'pymerkle==7.0.0'
fi
cargo build --release --quiet --bin tlog_compare
PYMERKLE_PYTHON="$PWD/.venv/bin/python" ./target/release/tlog_compare "${1:-1048576}"
