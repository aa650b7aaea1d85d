"""The cashier screen: scan (camera, handheld scanner, keypad), see the answer fill the screen.

Flow: a code arrives → (multi-use voucher: pick a quantity) → the redemption runs on a worker
thread → the result panel turns green, amber or red with the reason in words and a sound →
back to scanning after a few seconds or at the next scan. All rules are in kiosk/; this widget
shows and forwards.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any

from PySide6.QtCore import QEvent, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.codes import Malformed, SignedCode, parse_code
from kiosk.qos import WaitClock
from kiosk.redemption import Decision, RedemptionService
from kiosk.scanning import is_camera_repeat
from ui.i18n import render_current, t
from ui.keypad import Keypad
from ui.problems import problem_words
from ui.quantity_picker import QuantityPicker
from ui.result_panel import ResultPanel
from ui.services import AppServices
from ui.style import px, touch_px

log = logging.getLogger(__name__)



class CameraView(QLabel):
    """Live preview with a guide frame where the customer holds the code."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Small minimum: the preview only helps the customer aim, and takes whatever room the
        # screen has left; a large minimum here made the window wider than small screens.
        self.setMinimumSize(160, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("background: #10141c; border-radius: 12px;")
        self._image: QImage | None = None
        self.message = ""

    def show_frame(self, image: QImage) -> None:
        self._image = image
        self.update()

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        area = self.rect()
        if self._image is not None and not self._image.isNull():
            # Scaled while drawing, without smoothing: the preview repaints up to 15 times a second
            # and only has to show where the phone is; smooth scaling cost more than the decoding.
            size = self._image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect((area.width() - size.width()) // 2, (area.height() - size.height()) // 2,
                           size.width(), size.height())
            painter.drawImage(target, self._image)
        side = int(min(area.width(), area.height()) * 0.62)
        guide = QRect((area.width() - side) // 2, (area.height() - side) // 2, side, side)
        pen = QPen(QColor("#3ddc84"), 6)
        painter.setPen(pen)
        corner = side // 5
        for x, y, dx, dy in ((guide.left(), guide.top(), 1, 1), (guide.right(), guide.top(), -1, 1),
                             (guide.left(), guide.bottom(), 1, -1), (guide.right(), guide.bottom(), -1, -1)):
            painter.drawLine(x, y, x + dx * corner, y)
            painter.drawLine(x, y, x, y + dy * corner)
        if self.message:
            painter.setPen(QColor("white"))
            font = painter.font()
            font.setPointSize(16)
            painter.setFont(font)
            painter.drawText(area.adjusted(0, 0, 0, -16), Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignHCenter,
                             self.message)
        painter.end()


class CashierScreen(QWidget):
    """The default screen. ``submit_code(code, source)`` is the one entry for every input."""

    manager_requested = Signal()
    technician_requested = Signal()
    sign_out_requested = Signal()
    decision_shown = Signal(object)

    RESULT_SECONDS = 6

    def __init__(self, services: AppServices, service: RedemptionService,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.service = service
        self.busy = False
        self.queue: deque[tuple[str, str, float]] = deque()
        self.last_decision: Decision | None = None
        self.pending_code: tuple[str, str, WaitClock] | None = None

        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        self.stack = QStackedWidget()
        root.addWidget(self.stack, 1)

        # idle: camera on the left, instructions and actions on the right
        self.idle = QWidget()
        idle = QHBoxLayout(self.idle)
        gap = px(24, floor=10)
        idle.setContentsMargins(gap, gap, gap, gap)
        idle.setSpacing(gap)
        self.camera = CameraView()
        idle.addWidget(self.camera, 3)
        side = QVBoxLayout()
        self.heading = QLabel()
        self.heading.setProperty("role", "title")
        self.heading.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setProperty("role", "hint")
        self.hint.setWordWrap(True)
        self.working = QLabel()
        self.working.setWordWrap(True)
        self.working.setStyleSheet(f"font-size: {px(26, floor=18)}px; font-weight: 700;")
        side.addWidget(self.heading)
        side.addWidget(self.hint)
        side.addWidget(self.working)
        side.addStretch(1)
        self.type_button = QPushButton()
        self.type_button.setProperty("primary", True)
        self.type_button.setMinimumHeight(touch_px(88))
        self.reprint_button = QPushButton()
        self.manager_button = QPushButton()
        self.technician_button = QPushButton()
        self.sign_out_button = QPushButton()
        for button in (self.type_button, self.reprint_button, self.manager_button,
                       self.technician_button, self.sign_out_button):
            # The column sets the width, not the words: a long translation is cut rather than
            # making the window wider than the screen.
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        for button in (self.type_button, self.reprint_button, self.manager_button):
            side.addWidget(button)
        row = QHBoxLayout()
        row.addWidget(self.technician_button)
        row.addWidget(self.sign_out_button)
        side.addLayout(row)
        side_holder = QWidget()
        side_holder.setLayout(side)
        self.side = side_holder
        side.setContentsMargins(0, 0, 0, 0)
        idle.addWidget(side_holder, 2)
        self.stack.addWidget(self.idle)

        # manual entry
        self.entry = QWidget()
        entry = QVBoxLayout(self.entry)
        entry.setContentsMargins(px(40, floor=10) - 10, px(24, floor=8), px(40, floor=10) - 10, px(24, floor=8))
        self.entry_title = QLabel()
        self.entry_title.setProperty("role", "title")
        self.code_field = QLineEdit()
        self.code_field.setObjectName("manualCode")
        self.code_field.setMaxLength(600)
        self.entry_error = QLabel()
        self.entry_error.setProperty("role", "error")
        self.entry_error.setWordWrap(True)
        self.keypad = Keypad(self.code_field)
        self.entry_back = QPushButton()
        # Back beside the title, not under the keypad: on a short screen the keys get the height.
        top = QHBoxLayout()
        top.addWidget(self.entry_back)
        top.addWidget(self.entry_title, 1)
        self.entry_title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        entry.addLayout(top)
        entry.addWidget(self.code_field)
        entry.addWidget(self.entry_error)
        entry.addWidget(self.keypad, 1)
        self.stack.addWidget(self.entry)

        self.picker = QuantityPicker()
        self.stack.addWidget(self.picker)
        self.result = ResultPanel()
        self.stack.addWidget(self.result)

        self.back_timer = QTimer(self)
        self.back_timer.setSingleShot(True)
        self.back_timer.timeout.connect(self.show_idle)

        self.type_button.clicked.connect(self.show_entry)
        self.entry_back.clicked.connect(self.show_idle)
        self.keypad.submitted.connect(self._manual_submit)
        self.code_field.returnPressed.connect(lambda: self._manual_submit(self.code_field.text()))
        self.result.next_button.clicked.connect(self.show_idle)
        self.picker.confirmed.connect(self._quantity_chosen)
        self.picker.cancelled.connect(self._quantity_cancelled)
        self.manager_button.clicked.connect(self.manager_requested.emit)
        self.technician_button.clicked.connect(self.technician_requested.emit)
        self.sign_out_button.clicked.connect(self.sign_out_requested.emit)
        self.reprint_button.clicked.connect(self._reprint_last)
        self.retranslate()

    # --- inputs -------------------------------------------------------------------------

    def submit_code(self, code: str, source: str = "camera") -> None:
        """A code from the camera, a handheld scanner or the keypad."""
        seen_at = time.monotonic()
        if self.busy or self.stack.currentWidget() is self.picker:
            waiting = [queued[0] for queued in self.queue]
            if self.pending_code is not None:
                waiting.append(self.pending_code[0])
            if is_camera_repeat(code, source, waiting):
                return
            self.queue.append((code, source, seen_at))
            return
        self._start(code, source, seen_at)

    def _manual_submit(self, text: str) -> None:
        parsed = parse_code(text)
        if not text.strip():
            self.entry_error.setText(t("Type the code printed under the QR, then press Enter."))
            return
        if isinstance(parsed, Malformed):
            # A typo is caught here, before anything is recorded.
            self.entry_error.setText(t("That is not a voucher code: check each character and try again."))
            return
        self.entry_error.clear()
        self.code_field.clear()
        self.submit_code(text, "manual")

    def _start(self, code: str, source: str, seen_at: float) -> None:
        parsed = parse_code(code)
        if isinstance(parsed, SignedCode) and parsed.claims.uses > 1:
            wait = WaitClock(seen_at)
            wait.dialog_opened(time.monotonic())  # the quantity dialog is not part of the customer's wait
            self.pending_code = (code, source, wait)
            self.back_timer.stop()
            self.picker.ask(parsed.claims.sku, parsed.claims.uses)
            self.stack.setCurrentWidget(self.picker)
            return
        self._redeem(code, source, 1, seen_at)

    def _quantity_chosen(self, quantity: int) -> None:
        if self.pending_code is None:
            return
        code, source, wait = self.pending_code
        self.pending_code = None
        wait.dialog_closed(time.monotonic())
        self._redeem(code, source, quantity, wait.start())

    def _quantity_cancelled(self) -> None:
        self.pending_code = None
        self.show_idle()

    def _redeem(self, code: str, source: str, quantity: int, seen_at: float) -> None:
        self.busy = True
        self.working.setText(t("Checking…"))
        service, cashier = self.service, self.services.session.name

        def work() -> Decision:
            return service.redeem(code, quantity=quantity, cashier=cashier, source=source, seen_at=seen_at)

        self.services.background.run(work, on_done=lambda d: self._done(d, seen_at), on_error=self._failed)

    def _done(self, decision: Decision, seen_at: float) -> None:
        self.busy = False
        self.working.clear()
        self.last_decision = decision
        wait_ms = (time.monotonic() - seen_at) * 1000
        log.info("decision %s %s in %.0f ms", decision.reason.value, decision.mode.value, wait_ms)
        self.result.show_decision(decision, self.services)
        self.stack.setCurrentWidget(self.result)
        if self.services.sounds is not None:
            self.services.sounds.play(decision.status.value)
        self.back_timer.start(self.RESULT_SECONDS * 1000)
        self.services.events.redemption_recorded.emit(decision)
        self.decision_shown.emit(decision)
        self._next_in_queue()

    def _failed(self, exc: BaseException) -> None:
        # Nothing was recorded (the transaction rolled back): say so plainly, keep the code.
        self.busy = False
        words = getattr(exc, "words", None)
        if words is not None:  # the ledger said why in words (a full disk, a damaged database)
            log.warning("redemption not recorded: %r", exc)
            self.working.setText(render_current(words))
        else:
            self.working.setText(t("Could not record this redemption: {error}. Nothing was saved — scan again; "
                                   "if it repeats, call the technician.").format(error=problem_words(exc)))
        self._next_in_queue()

    def _next_in_queue(self) -> None:
        if self.queue and not self.busy:
            code, source, seen_at = self.queue.popleft()
            self._start(code, source, seen_at)

    # --- views --------------------------------------------------------------------------

    def show_idle(self) -> None:
        self.back_timer.stop()
        self.stack.setCurrentWidget(self.idle)

    def show_entry(self) -> None:
        self.entry_error.clear()
        self.stack.setCurrentWidget(self.entry)
        self.code_field.setFocus()

    def _reprint_last(self) -> None:
        reprint = self.services.printing.reprint  # None until the print worker runs
        if self.last_decision is not None and self.last_decision.accepted and reprint is not None:
            reprint(self.last_decision.redemption_id)

    def set_camera_message(self, message: str) -> None:
        self.camera.message = message
        self.camera.update()

    def retranslate(self) -> None:
        self.heading.setText(t("Show the voucher QR to the camera"))
        self.hint.setText(t("Or scan it with the handheld scanner, or type the code."))
        self.type_button.setText(t("Type a code"))
        self.reprint_button.setText(t("Reprint last receipt"))
        self.manager_button.setText(t("Manager"))
        self.technician_button.setText(t("Technician"))
        self.sign_out_button.setText(t("Sign out"))
        # The column is as wide as its two-button row needs in this language (other buttons are
        # one to a row and have room), so no word is cut.
        # (the row splits its width evenly, so twice the wider of the two).
        pair = 2 * max(self.technician_button.sizeHint().width(), self.sign_out_button.sizeHint().width()) + 12
        self.side.setMinimumWidth(max(px(280, floor=250), pair))
        self.entry_title.setText(t("Type the voucher code"))
        self.entry_back.setText("← " + t("Back"))
        self.picker.retranslate()
        self.result.retranslate(self.services)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
