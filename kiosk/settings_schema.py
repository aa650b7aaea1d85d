"""The terminal's settings, declared once.

Each setting is one field of a section model below: its name in the section is its key in the
TOML file (``[printer] baudrate``, dotted ``printer.baudrate``), its annotation its type, its
default the field's default, and its :class:`Declared` says the rest: the label and help the
technician reads, the check of a typed-in value, the choices, the unit, which printer connection
it belongs to and who may change it. :data:`SCHEMA` is that declaration by dotted key, read by the
validation (``kiosk.settings``), the command line, the technician's forms and the adapters; the
same models are the typed view of a terminal's settings (``Settings.typed.printer.baudrate``).
"""

# No ``from __future__ import annotations``: pydantic reads the Annotated metadata of each field
# at class creation, and plain annotations keep that free of string evaluation.

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from kiosk import setting_checks as checks
from kiosk.i18n import N_
from kiosk.roles import Role

Check = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Declared:
    """What a setting's field says besides its key, type and default.

    ``check`` may be left out for a boolean (``boolean``) or a setting with ``choices`` (one of
    them); ``transport`` is the ``printer.type`` a printer field belongs to (None: every one);
    ``changed_by`` is the least role whose PIN changes it from the command line.
    """

    label: str
    help: str
    check: Check | None = None
    choices: tuple[str, ...] | tuple[int, ...] | None = None
    unit: str = ""
    transport: str | None = None
    changed_by: Role = Role.TECHNICIAN


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """One setting as the rest of the terminal reads it (built from its field and its Declared)."""

    key: str
    type: Any
    default: Any
    check: Check
    label: str
    help: str
    choices: tuple[str, ...] | tuple[int, ...] | None
    unit: str
    transport: str | None
    changed_by: Role

    @property
    def choice_texts(self) -> list[str] | None:
        """The choices as a person picks them (text), or None for a free or yes/no value."""
        return None if self.choices is None else [str(option) for option in self.choices]


class Section(BaseModel):
    """One table of config.toml, typed; every value in it has passed its setting's check."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class SerialScanner(TypedDict):
    port: str
    baud: int
    line_end: str


class TerminalSettings(Section):
    store_id: Annotated[str, Declared(N_("Store id"), N_("store this terminal belongs to"),
                                      checks.optional_identifier)] = ""
    terminal_id: Annotated[str, Declared(N_("Terminal id"), N_("this terminal's id within the store"),
                                         checks.optional_identifier)] = ""
    store_name: Annotated[str, Declared(N_("Store name"), N_("store name printed on receipts"), checks.short_text)] = ""
    store_address: Annotated[str, Declared(N_("Store address"), N_("store address printed on receipts"),
                                           checks.short_text)] = ""
    timezone: Annotated[str, Declared(N_("Time zone"), N_("store time zone for receipts and reports"),
                                      checks.timezone)] = "local"
    language: Annotated[str, Declared(N_("Language"), N_("screen language"), choices=("en", "zh_CN"))] = "en"
    receipt_language: Annotated[str, Declared(
        N_("Receipt language (customers)"),
        N_("language of the customers' receipts: same (as the screen), en or zh_CN"),
        choices=("same", "en", "zh_CN"))] = "same"


class PlatformSettings(Section):
    url: Annotated[str, Declared(N_("Platform address"), N_("base URL of the O2O platform"), checks.url)] = ""
    timeout_s: Annotated[float, Declared(N_("Online answer timeout (seconds)"),
                                         N_("longest wait for an online answer, seconds"), checks.number(0.2, 10),
                                         unit="s")] = 1.5
    verify_tls: Annotated[bool, Declared(N_("Check the platform's TLS certificate"),
                                         N_("check the platform's TLS certificate"))] = True
    ca_file: Annotated[str, Declared(
        N_("CA certificate file (private CA)"),
        N_("PEM file of the CA that signed the platform's certificate (empty: the system's CAs)"),
        checks.short_text)] = ""
    allow_insecure: Annotated[bool, Declared(
        N_("Allow plain http:// to another machine"),
        N_("allow plain http:// to a platform that is not on this machine (closed test networks only)"))] = False
    sync_interval_s: Annotated[int, Declared(N_("Sync every (seconds)"), N_("seconds between sync passes"),
                                             checks.number(5, 3600, integer=True), unit="s")] = 30
    batch_size: Annotated[int, Declared(N_("Redemptions per upload"), N_("offline redemptions per upload"),
                                        checks.number(1, 500, integer=True))] = 200


class LanSettings(Section):
    peers: Annotated[str, Declared(
        N_("Other counters"),
        N_("the other counters of this store, e.g. http://192.168.1.21:8470,http://192.168.1.22:8470"),
        checks.peer_list)] = ""
    listen: Annotated[str, Declared(
        N_("This counter answers on"),
        N_("where this counter answers the others, HOST:PORT, e.g. 0.0.0.0:8470 (empty: not at all)"),
        checks.listen)] = ""
    budget_ms: Annotated[int, Declared(
        N_("Longest wait for the other counters (ms)"),
        N_("longest wait for the other counters per redemption, milliseconds"), checks.number(50, 2000, integer=True),
        unit="ms")] = 300


class OfflineSettings(Section):
    """The offline limits: a manager's PIN changes them."""

    max_hours_since_sync: Annotated[float, Declared(
        N_("Offline at most (hours since the last sync)"), N_("offline only this long after a sync"),
        checks.number(0.1, 24 * 14), unit="h", changed_by=Role.MANAGER)] = 24.0
    max_revocations_age_hours: Annotated[float, Declared(
        N_("Oldest cancelled-voucher list (hours)"), N_("oldest cancelled-voucher list"), checks.number(0.1, 24 * 14),
        unit="h", changed_by=Role.MANAGER)] = 24.0
    max_value_per_redemption_minor: Annotated[int, Declared(
        N_("Largest offline redemption (fen)"), N_("largest offline redemption, in minor units (fen)"),
        checks.number(0, 10**10, integer=True), unit="fen", changed_by=Role.MANAGER)] = 50_000
    max_total_value_minor: Annotated[int, Declared(
        N_("All offline redemptions awaiting upload (fen)"),
        N_("all offline redemptions awaiting upload, in minor units"), checks.number(0, 10**12, integer=True),
        unit="fen", changed_by=Role.MANAGER)] = 500_000


class CameraSettings(Section):
    source: Annotated[str, Declared(
        N_("Camera"),
        N_("the camera: its /dev/v4l/by-id link or name:NAME (pick it from the list), a camera number "
           "(0 = first camera), a folder of images or a video file"), checks.camera_source)] = "0"
    width: Annotated[int, Declared(N_("Width (pixels)"), N_("capture width, pixels"),
                                   checks.number(160, 3840, integer=True), unit="px")] = 1280
    height: Annotated[int, Declared(N_("Height (pixels)"), N_("capture height, pixels"),
                                    checks.number(120, 2160, integer=True), unit="px")] = 720
    fps: Annotated[int, Declared(N_("Frames per second"), N_("capture frames per second"),
                                 checks.number(1, 120, integer=True), unit="fps")] = 30
    decoder: Annotated[str, Declared(N_("Decoder"), N_("QR decoder: zxing (default) or zbar"),
                                     choices=("zxing", "zbar"))] = "zxing"
    duplicate_window_s: Annotated[float, Declared(
        N_("Same code counts once within (seconds)"),
        N_("the same code seen again within this many seconds counts once"), checks.number(0.5, 60), unit="s")] = 3.0


class ScannerSettings(Section):
    serial_ports: Annotated[list[SerialScanner], Declared(
        N_("Scanners"),
        N_("scanners on serial ports (USB scanners in serial mode): port, speed in baud, line ending"),
        checks.serial_scanners)] = []  # pydantic copies it for each model


class PrinterSettings(Section):
    type: Annotated[str, Declared(
        N_("Printer connection"),
        N_("how the receipt printer is attached (file: receipts saved in DATA/receipts as .bin + .png)"),
        choices=("none", "file", "network", "usb", "serial", "cups"))] = "file"
    host: Annotated[str, Declared(N_("Host or IP address"), N_("network printer: host name or IP address"), checks.host,
                                  transport="network")] = ""
    port: Annotated[int, Declared(N_("TCP port"), N_("network printer: TCP port (raw 9100)"),
                                  checks.number(1, 65535, integer=True), transport="network")] = 9100
    path: Annotated[str, Declared(N_("File or device path"),
                                  N_("file printer: device or file path (empty: DATA/receipts)"), checks.short_text,
                                  transport="file")] = ""
    usb_vendor: Annotated[str, Declared(N_("USB vendor id"), N_("USB printer: vendor id in hex, e.g. 04b8"),
                                        checks.hex_id, transport="usb")] = ""
    usb_product: Annotated[str, Declared(N_("USB product id"), N_("USB printer: product id in hex, e.g. 0202"),
                                         checks.hex_id, transport="usb")] = ""
    serial_port: Annotated[str, Declared(N_("Serial port"), N_("serial printer: port, e.g. /dev/ttyUSB0 or COM3"),
                                         checks.short_text, transport="serial")] = ""
    baudrate: Annotated[int, Declared(N_("Speed (baud)"), N_("serial printer: speed in baud"),
                                      choices=(2400, 4800, 9600, 19200, 38400, 57600, 115200), unit="baud",
                                      transport="serial")] = 9600
    flow_control: Annotated[str, Declared(
        N_("Flow control"),
        N_("serial printer: flow control, as set on the printer (rtscts and dsrdtr: wires, xonxoff: in the data)"),
        choices=("none", "rtscts", "xonxoff", "dsrdtr"), transport="serial")] = "dsrdtr"
    cups_queue: Annotated[str, Declared(N_("CUPS queue"), N_("CUPS printer: queue name (raw queue)"), checks.short_text,
                                        transport="cups")] = ""
    width_mm: Annotated[int, Declared(N_("Paper width (mm)"), N_("paper width: 58 (32 columns) or 80 (48 columns)"),
                                      checks.paper_width, choices=(58, 80), unit="mm")] = 80
    profile: Annotated[str, Declared(N_("Printer profile"), N_("python-escpos printer profile name"),
                                     checks.printer_profile)] = "default"
    chinese: Annotated[str, Declared(
        N_("Chinese text"),
        N_("Chinese text: gb18030 (printer has a Chinese font), image (rendered), auto (by profile)"),
        choices=("auto", "gb18030", "image"))] = "auto"
    feedback_url: Annotated[str, Declared(
        N_("Feedback link address"),
        N_("base URL of the feedback QR, the redemption id is added at the end (empty: platform.url + /feedback/)"),
        checks.url)] = ""


class TypedSettings(BaseModel):
    """Every section, typed: what ``Settings.typed`` returns. The order is the file's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    terminal: TerminalSettings = Field(default_factory=TerminalSettings)
    platform: PlatformSettings = Field(default_factory=PlatformSettings)
    lan: LanSettings = Field(default_factory=LanSettings)
    offline: OfflineSettings = Field(default_factory=OfflineSettings)
    camera: CameraSettings = Field(default_factory=CameraSettings)
    scanner: ScannerSettings = Field(default_factory=ScannerSettings)
    printer: PrinterSettings = Field(default_factory=PrinterSettings)


def _check_of(key: str, kind: Any, declared: Declared) -> Check:
    """The declared check, or the one a yes/no or a choice setting implies."""
    if declared.check is not None:
        return declared.check
    if declared.choices and all(isinstance(option, str) for option in declared.choices):
        return checks.choice(*(str(option) for option in declared.choices))
    if declared.choices:
        return checks.choice_int(*(int(option) for option in declared.choices))
    if kind is bool:
        return checks.boolean
    raise TypeError(f"{key} declares no check and has neither choices nor a yes/no type")


def _declare(root: type[BaseModel]) -> dict[str, SettingSpec]:
    schema: dict[str, SettingSpec] = {}
    for section, section_field in root.model_fields.items():
        model = section_field.annotation
        assert isinstance(model, type) and issubclass(model, Section), section
        for name, info in model.model_fields.items():
            key = f"{section}.{name}"
            declared = next((m for m in info.metadata if isinstance(m, Declared)), None)
            if declared is None:
                raise TypeError(f"{key} has no Declared(...) in its annotation")
            schema[key] = SettingSpec(
                key=key, type=info.annotation, default=info.default, check=_check_of(key, info.annotation, declared),
                label=declared.label, help=declared.help, choices=declared.choices, unit=declared.unit,
                transport=declared.transport, changed_by=declared.changed_by,
            )
    return schema


SCHEMA: dict[str, SettingSpec] = _declare(TypedSettings)
"""Every setting by dotted key, in the file's order."""

PRINTER_TYPES: tuple[str, ...] = tuple(str(option) for option in SCHEMA["printer.type"].choices or ())


def transport_of(key: str) -> str | None:
    """Which printer connection (``printer.type``) a setting belongs to; None: every one."""
    return SCHEMA[key].transport
