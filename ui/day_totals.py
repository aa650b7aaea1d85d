"""The manager's totals of the day: the one-line sum under the list, and the tab with the totals by
deal and by mode and the chart of redemptions per hour."""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.day_summary import DaySummary, Total
from ui.i18n import t
from ui.review_model import mode_words
from ui.widgets import named


def money_total(totals: tuple[Total, ...] | list[Total], attr: str) -> str:
    """One sum per currency, joined with "+" (a day may hold vouchers in more than one currency)."""
    if not totals:
        return "0.00"
    return " + ".join(f"{tot.money(getattr(tot, attr))} {tot.currency}".strip() for tot in totals)


def totals_line(summary: DaySummary) -> str:
    """The day in one rich-text line: redemptions, quantity, money, then voided, waiting and to review."""
    count = sum(tot.count for tot in summary.totals)
    quantity = sum(tot.quantity for tot in summary.totals)
    return (
        f"{t('Redemptions')}: <b>{count}</b> &nbsp;·&nbsp; {t('Quantity')}: <b>{quantity}</b> &nbsp;·&nbsp; "
        f"{t('Paid online')}: <b>{money_total(summary.totals, 'paid_minor')}</b> &nbsp;·&nbsp; "
        f"{t('List price')}: {money_total(summary.totals, 'list_minor')} &nbsp;·&nbsp; "
        f"{t('Saving')}: {money_total(summary.totals, 'saving_minor')}<br>"
        f"<span style='color:#555'>{t('Voided')}: {summary.voided} &nbsp;·&nbsp; "
        f"{t('Waiting to upload')}: {summary.pending} &nbsp;·&nbsp; {t('To review')}: {summary.to_review}"
        "</span>"
    )


class TotalsTab(QWidget):
    """Totals by deal and by mode (voided redemptions not counted) and redemptions per hour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
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

    def retranslate(self) -> None:
        """The heading in the current language (the table and the chart follow at the next :meth:`show_summary`)."""
        self.totals_heading.setText(t("Totals of the day by deal and by mode (voided redemptions not counted)"))

    def show_summary(self, summary: DaySummary) -> None:
        """Fill the table and draw the chart for ``summary``."""
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
        self.draw_chart(summary.hours)

    def draw_chart(self, hours: tuple[int, ...]) -> None:
        """Bars of redemptions per hour, from 8 to 21 at least, wider when the day ran longer."""
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
