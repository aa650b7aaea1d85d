"""Enrolling this terminal with a platform: shared by ``kiosk enroll`` and the technician screen.

No Qt here: the screen calls :func:`enroll` on a background thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from kiosk.codes import key_id_for
from kiosk.i18n import N_, Message, message, render
from kiosk.keytrust import CertificateError, normalize_fingerprint, parse_offered, plan_key_update
from kiosk.keytrust import fingerprint as fp
from kiosk.settings import SettingError, Settings
from kiosk.transport import InsecureTransport, is_loopback
from ui.context import KioskContext

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from platform_link.answers import Enrollment


class EnrollError(Exception):
    """Enrollment did not happen; ``words`` says why and what to do (``str()``: in English)."""

    def __init__(self, words: Message | str) -> None:
        # The root-key and transport refusals are English only for now (plain ``str``): they
        # carry fingerprints and commands a technician types, not cashier words.
        super().__init__(render(words))
        self.words = words if isinstance(words, Message) else Message(words)


@dataclass(frozen=True)
class Enrolled:
    store_id: str
    terminal_id: str
    platform: str
    trusted_keys: list[str]
    first_sync: dict[str, Any] | None
    root_keys: list[dict[str, str]] = field(default_factory=list)  # key_id, fingerprint
    root_confirmed_by: str = ""  # fingerprint | pinned before | first contact

    def as_json(self) -> dict[str, Any]:
        return {"store_id": self.store_id, "terminal_id": self.terminal_id, "platform": self.platform,
                "trusted_keys": self.trusted_keys, "root_keys": self.root_keys,
                "root_confirmed_by": self.root_confirmed_by, "first_sync": self.first_sync}


def enroll(ctx: KioskContext, url: str, code: str, *, actor: str = "technician",
           root_fingerprint: str | None = None) -> Enrolled:
    """Trade a one-time enrollment code for this terminal's identity, token and keys; save them,
    then run a first sync so revocations are here before the first offline redemption.

    ``root_fingerprint`` (``SHA256:…``, from ``o2o-platform fingerprint``) pins the platform's root
    key: enrollment is refused when the platform's root is another one. See :func:`apply_enrollment`
    for when it may be left out."""
    from platform_link.client import PlatformApi
    from platform_link.errors import PlatformAuthError, PlatformRequestError, unreachable_words

    probe = Settings()  # validate first: a refused enrollment changes no setting
    try:
        probe.set("platform.url", url)
    except SettingError as exc:
        raise EnrollError(exc.words) from None
    try:
        fingerprint = normalize_fingerprint(root_fingerprint) if root_fingerprint else None
    except CertificateError as exc:
        raise EnrollError(str(exc)) from None
    clean_url = probe.typed.platform.url
    if not clean_url:
        raise EnrollError(message(N_("Enter the platform address, e.g. https://platform.example.com.")))
    if not code.strip():
        raise EnrollError(message(N_("Enter the enrollment code from the platform operator.")))
    try:
        ctx.check_transport(clean_url)  # before the code travels anywhere
    except InsecureTransport as exc:
        raise EnrollError(str(exc)) from None
    try:
        enrolled = PlatformApi.enroll(clean_url, code.strip(), verify=ctx.tls_verify())
    except (PlatformAuthError, PlatformRequestError) as exc:
        log.info("enrollment refused: %s", getattr(exc, "detail", "") or exc)
        raise EnrollError(message(N_("The platform refused the enrollment code: it is wrong, used or expired. "
                                     "Ask the platform operator for a new code."))) from None
    except Exception as exc:
        log.info("enrollment: cannot reach %s: %r", clean_url, exc)
        raise EnrollError(unreachable_words(exc, clean_url)) from None
    return apply_enrollment(ctx, enrolled, actor=actor, root_fingerprint=fingerprint)


def _channel_authenticated(ctx: KioskContext, url: str) -> bool:
    """True when the answer can only have come from the platform itself: https with its certificate
    checked, or this very machine."""
    parts = urlsplit(url)
    if is_loopback(parts.hostname or ""):
        return True
    return parts.scheme == "https" and ctx.settings.typed.platform.verify_tls


def _roots_to_pin(ctx: KioskContext, enrolled: Enrollment, fingerprint: str | None
                  ) -> tuple[list[Ed25519PublicKey], str]:
    """Which of the platform's root keys this enrollment pins, and on what grounds; raises
    :class:`EnrollError` when the platform's root cannot be confirmed."""
    offered: list[Ed25519PublicKey] = []
    for key in enrolled.public_keys:
        if key.certificate is None:
            public = load_pem_public_key(key.public_pem.encode())
            if isinstance(public, Ed25519PublicKey):
                offered.append(public)
    shown = ", ".join(fp(k) for k in offered) or "none"
    if fingerprint is not None:
        match = [k for k in offered if fp(k) == fingerprint]
        if not match:
            raise EnrollError(
                f"the platform's root key is not the one you confirmed: you gave {fingerprint}, the platform "
                f"answered with {shown}. Either the fingerprint belongs to another platform, or something between "
                "this terminal and the platform is changing its answers. Nothing was saved. Check the fingerprint "
                "with the platform operator ('o2o-platform fingerprint') and the network, then enroll again with "
                "a new code (this one is used up).")
        return match, "fingerprint"
    pinned = ctx.ledger.root_keys()
    if pinned:
        if not any(key_id_for(k) in pinned for k in offered):
            known = ", ".join(fp(k) for k in pinned.values())
            raise EnrollError(
                f"the platform's root key ({shown}) is not the one this terminal trusts ({known}). Nothing was "
                "saved. If the platform's root really changed, confirm the new one: kiosk enroll URL CODE "
                "--root-fingerprint SHA256:... (ask the platform operator: 'o2o-platform fingerprint').")
        return [], "pinned before"
    if not _channel_authenticated(ctx, enrolled.base_url):
        raise EnrollError(
            f"this terminal has no root key yet and the connection to {enrolled.base_url} does not prove who "
            "answered. Nothing was saved. Ask the platform operator for the root fingerprint ('o2o-platform "
            "fingerprint') and enroll with: kiosk enroll URL CODE --root-fingerprint SHA256:... (the code is used "
            "up; ask for a new one).")
    if not offered:
        raise EnrollError("the platform sent no root key, so no voucher signature could be checked here. Nothing "
                          "was saved; ask the platform operator to check its keys ('o2o-platform fingerprint').")
    return offered, "first contact"


def _keep_store_secret(ctx: KioskContext, enrolled: Enrollment) -> str | None:
    """Save the store secret enrollment brought (the one every counter of the store shares); its
    public id for the audit log, or None when the platform issues none."""
    from kiosk.peer_auth import CredentialError, parse_secret, secret_id

    if not enrolled.store_secret:
        return None
    try:
        raw = parse_secret(enrolled.store_secret)
    except CredentialError as exc:
        log.warning("the platform's store secret cannot be used: %s", exc)
        return None
    ctx.save_store_secret(enrolled.store_secret)
    return secret_id(raw)


def apply_enrollment(ctx: KioskContext, enrolled: Enrollment, *, actor: str = "technician",
                     first_sync: bool = True, root_fingerprint: str | None = None) -> Enrolled:
    """Save what enrollment gave this terminal (address, identity, token, keys), audited; then,
    with ``first_sync``, run a first sync so revocations are here before any offline redemption.

    The platform's root key is pinned only when it is confirmed: it matches ``root_fingerprint``,
    or it is a root this terminal already trusts (``kiosk init --trust-key``), or (no root yet)
    the answer came over a channel that proves who sent it (https with the certificate checked,
    or this machine), on first contact. Other keys are trusted only with a certificate chain to
    the root. Nothing is saved when the root cannot be confirmed."""
    from platform_link.answers import certificate_json

    roots, confirmed_by = _roots_to_pin(ctx, enrolled, root_fingerprint)
    settings = ctx.settings
    settings.set("platform.url", enrolled.base_url)
    settings.set("terminal.store_id", enrolled.store_id)
    settings.set("terminal.terminal_id", enrolled.terminal_id)
    ctx.save_token(enrolled.terminal_token)
    ctx.save_settings()
    secret_id = _keep_store_secret(ctx, enrolled)
    now = ctx.clock.now()
    for key in roots:
        ctx.ledger.trust_key(key, source="enroll", now=now, actor=actor)
    offered = []
    for k in enrolled.public_keys:
        try:
            offered.append(parse_offered(k.key_id, k.public_pem, certificate_json(k)))
        except CertificateError as exc:  # unreadable: never trusted; the audit log says so
            log.warning("platform key %s refused at enrollment: %s", k.key_id, exc)
    update = plan_key_update(roots=ctx.ledger.root_keys(), certified=ctx.ledger.certified_keys(), offered=offered,
                             now=now)
    ctx.ledger.apply_key_update(update, now=now, actor=actor, source="enroll")
    ctx.ledger.mark_contact(now, revocations=False)
    pinned = ctx.ledger.root_keys()
    key_ids = sorted(ctx.ledger.trusted_keys())
    ctx.ledger.audit(at=now, actor=actor, action="enroll",
                     detail={"url": settings.typed.platform.url, "store_id": enrolled.store_id,
                             "terminal_id": enrolled.terminal_id, "keys": key_ids,
                             "root_confirmed_by": confirmed_by, "store_secret_id": secret_id,
                             "roots": [fp(k) for k in pinned.values()]})
    engine = ctx.sync_engine() if first_sync else None
    first = engine.run_once() if engine else None  # pull revocations now, so offline is safe at once
    return Enrolled(enrolled.store_id, enrolled.terminal_id, settings.typed.platform.url, key_ids,
                    first.as_json() if first else None,
                    [{"key_id": kid, "fingerprint": fp(k)} for kid, k in pinned.items()], confirmed_by)

