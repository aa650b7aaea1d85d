"""A box on the store's network cannot add a signing key (attack 1), with real processes.

The real platform serves on 127.0.0.1; a hostile proxy in front of it appends its own keys to
every key list. The terminal enrolls and syncs through the proxy, confirming the platform's root
by fingerprint. A voucher the proxy forged is ``unknown_key`` and leaves no accepted row; a key
the platform rotates in is trusted at the next sync and its codes redeem; a retired key is dropped.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hostile_proxy import HostileProxy
from reliability_support import Terminal, eventually

from kiosk.codes import key_id_for
from kiosk.keytrust import fingerprint
from o2o_platform.issuing import VoucherSpec, issue_signed
from o2o_platform.keys import PlatformKey, load_keyring

from support import PlatformProcess, run_cli


def _codes(key: PlatformKey, *, deal: str = "SET-MEAL-2P", paid: str = "88.00", count: int = 1) -> list[str]:
    spec = VoucherSpec.build(sku=deal, paid=paid, list_price=paid, currency="CNY", uses=1, stores=["S1"], days=30,
                             valid_from=None)
    return [v.code for v in issue_signed(spec, key, count)]


def _forged(private: Ed25519PrivateKey) -> str:
    return _codes(PlatformKey(key_id_for(private.public_key()), private.public_key(), private),
                  deal="FORGED-FEAST", paid="400.00")[0]


def _root_fingerprint(platform: PlatformProcess) -> str:
    result = run_cli("o2o_platform.cli", "fingerprint", "--key", platform.keys)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[-1]


def _accepted_rows(kiosk: Terminal, code: str) -> int:
    return int(kiosk.rows("SELECT count(*) FROM redemptions WHERE code_text = ?", code)[0][0])


def _platform_serves(platform: PlatformProcess, key_id: str, present: bool) -> bool:
    import httpx

    code = platform.enrollment_code("S1", "PROBE")
    body = httpx.post(f"{platform.url}/api/v1/enroll", json={"enrollment_code": code}, timeout=5).json()
    return (key_id in {k["key_id"] for k in body["public_keys"]}) is present


def test_a_proxy_cannot_add_a_key_and_rotation_and_retirement_reach_the_terminal(platform, tmp_path: Path) -> None:
    root_fp = _root_fingerprint(platform)
    assert root_fp == fingerprint(load_keyring([platform.keys]).roots()[0].public)
    with HostileProxy(platform.url) as proxy:
        kiosk = Terminal(tmp_path / "kiosk")
        enrolled = kiosk("enroll", proxy.url, platform.enrollment_code("S1", "T1"), "--root-fingerprint", root_fp)
        assert enrolled.returncode == 0, enrolled.stderr
        answer = enrolled.json()
        assert proxy.rewritten >= 2  # the enroll answer and the first sync's key list were both rewritten
        assert answer["root_confirmed_by"] == "fingerprint"
        assert answer["trusted_keys"] == [load_keyring([platform.keys]).roots()[0].key_id]
        assert answer["first_sync"]["keys_refused"] == 2 and answer["first_sync"]["keys_added"] == 0
        assert proxy.tokens  # it did read the token: plain http to another machine is refused for that reason

        # The proxy's keys, bare or with a self-made certificate, verify nothing here, sync after sync.
        for attacker in (proxy.key, proxy.forger):
            forged = _forged(attacker)
            decision = kiosk("redeem", "--offline", forged)
            assert decision.returncode == 1 and decision.json()["reason"] == "unknown_key", decision.stdout
            assert _accepted_rows(kiosk, forged) == 0
            synced = kiosk("sync").json()
            assert synced["ok"] is True and synced["keys_refused"] == 2 and synced["keys_added"] == 0
            assert "not trusted" in synced["key_warning"]
        refused = kiosk.rows("SELECT count(*) FROM audit_log WHERE action = 'key_refused'")[0][0]
        assert refused >= 4

        # The platform rotates: the new key is certified by the root, the running server lists it.
        rotated = run_cli("o2o_platform.cli", "rotate-key", "--key", platform.keys, "--days", "90")
        assert rotated.returncode == 0, rotated.stderr
        first = load_keyring([platform.keys]).signer()
        assert first.certificate is not None and first.certificate.issuer_key_id == answer["trusted_keys"][0]
        assert eventually(lambda: _platform_serves(platform, first.key_id, True), seconds=10)
        synced = kiosk("sync").json()
        assert synced["keys_added"] == 1 and synced["keys_refused"] == 2, synced
        code = _codes(first)[0]
        decision = kiosk("redeem", "--offline", code)
        assert decision.returncode == 0 and decision.json()["reason"] == "ok", decision.stdout
        uploaded = kiosk("sync").json()
        assert uploaded["accepted"] == 1, uploaded  # the platform knows the rotated key too

        # Rotate again, then retire the first rotated key: the terminal drops it at the next sync.
        assert run_cli("o2o_platform.cli", "rotate-key", "--key", platform.keys).returncode == 0
        late_code = _codes(first)[0]  # signed before retirement, presented after it
        retired = run_cli("o2o_platform.cli", "retire-key", "--key", platform.keys, first.key_id)
        assert retired.returncode == 0, retired.stderr
        assert eventually(lambda: _platform_serves(platform, first.key_id, False), seconds=10)
        synced = kiosk("sync").json()
        assert synced["keys_dropped"] == 1 and synced["keys_added"] == 1, synced
        decision = kiosk("redeem", "--offline", late_code)
        assert decision.json()["reason"] == "unknown_key", decision.stdout
        assert _accepted_rows(kiosk, late_code) == 0
        dropped = kiosk.rows("SELECT detail FROM audit_log WHERE action = 'key_dropped'")
        assert len(dropped) == 1 and "retired" in dropped[0][0]

        # A proxy that swaps the platform's root for its own is caught at enrollment.
        proxy.swap_root = True
        other = Terminal(tmp_path / "kiosk-2")
        denied = other("enroll", proxy.url, platform.enrollment_code("S1", "T2"), "--root-fingerprint", root_fp)
        assert denied.returncode == 2 and "not the one you confirmed" in denied.stderr, denied.stderr
        assert not (other.data_dir / "secrets" / "terminal_token").exists()


def test_plain_http_to_another_machine_is_refused_unless_allowed(tmp_path: Path) -> None:
    kiosk = Terminal(tmp_path / "kiosk")
    denied = kiosk("enroll", "http://192.0.2.10:8080", "ANY-CODE")
    assert denied.returncode == 2, denied.stderr
    assert "plain http://" in denied.stderr and "platform.allow_insecure" in denied.stderr
    assert not (kiosk.data_dir / "secrets" / "terminal_token").exists()

    # A terminal configured that way earlier (an old config file) stops before sending its token.
    kiosk.set("terminal.store_id", "S1")
    kiosk.set("terminal.terminal_id", "T1")
    kiosk.set("platform.url", "http://192.0.2.10:8080")
    secrets = kiosk.data_dir / "secrets"
    secrets.mkdir(mode=0o700, exist_ok=True)
    (secrets / "terminal_token").write_text("old-token")
    synced = kiosk("sync")
    assert synced.returncode == 2 and "https://" in synced.stderr, synced.stderr

    kiosk.set("platform.allow_insecure", "true")
    audited = kiosk.rows("SELECT detail FROM audit_log WHERE action = 'setting_changed'")
    assert any("platform.allow_insecure" in row[0] for row in audited)
    # Allowed now: the terminal does try (nothing listens at that documentation address).
    status = kiosk("status")
    assert status.returncode == 0, status.stderr
    assert status.json()["online"] is False and "plain http" not in status.json()["error"]
