"""Receipt printers: connections from the config (python-escpos), ESC/POS rendering, status, PNG preview."""

from hardware.printing import escpos_cache

escpos_cache.prepare()  # before python-escpos is imported: it reads its profiles on import

from hardware.printing.config import PrinterConfig  # noqa: E402 - after the cache is ready
from hardware.printing.device import PrinterDevice, PrinterState, PrinterStatus  # noqa: E402
from hardware.printing.preview import render_preview, write_preview  # noqa: E402
from hardware.printing.render import render_escpos  # noqa: E402

__all__ = ["PrinterConfig", "PrinterDevice", "PrinterState", "PrinterStatus", "render_escpos", "render_preview",
           "write_preview"]
