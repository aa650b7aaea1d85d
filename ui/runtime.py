"""The devices and workers around a built window: store network, sync, camera, serial scanners,
printer and the keyboard-wedge filter.

:class:`Runtime` starts them and fills the late-bound slots of the services they provide
(``services.workers``, ``services.printing``); the camera's frame reader is there only while a
scan worker runs.
"""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import QObject, QThread, QTimer, Slot

from kiosk.days import business_date_of
from kiosk.redemption import Decision
from kiosk.store import StoreInfo
from offline_queue.print_log import PrintLog
from ui.camera_runtime import camera_spec, latest_frame_reader, open_camera, scan_pipeline
from ui.i18n import render_current
from ui.print_worker import PrintWorker
from ui.scan_worker import ScanWorker, start_worker, stop_worker
from ui.serial_scanners import ScannerHub
from ui.services import AppServices
from ui.status_strip import camera_words, job_words, printer_light, printer_words
from ui.store_network import StoreNetwork
from ui.sync_worker import SyncScheduler
from ui.wedge import WedgeFilter
from ui.window import KioskWindow

log = logging.getLogger(__name__)


class Runtime(QObject):
    """Starts and stops the long-lived workers around a window.

    A QObject living on the GUI thread, so the workers' signals reach its slots as queued calls
    on the GUI thread, and it lives exactly as long as the window.
    """

    camera_restart_ms = 3000  # after the scan loop failed: a fresh worker, without a restart storm

    def __init__(self, window: KioskWindow, services: AppServices, scheduler: SyncScheduler) -> None:
        super().__init__(window)
        self.window, self.services, self.scheduler = window, services, scheduler
        self.scan: tuple[ScanWorker, QThread] | None = None
        self.printer: PrintWorker | None = None
        self.scanners: ScannerHub | None = None
        self.store_network: StoreNetwork | None = None

    def start(self) -> None:
        self.store_network = StoreNetwork(self.services, self.services.peer_client, self)
        self.services.workers.store_network = self.store_network
        self.store_network.start()
        self.scheduler.start()
        self._start_camera()
        self._start_scanners()
        self._start_printer()
        self.services.events.settings_changed.connect(self._settings_changed)
        # One input path for every scanner: the whole window, whatever screen or widget has focus.
        self.wedge = WedgeFilter(self.window, parent=self.window)
        self.wedge.accepts = self.window.accepts_scan
        self.wedge.scanned.connect(self.window.scanned)
        self.wedge.install()

    # --- the camera ---------------------------------------------------------------------------

    def _start_camera(self) -> None:
        settings = self.services.ctx.settings
        spec = camera_spec(self.services).strip()
        if not spec:
            self.services.events.status.emit("camera", "off", camera_words("not_set_up"))
            return
        source = open_camera(settings, spec, self.services.devices.device_tree)
        # Every frame is decoded (30 fps keeps scan-to-decision within a frame or two); the preview
        # only helps the customer aim, so 15 fps at the camera view's size is plenty.
        worker = ScanWorker(source, scan_pipeline(settings), preview_fps=15, preview_max_width=640)
        cashier = self.window.cashier
        worker.code_scanned.connect(self.window.scanned)
        worker.frame_ready.connect(cashier.camera.show_frame)
        worker.camera_state.connect(self._camera_state)
        self.scan = (worker, start_worker(worker))
        self.services.workers.camera_frame = latest_frame_reader(worker)

    @Slot(str)
    def _settings_changed(self, key: str) -> None:
        """A technician changed a camera or scanner setting: use it now (no app restart)."""
        if key.startswith("camera.") and self.services.devices.camera_source is None:
            self._stop_camera()
            self._start_camera()
        if key.startswith("scanner."):
            self._start_scanners()

    def _restart_camera(self) -> None:
        log.warning("restarting the camera worker after an error")
        self._stop_camera()
        self._start_camera()

    def switch_camera(self, spec: str) -> None:
        """Use another frame source now (the demo, benchmarks, a technician's test)."""
        self._stop_camera()
        self.services.devices.camera_source = spec
        self._start_camera()

    def _stop_camera(self) -> None:
        if self.scan is not None:
            stop_worker(*self.scan)
            self.scan = None
            self.services.workers.camera_frame = None

    @Slot(str, str)
    def _camera_state(self, state: str, message: str) -> None:
        if state == "error":  # the scan loop itself failed: start a fresh worker rather than stay blind
            QTimer.singleShot(self.camera_restart_ms, self._restart_camera)
        # unplugged (or a folder gone): amber, it comes back by itself; red is for what does not
        level = {"live": "ok", "starting": "warn", "stopped": "off", "disconnected": "warn"}.get(state, "bad")
        # the detail is for the log; the screens say it plainly
        log.log(logging.WARNING if level in ("warn", "bad") and state != "starting" else logging.INFO,
                "camera: %s (%s)", state, message)
        self.services.events.status.emit("camera", level, camera_words(state))
        self.window.cashier.set_camera_message("" if level == "ok" else render_current(camera_words(state)))

    # --- the serial scanners ------------------------------------------------------------------

    def _start_scanners(self) -> None:
        """The serial scanners of the settings, feeding the one input path every scanner uses."""
        if self.scanners is None:
            self.scanners = ScannerHub(self.services.events, self)
            self.scanners.scanned.connect(self.window.scanned)
            self.services.workers.scanners = self.scanners
        self.scanners.configure([dict(entry) for entry in self.services.ctx.settings.typed.scanner.serial_ports])

    # --- the printer --------------------------------------------------------------------------

    def _start_printer(self) -> None:
        services, background = self.services, self.services.background
        worker = PrintWorker.from_context(services.ctx, parent=self.window)
        worker.printer_state.connect(self._printer_state)
        worker.job_finished.connect(self._job_finished)
        worker.start()
        self.printer = worker

        def on_decision(decision: Decision) -> None:
            if decision.accepted:  # a separate job: a failed print never undoes the redemption
                background.run(lambda: worker.print_receipt(decision.redemption_id))

        services.events.redemption_recorded.connect(on_decision)
        printing = services.printing
        printing.reprint = lambda rid: background.run(
            lambda: worker.reprint(rid, cashier=services.session.name or "cashier"))
        # The screens call these on a background thread and show what they return.
        printing.test_page = worker.test_page_report
        printing.retry = worker.retry_now

        def print_report(kind: str, day: date | None = None, actor: str = "") -> int | None:
            ctx = services.ctx
            log_ = PrintLog(ctx.ledger)
            store = StoreInfo.from_settings(ctx.settings)
            now = ctx.clock.now()
            business_date = day or business_date_of(now, ctx.settings.timezone())
            who = actor or services.session.actor
            if kind.lower() == "z":
                report = log_.take_z_report(business_date, store, now=now, actor=who)
            else:
                report = log_.x_report(business_date, store, now=now)
            return worker.print_report(report, actor=who)

        printing.reports = print_report

    @Slot(str, str)
    def _printer_state(self, state: str, message: str) -> None:
        log.info("printer: %s (%s)", state, message)
        self.services.events.status.emit("printer", printer_light(state), printer_words(state))

    @Slot(int, str)
    def _job_finished(self, job_id: int, state: str) -> None:
        self.services.events.status.emit("printer", "ok" if state in ("printed", "skipped") else "bad",
                                         job_words(state))
        preview = self.services.printing.on_printed
        if preview is not None:
            preview(job_id, state)

    def stop(self) -> None:
        if self.printer is not None:
            self.printer.stop(5.0)
            self.printer = None
        self.scheduler.stop()
        if self.store_network is not None:
            self.store_network.stop()
        self._stop_camera()
        if self.scanners is not None:
            self.scanners.stop()
        self.services.background.wait(5000)
