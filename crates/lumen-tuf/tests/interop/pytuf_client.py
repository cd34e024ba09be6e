#!/usr/bin/env python3
"""Refresh a TUF repository and download targets with python-tuf's ngclient.

Used by the lumen-tuf interoperability tests: python-tuf (the reference
client) must accept a repository that lumen-tuf wrote. Run it with the
interpreter printed by scripts/python-tuf-env.

    pytuf_client.py --metadata-dir D --metadata-url U --target-base-url TU
                    --target-dir TD --trusted-root FILE [--target NAME ...]

If D has no root.json, FILE is copied to D/root.json (trust on first use of
FILE); otherwise the cached metadata in D is used and FILE is ignored. Then
Updater.refresh() runs, and for each --target: get_targetinfo (missing target
is an error), find_cached_target or else download_target, and one JSON line
on stdout:

    {"target": NAME, "path": LOCAL_PATH, "sha256": HEX_OF_LOCAL_FILE}

Exit status 0 on success; 1 on any failure, with "ExceptionClass: message" on
stderr (use -v for python-tuf's debug log on stderr too).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import sys


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


class TargetNotFound(Exception):
    pass


def run(args: argparse.Namespace) -> None:
    # Imported here so that an import failure is reported like any other error.
    from tuf.ngclient import Updater

    os.makedirs(args.metadata_dir, exist_ok=True)
    os.makedirs(args.target_dir, exist_ok=True)
    local_root = os.path.join(args.metadata_dir, "root.json")
    # lexists: python-tuf 7 keeps root.json as a symlink into root_history/
    if not os.path.lexists(local_root):
        shutil.copyfile(args.trusted_root, local_root)

    updater = Updater(
        metadata_dir=args.metadata_dir,
        metadata_base_url=args.metadata_url,
        target_base_url=args.target_base_url,
        target_dir=args.target_dir,
        bootstrap=None,  # use D/root.json
    )
    updater.refresh()

    for name in args.target:
        info = updater.get_targetinfo(name)
        if info is None:
            raise TargetNotFound(f"target {name!r} not found in trusted metadata")
        path = updater.find_cached_target(info)
        if path is None:
            path = updater.download_target(info)
        print(
            json.dumps(
                {"target": name, "path": os.path.abspath(path), "sha256": sha256_file(path)},
                sort_keys=True,
            ),
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--metadata-dir", required=True, metavar="D")
    p.add_argument("--metadata-url", required=True, metavar="U")
    p.add_argument("--target-base-url", required=True, metavar="TU")
    p.add_argument("--target-dir", required=True, metavar="TD")
    p.add_argument("--trusted-root", required=True, metavar="FILE")
    p.add_argument("--target", action="append", default=[], metavar="NAME")
    p.add_argument("-v", "--verbose", action="store_true", help="python-tuf debug log on stderr")
    args = p.parse_args(argv)

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        run(args)
    except Exception as e:  # noqa: BLE001 - report every failure the same way
        msg = f"{type(e).__name__}: {e}"
        cause = e.__cause__ or e.__context__
        if cause is not None:
            msg += f" (caused by {type(cause).__name__}: {cause})"
        print(msg, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
