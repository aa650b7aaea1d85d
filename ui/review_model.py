"""The manager's review table (conflicts, rejections, refused voids) and the words and colours of
the day's states, shared with the day table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QWidget

from kiosk.answers import answer_in_words
from kiosk.day_summary import DayRow
from kiosk.i18n import N_
from ui.i18n import current_language, t

ModelIndex = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole
ROW_ROLE = Qt.ItemDataRole.UserRole + 1

STATE_COLOURS = {
    "pending": "#fff4e0",
    "conflict": "#ffe0e0",
    "review": "#ffe0e0",
    "rejected": "#ffe0e0",
    "void refused": "#ffe0e0",
    "voided": "#eeeeee",
}


def state_words(state: str) -> str:
    """The translated word for a display state."""
    return {
        "pending": t("pending"),
        "uploaded": t("uploaded"),
        "conflict": t("conflict"),
        "review": t("review"),
        "rejected": t("rejected"),
        "voided": t("voided"),
        "void refused": t("void refused"),
    }.get(state, state)


def mode_words(mode: str) -> str:
    return {"online": t("online"), "offline": t("offline")}.get(mode, mode)


class DayRowsModel(QAbstractTableModel):
    """A table of day-model rows with fixed, translated column titles (:attr:`HEADERS`)."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[DayRow] = []
        self.tz: Any = None

    def set_rows(self, rows: list[DayRow], tz: Any) -> None:
        self.beginResetModel()
        self.rows, self.tz = list(rows), tz
        self.endResetModel()

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.HEADERS) - 1)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return t(self.HEADERS[section])
        return None


class ReviewModel(DayRowsModel):
    """Conflicts, rejections and refused voids with the platform's answer in words."""

    HEADERS = (N_("Date and time"), N_("Voucher"), N_("Deal"), N_("Qty"), N_("Cashier"), N_("State"),
               N_("What the platform said"))
    ANSWER_COLUMN = 6

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(STATE_COLOURS.get(row.state, "#ffffff")))
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        local: datetime = row.decided_at.astimezone(self.tz)
        return (f"{local:%Y-%m-%d %H:%M}", row.voucher_id, row.deal, str(row.quantity), row.cashier or "—",
                state_words(row.state), answer_in_words(row, self.tz, lang=current_language()))[index.column()]
