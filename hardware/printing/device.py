"""The printer connection, from the config, over python-escpos: open, ask status, send one job.

Status is asked with ``DLE EOT`` on every connection that can answer (serial, network, USB with an
IN endpoint; :mod:`hardware.printing.status` decodes it). A CUPS queue reports what ``lpstat``
says of it (missing, stopped, ready); a device file (``/dev/usb/lp0``) is "unplugged" when it is
gone and otherwise cannot report paper or cover (:attr:`PrinterState.UNKNOWN`, printing goes
ahead). A printer that was unplugged is opened again at the next job or status question: it comes
back by itself.
"""

from __future__ import annotations

import logging
import socket
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from escpos.escpos import Escpos

from hardware.printing.config import PrinterConfig
from hardware.printing.status import (
    PRINTABLE,
    PrinterState,
    PrinterStatus,
    decode_status,
    is_refused,
    is_unplugged,
    status_message,
    status_words,
)
from hardware.printing.transports import (
    ConfigError,
    after_open,
    check_present,
    cups_queue_state,
    open_connection,
    read_status_byte,
)
from kiosk.i18n import N_, message, render
from kiosk.layout import Block

log = logging.getLogger(__name__)

__all__ = ["PRINTABLE", "PrinterDevice", "PrinterError", "PrinterSession", "PrinterState", "PrinterStatus",
           "SendError", "open_connection", "status_message"]

#: The connections whose "gone" means unplugged (a cable), not unreachable (a network).
PLUGGED = frozenset({"usb", "serial", "file"})


class PrinterError(Exception):
    """Nothing was sent: the printer could not be opened (the job may be tried again)."""


class SendError(Exception):
    """The connection broke while sending: part of the job may be on paper (never retried by itself)."""


class PrinterDevice:
    """One configured printer. Use :meth:`session` for one job: open, status, send, close."""

    def __init__(self, config: PrinterConfig, *, usb_backend: Any = None) -> None:
        """``usb_backend``: the pyusb backend for a USB printer (None: pyusb's own choice, libusb-1.0)."""
        self.config = config
        self.usb_backend = usb_backend

    @property
    def where(self) -> str:
        return self.config.describe()

    def _status(self, state: PrinterState) -> PrinterStatus:
        words = status_words(state, self.config.where_words())
        return PrinterStatus(state, render(words), words)

    @contextmanager
    def session(self) -> Iterator[PrinterSession]:
        if self.config.type == "none":
            yield _NoPrinterSession(self)
        elif self.config.type == "file" and not self.config.path:
            yield _ReceiptFolderSession(self)
        else:
            session = _EscposSession(self)
            try:
                yield session
            finally:
                session.close()

    def status(self) -> PrinterStatus:
        """Open, ask, close: the printer's state right now (never raises)."""
        try:
            with self.session() as session:
                return session.status()
        except Exception as exc:  # a status question must never take the caller down
            log.warning("status of %s failed: %s", self.where, exc)
            return self._status(PrinterState.UNREACHABLE)


class PrinterSession:
    def __init__(self, device: PrinterDevice) -> None:
        self.device = device

    def status(self) -> PrinterStatus:
        raise NotImplementedError

    def send(self, data: bytes, *, name: str, blocks: Sequence[Block] = ()) -> str:
        """Deliver one job; returns where it went. PrinterError: nothing sent; SendError: maybe partly."""
        raise NotImplementedError


class _NoPrinterSession(PrinterSession):
    def status(self) -> PrinterStatus:
        return self.device._status(PrinterState.NONE)


class _ReceiptFolderSession(PrinterSession):
    """``printer.type = file`` with no path: each job becomes DATA/receipts/NAME.bin and NAME.png."""

    def status(self) -> PrinterStatus:
        folder = self.device.config.receipts_dir
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return self.device._status(PrinterState.UNREACHABLE)
        return self.device._status(PrinterState.READY)

    def send(self, data: bytes, *, name: str, blocks: Sequence[Block] = ()) -> str:
        from hardware.printing.preview import write_preview

        folder = self.device.config.receipts_dir
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f"{name}.bin.tmp"
            tmp.write_bytes(data)
            tmp.replace(folder / f"{name}.bin")
        except OSError as exc:
            raise PrinterError(f"cannot write {folder}: {exc}") from exc
        if blocks:
            try:
                write_preview(blocks, self.device.config, folder / f"{name}.png")
            except Exception as exc:  # the .bin is the receipt; a missing preview is only logged
                log.warning("preview %s not written: %s", name, exc)
        return str(folder / f"{name}.bin")


class _EscposSession(PrinterSession):
    def __init__(self, device: PrinterDevice) -> None:
        super().__init__(device)
        self.config = device.config
        self.printer: Escpos | None = None
        self.open_error: PrinterStatus | None = None

    def _gone(self, exc: BaseException) -> PrinterStatus:
        """The status for a printer that could not be opened or broke off."""
        if self.config.type in PLUGGED and is_unplugged(exc):
            return self.device._status(PrinterState.DISCONNECTED)
        if self.config.type in PLUGGED and is_refused(exc):
            words = message(N_("The kiosk may not use the {where} (access denied). Give it access with a udev rule "
                               "or the printer's group, as the technician guide says (Printer)."),
                            where=self.config.where_words())
            return PrinterStatus(PrinterState.UNREACHABLE, render(words), words)
        return self.device._status(PrinterState.UNREACHABLE)

    def _open(self) -> Escpos:
        if self.printer is not None:
            return self.printer
        try:
            printer = open_connection(self.config, usb_backend=self.device.usb_backend)
        except ConfigError as exc:
            words = status_words(PrinterState.NOT_CONFIGURED, str(exc))
            self.open_error = PrinterStatus(PrinterState.NOT_CONFIGURED, render(words), words)
            raise PrinterError(str(exc)) from exc
        try:
            check_present(self.config)
            printer.open()
            after_open(printer, self.config)
        except Exception as exc:  # DeviceNotFoundError, USBError, OSError, SerialException, missing pyusb/pyserial
            self.open_error = self._gone(exc)
            log.info("cannot open %s: %s", self.device.where, exc)
            self._close(printer)
            raise PrinterError(str(exc)) from exc
        self.printer = printer
        return printer

    def _query(self, printer: Escpos, request: bytes) -> bytes | None:
        """One DLE EOT question: the answer, ``b""`` when none came in time, None when it cannot read."""
        try:
            printer._raw(request)
            return read_status_byte(printer, self.config)
        except NotImplementedError:
            return None
        except TimeoutError:
            return b""
        except Exception as exc:
            if type(exc).__name__ == "USBTimeoutError" or getattr(exc, "errno", None) == 110:
                return b""
            raise

    def status(self) -> PrinterStatus:
        if self.config.type == "cups":
            return self._cups_status()  # CUPS spools: opening would start an (empty) job
        try:
            printer = self._open()
        except PrinterError:
            assert self.open_error is not None
            return self.open_error
        if self.config.type == "file":
            return self.device._status(PrinterState.UNKNOWN)  # a device file cannot answer
        try:
            return self.device._status(decode_status(lambda request: self._query(printer, request)))
        except Exception as exc:
            log.info("status query to %s failed: %s", self.device.where, exc)
            self.close()
            return self._gone(exc)

    def _cups_status(self) -> PrinterStatus:
        state = cups_queue_state(self.config.cups_queue)
        if state == "ready":
            return self.device._status(PrinterState.UNKNOWN)  # the queue takes jobs; paper is the printer's
        if state == "disabled":
            words = message(N_("The {where} is stopped or not accepting jobs. Start it again (cupsenable and "
                               "cupsaccept): printing will continue by itself."), where=self.config.where_words())
            return PrinterStatus(PrinterState.OFFLINE, render(words), words)
        return self.device._status(PrinterState.UNREACHABLE)

    def send(self, data: bytes, *, name: str, blocks: Sequence[Block] = ()) -> str:
        printer = self._open()
        if self.config.type == "cups":
            return self._send_lp(printer, data)
        if isinstance(getattr(printer, "_device", None), socket.socket):
            printer._device.settimeout(max(self.config.timeout_s, 20.0))
        try:
            printer._raw(data)
            if hasattr(printer, "flush"):
                printer.flush()
        except Exception as exc:
            raise SendError(f"the connection to the {self.device.where} broke while sending: {exc}") from exc
        return self.device.where

    def _send_lp(self, printer: Escpos, data: bytes) -> str:
        """``lp`` reads the job from its standard input; CUPS takes it when ``lp`` ends well."""
        process: subprocess.Popen[bytes] = printer.device
        try:
            printer._raw(data)
            printer.close()  # python-escpos ends the job with one line feed and waits for lp
        except Exception as exc:
            raise SendError(f"the job to the {self.device.where} broke off: {exc}") from exc
        finally:
            self.printer = None
        if process.returncode != 0:  # lp refused the job before CUPS queued it: nothing was printed
            raise PrinterError(f"lp ended with code {process.returncode}")
        return self.device.where

    @staticmethod
    def _close(printer: Escpos) -> None:
        try:
            printer.close()
        except Exception as exc:  # an unplugged port cannot drain: drop it, or __del__ tries again
            log.debug("closing a printer connection: %s", exc)
            handle = getattr(printer, "_device", None)
            if handle is not None and hasattr(handle, "close"):
                try:
                    handle.close()
                except Exception as again:
                    log.debug("dropping a printer connection: %s", again)
            printer._device = False

    def close(self) -> None:
        if self.printer is not None:
            self._close(self.printer)
            self.printer = None


def default_device(config: PrinterConfig) -> PrinterDevice:
    """The printer of these settings (pyusb picks the USB backend)."""
    return PrinterDevice(config)

