"""What every screen is given: the composition root's adapters, the background pool, who is signed in.

:class:`AppServices` declares every service a screen may use. The composition root
(``ui.compose.build_window``) builds it whole; the few parts that can only exist once the window's
workers run (the camera's newest frame, the serial scanners, the print worker's operations) are
typed slots, None until ``ui.runtime.Runtime`` fills them as it starts those workers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from hardware.v4l2 import DeviceTree
from kiosk.roles import Role
from ui.background import Background
from ui.context import KioskContext

if TYPE_CHECKING:
    from hardware.printing.discovery import Candidate
    from kiosk.scanning import Frame
    from store_lan.client import PeerClient
    from ui.print_worker import PrintTestReport
    from ui.serial_scanners import ScannerHub
    from ui.sound import Sounds
    from ui.store_network import StoreNetwork


class AppEvents(QObject):
    """App-wide notifications, emitted on the GUI thread."""

    redemption_recorded = Signal(object)  # kiosk.redemption.Decision
    ledger_changed = Signal()  # a void, a sync result, anything a table should reload for
    settings_changed = Signal(str)  # dotted key
    language_changed = Signal(str)
    sync_requested = Signal()
    signed_out = Signal()  # screens forget what the last person typed and was told
    status = Signal(str, str, object)  # part (platform|printer|camera|sync), state, kiosk.i18n message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # A screen built later (the technician's) shows the same state the status strip shows now.
        self.last_status: dict[str, tuple[str, Any]] = {}  # part -> (state, kiosk.i18n message)
        self.status.connect(self._remember_status)

    def _remember_status(self, part: str, state: str, words: Any) -> None:
        self.last_status[part] = (state, words)


@dataclass
class Session:
    """Who is signed in."""

    role: Role | None = None
    name: str = ""

    @property
    def actor(self) -> str:
        return f"{self.role.value}:{self.name}" if self.role else "nobody"


@dataclass
class DeviceChoices:
    """Devices the composition root is told to use instead of what the settings and the system say
    (the demo, tests, screenshots, benchmarks); the defaults are the kiosk's own."""

    # A frame source read instead of ``camera.source`` (the demo's simulated camera, a test's image
    # folder); while one is set, a change to the camera settings does not restart the camera.
    camera_source: str | None = None
    # Where cameras and serial ports are looked for: the system's, or a test's own sysfs and /dev.
    device_tree: DeviceTree = field(default_factory=DeviceTree)
    # What lists the attached printers; None: ``hardware.printing.discovery.discover()``.
    printer_discovery: Callable[[], list[Candidate]] | None = None


ReportPrinter = Callable[[str, date | None, str], int | str | None]
"""``reports(kind, day, actor)``: print the X (``"X"``) or Z (``"Z"``) report of ``day`` (None:
today); a job id, or a message saying why not."""


@dataclass
class Printing:
    """What the screens ask of the print worker, called on a background thread.

    Late-bound: ``ui.runtime.Runtime`` fills these when it starts the worker, after the window is
    built; None means printing is not set up here (a screen built on its own, in a test).
    """

    # A test page, then what the printer reported (a report, a job id or a message).
    test_page: Callable[[], PrintTestReport | int | str | None] | None = None
    retry: Callable[[], None] | None = None  # try the waiting jobs again now
    reports: ReportPrinter | None = None
    reprint: Callable[[str], None] | None = None  # the receipt of this redemption id, again
    # Told of every finished job (job id, state), on the GUI thread: the demo's receipt preview.
    on_printed: Callable[[int, str], None] | None = None


@dataclass
class Workers:
    """The long-lived workers, late-bound: ``ui.runtime.Runtime`` sets them when it starts them,
    after the window is built; None before (and on a screen built on its own, in a test)."""

    # ``read(timeout_s)``: the running scan worker's next frame (None after the timeout), so a
    # test scan of the camera in use does not open the device a second time. Set only while a
    # scan worker runs: None with no camera set up, and between a stop and a restart.
    camera_frame: Callable[[float], Frame | None] | None = None
    scanners: ScannerHub | None = None  # the serial scanners of ``scanner.serial_ports``
    store_network: StoreNetwork | None = None  # this counter's peer service and the other counters


@dataclass
class AppServices:
    """Every service the screens share; built whole by the composition root (ui.compose)."""

    ctx: KioskContext
    background: Background
    events: AppEvents
    session: Session = field(default_factory=Session)
    demo: bool = False
    # The other counters of the store (``lan.peers``); None: this counter works alone.
    peer_client: PeerClient | None = None
    sounds: Sounds | None = None  # the result sounds; None: silent
    devices: DeviceChoices = field(default_factory=DeviceChoices)
    printing: Printing = field(default_factory=Printing)  # late-bound, see Printing
    workers: Workers = field(default_factory=Workers)  # late-bound, see Workers

    def audit(self, action: str, detail: dict[str, Any]) -> None:
        """Append to the audit log (off the GUI thread)."""
        actor, ctx = self.session.actor, self.ctx
        self.background.run(lambda: ctx.ledger.audit(at=ctx.clock.now(), actor=actor, action=action, detail=detail))
