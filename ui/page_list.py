"""Pages chosen from a list down the left side, for screens with more pages than fit as tabs.

Ten tabs across a 1024-pixel screen cut their names to "Cam…" and "Pl…"; a list beside the page
shows every name whole at any width, in either language, each row a finger's height. It offers
the part of ``QTabWidget``'s interface the screens use, so a screen can switch between the two.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QScroller,
    QStackedWidget,
    QWidget,
)

STYLE = """
QListWidget#pages { font-size: 17px; border: none; background: #e3e7ee; outline: 0; }
QListWidget#pages::item { min-height: 48px; padding: 0 14px; border-bottom: 1px solid #d0d5de; }
QListWidget#pages::item:selected { background: #1565c0; color: white; font-weight: 600; }
"""


class PageList(QWidget):
    """A list of page names on the left and the chosen page beside it."""

    currentChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.names = QListWidget()
        self.names.setObjectName("pages")
        self.names.setStyleSheet(STYLE)
        self.names.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.names.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.names.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(self.names.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.pages = QStackedWidget()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.names)
        layout.addWidget(self.pages, 1)
        self.names.currentRowChanged.connect(self._chosen)

    def addTab(self, page: QWidget, name: str) -> int:
        """Add a page at the end of the list; its index."""
        self.names.addItem(QListWidgetItem(name))
        index = self.pages.addWidget(page)
        if self.names.currentRow() < 0:
            self.names.setCurrentRow(0)
        self._fit_names()
        return index

    def setTabText(self, index: int, name: str) -> None:
        item = self.names.item(index)
        if item is not None:
            item.setText(name)
            self._fit_names()

    def tabText(self, index: int) -> str:
        item = self.names.item(index)
        return "" if item is None else item.text()

    def count(self) -> int:
        return self.pages.count()

    def currentIndex(self) -> int:
        return self.pages.currentIndex()

    def setCurrentIndex(self, index: int) -> None:
        self.names.setCurrentRow(index)

    def currentWidget(self) -> QWidget | None:
        return self.pages.currentWidget()

    def widget(self, index: int) -> QWidget | None:
        return self.pages.widget(index)

    def _chosen(self, row: int) -> None:
        if row < 0:
            return
        self.pages.setCurrentIndex(row)
        self.currentChanged.emit(row)

    def _fit_names(self) -> None:
        # As wide as the longest name (they change with the language), never so wide that the
        # page beside it loses its room.
        self.names.ensurePolished()
        widest = max((self.names.fontMetrics().horizontalAdvance(self.names.item(i).text())
                      for i in range(self.names.count())), default=0)
        scrollbar = self.names.verticalScrollBar().sizeHint().width()
        self.names.setFixedWidth(min(widest + 28 + 8 + scrollbar, 240))
