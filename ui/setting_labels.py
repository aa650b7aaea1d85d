"""What the technician's settings forms call each setting, and the choices and printer type a
setting's own schema implies (no Qt: the names are catalogue strings, shown with ``t``)."""

from __future__ import annotations

from kiosk.i18n import N_
from kiosk.settings import SCHEMA, SettingError

LABELS = {
    "terminal.store_id": N_("Store id"),
    "terminal.terminal_id": N_("Terminal id"),
    "terminal.store_name": N_("Store name"),
    "terminal.store_address": N_("Store address"),
    "terminal.timezone": N_("Time zone"),
    "terminal.receipt_language": N_("Receipt language (customers)"),
    "platform.url": N_("Platform address"),
    "platform.timeout_s": N_("Online answer timeout (seconds)"),
    "platform.verify_tls": N_("Check the platform's TLS certificate"),
    "platform.ca_file": N_("CA certificate file (private CA)"),
    "platform.allow_insecure": N_("Allow plain http:// to another machine"),
    "platform.sync_interval_s": N_("Sync every (seconds)"),
    "platform.batch_size": N_("Redemptions per upload"),
    "offline.max_hours_since_sync": N_("Offline at most (hours since the last sync)"),
    "offline.max_revocations_age_hours": N_("Oldest cancelled-voucher list (hours)"),
    "offline.max_value_per_redemption_minor": N_("Largest offline redemption (fen)"),
    "offline.max_total_value_minor": N_("All offline redemptions awaiting upload (fen)"),
    "camera.source": N_("Camera"),
    "camera.width": N_("Width (pixels)"),
    "camera.height": N_("Height (pixels)"),
    "camera.fps": N_("Frames per second"),
    "camera.decoder": N_("Decoder"),
    "camera.duplicate_window_s": N_("Same code counts once within (seconds)"),
    "printer.type": N_("Printer connection"),
    "printer.host": N_("Host or IP address"),
    "printer.port": N_("TCP port"),
    "printer.path": N_("File or device path"),
    "printer.usb_vendor": N_("USB vendor id"),
    "printer.usb_product": N_("USB product id"),
    "printer.serial_port": N_("Serial port"),
    "printer.baudrate": N_("Speed (baud)"),
    "printer.flow_control": N_("Flow control"),
    "printer.cups_queue": N_("CUPS queue"),
    "printer.width_mm": N_("Paper width (mm)"),
    "printer.profile": N_("Printer profile"),
    "printer.chinese": N_("Chinese text"),
    "printer.feedback_url": N_("Feedback link address"),
    "lan.peers": N_("Other counters"),
    "lan.listen": N_("This counter answers on"),
    "lan.budget_ms": N_("Longest wait for the other counters (ms)"),
}

PRINTER_TYPES = ("network", "usb", "serial", "cups", "file")


def label_for(key: str) -> str:
    return LABELS.get(key) or key.split(".", 1)[1].replace("_", " ").capitalize()


def choices_for(key: str) -> list[str] | None:
    """The allowed values of a choice setting, read from its check's own message; None for free text."""
    if key == "printer.width_mm":
        return ["58", "80"]
    spec = SCHEMA[key]
    if isinstance(spec.default, bool):
        return None
    try:
        spec.check("\x00not-a-choice\x00")
    except SettingError as exc:
        text = str(exc)
        if text.startswith("choose one of: "):
            return [part.strip() for part in text.removeprefix("choose one of: ").split(",")]
    except Exception:
        return None
    return None


def printer_type_of(key: str) -> str | None:
    """Which printer type a printer.* field belongs to ("network printer: …" in its help), or None."""
    help_text = SCHEMA[key].help.lower()
    for kind in PRINTER_TYPES:
        if help_text.startswith(f"{kind} printer:"):
            return kind
    return None
