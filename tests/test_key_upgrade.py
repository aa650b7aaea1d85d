"""Upgrading a terminal to the chain of trust (migration 0007), and the platform's key commands.

Keys a terminal trusted before certificates existed: those the technician gave at ``init`` and
those enrollment returned become roots; those a sync added, never proven to come from the
platform, are dropped. The platform's ``rotate-key`` / ``retire-key`` refuse what would strand
terminals, in words."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine

from kiosk.codes import key_id_for
from kiosk.keytrust import raw_public
from offline_queue.db import _alembic_config, open_engine
from offline_queue.ledger import SqliteLedger

from support import run_platform_in_process


def test_old_keys_from_init_and_enrollment_become_roots_and_sync_added_ones_go(tmp_path: Path) -> None:
    from alembic import command

    db = tmp_path / "kiosk.db"
    engine = create_engine(f"sqlite:///{db}")
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
    engine.dispose()
    keys = {source: Ed25519PrivateKey.generate().public_key() for source in ("init", "enroll", "sync")}
    with sqlite3.connect(db) as conn:
        conn.executemany("INSERT INTO trusted_keys (key_id, public_raw, added_at, source) VALUES (?, ?, ?, ?)",
                         [(key_id_for(k), raw_public(k), "2026-01-01T00:00:00+00:00", s) for s, k in keys.items()])
    ledger = SqliteLedger(open_engine(db))
    assert set(ledger.root_keys()) == {key_id_for(keys["init"]), key_id_for(keys["enroll"])}
    assert set(ledger.trusted_keys()) == set(ledger.root_keys()) and ledger.certified_keys() == {}
    ledger.engine.dispose()


def test_rotate_and_retire_refuse_what_would_strand_terminals(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    made = run_platform_in_process("keygen", "--out", keys)
    assert made.returncode == 0 and "root fingerprint SHA256:" in made.stdout
    root_id = made.stdout.split()[1]
    refused = run_platform_in_process("retire-key", "--key", keys, root_id)
    assert refused.returncode == 2 and "root key that terminals pin" in refused.stderr
    rotated = run_platform_in_process("rotate-key", "--key", keys, "--days", "30")
    assert rotated.returncode == 0, rotated.stderr
    new_id = rotated.stdout.split()[2]
    assert (keys / "signing" / new_id / "certificate.json").exists()
    assert oct((keys / "signing" / new_id / "private.pem").stat().st_mode & 0o777) == "0o600"
    signer = run_platform_in_process("retire-key", "--key", keys, new_id)
    assert signer.returncode == 2 and "rotate-key' first" in signer.stderr
    unknown = run_platform_in_process("retire-key", "--key", keys, "0badc0de")
    assert unknown.returncode == 2 and new_id in unknown.stderr
    # Without the root's private key (kept offline), no new key can be certified.
    public_only = tmp_path / "public-only"
    public_only.mkdir()
    (public_only / "public.pem").write_bytes((keys / "public.pem").read_bytes())
    offline_root = run_platform_in_process("rotate-key", "--key", public_only)
    assert offline_root.returncode == 2 and "only the root's private key" in offline_root.stderr
