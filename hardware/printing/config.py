"""Printer settings as one typed value: the typed ``[printer]`` section of :class:`kiosk.settings.Settings`
with what the printing adapters add."""

from __future__ import annotations

from pathlib import Path

from kiosk.i18n import N_, Message, message, render
from kiosk.layout import columns_for
from kiosk.settings import Settings
from kiosk.settings_schema import PrinterSettings

# python-escpos profiles of printers sold with a Chinese (GB2312/GBK/GB18030) font in ROM.
# ``printer.chinese = auto`` sends GB18030 text to these and a rendered image to every other one.
CHINESE_PROFILES = frozenset({"ZJ-5870", "NT-5890K", "POS-5890", "Sunmi-V2", "RP326", "P822D", "KR-306"})

DOTS = {58: 384, 80: 576}  # printable dots across at 203 dpi


class PrinterConfig(PrinterSettings):
    """The ``[printer]`` settings (their fields and defaults are the declaration's) and what the
    adapters add: the data folder and how long to wait for the printer."""

    data_dir: Path = Path(".")
    timeout_s: float = 3.0

    @classmethod
    def from_settings(cls, settings: Settings, data_dir: Path) -> PrinterConfig:
        return cls(**dict(settings.typed.printer), data_dir=Path(data_dir))

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

    def where_words(self) -> Message:
        """Where the printer is, in the words a technician uses (in no language yet)."""
        if self.type == "network":
            return message(N_("network printer {host}:{port}"), host=self.host or "?", port=self.port)
        if self.type == "usb":
            return message(N_("USB printer {vendor}:{product}"), vendor=self.usb_vendor or "?",
                           product=self.usb_product or "?")
        if self.type == "serial":
            return message(N_("serial printer on {port} at {baud} baud"), port=self.serial_port or "?",
                           baud=self.baudrate)
        if self.type == "cups":
            return message(N_("CUPS queue {queue}"), queue=self.cups_queue or "?")
        if self.type == "file" and "/dev/" in self.path:
            return message(N_("printer device {path}"), path=self.path)
        if self.type == "file":
            return message(N_("file {path}"), path=self.path) if self.path else \
                message(N_("receipt files in {folder}"), folder=str(self.receipts_dir))
        return message(N_("no printer"))

    def describe(self) -> str:
        """:meth:`where_words` in English (the log, the print log, the command line)."""
        return render(self.where_words())
