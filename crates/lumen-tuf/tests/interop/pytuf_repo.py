#!/usr/bin/env python3
"""Build a TUF repository on disk with python-tuf's Metadata API.

Used by the lumen-tuf interoperability tests: the Rust client must be able to
update from a repository that python-tuf (the reference implementation) wrote.
Run it with the interpreter printed by scripts/python-tuf-env.

    pytuf_repo.py OUT_DIR [--root-key ecdsa|ed25519|rsa]
                          [--bins succinct|classic|none] [--targets N]
                          [--consistent-snapshot | --no-consistent-snapshot]
                          [--expires-days D] [--meta-hashes | --no-meta-hashes]

Writes (V = version, always 1 except root which goes to 2):

    OUT_DIR/metadata/1.root.json        initial root (keys R1 R2 R3, threshold 2)
    OUT_DIR/metadata/2.root.json        rotated root (R3 -> R4), signed by R1..R4
    OUT_DIR/metadata/root.json          same bytes as 2.root.json
    OUT_DIR/metadata/timestamp.json
    OUT_DIR/metadata/V.snapshot.json    (snapshot.json without consistent snapshot)
    OUT_DIR/metadata/V.targets.json     (targets.json ...)
    OUT_DIR/metadata/V.<quoted role>.json  one per delegated role (bins)
    OUT_DIR/targets/<dir>/<sha256>.<base> and <dir>/<sha512>.<base>
                                        (<dir>/<base> without consistent snapshot)
    OUT_DIR/manifest.json               {"targets": {path: {"length", "sha256"}},
                                         "initial_root": "metadata/1.root.json"}
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from securesystemslib.signer import CryptoSigner, Signer
from tuf.api.metadata import (
    DelegatedRole,
    Delegations,
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    SuccinctRoles,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

SUCCINCT_BIT_LENGTH = 4  # 16 bins: bins-0 .. bins-f
SUCCINCT_PREFIX = "bins"
CLASSIC_PREFIX = "bin"  # bin-0 .. bin-f, path_hash_prefixes ["0"] .. ["f"]
TARGET_HASH_ALGORITHMS = ["sha256", "sha512"]


def generate_signer(kind: str) -> CryptoSigner:
    if kind == "ed25519":
        return CryptoSigner.generate_ed25519()
    if kind == "ecdsa":
        # P-256, scheme "ecdsa-sha2-nistp256", DER signatures, PEM public key
        return CryptoSigner.generate_ecdsa()
    if kind == "rsa":
        # 3072 bit, scheme "rsassa-pss-sha256", PEM public key
        return CryptoSigner.generate_rsa()
    raise ValueError(f"unknown key type {kind}")


class RepoWriter:
    def __init__(self, out_dir: str, consistent_snapshot: bool, meta_hashes: bool):
        self.out_dir = out_dir
        self.metadata_dir = os.path.join(out_dir, "metadata")
        self.targets_dir = os.path.join(out_dir, "targets")
        self.consistent_snapshot = consistent_snapshot
        self.meta_hashes = meta_hashes
        # JSONSerializer(compact=False) is what Metadata.to_file() uses:
        # sorted keys, indent=1. Signatures are over canonical JSON of "signed".
        self.serializer = JSONSerializer(compact=False)

    def _write(self, path: str, data: bytes) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    def serialize(self, md: Metadata) -> bytes:
        return md.to_bytes(self.serializer)

    def metafile(self, version: int, data: bytes) -> MetaFile:
        if self.meta_hashes:
            return MetaFile(
                version=version,
                length=len(data),
                hashes={"sha256": hashlib.sha256(data).hexdigest()},
            )
        return MetaFile(version=version)

    def write_role(self, role: str, version: int, data: bytes) -> str:
        """Write snapshot / targets / delegated targets metadata."""
        name = quote(role, safe="")
        if self.consistent_snapshot:
            fname = f"{version}.{name}.json"
        else:
            fname = f"{name}.json"
        path = os.path.join(self.metadata_dir, fname)
        self._write(path, data)
        return path

    def write_root(self, version: int, data: bytes) -> None:
        self._write(os.path.join(self.metadata_dir, f"{version}.root.json"), data)

    def write_file(self, relpath: str, data: bytes) -> None:
        self._write(os.path.join(self.metadata_dir, relpath), data)

    def write_target(self, tf: TargetFile, data: bytes) -> list[str]:
        if self.consistent_snapshot:
            # "<dir>/<hash>.<basename>" for every hash; python-tuf's ngclient
            # downloads with the first hash in the (sorted) JSON = sha256.
            rels = tf.get_prefixed_paths()
        else:
            rels = [tf.path]
        for rel in rels:
            self._write(os.path.join(self.targets_dir, *rel.split("/")), data)
        return rels


def build(args: argparse.Namespace) -> dict:
    out_dir = os.path.abspath(args.out_dir)
    for sub in ("metadata", "targets", "manifest.json"):
        p = os.path.join(out_dir, sub)
        if os.path.exists(p) and not (os.path.isdir(p) and not os.listdir(p)):
            raise SystemExit(f"pytuf_repo.py: {p} already exists; use a fresh OUT_DIR")
    os.makedirs(out_dir, exist_ok=True)

    w = RepoWriter(out_dir, args.consistent_snapshot, args.meta_hashes)
    expires = (datetime.now(timezone.utc) + timedelta(days=args.expires_days)).replace(
        microsecond=0
    )

    # --- keys --------------------------------------------------------------
    root_signers = [generate_signer(args.root_key) for _ in range(4)]  # R1..R4
    r1, r2, r3, r4 = root_signers
    timestamp_signer = CryptoSigner.generate_ed25519()
    snapshot_signer = CryptoSigner.generate_ed25519()
    targets_signer = CryptoSigner.generate_ed25519()

    # --- target files ------------------------------------------------------
    rng = random.SystemRandom()
    target_files: dict[str, tuple[TargetFile, bytes]] = {}
    for i in range(args.targets):
        path = f"pkg-{i}/pkg-{i}-1.0.tar.gz"
        data = os.urandom(rng.randint(200, 800))
        tf = TargetFile.from_data(path, data, TARGET_HASH_ALGORITHMS)
        target_files[path] = (tf, data)

    # --- delegated targets (bins) -----------------------------------------
    delegated: dict[str, Metadata[Targets]] = {}
    delegated_signers: dict[str, Signer] = {}
    top_targets = Targets(version=1, expires=expires)

    if args.bins == "succinct":
        bins_signer = CryptoSigner.generate_ed25519()
        succinct = SuccinctRoles(
            keyids=[bins_signer.public_key.keyid],
            threshold=1,
            bit_length=SUCCINCT_BIT_LENGTH,
            name_prefix=SUCCINCT_PREFIX,
        )
        top_targets.delegations = Delegations(
            keys={bins_signer.public_key.keyid: bins_signer.public_key},
            succinct_roles=succinct,
        )
        for name in succinct.get_roles():
            delegated[name] = Metadata(Targets(version=1, expires=expires))
            delegated_signers[name] = bins_signer
        for path, (tf, _) in target_files.items():
            delegated[succinct.get_role_for_target(path)].signed.targets[path] = tf
    elif args.bins == "classic":
        keys = {}
        roles = {}
        for digit in "0123456789abcdef":
            name = f"{CLASSIC_PREFIX}-{digit}"
            signer = CryptoSigner.generate_ed25519()
            keys[signer.public_key.keyid] = signer.public_key
            roles[name] = DelegatedRole(
                name=name,
                keyids=[signer.public_key.keyid],
                threshold=1,
                terminating=False,
                path_hash_prefixes=[digit],
            )
            delegated[name] = Metadata(Targets(version=1, expires=expires))
            delegated_signers[name] = signer
        top_targets.delegations = Delegations(keys=keys, roles=roles)
        for path, (tf, _) in target_files.items():
            digit = hashlib.sha256(path.encode("utf-8")).hexdigest()[0]
            name = f"{CLASSIC_PREFIX}-{digit}"
            assert roles[name].is_delegated_path(path)
            delegated[name].signed.targets[path] = tf
    else:
        for path, (tf, _) in target_files.items():
            top_targets.targets[path] = tf

    snapshot = Snapshot(version=1, expires=expires)
    snapshot.meta.clear()
    for name, md in delegated.items():
        md.sign(delegated_signers[name])
        data = w.serialize(md)
        w.write_role(name, md.signed.version, data)
        # snapshot meta keys use the raw (unquoted) role name
        snapshot.meta[f"{name}.json"] = w.metafile(md.signed.version, data)

    top_md = Metadata(top_targets)
    top_md.sign(targets_signer)
    top_data = w.serialize(top_md)
    w.write_role(Targets.type, top_targets.version, top_data)
    snapshot.meta["targets.json"] = w.metafile(top_targets.version, top_data)

    snapshot_md = Metadata(snapshot)
    snapshot_md.sign(snapshot_signer)
    snapshot_data = w.serialize(snapshot_md)
    w.write_role(Snapshot.type, snapshot.version, snapshot_data)

    timestamp = Timestamp(
        version=1,
        expires=expires,
        snapshot_meta=w.metafile(snapshot.version, snapshot_data),
    )
    timestamp_md = Metadata(timestamp)
    timestamp_md.sign(timestamp_signer)
    timestamp_data = w.serialize(timestamp_md)
    w.write_file("timestamp.json", timestamp_data)

    # --- root v1 and v2 (one root key rotated) -----------------------------
    root = Root(version=1, expires=expires, consistent_snapshot=args.consistent_snapshot)
    for s in (r1, r2, r3):
        root.add_key(s.public_key, Root.type)
    root.roles[Root.type].threshold = 2
    root.add_key(timestamp_signer.public_key, Timestamp.type)
    root.add_key(snapshot_signer.public_key, Snapshot.type)
    root.add_key(targets_signer.public_key, Targets.type)
    root_md = Metadata(root)
    for s in (r1, r2, r3):
        root_md.sign(s, append=True)
    root1_data = w.serialize(root_md)
    w.write_root(1, root1_data)
    root1_md = Metadata.from_bytes(root1_data)

    root.version = 2
    root.revoke_key(r3.public_key.keyid, Root.type)
    root.add_key(r4.public_key, Root.type)
    root_md = Metadata(root)
    # old keys (threshold of root v1) and new keys (threshold of root v2);
    # r3 is no longer in root v2, so its signature is one v2 must ignore.
    for s in (r1, r2, r3, r4):
        root_md.sign(s, append=True)
    root2_data = w.serialize(root_md)
    w.write_root(2, root2_data)
    w.write_file("root.json", root2_data)

    # --- sanity check with python-tuf's own verification -------------------
    root2_md = Metadata.from_bytes(root2_data)
    root1_md.verify_delegate(Root.type, root2_md)
    root2_md.verify_delegate(Root.type, root2_md)
    for role, data in (
        (Timestamp.type, timestamp_data),
        (Snapshot.type, snapshot_data),
        (Targets.type, top_data),
    ):
        root2_md.verify_delegate(role, Metadata.from_bytes(data))
    top_reloaded = Metadata.from_bytes(top_data)
    for name, md in delegated.items():
        top_reloaded.verify_delegate(name, Metadata.from_bytes(w.serialize(md)))

    # --- target files and manifest -----------------------------------------
    manifest_targets = {}
    for path in sorted(target_files):
        tf, data = target_files[path]
        w.write_target(tf, data)
        manifest_targets[path] = {"length": tf.length, "sha256": tf.hashes["sha256"]}
    os.makedirs(w.targets_dir, exist_ok=True)

    manifest = {"targets": manifest_targets, "initial_root": "metadata/1.root.json"}
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out_dir", metavar="OUT_DIR")
    p.add_argument("--root-key", choices=["ecdsa", "ed25519", "rsa"], default="ed25519")
    p.add_argument("--bins", choices=["succinct", "classic", "none"], default="none")
    p.add_argument("--targets", type=int, default=20, metavar="N")
    p.add_argument(
        "--consistent-snapshot",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="root.consistent_snapshot; versioned metadata and hash-prefixed targets (default: on)",
    )
    p.add_argument(
        "--expires-days",
        type=float,
        default=365.0,
        metavar="D",
        help="expiry of all metadata, days from now; negative gives expired metadata",
    )
    p.add_argument(
        "--meta-hashes",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="put length and sha256 into timestamp/snapshot meta entries (default: on)",
    )
    args = p.parse_args(argv)
    if args.targets < 0:
        p.error("--targets must be >= 0")

    manifest = build(args)
    print(
        f"pytuf_repo.py: wrote {len(manifest['targets'])} targets to {os.path.abspath(args.out_dir)} "
        f"(root-key={args.root_key}, bins={args.bins}, "
        f"consistent_snapshot={args.consistent_snapshot}, meta_hashes={args.meta_hashes})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
