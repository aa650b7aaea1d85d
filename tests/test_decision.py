"""The redemption decision over a real SQLite ledger: every reason, in the order the checks run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from kiosk.messages import describe
from kiosk.policy import OfflinePolicy
from kiosk.reasons import Mode, Reason, Status
from kiosk.redemption import RedemptionService, TerminalIdentity
from offline_queue.ledger import SqliteLedger
from offline_queue.models import AuditEntry, OutboxEntry, Redemption, Revocation

from support import FixedClock, trusting_ledger


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 6, 2, tzinfo=UTC))


@pytest.fixture
def ledger(tmp_path: Path, signing_key: Ed25519PrivateKey, clock: FixedClock) -> SqliteLedger:
    return trusting_ledger(tmp_path / "kiosk.db", signing_key, clock.now())


def service(ledger: SqliteLedger, clock: FixedClock, terminal: str = "T1", **policy: object) -> RedemptionService:
    return RedemptionService(ledger=ledger, clock=clock, terminal=TerminalIdentity("S1", terminal),
                             policy=OfflinePolicy(**policy))  # type: ignore[arg-type]


def count(ledger: SqliteLedger, model: type) -> int:
    with ledger.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_accepted_offline_writes_ledger_outbox_and_audit_together(ledger, clock, make_code) -> None:
    decision = service(ledger, clock).redeem(make_code(), offline=True, cashier="amy", source="camera")
    assert decision.status is Status.ACCEPTED and decision.mode is Mode.OFFLINE
    row = ledger.redemption(decision.redemption_id)
    assert row is not None and row.upload_state == "pending" and row.cashier == "amy" and row.source == "camera"
    assert (row.paid_minor, row.list_minor, row.currency) == (8800, 12800, "CNY")
    with ledger.sessions() as session:
        outbox = session.scalars(select(OutboxEntry)).all()
        assert [o.redemption_id for o in outbox] == [decision.redemption_id]
        actions = session.scalars(select(AuditEntry.action)).all()
        assert actions.count("decision") == 1


def test_second_redemption_says_when_and_where_it_was_first_redeemed(ledger, clock, make_code) -> None:
    code = make_code()
    first = service(ledger, clock, terminal="T1").redeem(code, offline=True)
    clock.moment += timedelta(minutes=5)
    second = service(ledger, clock, terminal="T2").redeem(code, offline=True)
    assert second.reason is Reason.ALREADY_REDEEMED and second.status is Status.REJECTED
    assert second.first_redeemed_at == first.decided_at
    assert second.first_redeemed_terminal == "T1"
    words = describe(second, tz=UTC, now=clock.moment)
    assert "today 06:02" in words and "T1" in words
    assert count(ledger, Redemption) == 1


def test_multi_use_voucher_counts_uses_and_quantity(ledger, clock, make_code) -> None:
    code = make_code(uses=5, sku="5-VISIT-PASS")
    svc = service(ledger, clock)
    first = svc.redeem(code, quantity=3, offline=True)
    assert first.accepted and first.uses_left == 2
    too_many = svc.redeem(code, quantity=3, offline=True)
    assert too_many.reason is Reason.NO_USES_LEFT and too_many.uses_left == 2
    rest = svc.redeem(code, quantity=2, offline=True)
    assert rest.accepted and rest.uses_left == 0
    none_left = svc.redeem(code, offline=True)
    assert none_left.reason is Reason.NO_USES_LEFT and none_left.first_redeemed_terminal == "T1"
    assert svc.redeem(make_code(uses=5), quantity=0, offline=True).reason is Reason.BAD_QUANTITY


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"stores": ("S2",)}, Reason.WRONG_STORE),
        ({"valid_from": datetime(2026, 11, 1, tzinfo=UTC), "valid_until": datetime(2026, 11, 20, tzinfo=UTC)},
         Reason.EXPIRED),
        ({"valid_from": datetime(2026, 12, 1, tzinfo=UTC), "valid_until": datetime(2026, 12, 20, tzinfo=UTC)},
         Reason.NOT_YET_VALID),
        ({"key": Ed25519PrivateKey.generate()}, Reason.UNKNOWN_KEY),
    ],
)
def test_rejections_from_the_code_itself(ledger, clock, make_code, kwargs, reason) -> None:
    decision = service(ledger, clock).redeem(make_code(**kwargs), offline=True)
    assert decision.reason is reason and decision.status is Status.REJECTED
    assert describe(decision) and describe(decision, lang="zh_CN")
    assert count(ledger, Redemption) == 0


def test_bad_signature_malformed_and_plain(ledger, clock, make_code, signing_key) -> None:
    svc = service(ledger, clock)
    code = make_code()
    # Swap the signature for one from a different message signed by the same key.
    other = make_code()
    forged = code[:-103] + other[-103:]
    assert svc.redeem(forged, offline=True).reason in (Reason.BAD_SIGNATURE, Reason.MALFORMED)
    assert svc.redeem("hello world", offline=True).reason is Reason.MALFORMED
    plain = svc.redeem("ABCD-1234-EFGH", offline=True)
    assert plain.reason is Reason.NEEDS_ONLINE and plain.status is Status.NEEDS_ONLINE


def test_revoked_voucher_is_refused(ledger, clock, make_code) -> None:
    code = make_code(voucher_id="00112233aabbccdd")
    with ledger.transaction() as tx:
        tx.session.add(Revocation(voucher_id="00112233aabbccdd", revoked_at=datetime(2026, 11, 22, tzinfo=UTC)))
    assert service(ledger, clock).redeem(code, offline=True).reason is Reason.REVOKED


def test_offline_policy_limits(ledger, clock, make_code) -> None:
    svc = service(ledger, clock, max_value_per_redemption_minor=10_000, max_total_offline_value_minor=20_000)
    assert svc.redeem(make_code(paid="120.00"), offline=True).reason is Reason.OFFLINE_LIMIT
    assert svc.redeem(make_code(), offline=True).accepted
    assert svc.redeem(make_code(), offline=True).accepted
    third = svc.redeem(make_code(), offline=True)
    assert third.reason is Reason.OFFLINE_LIMIT and "total" in third.detail
    clock.moment += timedelta(hours=25)
    stale = service(ledger, clock).redeem(make_code(valid_until=clock.moment + timedelta(days=3)), offline=True)
    assert stale.reason is Reason.OFFLINE_LIMIT and "last contact" in stale.detail
    assert stale.status is Status.NEEDS_ONLINE


def test_offline_limits_count_a_pass_visit_at_its_share(ledger, clock, make_code) -> None:
    """Two visits of a 500.00 ten-visit pass put 100.00 at risk, not 1,000.00."""
    svc = service(ledger, clock, max_value_per_redemption_minor=15_000, max_total_offline_value_minor=20_000)
    pass_code = make_code(sku="10-VISIT-PASS", uses=10, paid="500.00", list_price="600.00")
    first = svc.redeem(pass_code, offline=True, quantity=2)
    assert first.accepted and first.value_minor == 10_000
    with ledger.transaction() as tx:
        assert tx.pending_offline_value_minor() == 10_000
    too_many = svc.redeem(pass_code, offline=True, quantity=4)  # 200.00 in one redemption > 150.00
    assert too_many.reason is Reason.OFFLINE_LIMIT and "worth more" in too_many.detail
    over_total = svc.redeem(pass_code, offline=True, quantity=3)  # 100.00 waiting + 150.00 > 200.00
    assert over_total.reason is Reason.OFFLINE_LIMIT and "total" in over_total.detail
    assert svc.redeem(pass_code, offline=True, quantity=2).accepted  # 100.00 + 100.00
    with ledger.transaction() as tx:
        assert tx.pending_offline_value_minor() == 20_000


def test_every_reason_has_words_in_both_languages() -> None:
    from kiosk.i18n import gettext_for
    from kiosk.messages import PLAIN

    assert set(PLAIN) == set(Reason)
    for reason, text in PLAIN.items():
        assert gettext_for("zh_CN", text) != text, reason
