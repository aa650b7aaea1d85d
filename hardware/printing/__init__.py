"""Receipt printers: connections from the config (python-escpos), ESC/POS rendering, status, PNG preview."""

from hardware.printing.config import PrinterConfig
from hardware.printing.device import PrinterDevice, PrinterState, PrinterStatus
from hardware.printing.preview import render_preview, write_preview
from hardware.printing.render import render_escpos

__all__ = ["PrinterConfig", "PrinterDevice", "PrinterState", "PrinterStatus", "render_escpos", "render_preview",
           "write_preview"]
