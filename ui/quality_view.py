"""The manager's "Service quality & prices" tab: the O2O collaboration figures of a day.

Online measure next to its offline counterpart (availability ↔ timeliness, success rate ↔
success rate, response time ↔ waiting time), price flags, the store's own price table, and the
customers' ratings. Everything is computed in kiosk/ (kiosk.qos, kiosk.day_report); this
widget loads it off the GUI thread and shows it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import N_
from kiosk.money import Money
from kiosk.qos import expiry_margin_words
from ui.i18n import current_language, t
from ui.problems import problem_words
from ui.services import AppServices

PAIRS = [("availability", N_("Availability"), "timeliness", N_("Timeliness")),
         ("online_success_rate", N_("Success rate"), "redemption_success_rate", N_("Success rate")),
         ("response_ms_median", N_("Response time (median)"), "wait_ms_median", N_("Waiting time (median)")),
         ("response_ms_p95", N_("Response time (p95)"), "wait_ms_p95", N_("Waiting time (p95)"))]


def figure_text(key: str, value: Any) -> str:
    """A ratio as a percentage, a time in ms; a dash when nothing was measured."""
    if value is None:
        return "—"
    if key.endswith("_ms_median") or key.endswith("_ms_p95") or key.startswith("wait_ms"):
        return f"{value:.0f} ms"
    return f"{value * 100:.1f} %"


class QualityView(QWidget):
    """Loads and shows one day's service quality, price flags, store prices and ratings."""

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.report: dict[str, Any] | None = None
        self.day: date | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 12, 8, 8)
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 20px; font-weight: 700;")
        layout.addWidget(self.heading)
        self.table = QTableWidget(len(PAIRS), 4)
        self.table.setObjectName("qualityTable")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setFixedHeight(44 + 40 * len(PAIRS))
        layout.addWidget(self.table)
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        layout.addWidget(self.counts)
        columns = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        self.flags_heading, self.flags = QLabel(), QLabel()
        self.flags.setObjectName("priceFlags")
        self.flags.setWordWrap(True)
        self.flags.setTextFormat(Qt.TextFormat.RichText)
        for label in (self.flags_heading,):
            label.setStyleSheet("font-size: 18px; font-weight: 700;")
        left.addWidget(self.flags_heading)
        left.addWidget(self.flags)
        self.prices_heading = QLabel()
        self.prices_heading.setStyleSheet("font-size: 18px; font-weight: 700;")
        left.addWidget(self.prices_heading)
        form = QGridLayout()
        self.sku = QLineEdit()
        self.price = QLineEdit()
        self.price.setMaximumWidth(160)
        self.save_price = QPushButton()
        form.addWidget(self.sku, 0, 0)
        form.addWidget(self.price, 0, 1)
        form.addWidget(self.save_price, 0, 2)
        left.addLayout(form)
        self.price_message = QLabel()
        self.price_message.setWordWrap(True)
        left.addWidget(self.price_message)
        self.prices = QLabel()
        self.prices.setWordWrap(True)
        left.addWidget(self.prices)
        left.addStretch(1)
        self.ratings_heading, self.ratings = QLabel(), QLabel()
        self.ratings_heading.setStyleSheet("font-size: 18px; font-weight: 700;")
        self.ratings.setWordWrap(True)
        self.ratings.setObjectName("ratings")
        right.addWidget(self.ratings_heading)
        right.addWidget(self.ratings)
        right.addStretch(1)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        layout.addLayout(columns, 1)
        self.save_price.clicked.connect(self._save_price)
        self.retranslate()

    # --- loading ------------------------------------------------------------------------

    def load(self, day: date) -> None:
        from ui.cli_report import day_report

        self.day = day
        ctx = self.services.ctx
        self.services.background.run_for(self, lambda: day_report(ctx, day), self._show, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.counts.setText(t("Could not read the ledger:") + " " + problem_words(exc))

    def _show(self, report: dict[str, Any]) -> None:
        self.report = report
        self.retranslate()

    def _save_price(self) -> None:
        from offline_queue.quality import set_store_price

        sku = self.sku.text().strip()
        try:
            if not sku:
                raise ValueError(t("type the deal's sku, as on the voucher"))
            price = Money.parse(self.price.text(), self.currency())
        except ValueError as exc:
            self.price_message.setStyleSheet("color: #c62828;")
            self.price_message.setText(str(exc))
            return
        ctx, actor = self.services.ctx, self.services.session.actor
        self.price_message.setStyleSheet("")
        self.price_message.setText(t("Saving…"))

        def saved(_result: Any) -> None:
            self.price_message.setText(t("Saved: {sku} at {price}").format(sku=sku, price=price))
            if self.day is not None:
                self.load(self.day)

        self.services.background.run_for(
            self, lambda: set_store_price(ctx.ledger, sku, price.minor, price.currency, now=ctx.clock.now(),
                                          actor=actor), saved, self._failed)

    def currency(self) -> str:
        """The store's currency: the one of the day's redemptions, CNY when there are none yet."""
        currency = (self.report or {}).get("currency")
        return currency if isinstance(currency, str) and currency else "CNY"

    # --- words --------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.heading.setText(t("Service quality — online and offline side by side"))
        self.table.setHorizontalHeaderLabels([t("Online (platform)"), "", t("Offline (this store)"), ""])
        self.flags_heading.setText(t("Price flags"))
        self.prices_heading.setText(t("The store's own prices"))
        self.sku.setPlaceholderText(t("Deal sku, e.g. SET-MEAL-2P"))
        self.price.setPlaceholderText(t("Price, e.g. 128.00"))
        self.save_price.setText(t("Save price"))
        self.ratings_heading.setText(t("Customer ratings"))
        report = self.report
        quality = (report or {}).get("service_quality") or {}
        for row, (online_key, online_name, offline_key, offline_name) in enumerate(PAIRS):
            cells = [t(online_name), figure_text(online_key, quality.get(online_key)), t(offline_name),
                     figure_text(offline_key, quality.get(offline_key))]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col % 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        if report is None:
            self.counts.setText(t("Loading…"))
            return
        hours = quality.get("hours_before_expiry_median")
        self.counts.setText(
            t("Platform calls: {calls} · Attempts: {attempts} (genuine vouchers: {genuine}) · Accepted: {accepted}")
            .format(calls=quality.get("calls", 0), attempts=quality.get("attempts", 0),
                    genuine=quality.get("genuine_attempts", 0), accepted=quality.get("accepted", 0))
            + (" · " + t("redeemed a median {margin} before expiry").format(
                margin=expiry_margin_words(hours, lang=current_language())) if hours is not None else ""))
        flags = report.get("price_flags") or []
        self.flags.setText("<br>".join(f"⚠ <b>{f['deal']}</b>: {t(f['words'])} ({_flag_amounts(f)})"
                                       for f in flags) or t("No price flags."))
        prices = _store_prices(report)
        self.prices.setText(prices or t("No store prices yet."))
        ratings = report.get("ratings") or []
        average = report.get("ratings_average")
        lines = [t("Average {avg} ★ from {n} ratings").format(avg=average, n=len(ratings))] if ratings else \
            [t("No ratings for this day yet.")]
        lines += [f"{'★' * int(r['stars'])}{'☆' * (5 - int(r['stars']))} {r.get('comment') or ''}" for r in ratings]
        self.ratings.setText("\n".join(lines))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def _flag_amounts(flag: dict[str, Any]) -> str:
    currency = flag.get("currency") or "CNY"
    if flag["flag"] == "online_above_list":
        return f"{Money(flag['paid_minor'], currency).format()} > {Money(flag['list_minor'], currency).format()}"
    return (f"{Money(flag['list_minor'], currency).format()} ≠ "
            f"{Money(flag['store_list_minor'], flag.get('store_currency') or currency).format()}")


def _store_prices(report: dict[str, Any]) -> str:
    table = report.get("store_prices") or {}
    return "<br>".join(f"{sku}: {price}" for sku, price in sorted(table.items()))
