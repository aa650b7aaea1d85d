"""The manager's list of the day's redemptions as a Qt table model, and its search and filters."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QWidget

from kiosk.answers import answer_in_words
from kiosk.day_summary import DayRow
from kiosk.i18n import N_
from ui.i18n import current_language, t
from ui.review_model import ROW_ROLE, SORT_ROLE, STATE_COLOURS, DayRowsModel, ModelIndex, mode_words, state_words


class DayModel(DayRowsModel):
    """The day's redemptions; display text in DisplayRole, sort keys in :data:`SORT_ROLE`."""

    HEADERS = (N_("Time"), N_("Voucher"), N_("Deal"), N_("Qty"), N_("Cashier"), N_("Mode"),
               N_("State"), N_("Paid"), N_("List"), N_("Saving"))

    def retranslate(self) -> None:
        super().retranslate()
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
