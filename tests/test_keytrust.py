"""kiosk.keytrust: certificates, chains, fingerprints and what a terminal does with a key list;
kiosk.transport: which platform addresses are allowed. Pure functions, real Ed25519 keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.codes import key_id_for
from kiosk.keytrust import (
    CertificateError,
    KeyCertificate,
    OfferedKey,
    certify,
    fingerprint,
    normalize_fingerprint,
    plan_key_update,
    raw_public,
    verify_certificate,
)
from kiosk.transport import InsecureTransport, check_transport, is_loopback

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _cert(issuer: Ed25519PrivateKey, subject: Ed25519PrivateKey, days: int = 30) -> KeyCertificate:
    return certify(issuer, subject.public_key(), not_before=NOW - timedelta(days=1),
                   not_after=NOW + timedelta(days=days))


def _offer(key: Ed25519PrivateKey, cert: KeyCertificate | None) -> OfferedKey:
    return OfferedKey(key_id_for(key.public_key()), raw_public(key.public_key()), cert)


def test_a_chain_through_an_intermediate_verifies_and_every_broken_link_is_named() -> None:
    root, middle, leaf, other = (Ed25519PrivateKey.generate() for _ in range(4))
    roots = {key_id_for(root.public_key()): root.public_key()}
    mid_cert, leaf_cert = _cert(root, middle), _cert(middle, leaf)
    verify_certificate(leaf_cert, roots=roots, intermediates={mid_cert.key_id: mid_cert}, now=NOW)
    with pytest.raises(CertificateError, match="neither"):
        verify_certificate(leaf_cert, roots=roots, intermediates={}, now=NOW)
    with pytest.raises(CertificateError, match="not now"):
        verify_certificate(leaf_cert, roots=roots, intermediates={mid_cert.key_id: mid_cert},
                           now=NOW + timedelta(days=40))
    forged = KeyCertificate(leaf_cert.key_id, leaf_cert.public_raw, leaf_cert.not_before,
                            leaf_cert.not_after + timedelta(days=365), leaf_cert.issuer_key_id, leaf_cert.signature)
    with pytest.raises(CertificateError, match="not signed by"):
        verify_certificate(forged, roots=roots, intermediates={mid_cert.key_id: mid_cert}, now=NOW)
    swapped = KeyCertificate(leaf_cert.key_id, raw_public(other.public_key()), leaf_cert.not_before,
                             leaf_cert.not_after, leaf_cert.issuer_key_id, leaf_cert.signature)
    with pytest.raises(CertificateError, match="another key"):
        verify_certificate(swapped, roots=roots, intermediates={mid_cert.key_id: mid_cert}, now=NOW)
    assert KeyCertificate.from_json(leaf_cert.to_json()) == leaf_cert
    with pytest.raises(CertificateError):
        KeyCertificate.from_json({**leaf_cert.to_json(), "signature": "AAAA"})


def test_the_plan_adds_certified_keys_refuses_others_and_drops_retired_and_ended_ones() -> None:
    root, new, stranger, retired, ended = (Ed25519PrivateKey.generate() for _ in range(5))
    roots = {key_id_for(root.public_key()): root.public_key()}
    ended_cert = certify(root, ended.public_key(), not_before=NOW - timedelta(days=30), not_after=NOW)
    certified = {key_id_for(retired.public_key()): _cert(root, retired), ended_cert.key_id: ended_cert}
    offered = [_offer(root, None), _offer(new, _cert(root, new)), _offer(stranger, None),
               _offer(stranger, _cert(stranger, stranger)), _offer(ended, ended_cert)]
    plan = plan_key_update(roots=roots, certified=certified, offered=offered, now=NOW)
    assert [c.key_id for c in plan.add] == [key_id_for(new.public_key())]
    assert dict(plan.drop) == {key_id_for(retired.public_key()): "the platform retired it",
                               ended_cert.key_id: "its period ended on 2026-06-01 12:00 UTC"}
    assert {kid for kid, _ in plan.refused} == {key_id_for(stranger.public_key()), ended_cert.key_id}


def test_fingerprints_read_as_typed() -> None:
    key = Ed25519PrivateKey.generate().public_key()
    shown = fingerprint(key)
    assert shown.startswith("SHA256:") and len(shown) == 7 + 43
    assert normalize_fingerprint(" " + shown[7:] + "= ") == shown
    with pytest.raises(CertificateError, match="not a key fingerprint"):
        normalize_fingerprint("SHA256:abc")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://127.8.9.1", "http://[::1]:80", "http://localhost",
                                 "https://platform.example.com", "https://10.0.0.5:8443"])
def test_allowed_addresses(url: str) -> None:
    check_transport(url)


@pytest.mark.parametrize("url", ["http://10.0.0.5:8080", "http://platform.example.com", "http://[::2]",
                                 "http://127.0.0.1.evil.example"])
def test_plain_http_elsewhere_needs_the_setting(url: str) -> None:
    with pytest.raises(InsecureTransport, match="allow_insecure"):
        check_transport(url)
    check_transport(url, allow_insecure=True)
    assert not is_loopback(urlsplit(url).hostname or "")
