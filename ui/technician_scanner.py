"""The technician's scanner page: scanners on serial ports, their state, and a test.

A scanner that types like a keyboard needs nothing here. One that presents a serial port (many
USB scanners in their "USB COM" or "USB serial" mode, and RS-232 ones) is listed with its port,
speed and line ending; several at once are fine. The ports attached now are listed by name: a tap
adds a scanner on that port. Save keeps the list and the kiosk reads the new ports at once.

"Test scanners" shows the last code each port read and, while it listens, the codes scanned now,
without redeeming them. The light of each port is the one the status strip shows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hardware.serial_scanner import SerialPortInfo, list_serial_ports
from kiosk.settings import LINE_ENDS, SERIAL_BAUDS
from ui.i18n import t
from ui.serial_scanners import ScannerHub
from ui.settings_form import PageOwner, say
from ui.technician_camera import describe_code, short_path
from ui.widgets import button_and_message, guard_wheel, list_again, named, save_and_revert

TEST_SECONDS = 30
LIST_STYLE = "QListWidget::item { min-height: 48px; padding: 4px 8px; }"


@dataclass
class ScannerRow:
    """One scanner on screen: its port, speed, line ending, its light and a Remove button."""

    box: QWidget
    port: QLineEdit
    baud: QComboBox
    line_end: QComboBox
    state: QLabel
    remove: QPushButton

    def value(self) -> dict[str, Any]:
        return {"port": self.port.text().strip(), "baud": self.baud.currentText(),
                "line_end": self.line_end.currentData()}


def line_end_names() -> dict[str, str]:
    return {"auto": t("any (CR, LF or CR LF)"), "cr": t("CR"), "lf": t("LF"), "crlf": t("CR LF")}


class ScannerPage(QWidget):
    """The scanner page of the technician screen (built by it; saves through its settings path)."""

    def __init__(self, screen: PageOwner) -> None:
        super().__init__()
        self.owner, self.services, self.ctx = screen, screen.services, screen.ctx
        self.rows: list[ScannerRow] = []
        self.ports: list[SerialPortInfo] = []
        self.test_until = 0.0
        self.loaded: list[tuple[str, str, str]] = []
        layout = QVBoxLayout(self)
        self.intro = named(QLabel(), "help")
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)

        self.ports_box = QGroupBox()
        ports = QVBoxLayout(self.ports_box)
        self.port_list = QListWidget()
        self.port_list.setObjectName("portList")
        self.port_list.setStyleSheet(LIST_STYLE)
        self.port_list.setMinimumHeight(110)
        self.port_list.itemClicked.connect(self._port_picked)
        ports.addWidget(self.port_list)
        self.refresh_button = QPushButton()
        row, self.ports_message = button_and_message(self.refresh_button, self.refresh)
        ports.addLayout(row)
        layout.addWidget(self.ports_box)

        self.scanners_box = QGroupBox()
        self.scanners_layout = QVBoxLayout(self.scanners_box)
        self.none_label = named(QLabel(), "help")
        self.none_label.setWordWrap(True)
        self.scanners_layout.addWidget(self.none_label)
        buttons = QHBoxLayout()
        self.add_button = QPushButton()
        self.add_button.clicked.connect(lambda: self.add_row({"port": ""}))
        buttons.addWidget(self.add_button)
        self.save_button, self.revert_button = save_and_revert(buttons, self.save, self.load)
        buttons.addStretch(1)
        self.buttons = buttons
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.scanners_box)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

        self.test_box = QGroupBox()
        test = QGridLayout(self.test_box)
        self.test_button = named(QPushButton(), "primary")
        self.test_button.clicked.connect(self.toggle_test)
        test.addWidget(self.test_button, 0, 0, Qt.AlignmentFlag.AlignTop)
        self.test_result = QLabel()
        self.test_result.setObjectName("scannerTest")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        test.addWidget(self.test_result, 0, 1)
        test.setColumnStretch(1, 1)
        layout.addWidget(self.test_box)
        self.test_timer = QTimer(self)
        self.test_timer.setInterval(1000)
        self.test_timer.timeout.connect(self._test_tick)

        events = self.services.events
        events.settings_changed.connect(self._setting_changed)
        events.signed_out.connect(self.forget)
        hub = self.hub
        if hub is not None:
            hub.port_state.connect(lambda _port, _state: self.show_states())
            hub.code_read.connect(lambda _port, _code: self.show_test())
        self.load()
        self.retranslate()
        self.refresh()

    @property
    def hub(self) -> ScannerHub | None:
        """The running serial scanners (None when the kiosk runs none, e.g. a screen on its own)."""
        return self.services.workers.scanners

    # --- the rows --------------------------------------------------------------------------------

    def load(self) -> None:
        """Show the saved scanners; unsaved edits and messages go."""
        for row in list(self.rows):
            self._drop(row)
        for entry in self.ctx.settings.typed.scanner.serial_ports:
            self.add_row(entry)
        self.loaded = self._shown()
        self.message.clear()
        self._show_none()

    def add_row(self, entry: dict[str, Any]) -> ScannerRow:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 6, 0, 6)
        port = QLineEdit(str(entry.get("port", "")))
        port.setClearButtonEnabled(True)
        port.setPlaceholderText("/dev/ttyACM0")
        baud = QComboBox()
        baud.addItems([str(b) for b in SERIAL_BAUDS])
        baud.setCurrentText(str(entry.get("baud", 9600)))
        line_end = QComboBox()
        for key in LINE_ENDS:
            line_end.addItem(line_end_names()[key], key)
        line_end.setCurrentIndex(LINE_ENDS.index(str(entry.get("line_end", "auto"))))
        state = QLabel()
        state.setWordWrap(True)
        remove = QPushButton()
        grid.addWidget(port, 0, 0, 1, 3)
        grid.addWidget(remove, 0, 3)
        grid.addWidget(baud, 1, 0)
        grid.addWidget(line_end, 1, 1)
        grid.addWidget(state, 1, 2, 1, 2)
        grid.setColumnStretch(2, 1)
        row = ScannerRow(box, port, baud, line_end, state, remove)
        remove.clicked.connect(lambda: self._remove(row))
        self.rows.append(row)
        self.scanners_layout.addWidget(box)
        guard_wheel(self)
        self.retranslate_row(row)
        self._show_none()
        self.show_states()
        return row

    def _remove(self, row: ScannerRow) -> None:
        self._drop(row)
        self._show_none()
        self.message.setText(t("Removed. Save to stop reading that port."))

    def _drop(self, row: ScannerRow) -> None:
        self.rows.remove(row)
        row.box.setParent(None)
        row.box.deleteLater()

    def _show_none(self) -> None:
        self.none_label.setVisible(not self.rows)

    def values(self) -> list[dict[str, Any]]:
        return [row.value() for row in self.rows if row.value()["port"]]

    def save(self) -> None:
        say(self.message, t("Saving…"))
        errors = self.owner.save_settings({"scanner.serial_ports": self.values()}, done=self._saved)
        if errors:
            say(self.message, t("Nothing was saved:") + " " + errors["scanner.serial_ports"], error=True)

    def _saved(self, changed: list[str], error: str) -> None:
        if error:
            say(self.message, t("Could not write the settings file:") + f" {error}", error=True)
            return
        self.load()
        say(self.message, t("Saved. The kiosk reads these ports now.") if changed else t("Nothing changed."),
            ok=True)

    def _setting_changed(self, key: str) -> None:
        if key.startswith("scanner.") and self._shown() == self.loaded:
            self.load()  # changed elsewhere (the command line): shown now, unless edits are under way here
        if key.startswith("scanner."):
            self.show_test()

    def _shown(self) -> list[tuple[str, str, str]]:
        return [(e["port"], str(e["baud"]), e["line_end"]) for e in self.values()]

    # --- the ports attached ------------------------------------------------------------------------

    def refresh(self) -> None:
        """List the serial ports again (on a background thread)."""
        dev_root = self.services.devices.device_tree.dev_root
        list_again(self, self.services, self.refresh_button, self.ports_message, lambda: list_serial_ports(dev_root),
                   self.show_ports, t("The serial ports could not be listed:"))

    def show_ports(self, ports: list[SerialPortInfo]) -> None:
        self.ports = ports
        self.port_list.clear()
        for info in ports:
            words = info.description or Path(info.device).name
            item = QListWidgetItem(f"{words}\n{short_path(info.identity)}")
            item.setToolTip(f"{info.identity}\n{info.device}")
            self.port_list.addItem(item)
        self.ports_message.setText(
            t("Tap a port to add a scanner on it.") if ports else
            t("No serial port found. Plug the scanner in (set to its USB serial mode), then press Refresh list."))

    def _port_picked(self, item: QListWidgetItem) -> None:
        row = self.port_list.row(item)
        if not 0 <= row < len(self.ports):
            return
        identity = self.ports[row].identity
        if any(r.port.text().strip() == identity for r in self.rows):
            self.message.setText(t("That port already has a scanner."))
            return
        self.add_row({"port": identity})
        self.message.setText(t("Added. Save to start reading it."))

    # --- lights and the test -----------------------------------------------------------------------

    def state_words(self, port: str) -> tuple[str, str]:
        """(light, words) for one port, as the strip shows it."""
        hub = self.hub
        state = hub.states.get(port) if hub is not None else None
        if state is None:
            return "off", t("not read yet: Save to start reading it") if port else ""
        if state == "ready":
            return "ok", t("● ready")
        if state == "disconnected":
            return "warn", t("▲ not connected: check the cable and that the scanner is on; it comes back by itself")
        return "off", t("○ starting…")

    def show_states(self) -> None:
        colours = {"ok": "#1b5e20", "warn": "#b26a00", "off": "#555"}
        for row in self.rows:
            light, words = self.state_words(row.port.text().strip())
            row.state.setText(words)
            row.state.setStyleSheet(f"color: {colours[light]}; font-weight: 600;")

    def toggle_test(self) -> None:
        hub = self.hub
        if hub is None:
            return
        if hub.testing:
            self.stop_test()
            return
        hub.testing = True
        self.test_until = time.monotonic() + TEST_SECONDS
        self.test_timer.start()
        self.show_test()

    def stop_test(self) -> None:
        hub = self.hub
        if hub is not None:
            hub.testing = False
        self.test_timer.stop()
        self.test_until = 0.0
        self.show_test()

    def _test_tick(self) -> None:
        if time.monotonic() >= self.test_until:
            self.stop_test()
        else:
            self.show_test()

    def show_test(self) -> None:
        """Each saved port with the last code it read."""
        hub = self.hub
        testing = hub is not None and hub.testing
        self.test_button.setText(t("Stop test") if testing else t("Test scanners"))
        if hub is None:
            return
        lines = []
        if testing:
            left = max(0, round(self.test_until - time.monotonic()))
            lines.append(t("Scan a code with each scanner now ({s} s left). Nothing is redeemed during the test.")
                         .format(s=left))
        for entry in self.ctx.settings.typed.scanner.serial_ports:
            port = entry["port"]
            last = hub.last.get(port)
            if last is None:
                lines.append(t("{port}: nothing read yet").format(port=short_path(port)))
            else:
                ago = max(0, round(time.monotonic() - last.at))
                code = describe_code(last.code)
                lines.append(t("{port}: {code} ({s} s ago)").format(port=short_path(port), code=code, s=ago))
        if not self.ctx.settings.typed.scanner.serial_ports:
            lines.append(t("No serial scanner is saved yet."))
        self.test_result.setText("\n".join(lines))

    # --- sign-out and language ---------------------------------------------------------------------

    def forget(self) -> None:
        """Sign-out: unsaved rows, messages and the test go."""
        self.stop_test()
        self.load()
        self.test_result.clear()

    def hideEvent(self, event: Any) -> None:
        if self.hub is not None and self.hub.testing:
            self.stop_test()  # leaving the page ends the test: scans redeem again
        super().hideEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate_row(self, row: ScannerRow) -> None:
        row.remove.setText(t("Remove"))
        row.port.setToolTip(t("Serial port"))
        row.baud.setToolTip(t("Speed (baud)"))
        row.line_end.setToolTip(t("Line ending"))
        for index, key in enumerate(LINE_ENDS):
            row.line_end.setItemText(index, line_end_names()[key])

    def retranslate(self) -> None:
        self.intro.setText(t("A scanner that types like a keyboard needs nothing here. A scanner on a serial port "
                             "(a USB scanner in its serial mode, or an RS-232 one) is read from the ports below; "
                             "several at once are fine. Its speed and line ending are in its manual (most: 9600 "
                             "baud, CR)."))
        self.ports_box.setTitle(t("Serial ports on this computer"))
        self.refresh_button.setText(t("Refresh list"))
        self.show_ports(self.ports)
        self.scanners_box.setTitle(t("Serial scanners"))
        self.none_label.setText(t("No serial scanner is set up. Tap a port above, or Add scanner."))
        self.add_button.setText(t("Add scanner"))
        self.save_button.setText(t("Save"))
        self.revert_button.setText(t("Undo changes"))
        for row in self.rows:
            self.retranslate_row(row)
        self.show_states()
        self.test_box.setTitle(t("Test"))
        has_hub = self.hub is not None
        self.test_button.setEnabled(has_hub)
        self.test_button.setToolTip("" if has_hub else t("Serial scanners are not running on this terminal."))
        self.show_test()
