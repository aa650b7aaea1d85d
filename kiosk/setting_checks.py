"""How each setting's value is checked: what a good value looks like, and the words that say what
would work when it is not. ``kiosk.settings_schema`` names the check of each setting."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.i18n import N_, Message, message, render

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


def identifier(value: Any) -> str:
    text = str(value).strip()
    if not _ID_RE.match(text):
        raise SettingError(N_("use 1-32 letters, digits, '-', '_' or '.', starting with a letter or digit"))
    return text


def optional_identifier(value: Any) -> str:
    return "" if str(value).strip() == "" else identifier(value)


def short_text(value: Any) -> str:
    text = str(value).strip()
    if len(text) > 200:
        raise SettingError(N_("at most 200 characters"))
    return text


def number(low: float, high: float, *, integer: bool = False) -> Callable[[Any], float | int]:
    def check(value: Any) -> float | int:
        try:
            number = int(value) if integer else float(value)
        except (TypeError, ValueError):
            raise SettingError(N_("expected a whole number") if integer else N_("expected a number")) from None
        if not low <= number <= high:
            raise SettingError(message(N_("must be between {low} and {high}"), low=f"{low:g}", high=f"{high:g}"))
        return number

    return check


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise SettingError(N_("expected true or false"))


def choice(*options: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = str(value).strip()
        if text not in options:
            raise SettingError(message(N_("choose one of: {options}"), options=", ".join(options)))
        return text

    return check


def choice_int(*options: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            number = -1
        if number not in options:
            raise SettingError(message(N_("choose one of: {options}"), options=", ".join(map(str, options))))
        return number

    return check


def timezone(value: Any) -> str:
    text = str(value).strip()
    if text in ("", "local"):
        return "local"
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingError(N_("use an IANA time zone such as Asia/Shanghai, or 'local'")) from None
    return text


def url(value: Any) -> str:
    text = str(value).strip()
    if text and not re.match(r"^https?://[^\s/]+", text):
        raise SettingError(N_("use an address like https://platform.example.com (or http://127.0.0.1:8000 on a lab)"))
    return text.rstrip("/")


def peer_list(value: Any) -> str:
    from kiosk.peers import PeerAddressError, parse_peer_list

    try:
        return ",".join(parse_peer_list(str(value)))
    except PeerAddressError:
        raise SettingError(N_("use the other counters' addresses, separated by commas, e.g. "
                              "http://192.168.1.21:8470,http://192.168.1.22:8470")) from None


def listen(value: Any) -> str:
    text = str(value).strip()
    if text == "":
        return ""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536 or not re.fullmatch(r"[A-Za-z0-9_.:\[\]-]*", host):
        raise SettingError(N_("use HOST:PORT, e.g. 0.0.0.0:8470 (empty: no peer service)"))
    return text


def hex_id(value: Any) -> str:
    text = str(value).strip().lower()
    if text == "":
        return ""
    digits = text[2:] if text.startswith("0x") else text
    if not re.fullmatch(r"[0-9a-f]{1,4}", digits):
        raise SettingError(N_("use a USB id in hex such as 04b8 (see 'lsusb': ID 04b8:0202)"))
    return "0x" + digits.zfill(4)


def host(value: Any) -> str:
    text = str(value).strip()
    if text and not re.fullmatch(r"[A-Za-z0-9_.:-]{1,253}", text):
        raise SettingError(N_("use a host name or an IP address such as 192.168.1.50"))
    return text


def paper_width(value: Any) -> int:
    try:
        width = int(str(value).strip().removesuffix("mm").strip())
    except ValueError:
        raise SettingError(N_("choose 58 or 80 (paper width in millimetres)")) from None
    if width not in (58, 80):
        raise SettingError(N_("choose 58 or 80 (paper width in millimetres)"))
    return width


def printer_profile(value: Any) -> str:
    text = str(value).strip() or "default"
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", text):
        raise SettingError(N_("use a python-escpos profile name such as default, TM-T88V or ZJ-5870"))
    return text


def camera_source(value: Any) -> str:
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


def serial_scanner(entry: Any) -> dict[str, Any]:
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
    baud = choice_int(*SERIAL_BAUDS)(entry.get("baud", 9600))
    line_end = choice(*LINE_ENDS)(entry.get("line_end", "auto"))
    return {"port": port, "baud": baud, "line_end": line_end}


def serial_scanners(value: Any) -> list[dict[str, Any]]:
    """The serial scanners: a list of scanners, or ports separated by commas ("" for none)."""
    if isinstance(value, str):
        value = [part for part in (p.strip() for p in value.split(",")) if part]
    if isinstance(value, Mapping) or not isinstance(value, (list, tuple)):
        raise SettingError(N_("use a list of serial ports, separated by commas"))
    scanners = [serial_scanner(entry) for entry in value]
    ports = [scanner["port"] for scanner in scanners]
    if len(set(ports)) != len(ports):
        raise SettingError(N_("each serial port can hold one scanner: a port is listed twice"))
    if len(scanners) > MAX_SERIAL_SCANNERS:
        raise SettingError(message(N_("at most {n} serial scanners"), n=MAX_SERIAL_SCANNERS))
    return scanners
