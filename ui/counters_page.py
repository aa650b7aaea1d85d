"""The technician's page for the store network: this counter's address and its peers, the store
secret, and a test button per counter of ``lan.peers``.

The settings form comes from the technician screen (the same form every page uses); this module
adds the secret and the tests. A test asks one counter who it is, signed with the store secret,
and says in words what came back; the technical detail goes to the log.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.peers import PeerStatus
from ui.i18n import t
from ui.services import AppServices
from ui.widgets import named, run_for

log = logging.getLogger(__name__)


def _say(label: QLabel, text: str, *, error: bool = False, ok: bool = False) -> None:
    label.setObjectName("error" if error else ("ok" if ok else ""))
    label.style().unpolish(label)
    label.style().polish(label)
    label.setText(text)


def test_words(status: PeerStatus) -> tuple[str, bool]:
    """What a counter's test means, in the screen's language; True when it answered as it should."""
    if status.reachable:
        return t("Counter {terminal} answered in {ms} ms.").format(terminal=status.terminal_id,
                                                                   ms=f"{status.ms or 0:.0f}"), True
    if status.problem == "refused":
        return t("It refused this counter: the two do not share the same store secret, or belong to different "
                 "stores. Set the same store secret at both."), False
    if status.problem == "stranger":
        return t("Something answered at this address, but not a counter of this store. Check the address."), False
    return t("No answer. Check that the counter is on, that its peer service listens at this address "
             "(lan.listen there) and the network cable between the two."), False


class CountersPage(QWidget):
    """The "Counters" tab of the technician screen."""

    def __init__(self, services: AppServices, form: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.ctx = services.ctx
        layout = QVBoxLayout(self)
        self.intro = named(QLabel(), "help")
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        layout.addWidget(form)

        self.secret_box = QGroupBox()
        grid = QGridLayout(self.secret_box)
        self.secret_state = QLabel()
        self.secret_state.setWordWrap(True)
        grid.addWidget(self.secret_state, 0, 0, 1, 2)
        self.secret_field = QLineEdit()
        self.secret_field.setEchoMode(QLineEdit.EchoMode.Password)
        grid.addWidget(self.secret_field, 1, 0)
        self.secret_button = QPushButton()
        self.secret_button.clicked.connect(self.set_secret)
        grid.addWidget(self.secret_button, 1, 1)
        self.secret_message = QLabel()
        self.secret_message.setWordWrap(True)
        grid.addWidget(self.secret_message, 2, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        layout.addWidget(self.secret_box)

        self.test_box = QGroupBox()
        self.test_grid = QGridLayout(self.test_box)
        self.test_grid.setColumnStretch(2, 1)
        layout.addWidget(self.test_box)
        layout.addStretch(1)
        self.rows: dict[str, tuple[QLabel, QPushButton, QLabel]] = {}
        services.events.settings_changed.connect(self._setting_changed)
        services.events.signed_out.connect(self.forget)
        self._build_rows()
        self.retranslate()
        self._show_secret()

    # --- the peers and their tests ------------------------------------------------------------

    def _build_rows(self) -> None:
        for url_label, button, result in self.rows.values():
            for widget in (url_label, button, result):
                self.test_grid.removeWidget(widget)
                widget.deleteLater()
        self.rows = {}
        try:
            urls = self.ctx.peer_urls()
        except ValueError:
            urls = ()
        for index, url in enumerate(urls):
            url_label, button, result = QLabel(url), QPushButton(), QLabel()
            result.setWordWrap(True)
            button.clicked.connect(lambda _=False, url=url: self.test(url))
            self.test_grid.addWidget(url_label, index, 0)
            self.test_grid.addWidget(button, index, 1)
            self.test_grid.addWidget(result, index, 2)
            self.rows[url] = (url_label, button, result)
        self.none_label = getattr(self, "none_label", None) or QLabel()
        self.none_label.setWordWrap(True)
        self.test_grid.addWidget(self.none_label, len(urls), 0, 1, 3)
        self.none_label.setVisible(not urls)
        self.retranslate()

    def test(self, url: str) -> None:
        """Ask the counter at ``url`` who it is, with the saved store secret."""
        _label, _button, result = self.rows[url]
        _say(result, t("Asking…"))
        ctx = self.ctx

        def work() -> PeerStatus:
            from store_lan.client import PeerClient

            credential = ctx.store_credential()
            if credential is None:
                return PeerStatus(url, False, error="no store secret on this counter", problem="refused")
            client = PeerClient((url,), credential)
            try:
                return client.hello(url, timeout=2.0)
            finally:
                client.close(wait_s=0)

        def done(status: PeerStatus) -> None:
            if not status.reachable:
                log.warning("test of counter %s: %s", url, status.error)
            words, ok = test_words(status)
            if url in self.rows:
                _say(self.rows[url][2], words, ok=ok, error=not ok)

        run_for(self, self.services, work, done, lambda exc: done(PeerStatus(url, False, error=str(exc))))

    # --- the store secret ---------------------------------------------------------------------

    def _show_secret(self) -> None:
        try:
            credential = self.ctx.store_credential() if self.ctx.settings.is_configured else None
        except Exception as exc:
            log.error("store secret unreadable: %s", exc)
            credential = None
        if credential is None:
            _say(self.secret_state, t("No store secret yet: the other counters cannot trust this one. Enrolling "
                                      "with the platform brings it; or make one at the first counter with 'kiosk "
                                      "peer secret --new' and type it here at every other counter."), error=True)
        else:
            _say(self.secret_state, t("Store secret set (its id is {id}; every counter of the store shows the same "
                                      "id).").format(id=credential.id), ok=True)

    def set_secret(self) -> None:
        from kiosk.peer_auth import CredentialError, parse_secret, secret_id

        text = self.secret_field.text().strip()
        try:
            raw = parse_secret(text)
        except CredentialError:
            _say(self.secret_message, t("That is not a store secret: it is 43 letters, digits, '-' and '_', as "
                                        "'kiosk peer secret --new' printed it."), error=True)
            return
        ctx, actor = self.ctx, self.services.session.actor

        def work() -> None:
            ctx.save_store_secret(text)
            ctx.ledger.audit(at=ctx.clock.now(), actor=actor, action="store_secret_set",
                             detail={"secret_id": secret_id(raw), "made_here": False})

        def done(_: Any) -> None:
            self.secret_field.clear()
            _say(self.secret_message, t("Saved. Restart the kiosk for the other counters to use it."), ok=True)
            self._show_secret()

        def failed(exc: BaseException) -> None:
            _say(self.secret_message, t("Could not save the store secret:") + f" {exc}", error=True)

        run_for(self, self.services, work, done, failed)

    # --- screen plumbing ------------------------------------------------------------------------

    def _setting_changed(self, key: str) -> None:
        if key == "lan.peers":
            self._build_rows()

    def forget(self) -> None:
        self.secret_field.clear()
        self.secret_message.clear()
        for _url, _button, result in self.rows.values():
            result.clear()

    def retranslate(self) -> None:
        self.intro.setText(t("Counters of one store keep each other informed while the internet is down, so a "
                             "voucher used at one counter is refused at the others. Give each counter the "
                             "addresses of the others and the same store secret. Changes take effect when the "
                             "kiosk restarts."))
        self.secret_box.setTitle(t("Store secret"))
        self.secret_field.setPlaceholderText(t("Store secret from the first counter"))
        self.secret_button.setText(t("Set store secret"))
        self.test_box.setTitle(t("Test the other counters"))
        for _label, button, _result in self.rows.values():
            button.setText(t("Test"))
        if getattr(self, "none_label", None) is not None:
            self.none_label.setText(t("No other counters are set: enter their addresses above and save."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
