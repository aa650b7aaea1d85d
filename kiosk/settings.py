"""The terminal's settings: one schema of dotted keys, validated before anything is saved.

The file form (TOML, in the data folder) is read and written by ``ui.config_file``; this module
knows only names, types, defaults and what a good value looks like.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.i18n import N_, Message, message, render
from kiosk.policy import OfflinePolicy
from kiosk.redemption import TerminalIdentity

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


class SettingError(ValueError):
    """A setting name or value that cannot be used; the words say what would work.

    ``problem`` is what is wrong with the value and ``words`` the same with the setting's key in
    front (when known); both are catalogue messages, to render in the reader's language. ``str()``
    is the English text, for the command line and the log.
    """

    def __init__(self, problem: Message | str, *, key: str = "") -> None:
        self.problem = problem if isinstance(problem, Message) else Message(problem)
        self.key = key
        self.words = message(N_("{key}: {problem}"), key=key, problem=self.problem) if key else self.problem
        super().__init__(render(self.words))


def _identifier(value: Any) -> str:
    text = str(value).strip()
    if not _ID_RE.match(text):
        raise SettingError(N_("use 1-32 letters, digits, '-', '_' or '.', starting with a letter or digit"))
    return text


def _optional_identifier(value: Any) -> str:
    return "" if str(value).strip() == "" else _identifier(value)


def _text(value: Any) -> str:
    text = str(value).strip()
    if len(text) > 200:
        raise SettingError(N_("at most 200 characters"))
    return text


def _number(low: float, high: float, *, integer: bool = False) -> Callable[[Any], float | int]:
    def check(value: Any) -> float | int:
        try:
            number = int(value) if integer else float(value)
        except (TypeError, ValueError):
            raise SettingError(N_("expected a whole number") if integer else N_("expected a number")) from None
        if not low <= number <= high:
            raise SettingError(message(N_("must be between {low} and {high}"), low=f"{low:g}", high=f"{high:g}"))
        return number

    return check


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise SettingError(N_("expected true or false"))


def _choice(*options: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = str(value).strip()
        if text not in options:
            raise SettingError(message(N_("choose one of: {options}"), options=", ".join(options)))
        return text

    return check


def _choice_int(*options: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            number = -1
        if number not in options:
            raise SettingError(message(N_("choose one of: {options}"), options=", ".join(map(str, options))))
        return number

    return check


def _timezone(value: Any) -> str:
    text = str(value).strip()
    if text in ("", "local"):
        return "local"
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingError(N_("use an IANA time zone such as Asia/Shanghai, or 'local'")) from None
    return text


def _url(value: Any) -> str:
    text = str(value).strip()
    if text and not re.match(r"^https?://[^\s/]+", text):
        raise SettingError(N_("use an address like https://platform.example.com (or http://127.0.0.1:8000 on a lab)"))
    return text.rstrip("/")


def _peer_list(value: Any) -> str:
    from kiosk.peers import PeerAddressError, parse_peer_list

    try:
        return ",".join(parse_peer_list(str(value)))
    except PeerAddressError:
        raise SettingError(N_("use the other counters' addresses, separated by commas, e.g. "
                              "http://192.168.1.21:8470,http://192.168.1.22:8470")) from None


def _listen(value: Any) -> str:
    text = str(value).strip()
    if text == "":
        return ""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536 or not re.fullmatch(r"[A-Za-z0-9_.:\[\]-]*", host):
        raise SettingError(N_("use HOST:PORT, e.g. 0.0.0.0:8470 (empty: no peer service)"))
    return text


def _hex_id(value: Any) -> str:
    text = str(value).strip().lower()
    if text == "":
        return ""
    digits = text[2:] if text.startswith("0x") else text
    if not re.fullmatch(r"[0-9a-f]{1,4}", digits):
        raise SettingError(N_("use a USB id in hex such as 04b8 (see 'lsusb': ID 04b8:0202)"))
    return "0x" + digits.zfill(4)


def _host(value: Any) -> str:
    text = str(value).strip()
    if text and not re.fullmatch(r"[A-Za-z0-9_.:-]{1,253}", text):
        raise SettingError(N_("use a host name or an IP address such as 192.168.1.50"))
    return text


def _paper_width(value: Any) -> int:
    try:
        width = int(str(value).strip().removesuffix("mm").strip())
    except ValueError:
        raise SettingError(N_("choose 58 or 80 (paper width in millimetres)")) from None
    if width not in (58, 80):
        raise SettingError(N_("choose 58 or 80 (paper width in millimetres)"))
    return width


def _printer_profile(value: Any) -> str:
    text = str(value).strip() or "default"
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", text):
        raise SettingError(N_("use a python-escpos profile name such as default, TM-T88V or ZJ-5870"))
    return text


def _camera_source(value: Any) -> str:
    """What ``hardware.camera.open_source`` takes: a device index, a folder of images or a video file.
    ``device:N``, ``folder:PATH`` and ``file:PATH`` are accepted too and stored without the prefix."""
    text = str(value).strip()
    kind, _, rest = text.partition(":")
    if kind in ("device", "folder", "file") and rest:
        text = rest.strip()
        if kind == "device" and not text.isdigit():
            raise SettingError(N_("device: takes a camera number such as device:0"))
    if not text or len(text) > 500:
        raise SettingError(N_("use a camera number (0 for the first camera), a folder of images or a video file path"))
    if text.isdigit() and int(text) > 63:
        raise SettingError(N_("camera numbers go from 0 to 63"))
    return text


SERIAL_BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
LINE_ENDS = ("auto", "cr", "lf", "crlf")
MAX_SERIAL_SCANNERS = 8


def _serial_scanner(entry: Any) -> dict[str, Any]:
    """One serial scanner: ``{"port": ..., "baud": 9600, "line_end": "auto"}`` (a bare port string
    takes the defaults)."""
    if isinstance(entry, str):
        entry = {"port": entry}
    if not isinstance(entry, Mapping):
        raise SettingError(N_("each scanner needs a port, a speed in baud and a line ending"))
    unknown = set(entry) - {"port", "baud", "line_end"}
    if unknown:
        raise SettingError(message(N_("a scanner has port, baud and line_end, not {names}"),
                                   names=", ".join(sorted(unknown))))
    port = str(entry.get("port", "")).strip()
    if not port or len(port) > 300 or not port.isprintable() or "," in port:
        raise SettingError(N_("use a serial port such as /dev/ttyACM0 or COM3"))
    baud = _choice_int(*SERIAL_BAUDS)(entry.get("baud", 9600))
    line_end = _choice(*LINE_ENDS)(entry.get("line_end", "auto"))
    return {"port": port, "baud": baud, "line_end": line_end}


def _serial_scanners(value: Any) -> list[dict[str, Any]]:
    """The serial scanners: a list of scanners, or ports separated by commas ("" for none)."""
    if isinstance(value, str):
        value = [part for part in (p.strip() for p in value.split(",")) if part]
    if isinstance(value, Mapping) or not isinstance(value, (list, tuple)):
        raise SettingError(N_("use a list of serial ports, separated by commas"))
    scanners = [_serial_scanner(entry) for entry in value]
    ports = [scanner["port"] for scanner in scanners]
    if len(set(ports)) != len(ports):
        raise SettingError(N_("each serial port can hold one scanner: a port is listed twice"))
    if len(scanners) > MAX_SERIAL_SCANNERS:
        raise SettingError(message(N_("at most {n} serial scanners"), n=MAX_SERIAL_SCANNERS))
    return scanners


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """One setting: its default, its check, and a line of help."""

    default: Any
    check: Callable[[Any], Any]
    help: str


SCHEMA: dict[str, SettingSpec] = {
    "terminal.store_id": SettingSpec("", _optional_identifier, N_("store this terminal belongs to")),
    "terminal.terminal_id": SettingSpec("", _optional_identifier, N_("this terminal's id within the store")),
    "terminal.store_name": SettingSpec("", _text, N_("store name printed on receipts")),
    "terminal.store_address": SettingSpec("", _text, N_("store address printed on receipts")),
    "terminal.timezone": SettingSpec("local", _timezone, N_("store time zone for receipts and reports")),
    "terminal.language": SettingSpec("en", _choice("en", "zh_CN"), N_("screen language")),
    "terminal.receipt_language": SettingSpec(
        "same", _choice("same", "en", "zh_CN"),
        N_("language of the customers' receipts: same (as the screen), en or zh_CN"),
    ),
    "platform.url": SettingSpec("", _url, N_("base URL of the O2O platform")),
    "platform.timeout_s": SettingSpec(1.5, _number(0.2, 10), N_("longest wait for an online answer, seconds")),
    "platform.verify_tls": SettingSpec(True, _boolean, N_("check the platform's TLS certificate")),
    "platform.ca_file": SettingSpec(
        "", _text, N_("PEM file of the CA that signed the platform's certificate (empty: the system's CAs)")
    ),
    "platform.allow_insecure": SettingSpec(
        False, _boolean,
        N_("allow plain http:// to a platform that is not on this machine (closed test networks only)")
    ),
    "platform.sync_interval_s": SettingSpec(30, _number(5, 3600, integer=True), N_("seconds between sync passes")),
    "platform.batch_size": SettingSpec(200, _number(1, 500, integer=True), N_("offline redemptions per upload")),
    "lan.peers": SettingSpec(
        "", _peer_list, N_("the other counters of this store, e.g. http://192.168.1.21:8470,http://192.168.1.22:8470")
    ),
    "lan.listen": SettingSpec(
        "", _listen, N_("where this counter answers the others, HOST:PORT, e.g. 0.0.0.0:8470 (empty: not at all)")
    ),
    "lan.budget_ms": SettingSpec(
        300, _number(50, 2000, integer=True), N_("longest wait for the other counters per redemption, milliseconds")
    ),
    "offline.max_hours_since_sync": SettingSpec(24.0, _number(0.1, 24 * 14), N_("offline only this long after a sync")),
    "offline.max_revocations_age_hours": SettingSpec(24.0, _number(0.1, 24 * 14), N_("oldest cancelled-voucher list")),
    "offline.max_value_per_redemption_minor": SettingSpec(
        50_000, _number(0, 10**10, integer=True), N_("largest offline redemption, in minor units (fen)")
    ),
    "offline.max_total_value_minor": SettingSpec(
        500_000, _number(0, 10**12, integer=True), N_("all offline redemptions awaiting upload, in minor units")
    ),
    "camera.source": SettingSpec(
        "0", _camera_source,
        N_("the camera: its /dev/v4l/by-id link or name:NAME (pick it from the list), a camera number "
           "(0 = first camera), a folder of images or a video file")
    ),
    "camera.width": SettingSpec(1280, _number(160, 3840, integer=True), N_("capture width, pixels")),
    "camera.height": SettingSpec(720, _number(120, 2160, integer=True), N_("capture height, pixels")),
    "camera.fps": SettingSpec(30, _number(1, 120, integer=True), N_("capture frames per second")),
    "camera.decoder": SettingSpec("zxing", _choice("zxing", "zbar"), N_("QR decoder: zxing (default) or zbar")),
    "camera.duplicate_window_s": SettingSpec(
        3.0, _number(0.5, 60), N_("the same code seen again within this many seconds counts once")
    ),
    "scanner.serial_ports": SettingSpec(
        [], _serial_scanners,
        N_("scanners on serial ports (USB scanners in serial mode): port, speed in baud, line ending"),
    ),
    "printer.type": SettingSpec(
        "file", _choice("none", "file", "network", "usb", "serial", "cups"),
        N_("how the receipt printer is attached (file: receipts saved in DATA/receipts as .bin + .png)"),
    ),
    "printer.host": SettingSpec("", _host, N_("network printer: host name or IP address")),
    "printer.port": SettingSpec(9100, _number(1, 65535, integer=True), N_("network printer: TCP port (raw 9100)")),
    "printer.path": SettingSpec("", _text, N_("file printer: device or file path (empty: DATA/receipts)")),
    "printer.usb_vendor": SettingSpec("", _hex_id, N_("USB printer: vendor id in hex, e.g. 04b8")),
    "printer.usb_product": SettingSpec("", _hex_id, N_("USB printer: product id in hex, e.g. 0202")),
    "printer.serial_port": SettingSpec("", _text, N_("serial printer: port, e.g. /dev/ttyUSB0 or COM3")),
    "printer.baudrate": SettingSpec(
        9600, _choice_int(2400, 4800, 9600, 19200, 38400, 57600, 115200), N_("serial printer: speed in baud")
    ),
    "printer.flow_control": SettingSpec(
        "dsrdtr", _choice("none", "rtscts", "xonxoff", "dsrdtr"),
        N_("serial printer: flow control, as set on the printer (rtscts and dsrdtr: wires, xonxoff: in the data)"),
    ),
    "printer.cups_queue": SettingSpec("", _text, N_("CUPS printer: queue name (raw queue)")),
    "printer.width_mm": SettingSpec(80, _paper_width, N_("paper width: 58 (32 columns) or 80 (48 columns)")),
    "printer.profile": SettingSpec("default", _printer_profile, N_("python-escpos printer profile name")),
    "printer.chinese": SettingSpec(
        "auto", _choice("auto", "gb18030", "image"),
        N_("Chinese text: gb18030 (printer has a Chinese font), image (rendered), auto (by profile)"),
    ),
    "printer.feedback_url": SettingSpec(
        "", _url,
        N_("base URL of the feedback QR, the redemption id is added at the end (empty: platform.url + /feedback/)"),
    ),
}


class Settings:
    """Validated settings; unknown keys and bad values raise :class:`SettingError`."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self._values: dict[str, Any] = {key: spec.default for key, spec in SCHEMA.items()}
        for key, value in (values or {}).items():
            self.set(key, value)

    @staticmethod
    def spec(key: str) -> SettingSpec:
        """The schema entry of ``key``; unknown keys get a message listing the near ones."""
        if key not in SCHEMA:
            section = key.split(".")[0]
            near = [k for k in SCHEMA if k.startswith(section + ".")] or sorted(SCHEMA)
            raise SettingError(message(N_("unknown setting {key}; known: {known}"), key=repr(key),
                                       known=", ".join(near)))
        return SCHEMA[key]

    def get(self, key: str) -> Any:
        self.spec(key)
        return self._values[key]

    def set(self, key: str, value: Any) -> None:
        spec = self.spec(key)
        try:
            self._values[key] = spec.check(value)
        except SettingError as exc:
            raise SettingError(exc.problem, key=key) from None

    def items(self) -> Iterator[tuple[str, Any]]:
        yield from self._values.items()

    @classmethod
    def from_nested(cls, data: Mapping[str, Any]) -> Settings:
        """From the TOML shape ``{"terminal": {"store_id": ...}}``."""
        flat: dict[str, Any] = {}
        for section, table in data.items():
            if not isinstance(table, Mapping):
                raise SettingError(message(N_("[{section}] should be a table of settings"), section=section))
            for name, value in table.items():
                flat[f"{section}.{name}"] = value
        return cls(flat)

    def to_nested(self) -> dict[str, dict[str, Any]]:
        """The TOML shape of these settings."""
        nested: dict[str, dict[str, Any]] = {}
        for key, value in self._values.items():
            section, name = key.split(".", 1)
            nested.setdefault(section, {})[name] = value
        return nested

    # typed views -----------------------------------------------------------------------

    @property
    def is_configured(self) -> bool:
        return bool(self.get("terminal.store_id") and self.get("terminal.terminal_id"))

    def terminal(self) -> TerminalIdentity:
        return TerminalIdentity(self.get("terminal.store_id"), self.get("terminal.terminal_id"))

    def offline_policy(self) -> OfflinePolicy:
        return OfflinePolicy(
            max_since_sync=timedelta(hours=self.get("offline.max_hours_since_sync")),
            max_revocations_age=timedelta(hours=self.get("offline.max_revocations_age_hours")),
            max_value_per_redemption_minor=self.get("offline.max_value_per_redemption_minor"),
            max_total_offline_value_minor=self.get("offline.max_total_value_minor"),
        )

    def timezone(self) -> ZoneInfo | None:
        """The store's zone, or None for the machine's local zone."""
        name = self.get("terminal.timezone")
        return None if name == "local" else ZoneInfo(name)
