"""The platform's answers as the kiosk takes them: read with the wire models, converted here only.

Every answer body is validated by its :mod:`wire.platform` model; one that does not fit is not the
API's (a proxy, a captive portal, another service on the port) and is :class:`PlatformUnavailable`.
The client hands the wire models on as they are, except where the domain has a type of its own
(the online redemption's :class:`kiosk.ports.PlatformAnswer`) or the kiosk adds what the wire does
not carry (the address an :class:`Enrollment` was made with).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kiosk.ports import PlatformAnswer, PlatformUnavailable
from wire.platform import EnrollOut, PublicKeyOut, RedeemOut

M = TypeVar("M", bound=BaseModel)


def read(model: type[M], body: Any) -> M:
    """``body`` as ``model``, or :class:`PlatformUnavailable` when it is not that answer."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise PlatformUnavailable(f"unexpected answer from the platform: {_first_error(exc)}") from None


def _first_error(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    if not errors:
        return str(exc)
    where = ".".join(str(part) for part in errors[0]["loc"])
    return f"{where}: {errors[0]['msg']}" if where else str(errors[0]["msg"])


def as_utc(moment: datetime) -> datetime:
    """A time without an offset is taken as UTC (the domain and the ledger hold only aware times)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


def platform_answer(answer: RedeemOut) -> PlatformAnswer:
    """The online redemption's answer as the domain decides with it. The platform's ``detail`` is
    not carried over: the decision's detail stays empty, as it always has for an online answer."""
    return PlatformAnswer(
        reason=answer.reason,
        voucher_id=answer.voucher_id,
        uses_left=answer.uses_left,
        first_redeemed_at=_utc(answer.first_redeemed_at),
        first_redeemed_terminal=answer.first_redeemed_terminal,
        sku=answer.sku,
        paid_minor=answer.paid_minor,
        list_minor=answer.list_minor,
        currency=answer.currency,
        feedback_token=answer.feedback_token,
    )


@dataclass(frozen=True, slots=True)
class Enrollment:
    """What enrollment gives a terminal, and the platform address it was made with. Nothing in
    ``public_keys`` is checked here; a key is trusted only with a chain to the terminal's pinned
    root (kiosk.keytrust)."""

    base_url: str
    terminal_token: str
    store_id: str
    terminal_id: str
    public_keys: tuple[PublicKeyOut, ...]
    platform_time: datetime
    store_secret: str | None = None  # shared by the store's terminals on its network

    @classmethod
    def from_answer(cls, base_url: str, answer: EnrollOut) -> Enrollment:
        return cls(base_url=base_url, terminal_token=answer.terminal_token, store_id=answer.store_id,
                   terminal_id=answer.terminal_id, public_keys=tuple(answer.public_keys),
                   platform_time=as_utc(answer.platform_time),
                   store_secret=answer.store_secret or None)


def certificate_json(key: PublicKeyOut) -> dict[str, Any] | None:
    """A listed key's certificate in its wire form, as :func:`kiosk.keytrust.parse_offered` reads it."""
    return None if key.certificate is None else key.certificate.model_dump(mode="json")
