"""The manager screen over a real ledger: the day's table, totals, chart, voids, review and CSV."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select
from ui_support import wheel

from offline_queue.models import AuditEntry, OutboxEntry, Redemption
from offline_queue.quality import day_quality
from ui.manager import ManagerScreen


def screen_for(qtbot, terminal, *, rows: int) -> ManagerScreen:
    screen = ManagerScreen(terminal.services)
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    qtbot.waitUntil(lambda: screen.model.rowCount() == rows and screen.summary is not None, timeout=5000)
    return screen


def cell(screen: ManagerScreen, row: int, column: int) -> str:
    return screen.proxy.index(row, column).data()


def column_texts(screen: ManagerScreen, column: int) -> list[str]:
    return [cell(screen, r, column) for r in range(screen.proxy.rowCount())]


def test_day_table_totals_and_chart(qtbot, terminal, voucher) -> None:
    a = terminal.redeem(voucher(sku="SET-MEAL-2P"), cashier="amy")
    terminal.clock.advance(hours=2)
    terminal.redeem(voucher(sku="HAIRCUT", paid="90.00", list_price="150.00", uses=3), quantity=2, cashier="bo")
    screen = screen_for(qtbot, terminal, rows=2)

    # newest first; local (Shanghai) times; money per redemption
    assert column_texts(screen, 2) == ["HAIRCUT", "SET-MEAL-2P"]
    assert cell(screen, 1, 0) == "12:00:00" and cell(screen, 0, 0) == "14:00:00"
    assert [cell(screen, 0, c) for c in (3, 4, 5, 6, 7, 8, 9)] == ["2", "bo", "offline", "pending", "60.00",
                                                                   "100.00", "40.00"]
    assert cell(screen, 1, 1) == a.voucher_id
    totals = screen.totals_label.text()
    assert "<b>2</b>" in totals and "148.00 CNY" in totals and "Saving: 80.00 CNY" in totals
    table = screen.totals_table
    by_name = {table.item(r, 0).text(): [table.item(r, c).text() for c in range(1, 6)] for r in range(table.rowCount())}
    assert by_name["HAIRCUT"] == ["1", "2", "60.00 CNY", "100.00 CNY", "40.00 CNY"]
    assert by_name["SET-MEAL-2P"] == ["1", "1", "88.00 CNY", "128.00 CNY", "40.00 CNY"]
    assert by_name["offline"] == by_name["All"] == ["2", "3", "148.00 CNY", "228.00 CNY", "80.00 CNY"]

    # the chart has one bar per hour, 12:00 and 14:00 carry one redemption each
    (series,) = screen.chart.series()
    bars = series.barSets()[0]
    axis = screen.chart.axes(Qt.Orientation.Horizontal)[0]
    by_hour = dict(zip(axis.categories(), [bars.at(i) for i in range(bars.count())], strict=True))
    assert by_hour["12"] == 1 and by_hour["14"] == 1 and sum(by_hour.values()) == 2

    # sorting by deal, then filtering by text and by state
    screen.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    assert column_texts(screen, 2) == ["HAIRCUT", "SET-MEAL-2P"]
    qtbot.keyClicks(screen.search, "bo")
    assert column_texts(screen, 4) == ["bo"]
    screen.search.clear()
    screen.state_filter.setCurrentIndex(screen.state_filter.findData("voided"))
    assert screen.proxy.rowCount() == 0
    screen.state_filter.setCurrentIndex(screen.state_filter.findData("pending"))
    assert screen.proxy.rowCount() == 2


def test_manager_voids_a_redemption_with_a_reason(qtbot, terminal, voucher, record_events) -> None:
    decision = terminal.redeem(voucher(), cashier="amy")
    terminal.clock.advance(minutes=5)
    changed, sync = record_events("ledger_changed"), record_events("sync_requested")
    screen = screen_for(qtbot, terminal, rows=1)
    assert not screen.void_button.isEnabled()  # nothing selected yet

    assert screen.select_redemption(decision.redemption_id)
    assert screen.void_button.isEnabled()
    qtbot.mouseClick(screen.void_button, Qt.MouseButton.LeftButton)  # no reason yet: refused in words
    qtbot.waitUntil(lambda: "why" in screen.void_message.text(), timeout=5000)
    assert terminal.ctx.ledger.redemption(decision.redemption_id).voided_at is None

    qtbot.keyClicks(screen.void_reason, "wrong voucher scanned")
    qtbot.mouseClick(screen.void_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cell(screen, 0, 6) == "voided", timeout=5000)
    assert "Voided" in screen.void_message.text()
    assert changed and sync

    row = terminal.ctx.ledger.redemption(decision.redemption_id)
    assert row.voided_at is not None and row.void_reason == "wrong voucher scanned"
    with terminal.ctx.ledger.sessions() as session:
        entry = session.scalars(select(OutboxEntry).where(OutboxEntry.kind == "void")).one()
        assert json.loads(entry.payload)["redemption_id"] == decision.redemption_id
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "void")).one()
        assert audit.actor == "manager:lee"
    # a voided redemption leaves the totals and cannot be voided twice
    assert "<b>0</b>" in screen.totals_label.text() and "Voided: 1" in screen.totals_label.text()
    screen.select_redemption(decision.redemption_id)
    assert not screen.void_button.isEnabled() and "Already voided" in screen.void_message.text()


def test_void_after_the_window_is_refused_in_words(qtbot, terminal, voucher) -> None:
    decision = terminal.redeem(voucher())
    terminal.clock.advance(minutes=16)
    screen = screen_for(qtbot, terminal, rows=1)
    screen.select_redemption(decision.redemption_id)
    assert not screen.void_button.isEnabled()
    assert "Too late to void" in screen.void_message.text() and "15 min" in screen.void_message.text()

    # even when asked directly, the ledger refuses and says so; nothing is written
    screen.void_reason.setText("customer changed their mind")
    screen.void_selected()
    qtbot.waitUntil(lambda: not screen._busy_void, timeout=5000)
    assert "Too late to void" in screen.void_message.text()
    assert terminal.ctx.ledger.redemption(decision.redemption_id).voided_at is None
    with terminal.ctx.ledger.sessions() as session:
        assert session.scalars(select(OutboxEntry.kind)).all() == ["redeem"]


def test_export_csv_writes_the_day(qtbot, terminal, voucher, tmp_path) -> None:
    a = terminal.redeem(voucher(sku="SET-MEAL-2P"), cashier="amy")
    terminal.clock.advance(minutes=1)
    b = terminal.redeem(voucher(sku="5-VISIT-PASS", uses=5, paid="150.00", list_price="200.00"), quantity=3)
    screen = screen_for(qtbot, terminal, rows=2)
    out = tmp_path / "day.csv"
    screen.export_csv(out)
    qtbot.waitUntil(lambda: "Saved 2 redemptions" in screen.status.text(), timeout=5000)
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ("redemption_id,time,voucher_id,deal,quantity,cashier,terminal,source,mode,state,currency,"
                        "paid,list_price,saving,voided_at,void_reason,platform_answer")
    assert lines[1].startswith(f"{a.redemption_id},") and ",SET-MEAL-2P,1,amy,T1,camera,offline,pending,CNY," \
        "88.00,128.00,40.00,,," in lines[1]
    assert lines[2].startswith(f"{b.redemption_id},") and ",5-VISIT-PASS,3," in lines[2] and \
        ",90.00,120.00,30.00," in lines[2]  # 3 of the pass's 5 visits
    assert lines[1].split(",")[1].endswith("+08:00")


def test_conflicts_tab_shows_the_platform_answer(qtbot, terminal, voucher) -> None:
    decision = terminal.redeem(voucher())
    answer = {"redemption_id": decision.redemption_id, "kind": "redeem", "result": "conflict",
              "reason": "already_redeemed", "detail": "the voucher was used up elsewhere first",
              "conflict_with": {"redemption_id": "9f1c2e3d-0000-0000-0000-000000000000", "terminal_id": "T2",
                                "redeemed_at": "2026-11-23 03:30:00+00:00"}}
    with terminal.ctx.ledger.transaction() as tx:  # what the sync engine writes for a conflict
        tx.session.execute(
            Redemption.__table__.update().where(Redemption.id == decision.redemption_id)
            .values(upload_state="conflict", platform_answer=json.dumps(answer)))
    screen = screen_for(qtbot, terminal, rows=1)
    qtbot.waitUntil(lambda: screen.review_model.rowCount() == 1, timeout=5000)
    assert screen.tabs.tabText(2) == "Conflicts && rejections (1)"
    words = screen.review_model.index(0, screen.review_model.ANSWER_COLUMN).data()
    assert "already been redeemed elsewhere" in words and "terminal T2" in words and "2026-11-23 11:30" in words
    assert cell(screen, 0, 6) == "conflict"


def test_reports_buttons_need_printing(qtbot, terminal, voucher) -> None:
    screen = screen_for(qtbot, terminal, rows=0)
    assert not screen.x_button.isEnabled() and "not set up" in screen.x_button.toolTip()
    calls: list[tuple[str, object, str]] = []
    terminal.services.printing.reports = lambda kind, day, actor: calls.append((kind, day, actor)) or 7
    screen.retranslate()
    assert screen.x_button.isEnabled()
    qtbot.mouseClick(screen.x_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "job 7" in screen.status.text(), timeout=5000)
    assert calls == [("X", screen.day(), "manager:lee")]


def test_new_redemptions_and_past_days_reload(qtbot, terminal, voucher) -> None:
    terminal.redeem(voucher())
    screen = screen_for(qtbot, terminal, rows=1)
    decision = terminal.redeem(voucher())
    terminal.services.events.redemption_recorded.emit(decision)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 2, timeout=5000)
    screen.set_day(screen.day().fromordinal(screen.day().toordinal() - 1))
    qtbot.waitUntil(lambda: screen.model.rowCount() == 0, timeout=5000)
    assert screen.totals_table.rowCount() == 0 and "<b>0</b>" in screen.totals_label.text()


def test_totals_by_mode_have_their_own_heading(qtbot, terminal, voucher) -> None:
    terminal.redeem(voucher(sku="SET-MEAL-2P"))
    terminal.redeem(voucher(sku="HAIRCUT", paid="30.00", list_price="50.00"))
    screen = screen_for(qtbot, terminal, rows=2)
    table = screen.totals_table
    names = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert names == ["HAIRCUT", "SET-MEAL-2P", "By mode", "offline", "All"]
    assert table.horizontalHeaderItem(0).text() == "Deal"
    heading = names.index("By mode")
    assert table.columnSpan(heading, 0) == table.columnCount() and table.item(heading, 0).font().bold()
    assert table.item(names.index("offline"), 1).text() == "2"
    assert table.columnSpan(names.index("offline"), 0) == 1

    screen.set_day(screen.day().fromordinal(screen.day().toordinal() - 1))  # a day without redemptions
    qtbot.waitUntil(lambda: screen.totals_table.rowCount() == 0, timeout=5000)
    assert "By mode" not in [table.item(r, 0).text() for r in range(table.rowCount())]


def test_expiry_margin_reads_in_days(qtbot, terminal, voucher) -> None:
    from datetime import timedelta

    terminal.redeem(voucher(valid_until=terminal.clock.now() + timedelta(hours=719.9)))
    screen = screen_for(qtbot, terminal, rows=1)
    qtbot.waitUntil(lambda: screen.quality.report is not None, timeout=5000)
    assert "redeemed a median 30 days before expiry" in screen.quality.counts.text()
    assert " h before expiry" not in screen.quality.counts.text()

    for _ in range(2):  # two more on their last day: the median is now under a day
        terminal.redeem(voucher(valid_until=terminal.clock.now() + timedelta(hours=5)))
    screen.reload()
    qtbot.waitUntil(lambda: "less than a day before expiry" in screen.quality.counts.text(), timeout=5000)
    stored = day_quality(terminal.ctx.ledger, screen.day(), terminal.ctx.settings.timezone())
    assert stored.accepted == 3 and 4.9 < (stored.hours_before_expiry_median or 0) < 5.1  # hours stay in the data


def test_expiry_margin_words() -> None:
    from kiosk.qos import expiry_margin_words

    assert expiry_margin_words(719.9) == "30 days" and expiry_margin_words(23.9) == "less than a day"
    assert expiry_margin_words(24) == "1 day" and expiry_margin_words(36) == "2 days"
    assert expiry_margin_words(719.9, lang="zh_CN") == "30 天" and expiry_margin_words(2, lang="zh_CN") == "不到一天"


def test_sign_out_clears_what_the_manager_typed_and_was_told(qtbot, terminal, voucher) -> None:
    from kiosk.roles import Role
    from ui.compose import build_window
    from ui.pins import PinStore

    decision = terminal.redeem(voucher())
    PinStore(terminal.ctx.secrets_dir).ensure_demo_pins()
    window, services, scheduler = build_window(terminal.ctx)
    qtbot.addWidget(window)
    try:
        services.session.role, services.session.name = Role.MANAGER, "lee"
        window.show_screen(Role.MANAGER)
        screen = window.screen_widget(Role.MANAGER)
        assert isinstance(screen, ManagerScreen)
        qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=5000)
        screen.select_redemption(decision.redemption_id)
        qtbot.keyClicks(screen.void_reason, "customer changed their mind")
        qtbot.keyClicks(screen.search, "zzz")
        screen._say("Could not save the CSV file: disk full", error=True)

        window.sign_out()
        assert window.stack.currentWidget() is window.signin
        assert screen.void_reason.text() == "" and screen.search.text() == "" and screen.status.text() == ""
        assert screen.void_message.text() == "" and screen.selected_row() is None
        assert screen.proxy.rowCount() == 1  # the filter went with the search text
        assert terminal.ctx.ledger.redemption(decision.redemption_id).voided_at is None
        qtbot.waitUntil(lambda: any(r.action == "sign_out" for r in terminal.ctx.ledger.audit_records()),
                        timeout=5000)
    finally:
        scheduler.stop()
        services.background.wait(5000)


def test_a_refused_z_report_banner_goes_when_the_day_changes(qtbot, terminal, voucher) -> None:
    terminal.redeem(voucher())
    refusal = "No Z report: 1 redemption of this day is still waiting to upload. Sync first, then print again."
    terminal.services.printing.reports = lambda kind, day, actor: refusal
    screen = screen_for(qtbot, terminal, rows=1)
    screen.retranslate()
    screen.print_report("Z")
    qtbot.waitUntil(lambda: screen.status.text() == refusal, timeout=5000)
    qtbot.wait(400)  # the reload the report asked for has run: the banner is still about this day
    assert screen.status.text() == refusal

    decision = terminal.redeem(voucher())  # the cashier goes on redeeming
    terminal.services.events.redemption_recorded.emit(decision)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 2, timeout=5000)
    assert screen.status.text() == ""

    screen.print_report("Z")
    qtbot.waitUntil(lambda: screen.status.text() == refusal, timeout=5000)
    with terminal.ctx.ledger.transaction() as tx:  # a sync changes a state: ledger_changed, no redemption
        tx.session.execute(Redemption.__table__.update().where(Redemption.id == decision.redemption_id)
                           .values(upload_state="uploaded"))
    terminal.services.events.ledger_changed.emit()
    qtbot.waitUntil(lambda: screen.status.text() == "", timeout=5000)
    assert "uploaded" in column_texts(screen, 6)


def test_export_csv_through_the_touch_folder_picker(qtbot, terminal, voucher, monkeypatch) -> None:
    import stat

    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: pytest.fail("desktop file dialog opened"))
    a = terminal.redeem(voucher(sku="SET-MEAL-2P"), cashier="amy")
    usb = terminal.ctx.data_dir / "exports" / "till-2"  # a folder inside, to tap into
    usb.mkdir(parents=True)
    screen = screen_for(qtbot, terminal, rows=1)
    qtbot.mouseClick(screen.export_button, Qt.MouseButton.LeftButton)
    picker = screen.export_picker
    assert picker is not None and picker.isVisible()
    exports = terminal.ctx.data_dir / "exports"
    assert picker.folder == exports and stat.S_IMODE(exports.stat().st_mode) == 0o700
    assert picker.choose_button.height() >= 56 and picker.list.visualItemRect(picker.list.item(0)).height() >= 48
    names = [picker.list.item(i).text() for i in range(picker.list.count())]
    assert names == ["📁  till-2"]

    item = picker.list.item(0)
    qtbot.mouseClick(picker.list.viewport(), Qt.MouseButton.LeftButton, pos=picker.list.visualItemRect(item).center())
    assert picker.folder == usb
    qtbot.mouseClick(picker.choose_button, Qt.MouseButton.LeftButton)
    written = usb / f"redemptions-{screen.day():%Y-%m-%d}.csv"
    qtbot.waitUntil(lambda: "Saved 1 redemptions" in screen.status.text(), timeout=5000)
    assert str(written) in screen.status.text()
    lines = written.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].startswith(f"{a.redemption_id},") and ",SET-MEAL-2P,1,amy," in lines[1]


def test_export_to_a_folder_that_went_away_says_what_to_do(qtbot, terminal, voucher) -> None:
    terminal.redeem(voucher())
    screen = screen_for(qtbot, terminal, rows=1)
    screen.choose_export_folder()
    picker = screen.export_picker
    assert picker is not None
    drive = terminal.ctx.data_dir / "exports" / "usb-stick"
    drive.mkdir()
    picker.go(drive)
    drive.rmdir()  # pulled out before "Save here"
    qtbot.mouseClick(picker.choose_button, Qt.MouseButton.LeftButton)
    assert "is not there any more. Choose another folder." in picker.error.text() and picker.isVisible()
    assert screen.status.text() == ""

    screen.export_csv(drive / "redemptions.csv")  # gone between the choice and the write
    qtbot.waitUntil(lambda: "Could not save the CSV file" in screen.status.text(), timeout=5000)
    assert "Choose another folder" in screen.status.text() and not drive.exists()
    assert "the file or folder is not there" in screen.status.text() and "Errno" not in screen.status.text()


def test_mouse_wheel_over_the_day_and_filters_does_not_change_them(qtbot, terminal, voucher) -> None:
    terminal.redeem(voucher())
    screen = screen_for(qtbot, terminal, rows=1)
    screen.search.setFocus()
    qtbot.waitUntil(screen.search.hasFocus, timeout=2000)
    day = screen.day()
    for editor in (screen.day_edit, screen.state_filter, screen.mode_filter):
        assert editor.focusPolicy() == Qt.FocusPolicy.StrongFocus
        wheel(editor, down=False)
        wheel(editor)
    qtbot.wait(300)  # a reload would have been scheduled by a changed day
    assert screen.day() == day and screen.state_filter.currentIndex() == 0 and screen.mode_filter.currentIndex() == 0
    assert screen.proxy.rowCount() == 1 and screen.model.rowCount() == 1
