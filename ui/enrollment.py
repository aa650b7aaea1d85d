"""Enrolling this terminal with a platform: shared by ``kiosk enroll`` and the technician screen.

No Qt here: the screen calls :func:`enroll` on a background thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk.i18n import N_, Message, message, render
from kiosk.settings import SettingError, Settings
from ui.context import KioskContext

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from offline_queue.platform_api import Enrollment


class EnrollError(Exception):
    """Enrollment did not happen; ``words`` says why and what to do (``str()``: in English)."""

    def __init__(self, words: Message) -> None:
        super().__init__(render(words))
        self.words = words


@dataclass(frozen=True)
class Enrolled:
    store_id: str
    terminal_id: str
    platform: str
    trusted_keys: list[str]
    first_sync: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {"store_id": self.store_id, "terminal_id": self.terminal_id, "platform": self.platform,
                "trusted_keys": self.trusted_keys, "first_sync": self.first_sync}


def enroll(ctx: KioskContext, url: str, code: str, *, actor: str = "technician") -> Enrolled:
    """Trade a one-time enrollment code for this terminal's identity, token and keys; save them,
    then run a first sync so revocations are here before the first offline redemption."""
    from offline_queue.platform_api import PlatformApi, PlatformAuthError, PlatformRequestError, unreachable_words

    settings = ctx.settings
    probe = Settings()  # validate first: a refused enrollment changes no setting
    try:
        probe.set("platform.url", url)
    except SettingError as exc:
        raise EnrollError(exc.words) from None
    clean_url = probe.get("platform.url")
    if not clean_url:
        raise EnrollError(message(N_("Enter the platform address, e.g. https://platform.example.com.")))
    if not code.strip():
        raise EnrollError(message(N_("Enter the enrollment code from the platform operator.")))
    try:
        enrolled = PlatformApi.enroll(clean_url, code.strip(), verify=settings.get("platform.verify_tls"))
    except (PlatformAuthError, PlatformRequestError) as exc:
        log.info("enrollment refused: %s", getattr(exc, "detail", "") or exc)
        raise EnrollError(message(N_("The platform refused the enrollment code: it is wrong, used or expired. "
                                     "Ask the platform operator for a new code."))) from None
    except Exception as exc:
        log.info("enrollment: cannot reach %s: %r", clean_url, exc)
        raise EnrollError(unreachable_words(exc, clean_url)) from None
    return apply_enrollment(ctx, enrolled, actor=actor)


def apply_enrollment(ctx: KioskContext, enrolled: Enrollment, *, actor: str = "technician",
                     first_sync: bool = True) -> Enrolled:
    """Save what enrollment gave this terminal (address, identity, token, trusted keys), audited;
    then, with ``first_sync``, run a first sync so revocations are here before any offline
    redemption."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    settings = ctx.settings
    settings.set("platform.url", enrolled.base_url)
    settings.set("terminal.store_id", enrolled.store_id)
    settings.set("terminal.terminal_id", enrolled.terminal_id)
    ctx.save_token(enrolled.terminal_token)
    ctx.save_settings()
    now = ctx.clock.now()
    key_ids = [ctx.ledger.trust_key(load_pem_public_key(k.public_pem.encode()), source="enroll",  # type: ignore[arg-type]
                                    now=now, actor=actor) for k in enrolled.public_keys]
    ctx.ledger.mark_contact(now, revocations=False)
    ctx.ledger.audit(at=now, actor=actor, action="enroll",
                     detail={"url": settings.get("platform.url"), "store_id": enrolled.store_id,
                             "terminal_id": enrolled.terminal_id, "keys": key_ids})
    engine = ctx.sync_engine() if first_sync else None
    first = engine.run_once() if engine else None  # pull revocations now, so offline is safe at once
    return Enrolled(enrolled.store_id, enrolled.terminal_id, settings.get("platform.url"), key_ids,
                    first.as_json() if first else None)
