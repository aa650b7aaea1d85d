"""The row that chooses the manager's store day: previous, a date with a calendar, next, today.
No day after today can be chosen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QPushButton, QWidget

from ui.i18n import t


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class DayChooser(QWidget):
    """``day_edit.dateChanged`` says the day changed; ``today()`` is the store's today."""

    def __init__(self, today: Callable[[], date], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.today = today
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.day_label = QLabel()
        row.addWidget(self.day_label)
        self.prev_button = QPushButton("◀")
        self.prev_button.setFixedWidth(56)
        self.prev_button.clicked.connect(lambda: self.step_day(-1))
        row.addWidget(self.prev_button)
        self.day_edit = QDateEdit()
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.day_edit.setMinimumWidth(170)
        self.day_edit.setMaximumDate(_qdate(today()))
        self.day_edit.setDate(_qdate(today()))
        row.addWidget(self.day_edit)
        self.next_button = QPushButton("▶")
        self.next_button.setFixedWidth(56)
        self.next_button.clicked.connect(lambda: self.step_day(1))
        row.addWidget(self.next_button)
        self.today_button = QPushButton()
        self.today_button.clicked.connect(lambda: self.set_day(self.today()))
        row.addWidget(self.today_button)

    def day(self) -> date:
        """The day chosen."""
        qdate = self.day_edit.date()
        return date(qdate.year(), qdate.month(), qdate.day())

    def step_day(self, days: int) -> None:
        """``days`` later (earlier when negative), never after today."""
        self.set_day(date.fromordinal(self.day().toordinal() + days))

    def set_day(self, day: date) -> None:
        """Choose ``day``, or today when ``day`` is later."""
        today = self.today()
        self.day_edit.setMaximumDate(_qdate(today))
        self.day_edit.setDate(_qdate(min(day, today)))

    def refresh(self) -> None:
        """Follow the clock: today may have become yesterday since the last look."""
        today = self.today()
        self.day_edit.setMaximumDate(_qdate(today))
        self.next_button.setEnabled(self.day() < today)

    def retranslate(self) -> None:
        """The words in the current language."""
        self.day_label.setText(t("Day:"))
        self.today_button.setText(t("Today"))
        self.prev_button.setToolTip(t("Previous day"))
        self.next_button.setToolTip(t("Next day"))
