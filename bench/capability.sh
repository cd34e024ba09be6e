#!/usr/bin/env bash
# Tool-call decisions: lumen-capability against cedar-policy 4 on the same requests, in one run
# (builds cedar-policy from crates.io in bench/target; not part of CI).
#   bench/capability.sh [REQUESTS]     (default 100000; ROUNDS=N interleaved rounds, default 3;
#                                      BREAKDOWN=1 adds lumen's per-step timings)
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release --quiet --bin capability_compare
./target/release/capability_compare "${1:-100000}"
