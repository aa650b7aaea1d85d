"""The wire format of the platform API, ``/api/v1`` (pydantic models: the OpenAPI document's schemas,
and what the kiosk's client reads answers with)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

MAX_BATCH_ITEMS = 500
MAX_CODE_FIELD = 2000  # longer than any code (600): the codec still judges odd text, bounded
Quantity = Annotated[int, Field(ge=-1_000_000, le=1_000_000, description="uses to take; 1 unless a multi-use "
                                "voucher is redeemed several times at once")]


def _in_range(moment: datetime) -> datetime:
    """A time the platform can store and compare: in UTC between the years 2000 and 9998 (a
    year-1 time with a positive offset has no UTC value at all, and would fail deep inside)."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("time out of range") from None
    if not 2000 <= utc.year <= 9998:
        raise ValueError("time out of range (years 2000 to 9998)")
    return moment


TerminalTime = Annotated[AwareDatetime, AfterValidator(_in_range)]


class Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ErrorOut(Model):
    detail: str = Field(description="what went wrong, in plain words")


class KeyCertificateOut(Model):
    """The issuer's Ed25519 signature over the canonical encoding of these fields (kiosk.keytrust)."""

    key_id: str = Field(description="the certified key's id")
    public_key: str = Field(description="the certified key, raw 32 bytes, base64")
    not_before: datetime = Field(description="start of the period in which the key is valid")
    not_after: datetime = Field(description="end of that period")
    issuer_key_id: str = Field(description="the key that signed this certificate: the root, or a key it certified")
    signature: str = Field(description="Ed25519 signature, 64 bytes, base64")


class PublicKeyOut(Model):
    key_id: str = Field(description="8 hex digits, as carried in signed codes")
    public_pem: str = Field(description="Ed25519 public key, SubjectPublicKeyInfo PEM")
    certificate: KeyCertificateOut | None = Field(
        default=None, description="the key's certificate chain link; null for the root key terminals pin")


class EnrollIn(Model):
    enrollment_code: str = Field(max_length=64, description="the one-time code from 'o2o-platform enroll'")


class EnrollOut(Model):
    terminal_token: str = Field(description="bearer token for every later call; shown once, keep it secret")
    store_id: str
    terminal_id: str
    public_keys: list[PublicKeyOut]
    platform_time: datetime
    store_secret: str | None = Field(
        default=None, description="the secret every terminal of this store shares to trust each other on the "
        "store's network (the same for all of them; null when this platform issues none); keep it secret")


class KeysOut(Model):
    keys: list[PublicKeyOut]


class VoucherOut(Model):
    voucher_id: str
    sku: str
    uses: int
    uses_left: int
    valid_from: datetime
    valid_until: datetime
    paid_minor: int
    list_minor: int
    currency: str
    stores: list[str]
    revoked: bool


class RedeemIn(Model):
    redemption_id: UUID = Field(description="minted by the terminal before the call; the idempotency key")
    code: str = Field(max_length=MAX_CODE_FIELD)
    quantity: Quantity = 1


class RedeemOut(Model):
    reason: str = Field(description="a kiosk.reasons.Reason value: ok, already_redeemed, no_uses_left, expired, "
                        "not_yet_valid, wrong_store, revoked, bad_signature, unknown_key, malformed, "
                        "unknown_voucher, bad_quantity")
    voucher_id: str | None = None
    uses_left: int | None = None
    first_redeemed_at: datetime | None = None
    first_redeemed_terminal: str | None = None
    sku: str | None = None
    paid_minor: int | None = None
    list_minor: int | None = None
    currency: str | None = None
    detail: str = ""
    feedback_token: str | None = Field(default=None, description="for an accepted redemption: the secret the "
                                       "receipt's feedback link carries (?t=); only its holder can rate the visit. "
                                       "The platform keeps only its hash; a retry of the same id gets a new one")


class BatchRedeemIn(Model):
    kind: Literal["redeem"]
    redemption_id: UUID
    code: str = Field(max_length=MAX_CODE_FIELD)
    quantity: Quantity = 1
    redeemed_at: TerminalTime = Field(description="when the terminal served the customer (with offset)")
    offline_reason: str = Field(default="ok", max_length=32, description="the terminal's own decision")


class BatchVoidIn(Model):
    kind: Literal["void"]
    redemption_id: UUID = Field(description="the redemption being voided")
    reason: str = Field(default="", max_length=500)
    voided_at: TerminalTime


BatchItem = Annotated[BatchRedeemIn | BatchVoidIn, Field(discriminator="kind")]


class BatchIn(Model):
    items: list[BatchItem] = Field(max_length=MAX_BATCH_ITEMS, description="applied in this order")


class ConflictWithOut(Model):
    redemption_id: str
    terminal_id: str | None
    redeemed_at: datetime | None


class BatchResultOut(Model):
    redemption_id: str
    kind: Literal["redeem", "void"]
    result: Literal["accepted", "duplicate", "conflict", "review", "rejected"] = Field(
        description="review: the platform cannot believe the time the terminal claims; a redemption keeps its "
                    "use, a void is not applied, and a person decides")
    reason: str
    detail: str = ""
    conflict_with: ConflictWithOut | None = None
    feedback_token: str | None = Field(default=None, description="for an accepted redemption (or a duplicate of "
                                       "one): the secret for the receipt's feedback link")


class BatchOut(Model):
    results: list[BatchResultOut] = Field(description="one per item, in input order")


class VoidIn(Model):
    reason: str = Field(default="", max_length=500)


class VoidOut(Model):
    result: Literal["voided", "too_late", "not_found"]
    detail: str = ""


class RevocationOut(Model):
    voucher_id: str
    revoked_at: datetime
    reason: str


class RevocationsOut(Model):
    revocations: list[RevocationOut]
    cursor: str = Field(description="pass as ?since= next time")
    more: bool = Field(default=False, description="true when another page is waiting: ask again at once")


class RedemptionOut(Model):
    redemption_id: str
    voucher_id: str | None
    terminal_id: str
    mode: Literal["online", "offline"]
    status: Literal["accepted", "refused", "conflict", "rejected", "review"]
    reason: str
    detail: str
    quantity: int
    redeemed_at: datetime
    conflict_with: str | None
    voided_at: datetime | None
    review: str | None = Field(default=None, description="why it, or a void of it, is held for review")


class TerminalStatusOut(Model):
    terminal_id: str
    store_id: str
    accepted: int = Field(description="accepted and not voided")
    conflicts: int
    rejected: int = Field(description="uploads the platform found invalid")
    refused: int = Field(description="online redemptions answered with a reason other than ok")
    voided: int
    review: int = Field(default=0, description="uploads held for review (a claimed time the platform cannot "
                        "believe)")


class HealthOut(Model):
    ok: bool
    time: datetime


# --- ratings, service quality, day report ----------------------------------------------------


class RatingOut(Model):
    redemption_id: str
    stars: int = Field(ge=1, le=5)
    comment: str = Field(description="the customer's words, up to 500 characters; empty when none")
    rated_at: datetime


class RatingsOut(Model):
    ratings: list[RatingOut] = Field(description="in feed order; a re-rated redemption appears again, newest values")
    cursor: str = Field(description="pass as ?since= next time")
    more: bool = Field(default=False, description="true when another page is waiting: ask again at once")


class QosIn(Model):
    business_date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="the terminal's business day, YYYY-MM-DD")
    figures: dict[str, Any] = Field(description="free-form JSON object of the terminal's figures (numbers, text; "
                                    "at most 16 KB as JSON); replaces what this terminal sent for this day")


class QosOut(Model):
    stored: bool


class AuditAnchorIn(Model):
    seq: int = Field(ge=0, le=2**62, description="sequence number of the newest entry of the terminal's audit chain")
    hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="that entry's SHA-256 chain hash, lower-case hex")


class AuditAnchorOut(Model):
    seq: int = Field(description="the anchored head: the newest chain entry the platform holds for this terminal")
    hash: str
    received_at: datetime
    accepted: bool = Field(description="false when the head sent did not extend the anchor (a shorter chain, or "
                           "another hash at the same place): the terminal's chain was cut or rewritten")


class DayRedemptionOut(Model):
    redemption_id: str
    terminal_id: str
    voucher_id: str | None
    sku: str | None = Field(description="the deal; null when the code named no known voucher")
    quantity: int
    status: Literal["accepted", "conflict", "rejected", "voided", "refused", "review"]
    mode: Literal["online", "offline"] = Field(description="online: POST /redemptions; offline: batch upload")
    paid_minor: int | None = Field(
        description="paid online for this redemption: its share of the voucher's price (price ÷ uses × quantity)")
    list_minor: int | None = Field(description="store list price for this redemption, shared the same way")
    currency: str | None
    redeemed_at: datetime
    review: str | None = Field(default=None, description="why the platform holds this redemption, or a void of "
                               "it, for review (a claimed time it cannot believe); null otherwise")


class DayTotalsOut(Model):
    count: int = Field(description="accepted (and not voided) redemptions; quantity and money count only these")
    quantity: int
    paid_minor: int
    list_minor: int
    saving_minor: int
    conflicts: int
    rejected: int
    voided: int
    refused: int = Field(description="online redemptions answered with a reason other than ok")
    review: int = Field(default=0, description="lines held for review (their review field is set)")


class DayReportOut(Model):
    store_id: str
    date: str
    tz: str
    redemptions: list[DayRedemptionOut] = Field(description="every redemption the platform holds with redeemed_at "
                                                "in the day, oldest first")
    totals: DayTotalsOut
    qos: dict[str, dict[str, Any]] = Field(description="terminal id → the figures it reported for this date")
    ratings: list[RatingOut] = Field(description="ratings of this day's redemptions")
    ratings_average: float | None
