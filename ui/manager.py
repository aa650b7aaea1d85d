"""The store manager's screen: the day's redemptions, totals, redemptions per hour, the conflicts and
rejections to review, voids, CSV export and the X/Z reports.

Every database read and write runs through ``services.background``; the rules (void window, what
counts in a total) live in ``kiosk.voids`` and ``kiosk.day_summary``. Optional adapters:

* ``services.extras["reports"]``: ``reports(kind, day, actor)`` with kind ``"X"`` or ``"Z"``, called
  on a background thread; whatever it returns (a job id or a message) is shown.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QEvent,
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.answers import answer_in_words
from kiosk.day_summary import STATES, DayRow, DaySummary, Total
from kiosk.i18n import N_, render
from kiosk.voids import DEFAULT_VOID_WINDOW, MAX_REASON_CHARS, void_refusal
from offline_queue.queries import day_summary, export_day_csv, review_rows
from offline_queue.voids import VoidDone, VoidRefused, void_redemption
from ui.folder_picker import FolderPicker, exports_folder, removable_drives
from ui.i18n import current_language, t
from ui.problems import problem_words
from ui.quality_view import QualityView
from ui.review_model import ROW_ROLE, SORT_ROLE, STATE_COLOURS, ModelIndex, ReviewModel, mode_words, state_words
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

class DayModel(QAbstractTableModel):
    """The day's redemptions; display text in DisplayRole, sort keys in :data:`SORT_ROLE`."""

    HEADERS = (N_("Time"), N_("Voucher"), N_("Deal"), N_("Qty"), N_("Cashier"), N_("Mode"),
               N_("State"), N_("Paid"), N_("List"), N_("Saving"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[DayRow] = []
        self.tz: Any = None

    def set_rows(self, rows: list[DayRow], tz: Any) -> None:
        self.beginResetModel()
        self.rows, self.tz = list(rows), tz
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return t(self.HEADERS[section])
        return None

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.HEADERS) - 1)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.HEADERS) - 1))

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == SORT_ROLE:
            return self._sort_key(row, col)
        if role == Qt.ItemDataRole.BackgroundRole and row.state in STATE_COLOURS:
            return QBrush(QColor(STATE_COLOURS[row.state]))
        if role == Qt.ItemDataRole.ForegroundRole and row.voided:
            return QBrush(QColor("#666666"))
        if role == Qt.ItemDataRole.FontRole and row.voided:
            font = QFont()
            font.setStrikeOut(col in (7, 8, 9))
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (3, 7, 8, 9):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{t('Redemption')} {row.redemption_id}"
            if row.voided:
                tip += f"\n{t('Void reason')}: {row.void_reason}"
            if row.platform_answer:
                tip += "\n" + answer_in_words(row, self.tz, lang=current_language())
            return tip
        return None

    def _text(self, row: DayRow, col: int) -> str:
        match col:
            case 0:
                return f"{row.decided_at.astimezone(self.tz):%H:%M:%S}"
            case 1:
                return row.voucher_id
            case 2:
                return row.deal
            case 3:
                return str(row.quantity)
            case 4:
                return row.cashier or "—"
            case 5:
                return mode_words(row.mode)
            case 6:
                return state_words(row.state)
            case 7:
                return row.money(row.paid_total)
            case 8:
                return row.money(row.list_total)
            case _:
                return row.money(row.saving_total)

    def _sort_key(self, row: DayRow, col: int) -> Any:
        numeric = {0: row.decided_at.timestamp(), 3: row.quantity, 7: row.paid_total, 8: row.list_total,
                   9: row.saving_total}
        return numeric.get(col, self._text(row, col).lower())


class DayFilter(QSortFilterProxyModel):
    """Search text (voucher, deal, cashier, redemption id), state and mode filters."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text, self.state, self.mode = "", "", ""
        self.setSortRole(SORT_ROLE)

    def set_filters(self, *, text: str, state: str, mode: str) -> None:
        self.beginFilterChange()
        self.text, self.state, self.mode = text.strip().lower(), state, mode
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        model = self.sourceModel()
        row: DayRow = model.data(model.index(source_row, 0, source_parent), ROW_ROLE)
        if self.state and row.state != self.state:
            return False
        if self.mode and row.mode != self.mode:
            return False
        if self.text:
            hay = " ".join((row.voucher_id, row.deal, row.cashier, row.redemption_id)).lower()
            return self.text in hay
        return True


def export_file_name(day: date) -> str:
    """The CSV of one store day is named by that day, so exports of different days sit side by side."""
    return f"redemptions-{day:%Y-%m-%d}.csv"


def _money_total(totals: tuple[Total, ...] | list[Total], attr: str) -> str:
    if not totals:
        return "0.00"
    return " + ".join(f"{tot.money(getattr(tot, attr))} {tot.currency}".strip() for tot in totals)


class ManagerScreen(QWidget):
    """The manager's day view, review tab, voids, export and reports."""

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.ctx = services.ctx
        self.summary: DaySummary | None = None
        self.export_picker: FolderPicker | None = None  # open while the manager chooses where a CSV goes
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
        self.day_label = QLabel()
        head.addWidget(self.day_label)
        self.prev_button = QPushButton("◀")
        self.prev_button.setFixedWidth(56)
        self.prev_button.clicked.connect(lambda: self.step_day(-1))
        head.addWidget(self.prev_button)
        self.day_edit = QDateEdit()
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.day_edit.setMinimumWidth(170)
        today = self.today()
        self.day_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        self.day_edit.setDate(QDate(today.year, today.month, today.day))
        self.day_edit.dateChanged.connect(lambda _d: self._day_changed())
        head.addWidget(self.day_edit)
        self.next_button = QPushButton("▶")
        self.next_button.setFixedWidth(56)
        self.next_button.clicked.connect(lambda: self.step_day(1))
        head.addWidget(self.next_button)
        self.today_button = QPushButton()
        self.today_button.clicked.connect(lambda: self.set_day(self.today()))
        head.addWidget(self.today_button)
        root.addLayout(head)

        self.tabs = QTabWidget()
        self.tabs.setUsesScrollButtons(False)
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)
        root.addWidget(self.tabs, 1)
        self.tabs.addTab(self._build_day_tab(), "")
        self.tabs.addTab(self._build_totals_tab(), "")
        self.tabs.addTab(self._build_review_tab(), "")
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

    def _build_totals_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 12, 8, 8)
        self.totals_heading = named(QLabel(), "subtitle")
        layout.addWidget(self.totals_heading)
        self.totals_table = QTableWidget(0, 6)
        self.totals_table.verticalHeader().setVisible(False)
        self.totals_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.totals_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.totals_table.verticalHeader().setDefaultSectionSize(36)
        header = self.totals_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.totals_table)

        self.chart = QChart()
        self.chart.legend().hide()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.setBackgroundRoundness(0)
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(240)
        self.chart_view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout.addWidget(self.chart_view, 1)
        return page

    def _build_review_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 12, 8, 8)
        self.review_intro = QLabel()
        self.review_intro.setWordWrap(True)
        layout.addWidget(self.review_intro)
        self.review_table = QTableView()
        self.review_model = ReviewModel(self)
        self.review_table.setModel(self.review_model)
        self.review_table.setWordWrap(True)
        self.review_table.verticalHeader().setVisible(False)
        self.review_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.review_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.review_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ReviewModel.ANSWER_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.review_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.review_table, 1)
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
        self.day_label.setText(t("Day:"))
        self.today_button.setText(t("Today"))
        self.prev_button.setToolTip(t("Previous day"))
        self.next_button.setToolTip(t("Next day"))
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
        self.totals_heading.setText(t("Totals of the day by deal and by mode (voided redemptions not counted)"))
        reports = self.services.extras.get("reports")
        for button in (self.x_button, self.z_button):
            button.setEnabled(callable(reports))
            button.setToolTip("" if callable(reports) else t("Printing is not set up on this terminal."))
        self.x_button.setToolTip(self.x_button.toolTip() or t("The day so far; does not close the day."))
        self.z_button.setToolTip(self.z_button.toolTip() or t("Closes the day with a numbered report."))
        self.review_intro.setText(t("Redemptions the platform did not take as they were: a conflict means the "
                                    "voucher was used elsewhere first; a rejection means it was not valid. "
                                    "Check with the customer or the platform operator."))
        if self._keep_message or not self.void_button.isEnabled():
            self._keep_message = False
            self.void_message.clear()  # transient words of the other language
        self.status.clear()
        self.model.retranslate()
        self.review_model.retranslate()
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
        qdate = self.day_edit.date()
        return date(qdate.year(), qdate.month(), qdate.day())

    def step_day(self, days: int) -> None:
        self.set_day(date.fromordinal(self.day().toordinal() + days))

    def set_day(self, day: date) -> None:
        today = self.today()
        self.day_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        self.day_edit.setDate(QDate(min(day, today).year, min(day, today).month, min(day, today).day))

    def schedule_reload(self, *_args: Any) -> None:
        self._reload_timer.start()

    def reload(self) -> None:
        """Load the chosen day and the review list (in the background)."""
        today = self.today()
        self.day_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        self.next_button.setEnabled(self.day() < today)
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
            self.review_model.set_rows(self.review, tz)
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
        count = sum(tot.count for tot in summary.totals)
        quantity = sum(tot.quantity for tot in summary.totals)
        self.totals_label.setText(
            f"{t('Redemptions')}: <b>{count}</b> &nbsp;·&nbsp; {t('Quantity')}: <b>{quantity}</b> &nbsp;·&nbsp; "
            f"{t('Paid online')}: <b>{_money_total(summary.totals, 'paid_minor')}</b> &nbsp;·&nbsp; "
            f"{t('List price')}: {_money_total(summary.totals, 'list_minor')} &nbsp;·&nbsp; "
            f"{t('Saving')}: {_money_total(summary.totals, 'saving_minor')}<br>"
            f"<span style='color:#555'>{t('Voided')}: {summary.voided} &nbsp;·&nbsp; "
            f"{t('Waiting to upload')}: {summary.pending} &nbsp;·&nbsp; {t('To review')}: {summary.to_review}"
            "</span>"
        )
        table = self.totals_table
        table.setHorizontalHeaderLabels([t("Deal"), t("Redeemed"), t("Qty"), t("Paid online"), t("List price"),
                                         t("Saving")])
        # Deals under the "Deal" heading; online/offline are another cut of the same redemptions, so
        # they get their own heading row instead of reading as two more deals.
        lines: list[tuple[str, Total | None, str]] = [(d.key or "—", d, "deal") for d in summary.by_deal]
        if summary.by_mode:
            lines.append((t("By mode"), None, "heading"))
            lines += [(mode_words(m.key), m, "mode") for m in summary.by_mode]
        lines += [(t("All"), tot, "all") for tot in summary.totals]
        table.clearSpans()
        table.setRowCount(len(lines))
        bold = QFont()
        bold.setBold(True)
        for r, (name, tot, kind) in enumerate(lines):
            if tot is None:
                cells: tuple[str, ...] = (name, "", "", "", "", "")
            else:
                cells = (name, str(tot.count), str(tot.quantity), f"{tot.money(tot.paid_minor)} {tot.currency}",
                         f"{tot.money(tot.list_minor)} {tot.currency}",
                         f"{tot.money(tot.saving_minor)} {tot.currency}")
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if kind in ("all", "heading"):
                    item.setFont(bold)
                if kind == "heading":
                    item.setBackground(QBrush(QColor("#eeeeee")))
                if kind == "mode":
                    item.setForeground(QBrush(QColor("#555555")))
                table.setItem(r, c, item)
            if kind == "heading":
                table.setSpan(r, 0, 1, len(cells))
        visible = min(max(len(lines), 1), 8)
        table.setFixedHeight(table.horizontalHeader().sizeHint().height() + visible * 36 + 4)
        self._draw_chart(summary.hours)

    def _draw_chart(self, hours: tuple[int, ...]) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        active = [h for h, n in enumerate(hours) if n]
        first = min([8, *active])
        last = max([21, *active])
        bars = QBarSet(t("Redemptions"))
        bars.setColor(QColor("#1565c0"))
        bars.append([float(hours[h]) for h in range(first, last + 1)])
        series = QBarSeries()
        series.append(bars)
        series.setBarWidth(0.8)
        self.chart.addSeries(series)
        small = QFont()
        small.setPixelSize(15)
        x_axis = QBarCategoryAxis()
        x_axis.append([f"{h}" for h in range(first, last + 1)])
        x_axis.setLabelsFont(small)
        x_axis.setTitleText(t("Hour of the day"))
        x_axis.setTitleFont(small)
        y_axis = QValueAxis()
        y_axis.setRange(0, max(4, max(hours) + 1))
        y_axis.setLabelFormat("%d")
        y_axis.setTickCount(min(max(hours) + 2, 6) if max(hours) >= 4 else 5)
        y_axis.setLabelsFont(small)
        self.chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)
        title = QFont()
        title.setPixelSize(19)
        title.setBold(True)
        self.chart.setTitleFont(title)
        self.chart.setTitle(t("Redemptions per hour"))

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

    def choose_export_folder(self) -> None:
        """Ask where the chosen day's CSV goes with the touch folder picker, starting in the data
        folder's ``exports/``; the file is named by the day (``redemptions-2026-11-23.csv``)."""
        try:
            start = exports_folder(self.ctx.data_dir)
        except OSError as exc:
            log.error("cannot create the exports folder: %s", exc)
            self._say(t("Could not create the exports folder ({error}). Check that the disk is not full, or "
                        "call the technician.").format(error=problem_words(exc)), error=True)
            return
        shortcuts = [(t("Exports folder"), start)]
        shortcuts += [(t("USB drive {name}").format(name=drive.name), drive) for drive in removable_drives()]
        day = self.day()
        picker = FolderPicker(start, title=N_("Export the day as CSV: choose a folder"), shortcuts=shortcuts,
                              parent=self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.chosen.connect(lambda folder: self.export_csv(Path(folder) / export_file_name(day)))
        self.export_picker = picker
        picker.destroyed.connect(lambda: setattr(self, "export_picker", None))  # closed: no stale reference
        picker.open()

    def export_csv(self, path: Path) -> None:
        """Write the chosen day to ``path`` in the background; the status line says where."""
        ledger, day, tz = self.ctx.ledger, self.day(), self.ctx.settings.timezone()
        self._say(t("Exporting…"))

        def done(count: int) -> None:
            self._say(t("Saved {count} redemptions to {path}").format(count=count, path=path))

        def failed(exc: BaseException) -> None:
            log.error("CSV export to %s failed: %s", path, exc)
            self._say(t("Could not save the CSV file ({error}). Choose another folder, or check that the drive "
                        "is plugged in and not full.").format(error=problem_words(exc)), error=True)

        run_for(self, self.services, lambda: export_day_csv(ledger, day, tz, path), done, failed)

    def _confirm_z(self) -> None:
        answer = QMessageBox.question(
            self, t("Print Z report"),
            t("A Z report closes the day {day} with a numbered report. Continue?").format(day=self.day()),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.print_report("Z")

    def print_report(self, kind: str) -> None:
        """Ask the printing adapter for an X (day so far) or Z (closing) report of the chosen day."""
        reports = self.services.extras.get("reports")
        if not callable(reports):
            self._say(t("Printing is not set up on this terminal."), error=True)
            return
        day, actor = self.day(), self.services.session.actor
        self._say(t("Sending the report to the printer…"))

        def done(result: Any) -> None:
            if isinstance(result, int):
                self._say(t("Report sent to the printer (job {job}).").format(job=result))
            else:
                self._say(str(result) if result else t("Report sent to the printer."))
            self.services.events.ledger_changed.emit()

        def failed(exc: BaseException) -> None:
            words = getattr(exc, "words", None)  # a refusal in words (a second Z with nothing new)
            self._say(render(words, current_language()) if words is not None
                      else t("The report was not printed:") + " " + problem_words(exc), error=True)

        run_for(self, self.services, lambda: reports(kind, day, actor), done, failed)

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
