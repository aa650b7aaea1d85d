"""Printer settings as one typed value, read from :class:`kiosk.settings.Settings`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.receipt import columns_for

# python-escpos profiles of printers sold with a Chinese (GB2312/GBK/GB18030) font in ROM.
# ``printer.chinese = auto`` sends GB18030 text to these and a rendered image to every other one.
CHINESE_PROFILES = frozenset({"ZJ-5870", "NT-5890K", "POS-5890", "Sunmi-V2", "RP326", "P822D", "KR-306"})

DOTS = {58: 384, 80: 576}  # printable dots across at 203 dpi


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    type: str = "file"
    host: str = ""
    port: int = 9100
    path: str = ""
    usb_vendor: str = ""
    usb_product: str = ""
    serial_port: str = ""
    baudrate: int = 9600
    flow_control: str = "dsrdtr"
    cups_queue: str = ""
    width_mm: int = 80
    profile: str = "default"
    chinese: str = "auto"
    data_dir: Path = Path(".")
    timeout_s: float = 3.0

    @classmethod
    def from_settings(cls, settings: Any, data_dir: Path) -> PrinterConfig:
        return cls(
            type=settings.get("printer.type"),
            host=settings.get("printer.host"),
            port=int(settings.get("printer.port")),
            path=settings.get("printer.path"),
            usb_vendor=settings.get("printer.usb_vendor"),
            usb_product=settings.get("printer.usb_product"),
            serial_port=settings.get("printer.serial_port"),
            baudrate=int(settings.get("printer.baudrate")),
            flow_control=settings.get("printer.flow_control"),
            cups_queue=settings.get("printer.cups_queue"),
            width_mm=int(settings.get("printer.width_mm")),
            profile=settings.get("printer.profile"),
            chinese=settings.get("printer.chinese"),
            data_dir=Path(data_dir),
        )

    @property
    def columns(self) -> int:
        return columns_for(self.width_mm)

    @property
    def dots(self) -> int:
        return DOTS.get(self.width_mm, 576)

    @property
    def chinese_mode(self) -> str:
        """``gb18030`` or ``image``: how text outside the printer's code page is sent."""
        if self.chinese != "auto":
            return self.chinese
        return "gb18030" if self.profile in CHINESE_PROFILES else "image"

    @property
    def receipts_dir(self) -> Path:
        return self.data_dir / "receipts"

    def describe(self) -> str:
        """Where the printer is, in the words a technician uses."""
        if self.type == "network":
            return f"network printer {self.host or '(no host set)'}:{self.port}"
        if self.type == "usb":
            return f"USB printer {self.usb_vendor or '?'}:{self.usb_product or '?'}"
        if self.type == "serial":
            return f"serial printer on {self.serial_port or '(no port set)'} at {self.baudrate} baud"
        if self.type == "cups":
            return f"CUPS queue {self.cups_queue or '(default)'}"
        if self.type == "file":
            if "/dev/" in self.path:
                return f"printer device {self.path}"
            return f"file {self.path}" if self.path else f"receipt files in {self.receipts_dir}"
        return "no printer"
