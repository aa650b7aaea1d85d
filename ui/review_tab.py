"""The manager's review tab: the redemptions the platform did not take as they were (conflicts and
rejections), with the platform's answer in words."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from kiosk.day_summary import DayRow
from ui.i18n import t
from ui.review_model import ReviewModel


class ReviewTab(QWidget):
    """A line saying what a conflict and a rejection mean, and the table of them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
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

    def set_rows(self, rows: list[DayRow], tz: Any) -> None:
        """Show ``rows`` with times in ``tz``."""
        self.review_model.set_rows(rows, tz)

    def retranslate(self) -> None:
        """The intro and the table's words in the current language."""
        self.review_intro.setText(t("Redemptions the platform did not take as they were: a conflict means the "
                                    "voucher was used elsewhere first; a rejection means it was not valid. "
                                    "Check with the customer or the platform operator."))
        self.review_model.retranslate()
