"""The store manager's screen: the day's redemptions, totals, redemptions per hour, the conflicts and
rejections to review, voids, CSV export and the X/Z reports.

Every database read and write runs through ``services.background``; the rules (void window, what
counts in a total) live in ``kiosk.voids`` and ``kiosk.day_summary``. This module assembles the
screen and does the voids; its parts are modules of their own: the list's model (``ui.day_model``),
the day chooser (``ui.day_chooser``), the totals and the chart (``ui.day_totals``), the review tab
(``ui.review_tab``), the CSV export (``ui.day_export``) and the X/Z reports (``ui.day_reports``).
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.day_summary import STATES, DayRow, DaySummary
from kiosk.i18n import render
from kiosk.voids import DEFAULT_VOID_WINDOW, MAX_REASON_CHARS, void_refusal
from offline_queue.queries import day_summary, review_rows
from offline_queue.voids import VoidDone, VoidRefused, void_redemption
from ui.day_chooser import DayChooser
from ui.day_export import DayExport
from ui.day_model import DayFilter, DayModel
from ui.day_reports import DayReports
from ui.day_totals import TotalsTab, totals_line
from ui.folder_picker import FolderPicker
from ui.i18n import current_language, t
from ui.problems import problem_words
from ui.quality_view import QualityView
from ui.review_model import ROW_ROLE, state_words
from ui.review_tab import ReviewTab
from ui.seen_elsewhere import SeenElsewhere
from ui.services import AppServices
from ui.widgets import guard_wheel, named, run_for

log = logging.getLogger(__name__)

STYLE = """
QWidget { font-size: 17px; }
QLabel#title { font-size: 28px; font-weight: 600; }
QLabel#subtitle { color: #555; }
QLabel#error { color: #b00020; font-weight: 600; }
QLabel#ok { color: #1b5e20; font-weight: 600; }
QLabel#totals { font-size: 19px; }
QPushButton { min-height: 48px; padding: 0 18px; font-size: 17px; }
QPushButton#danger { background: #b00020; color: white; border-radius: 6px; font-weight: 600; }
QPushButton#danger:disabled { background: #d9a3ab; }
QLineEdit, QComboBox, QDateEdit { min-height: 44px; padding: 0 8px; }
QTabBar::tab { min-height: 44px; padding: 0 22px; font-size: 17px; }
QHeaderView::section { padding: 6px; font-weight: 600; }
QTableView { gridline-color: #ddd; }
"""

class ManagerScreen(QWidget):
    """The manager's day view, review tab, voids, export and reports."""

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.ctx = services.ctx
        self.summary: DaySummary | None = None
        self.exports = DayExport(self, services, self.day, self._say)
        self.reports = DayReports(self, services, self.day, self._say)
        self.review: list[DayRow] = []
        self._generation = 0
        self._busy_void = False
        self._keep_message = False  # the outcome of a void stays until another row is chosen
        self._status_mark: tuple[Any, ...] | None = None  # what the day looked like when the banner was set
        self.setObjectName("ManagerScreen")
        self.setStyleSheet(STYLE)
        self._build()
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(150)
        self._reload_timer.timeout.connect(self.reload)
        services.events.ledger_changed.connect(self.schedule_reload)
        services.events.redemption_recorded.connect(self.schedule_reload)
        # a banner about the day (a refused Z report, an export) is stale once the day has moved on
        services.events.redemption_recorded.connect(lambda _decision: self._clear_status())
        services.events.signed_out.connect(self.forget)
        services.events.settings_changed.connect(lambda _key: self.schedule_reload())
        guard_wheel(self)
        self.retranslate()
        self.reload()

    # --- building -------------------------------------------------------------------------------

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(12, 12, 12, 12)
        root.setSpacing(12)

        head = QHBoxLayout()
        self.title = named(QLabel(), "title")
        # The day's controls keep their size; the title takes what is left (cut on a small screen).
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setMinimumWidth(80)
        head.addWidget(self.title, 1)
        self.days = DayChooser(self.today)
        self.day_label, self.day_edit = self.days.day_label, self.days.day_edit
        self.prev_button, self.next_button, self.today_button = (self.days.prev_button, self.days.next_button,
                                                                 self.days.today_button)
        self.day_edit.dateChanged.connect(lambda _d: self._day_changed())
        head.addWidget(self.days)
        root.addLayout(head)

        self.tabs = QTabWidget()
        self.tabs.setUsesScrollButtons(False)
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)
        root.addWidget(self.tabs, 1)
        self.tabs.addTab(self._build_day_tab(), "")
        self.totals_tab = TotalsTab()
        self.totals_heading, self.totals_table = self.totals_tab.totals_heading, self.totals_tab.totals_table
        self.chart, self.chart_view = self.totals_tab.chart, self.totals_tab.chart_view
        self.tabs.addTab(self.totals_tab, "")
        self.review_tab = ReviewTab()
        self.review_intro, self.review_table = self.review_tab.review_intro, self.review_tab.review_table
        self.review_model = self.review_tab.review_model
        self.tabs.addTab(self.review_tab, "")
        self.quality = QualityView(self.services)
        self.tabs.addTab(self.quality, "")

        self.status = QLabel()
        self.status.setWordWrap(True)
        root.addWidget(self.status)

    def _build_day_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 12, 8, 8)

        filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._apply_filters)
        filters.addWidget(self.search, 2)
        self.search.setMinimumWidth(120)
        self.state_filter = QComboBox()
        self.state_filter.currentIndexChanged.connect(self._apply_filters)
        filters.addWidget(self.state_filter, 1)
        self.mode_filter = QComboBox()
        self.mode_filter.currentIndexChanged.connect(self._apply_filters)
        filters.addWidget(self.mode_filter, 1)
        for combo in (self.state_filter, self.mode_filter):
            # As wide as the row gives, not as the longest choice: the row fits an 800 px screen.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
        layout.addLayout(filters)

        self.model = DayModel(self)
        self.proxy = DayFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(40)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        layout.addWidget(self.table, 1)
        self.seen_elsewhere = SeenElsewhere(self.services, page)  # marked apart: decided at other counters
        layout.addWidget(self.seen_elsewhere)

        self.totals_label = named(QLabel(), "totals")
        self.totals_label.setWordWrap(True)
        self.totals_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.totals_label)

        actions = QGridLayout()
        self.void_reason = QLineEdit()
        self.void_reason.setMaxLength(MAX_REASON_CHARS + 50)  # long enough to say "too long" in words
        self.void_reason.returnPressed.connect(self.void_selected)
        actions.addWidget(self.void_reason, 0, 0)
        self.void_button = named(QPushButton(), "danger")
        self.void_button.clicked.connect(self.void_selected)
        self.void_button.setEnabled(False)
        actions.addWidget(self.void_button, 0, 1)
        self.void_message = QLabel()
        self.void_message.setWordWrap(True)
        self.void_message.setMinimumWidth(120)
        actions.addWidget(self.void_message, 0, 2)
        actions.setColumnStretch(0, 2)
        actions.setColumnStretch(2, 3)

        buttons = QHBoxLayout()
        self.export_button = QPushButton()
        self.export_button.clicked.connect(self.choose_export_folder)
        buttons.addWidget(self.export_button)
        self.x_button = QPushButton()
        self.x_button.clicked.connect(lambda: self.print_report("X"))
        buttons.addWidget(self.x_button)
        self.z_button = QPushButton()
        self.z_button.clicked.connect(self._confirm_z)
        buttons.addWidget(self.z_button)
        buttons.addStretch(1)
        actions.addLayout(buttons, 1, 0, 1, 3)
        layout.addLayout(actions)
        return page

    # --- fitting the width ----------------------------------------------------------------------

    NARROW_COLUMNS = ((1100, (1, 4, 5)), (640, (8, 9)))
    """Below this table width, these columns of the day's list are hidden (Voucher, Cashier,
    Mode; then List and Saving): Time, Deal, Qty, State and Paid always stay in view."""

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        # The screen's width less its margins: the table itself is resized only after this event.
        width = self.width() - 60
        hidden = {column for below, columns in self.NARROW_COLUMNS if width < below for column in columns}
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount()):
            header.setSectionHidden(column, column in hidden)

    # --- language -------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.title.setText(t("Manager — the day"))
        self.days.retranslate()
        self.tabs.setTabText(0, t("Redemption list"))
        self.tabs.setTabText(1, t("Totals and hours"))
        self.tabs.setTabText(3, t("Service quality && prices"))
        self.search.setPlaceholderText(t("Search voucher, deal or cashier"))
        self._fill_combo(self.state_filter, [("", t("All states"))] + [(s, state_words(s)) for s in STATES])
        self._fill_combo(self.mode_filter, [("", t("Online and offline")), ("online", t("online")),
                                            ("offline", t("offline"))])
        self.void_reason.setPlaceholderText(t("Reason for the void (required)"))
        self.void_button.setText(t("Void selected"))
        self.export_button.setText(t("Export CSV…"))
        self.x_button.setText(t("Print X report"))
        self.z_button.setText(t("Print Z report"))
        self.totals_tab.retranslate()
        printing = self.reports.available()
        for button in (self.x_button, self.z_button):
            button.setEnabled(printing)
            button.setToolTip("" if printing else t("Printing is not set up on this terminal."))
        self.x_button.setToolTip(self.x_button.toolTip() or t("The day so far; does not close the day."))
        self.z_button.setToolTip(self.z_button.toolTip() or t("Closes the day with a numbered report."))
        self.review_tab.retranslate()
        if self._keep_message or not self.void_button.isEnabled():
            self._keep_message = False
            self.void_message.clear()  # transient words of the other language
        self.status.clear()
        self.model.retranslate()
        self._show_summary()
        self._show_review()

    @staticmethod
    def _fill_combo(combo: QComboBox, items: list[tuple[str, str]]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for value, text in items:
            combo.addItem(text, value)
        index = combo.findData(current) if current is not None else 0
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    # --- loading --------------------------------------------------------------------------------

    def today(self) -> date:
        return self.ctx.clock.now().astimezone(self.ctx.settings.timezone()).date()

    def day(self) -> date:
        """The store day on screen."""
        return self.days.day()

    def step_day(self, days: int) -> None:
        self.days.step_day(days)

    def set_day(self, day: date) -> None:
        """Show ``day`` (today at the latest)."""
        self.days.set_day(day)

    def schedule_reload(self, *_args: Any) -> None:
        self._reload_timer.start()

    def reload(self) -> None:
        """Load the chosen day and the review list (in the background)."""
        self.days.refresh()
        self._generation += 1
        generation, day, tz, ledger = self._generation, self.day(), self.ctx.settings.timezone(), self.ctx.ledger

        def load() -> tuple[DaySummary, list[DayRow]]:
            return day_summary(ledger, day, tz), review_rows(ledger)

        def done(result: tuple[DaySummary, list[DayRow]]) -> None:
            if generation != self._generation:
                return  # a newer load is on its way
            self.summary, self.review = result
            if self._status_mark is not None and self._fingerprint() != self._status_mark:
                self._clear_status()
            self.model.set_rows(list(self.summary.rows), tz)
            self.review_tab.set_rows(self.review, tz)
            self._show_summary()
            self._show_review()
            self._selection_changed()

        run_for(self, self.services, load, done, self._load_failed)
        self.quality.load(day)
        self.seen_elsewhere.load(day, tz)

    def _load_failed(self, exc: BaseException) -> None:
        self._say(t("Could not read the ledger:") + " " + problem_words(exc), error=True)

    def _apply_filters(self) -> None:
        self.proxy.set_filters(text=self.search.text(), state=self.state_filter.currentData() or "",
                               mode=self.mode_filter.currentData() or "")

    def _show_summary(self) -> None:
        summary = self.summary
        if summary is None:
            self.totals_label.setText(t("Loading…"))
            return
        self.totals_label.setText(totals_line(summary))
        self.totals_tab.show_summary(summary)

    def _show_review(self) -> None:
        count = len(self.review)
        self.tabs.setTabText(2, t("Conflicts && rejections") + (f" ({count})" if count else ""))

    # --- voids ----------------------------------------------------------------------------------

    def selected_row(self) -> DayRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        row: DayRow = self.proxy.data(rows[0], ROW_ROLE)
        return row

    def select_redemption(self, redemption_id: str) -> bool:
        """Select a row by redemption id (tests and the cashier's "void last" shortcut)."""
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, 0)
            if self.proxy.data(index, ROW_ROLE).redemption_id == redemption_id:
                self.table.selectRow(r)
                return True
        return False

    def _selection_changed(self) -> None:
        row = self.selected_row()
        if row is None:
            self.void_button.setEnabled(False)
            if not self._keep_message:
                self.void_message.clear()
            return
        self._keep_message = False
        refusal = void_refusal(decided_at=row.decided_at, now=self.ctx.clock.now(), reason="-",
                               voided_at=row.voided_at, window=DEFAULT_VOID_WINDOW,
                               tz=self.ctx.settings.timezone())
        self.void_button.setEnabled(refusal is None and not self._busy_void)
        if refusal:
            self._void_says(render(refusal, current_language()), error=True)
        else:
            self._void_says(t("Selected:") + f" {row.deal} × {row.quantity}, "
                            f"{row.decided_at.astimezone(self.ctx.settings.timezone()):%H:%M}", error=False,
                            neutral=True)

    def void_selected(self) -> None:
        """Void the selected redemption with the typed reason; the refusal shows in words next to it."""
        row = self.selected_row()
        if row is None:
            self._void_says(t("Choose a redemption in the table first."), error=True)
            return
        if self._busy_void:
            return
        reason, actor, ctx = self.void_reason.text(), self.services.session.actor, self.ctx
        tz, lang = ctx.settings.timezone(), current_language()  # read here: work() runs on another thread
        self._busy_void = True
        self.void_button.setEnabled(False)

        def work() -> VoidDone | str:
            try:
                return void_redemption(ctx.ledger, row.redemption_id, reason=reason, actor=actor,
                                       now=ctx.clock.now(), tz=tz)
            except VoidRefused as exc:  # an answer, not a failure: no traceback in the log
                return render(exc.words, lang)

        def done(result: VoidDone | str) -> None:
            self._busy_void = False
            if isinstance(result, str):
                self._selection_changed()
                self._void_says(result, error=True)
                return
            self.void_reason.clear()
            self._keep_message = True
            self._void_says(t("Voided: the uses were given back. The platform is told at the next sync."),
                            error=False)
            self.services.events.ledger_changed.emit()
            self.services.events.sync_requested.emit()
            self.reload()

        def failed(exc: BaseException) -> None:
            self._busy_void = False
            self._selection_changed()
            self._void_says(t("The void was not saved:") + " " + problem_words(exc), error=True)

        run_for(self, self.services, work, done, failed)

    def _void_says(self, text: str, *, error: bool, neutral: bool = False) -> None:
        self.void_message.setObjectName("" if neutral else ("error" if error else "ok"))
        self.void_message.setStyleSheet(self.void_message.styleSheet())  # re-polish for the new name
        self.void_message.style().unpolish(self.void_message)
        self.void_message.style().polish(self.void_message)
        self.void_message.setText(text)

    # --- export and reports ---------------------------------------------------------------------

    @property
    def export_picker(self) -> FolderPicker | None:
        """The folder picker while the manager chooses where a CSV goes, else None."""
        return self.exports.picker

    def choose_export_folder(self) -> None:
        """Ask where the chosen day's CSV goes with the touch folder picker, starting in the data
        folder's ``exports/``; the file is named by the day (``redemptions-2026-11-23.csv``)."""
        self.exports.choose_folder()

    def export_csv(self, path: Path) -> None:
        """Write the chosen day to ``path`` in the background; the status line says where."""
        self.exports.export(path)

    def _confirm_z(self) -> None:
        self.reports.confirm_z()

    def print_report(self, kind: str) -> None:
        """Ask the printing adapter for an X (day so far) or Z (closing) report of the chosen day."""
        self.reports.print_report(kind)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setStyleSheet("color: #b00020; font-weight: 600;" if error else "color: #333;")
        self.status.setText(text)
        self._status_mark = self._fingerprint()

    def _fingerprint(self) -> tuple[Any, ...]:
        """The chosen day's redemptions and their states: a banner set under one is stale under another."""
        summary = self.summary
        if summary is None:
            return ()
        return (summary.day, tuple((row.redemption_id, row.state) for row in summary.rows))

    def _clear_status(self) -> None:
        self.status.clear()
        self._status_mark = None

    def _day_changed(self) -> None:
        self._clear_status()
        self.reload()

    def forget(self) -> None:
        """Sign-out: drop what the last manager typed, chose and was told, so the next one starts clean."""
        self.void_reason.clear()
        self.search.clear()
        self.state_filter.setCurrentIndex(0)
        self.mode_filter.setCurrentIndex(0)
        self.table.clearSelection()
        self._keep_message = False
        self.void_message.clear()
        self._clear_status()
        self.set_day(self.today())
