"""The technician's platform page: the platform settings, a connection test, a sync, and joining a
platform with a one-time enrollment code (as ``kiosk enroll`` does).

The connection test checks the address typed in the field (saved or not) the way the settings do
before it asks the platform's /health; enrolling saves the address and the store and terminal ids
the platform gives, then every form shows them.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.settings import SettingError, Settings
from ui.i18n import render_current, t
from ui.settings_form import PageOwner, SettingsForm, problem_text, say, setting_keys
from ui.widgets import named, run_for

log = logging.getLogger(__name__)


class PlatformPage(QWidget):
    """The platform page of the technician screen (built by it; saves through its settings path)."""

    def __init__(self, screen: PageOwner) -> None:
        super().__init__()
        self.owner, self.services, self.ctx = screen, screen.services, screen.ctx
        layout = QVBoxLayout(self)
        self.form = SettingsForm(screen, setting_keys("platform."))
        screen.forms["platform"] = self.form
        layout.addWidget(self.form)

        self.connection_box = QGroupBox()
        conn = QGridLayout(self.connection_box)
        self.test_connection_button = QPushButton()
        self.test_connection_button.clicked.connect(self.test_connection)
        conn.addWidget(self.test_connection_button, 0, 0)
        self.sync_button = QPushButton()
        self.sync_button.clicked.connect(self.sync_now)
        conn.addWidget(self.sync_button, 0, 1)
        self.connection_message = QLabel()
        self.connection_message.setWordWrap(True)
        conn.addWidget(self.connection_message, 0, 2)
        conn.setColumnStretch(2, 1)
        layout.addWidget(self.connection_box)

        self.enroll_box = QGroupBox()
        enroll = QGridLayout(self.enroll_box)
        self.enroll_help = named(QLabel(), "help")
        self.enroll_help.setWordWrap(True)
        enroll.addWidget(self.enroll_help, 0, 0, 1, 3)
        self.enroll_url_label = named(QLabel(), "fieldname")
        enroll.addWidget(self.enroll_url_label, 1, 0)
        self.enroll_url = QLineEdit()
        enroll.addWidget(self.enroll_url, 1, 1, 1, 2)
        self.enroll_code_label = named(QLabel(), "fieldname")
        enroll.addWidget(self.enroll_code_label, 2, 0)
        self.enroll_code = QLineEdit()
        enroll.addWidget(self.enroll_code, 2, 1)
        self.enroll_button = named(QPushButton(), "primary")
        self.enroll_button.clicked.connect(self.enroll)
        enroll.addWidget(self.enroll_button, 2, 2)
        self.enroll_message = QLabel()
        self.enroll_message.setWordWrap(True)
        enroll.addWidget(self.enroll_message, 3, 0, 1, 3)
        enroll.setColumnStretch(1, 1)
        layout.addWidget(self.enroll_box)
        self.enroll_url.setText(self.ctx.settings.typed.platform.url)

    def test_connection(self) -> None:
        """GET /health on the platform address in the field; shows the measured round trip."""
        probe = Settings()
        url_field = self.form.fields["platform.url"]
        try:
            probe.set("platform.url", url_field.value())
        except SettingError as exc:
            say(self.connection_message, problem_text(exc), error=True)
            return
        url = probe.typed.platform.url
        if not url:
            say(self.connection_message, t("Enter the platform address first."), error=True)
            return
        ctx = self.ctx
        say(self.connection_message, t("Asking the platform…"))

        def work() -> float:
            from platform_link.client import PlatformApi

            timeout = max(ctx.settings.typed.platform.timeout_s, 3.0)
            ctx.check_transport(url)
            with PlatformApi(url, ctx.token() or "-", timeout=timeout, verify=ctx.tls_verify()) as api:
                return api.health()

        def done(ms: float) -> None:
            say(self.connection_message, t("The platform answered in {ms} ms.").format(ms=f"{ms:.0f}"), ok=True)

        def failed(exc: BaseException) -> None:
            from platform_link.errors import unreachable_words

            log.warning("platform health check failed: %s", exc)  # the technical words are for the log
            say(self.connection_message, render_current(unreachable_words(exc, url)), error=True)

        run_for(self, self.services, work, done, failed)

    def sync_now(self) -> None:
        self.services.events.sync_requested.emit()
        say(self.connection_message, t("Sync requested: the status strip shows when it is done."))

    def enroll(self) -> None:
        """Join a platform with a one-time enrollment code (as ``kiosk enroll`` does)."""
        from ui.enrollment import Enrolled, EnrollError, enroll

        url, code, ctx = self.enroll_url.text(), self.enroll_code.text(), self.ctx
        actor = self.services.session.actor
        self.enroll_button.setEnabled(False)
        say(self.enroll_message, t("Enrolling…"))

        def work() -> Enrolled | str:
            try:
                return enroll(ctx, url, code, actor=actor)
            except EnrollError as exc:
                return render_current(exc.words)

        def done(result: Enrolled | str) -> None:
            self.enroll_button.setEnabled(True)
            if isinstance(result, str):
                say(self.enroll_message, result, error=True)
                return
            self.enroll_code.clear()
            for form in self.owner.forms.values():
                form.load()
            say(self.enroll_message, t("Enrolled as store {store}, terminal {terminal}.").format(
                store=result.store_id, terminal=result.terminal_id), ok=True)
            for key in ("platform.url", "terminal.store_id", "terminal.terminal_id"):
                self.services.events.settings_changed.emit(key)
            self.services.events.ledger_changed.emit()

        def failed(exc: BaseException) -> None:
            self.enroll_button.setEnabled(True)
            say(self.enroll_message, str(exc), error=True)

        run_for(self, self.services, work, done, failed)

    def forget(self) -> None:
        """Sign-out: the typed code and every message go; the address field shows the saved one."""
        self.enroll_code.clear()
        self.enroll_url.setText(self.ctx.settings.typed.platform.url)
        self.connection_message.clear()
        self.enroll_message.clear()

    def retranslate(self) -> None:
        self.connection_box.setTitle(t("Connection"))
        self.test_connection_button.setText(t("Test connection"))
        self.sync_button.setText(t("Sync now"))
        self.enroll_box.setTitle(t("Enroll this terminal"))
        self.enroll_help.setText(t("Ask the platform operator for a one-time enrollment code. Enrolling sets the "
                                   "store and terminal ids and stores the terminal's token in the secrets folder."))
        self.enroll_url_label.setText(t("Platform address"))
        self.enroll_code_label.setText(t("Enrollment code"))
        self.enroll_button.setText(t("Enroll"))
