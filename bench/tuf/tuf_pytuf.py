#!/usr/bin/env python3
"""python-tuf ngclient side of bench/tuf.sh: the same operations lumen-tuf is timed on.

Per process (one operation per run, like the conformance-client protocol):
  tuf_pytuf.py --metadata-dir D --metadata-url U refresh
  tuf_pytuf.py --metadata-dir D --metadata-url U --target-name T --target-dir TD --target-base-url TU download
In process (ROUNDS repetitions, prints one JSON object of per-round seconds):
  tuf_pytuf.py --metadata-url U --target-base-url TU --target-name T --root R inprocess ROUNDS
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from urllib import parse

from tuf.ngclient import Updater


def download(md, url, target, target_dir, target_url):
    u = Updater(md, url, target_dir, target_url, bootstrap=None)
    info = u.get_targetinfo(target)
    if info is None:
        raise SystemExit(f"target {target} not found")
    path = os.path.join(target_dir, parse.quote(target, safe=""))
    if u.find_cached_target(info, path) is None:
        u.download_target(info, path)


def inprocess(args):
    rounds = int(args.rounds)
    out = {"cold_refresh": [], "lookup_download": [], "warm_refresh": []}
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            md = os.path.join(tmp, "metadata")
            td = os.path.join(tmp, "targets")
            os.makedirs(md)
            os.makedirs(td)
            shutil.copyfile(args.root, os.path.join(md, "root.json"))
            t0 = time.perf_counter()
            Updater(md, args.metadata_url, bootstrap=None).refresh()
            out["cold_refresh"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            download(md, args.metadata_url, args.target_name, td, args.target_base_url)
            out["lookup_download"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            Updater(md, args.metadata_url, bootstrap=None).refresh()
            out["warm_refresh"].append(time.perf_counter() - t0)
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--metadata-dir")
    p.add_argument("--metadata-url", required=True)
    p.add_argument("--target-name")
    p.add_argument("--target-dir")
    p.add_argument("--target-base-url")
    p.add_argument("--root")
    p.add_argument("command", choices=["refresh", "download", "inprocess"])
    p.add_argument("rounds", nargs="?", default="5")
    args = p.parse_args()
    try:
        if args.command == "refresh":
            Updater(args.metadata_dir, args.metadata_url, bootstrap=None).refresh()
        elif args.command == "download":
            download(args.metadata_dir, args.metadata_url, args.target_name,
                     args.target_dir, args.target_base_url)
        else:
            inprocess(args)
    except Exception as e:  # noqa: BLE001 - exit status is the protocol
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
