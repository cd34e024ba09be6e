#!/usr/bin/env python3
"""Compares lumen_tuf::fnmatch::segment_matches with CPython's fnmatch.fnmatchcase on a corpus.

From crates/lumen-tuf:
    LUMEN_TUF_FNMATCH_DUMP=1 RUSTC_BOOTSTRAP=1 cargo fuzz run -O -a fnmatch fuzz/corpus/fnmatch \
        -- -runs=0 2>&1 | python3 fuzz/check_fnmatch.py
Prints each disagreement and a summary; exits 1 if any.
"""
import fnmatch
import json
import sys

total = bad = 0
for line in sys.stdin:
    if not line.startswith("FNMATCH "):
        continue
    case = json.loads(line[len("FNMATCH "):])
    total += 1
    py = fnmatch.fnmatchcase(case["n"], case["p"])
    if py != case["rust"]:
        bad += 1
        print(f"DIFF pattern={case['p']!r} name={case['n']!r} python={py} rust={case['rust']} "
              f"regex={fnmatch.translate(case['p'])}")
print(f"{total} cases, {bad} disagreements (Python {sys.version.split()[0]})")
sys.exit(1 if bad else 0)
