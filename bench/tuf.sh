#!/usr/bin/env bash
# lumen-tuf against python-tuf 7.0.1 (ngclient) and tough 0.24 (the TUF client of sigstore-rs),
# side by side in one run; not part of CI.
#   bench/tuf.sh [ROUNDS]      (default 5)
# Builds three repositories with lumen-tuf's editor under ${LUMEN_TUF_BENCH_DIR:-/var/tmp/lumen-tuf-bench}
# (timing the build): PEP 458 scale, 2,273,539 targets in 16,384 bins, classic (path_hash_prefixes)
# and succinct; and 100,000 targets in 256 classic bins. Then, for each, the clients fetch from
# the same loopback HTTP server: cold refresh, one target lookup + download, warm refresh, each
# per process and (lumen-tuf and python-tuf only) in process (see bench/tuf/src/bin/tuf_compare.rs).
# python-tuf comes from the venv of scripts/python-tuf-env (tuf==7.0.1); tough is driven by
# bench/tuf/src/bin/tuf_tough.rs. A tough operation that fails or takes longer than
# TUF_COMPARE_TOUGH_TIMEOUT seconds (default 300) is reported as n/a with its error.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
out="${LUMEN_TUF_BENCH_DIR:-/var/tmp/lumen-tuf-bench}"
python="$(scripts/python-tuf-env)"
cargo build --release --quiet -p lumen-tuf-conformance
(cd bench/tuf && cargo build --release --quiet --bin tuf_gen --bin tuf_compare --bin tuf_tough)
mkdir -p "$out"
for spec in "pep458-classic 2273539 16384 classic" "pep458-succinct 2273539 16384 succinct" "100k-256 100000 256 classic"; do
    set -- $spec
    rm -rf "${out:?}/$1"
    bench/tuf/target/release/tuf_gen "$out/$1" "$2" "$3" "$4"
done
for name in pep458-classic pep458-succinct 100k-256; do
    bench/tuf/target/release/tuf_compare "$out/$name" target/release/lumen-tuf-conformance "$python" \
        bench/tuf/target/release/tuf_tough "$rounds"
done
