"""The answer on the cashier screen, filling it: colour, icon, title, the reason in words, the deal
and what this visit is worth."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kiosk.i18n import N_
from kiosk.messages import describe
from kiosk.pricing import PriceComparison, compare
from kiosk.reasons import Mode, Status
from kiosk.redemption import Decision
from ui.i18n import current_language, t
from ui.services import AppServices
from ui.style import AMBER, GREEN, RED, px, result_style, touch_px

COLOURS = {Status.ACCEPTED: GREEN, Status.NEEDS_ONLINE: AMBER, Status.REJECTED: RED}
TITLES = {Status.ACCEPTED: N_("ACCEPTED"), Status.NEEDS_ONLINE: N_("CHECK NEEDED"), Status.REJECTED: N_("NOT VALID")}
ICONS = {Status.ACCEPTED: "✔", Status.NEEDS_ONLINE: "!", Status.REJECTED: "✖"}


class ResultPanel(QFrame):
    """The answer, filling the screen: colour, icon, title, reason in words, deal and prices."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(px(48, floor=16), px(32, floor=12), px(48, floor=16), px(32, floor=12))
        layout.setSpacing(px(14, floor=6))
        self.icon = QLabel()
        self.title = QLabel()
        self.message = QLabel()
        self.deal = QLabel()
        self.prices = QLabel()
        self.mode = QLabel()
        # Icon and title share the first line: the answer is seen at once, and short screens keep
        # room for the reason and the deal.
        headline = QHBoxLayout()
        headline.addStretch(1)
        headline.addWidget(self.icon)
        headline.addWidget(self.title)
        headline.addStretch(1)
        layout.addLayout(headline)
        for label, size, weight in ((self.icon, 80, 700), (self.title, 64, 800), (self.message, 32, 600),
                                    (self.deal, 40, 700), (self.prices, 26, 500), (self.mode, 22, 500)):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(label not in (self.icon, self.title))
            label.setStyleSheet(f"color: white; font-size: {px(size, floor=16)}px; font-weight: {weight}; "
                                "background: transparent;")
            if label not in (self.icon, self.title):
                label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
                layout.addWidget(label)
        layout.addStretch(1)
        self.next_button = QPushButton()
        self.next_button.setStyleSheet("background: rgba(255,255,255,0.18); color: white; border: 2px solid white;"
                                       f"font-size: {px(26, floor=18)}px; min-height: {touch_px(72)}px;")
        layout.addWidget(self.next_button)
        self.decision: Decision | None = None

    def show_decision(self, decision: Decision, services: AppServices) -> None:
        self.decision = decision
        self.retranslate(services)

    def retranslate(self, services: AppServices) -> None:
        self.next_button.setText(t("Next customer"))
        decision = self.decision
        if decision is None:
            return
        status = decision.status
        self.setStyleSheet(result_style(COLOURS[status]))
        self.icon.setText(ICONS[status])
        self.title.setText(t(TITLES[status]))
        settings = services.ctx.settings
        # Accepted: the deal line says it all; otherwise the reason in words is the main line.
        words = "" if decision.accepted else describe(decision, lang=current_language(), tz=settings.timezone())
        self.message.setText(words)
        self.deal.setText(_deal_line(decision))
        price = _price(decision)
        self.prices.setText(_price_line(price.for_visit(decision.quantity, decision.uses_allowed))
                            if price and decision.accepted else "")
        offline = decision.mode is Mode.OFFLINE
        self.mode.setText(t("Decided offline — will upload when the platform is back") if offline and
                          decision.accepted else "")


def _deal_line(decision: Decision) -> str:
    if not decision.deal:
        return ""
    line = f"{decision.deal} × {decision.quantity}"
    if decision.accepted and decision.uses_left is not None:
        line += "   ·   " + t("uses left: {n}").format(n=decision.uses_left)
    return line


def _price(decision: Decision) -> PriceComparison | None:
    if decision.claims is not None:
        return PriceComparison(decision.claims.paid, decision.claims.list_price)
    answer = decision.platform_answer
    return compare(answer.paid_minor, answer.list_minor, answer.currency) if answer else None


def _price_line(total: PriceComparison) -> str:
    line = t("Paid online {paid} · List price {list} · Saving {saving}").format(
        paid=total.paid.format(), list=total.list_price.format(), saving=total.saving.format())
    if total.online_above_list:
        line += "  ⚠ " + t("online price above list price")
    return f"{line} {total.paid.currency}"
