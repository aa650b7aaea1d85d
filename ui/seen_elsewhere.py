"""The manager's day view: redemptions seen at the store's other counters.

They are shown apart from this counter's own rows, each marked with the counter that decided it:
that counter uploads it and counts it in its own takings, so it is in none of the totals here.
Hidden on a day with none (and always on a counter alone in its store).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.days import day_bounds
from kiosk.money import Money
from kiosk.peers import SeenRedemption
from ui.i18n import t
from ui.services import AppServices
from ui.widgets import named, run_for


class SeenElsewhere(QWidget):
    """A small table of the day's redemptions decided at other counters, marked as such."""

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.rows: tuple[SeenRedemption, ...] = ()
        self.tz: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.heading = named(QLabel(), "subtitle")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.table = QTableWidget(0, 6)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(120)  # the day's own list keeps the room
        layout.addWidget(self.table)
        self.setVisible(False)
        self.retranslate()

    def load(self, day: date, tz: Any) -> None:
        """Read the day's redemptions seen elsewhere (in the background) and show them."""
        ledger = self.services.ctx.peer_ledger
        start, end = day_bounds(day, tz)

        def done(rows: tuple[SeenRedemption, ...]) -> None:
            self.rows, self.tz = rows, tz
            self._fill()

        run_for(self, self.services, lambda: ledger.seen_on(start, end), done)

    def _fill(self) -> None:
        self.table.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            amount = Money(row.paid_minor * row.quantity, row.currency).format() if row.currency else ""
            cells = (f"{row.decided_at.astimezone(self.tz):%H:%M:%S}",
                     t("seen at counter {terminal}").format(terminal=row.terminal_id),
                     row.voucher_id, row.sku, str(row.quantity), amount)
            for column, text in enumerate(cells):
                self.table.setItem(index, column, QTableWidgetItem(text))
        self.setVisible(bool(self.rows))
        self.retranslate()

    def retranslate(self) -> None:
        self.heading.setText(t("At the other counters ({n}): uploaded by the counter that decided, not counted in "
                               "this counter's totals").format(n=len(self.rows)))
        self.table.setHorizontalHeaderLabels([t("Time"), t("Counter"), t("Voucher"), t("Deal"), t("Qty"),
                                              t("Paid")])

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
