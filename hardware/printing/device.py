"""The printer connection, from the config, over python-escpos: open, ask status, send one job.

Status follows the ESC/POS real-time status (``DLE EOT n``) that python-escpos' ``is_online()``
and ``paper_status()`` send: n=1 printer (bit 3 = offline), n=2 offline cause (bit 2 = cover
open, bit 5 = stopped by paper end), n=4 paper sensor (bits 5-6 = paper end, bits 2-3 = near
end). Connections that cannot read (file, CUPS) report :attr:`PrinterState.UNKNOWN` and print.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from escpos.constants import RT_MASK_ONLINE, RT_STATUS_ONLINE
from escpos.escpos import Escpos

from hardware.printing.config import PrinterConfig
from kiosk.layout import Block

log = logging.getLogger(__name__)

RT_STATUS_OFFLINE_CAUSE = b"\x10\x04\x02"
CAUSE_COVER_OPEN = 0x04
CAUSE_PAPER_END_STOP = 0x20


class PrinterState(StrEnum):
    READY = "ready"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    UNREACHABLE = "unreachable"
    NO_ANSWER = "no_answer"
    UNKNOWN = "unknown"  # this connection cannot report status; printing goes ahead
    NOT_CONFIGURED = "not_configured"
    NONE = "none"  # printer.type = none


PRINTABLE = frozenset({PrinterState.READY, PrinterState.PAPER_LOW, PrinterState.UNKNOWN})


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    state: PrinterState
    message: str

    @property
    def can_print(self) -> bool:
        return self.state in PRINTABLE


class PrinterError(Exception):
    """Nothing was sent: the printer could not be opened (the job may be tried again)."""


class SendError(Exception):
    """The connection broke while sending: part of the job may be on paper (never retried by itself)."""


def status_message(state: PrinterState, where: str) -> str:
    """What the cashier reads for a printer state."""
    return {
        PrinterState.READY: "Printer ready.",
        PrinterState.PAPER_LOW: "Paper is running low: have a new roll ready.",
        PrinterState.PAPER_OUT: "The printer is out of paper. Load a new roll: the receipt will print by itself.",
        PrinterState.COVER_OPEN: "The printer cover is open. Close it: printing will continue by itself.",
        PrinterState.OFFLINE: "The printer is offline (error or feed button). Check it: printing will continue "
        "by itself.",
        PrinterState.UNREACHABLE: f"Cannot reach the {where}. Check its power and cable: printing will continue "
        "by itself when it is back.",
        PrinterState.NO_ANSWER: f"The {where} does not answer. Check that it is switched on: printing will "
        "continue by itself.",
        PrinterState.UNKNOWN: f"Sending to the {where} (it cannot report paper or cover).",
        PrinterState.NOT_CONFIGURED: f"The printer is not set up completely ({where}). A technician can fix it "
        "with 'kiosk config set printer.…'.",
        PrinterState.NONE: "No printer is set up: receipts are not printed (preview with 'kiosk receipt ID --png').",
    }[state]


def _hex(value: str) -> int:
    return int(value, 16)


def open_connection(config: PrinterConfig) -> Escpos:
    """A python-escpos printer object for the configured connection (not yet opened)."""
    kwargs: dict[str, Any] = {"profile": config.profile}
    if config.type == "network":
        if not config.host:
            raise PrinterError("printer.host is empty")
        from escpos.printer import Network

        return Network(host=config.host, port=config.port, timeout=config.timeout_s, **kwargs)
    if config.type == "usb":
        if not (config.usb_vendor and config.usb_product):
            raise PrinterError("printer.usb_vendor and printer.usb_product are needed")
        from escpos.printer import Usb

        return Usb(idVendor=_hex(config.usb_vendor), idProduct=_hex(config.usb_product),
                   timeout=int(config.timeout_s * 1000), **kwargs)
    if config.type == "serial":
        if not config.serial_port:
            raise PrinterError("printer.serial_port is empty")
        from escpos.printer import Serial

        return Serial(devfile=config.serial_port, baudrate=config.baudrate, timeout=config.timeout_s, **kwargs)
    if config.type == "cups":
        from escpos.printer import CupsPrinter

        return CupsPrinter(printer_name=config.cups_queue, **kwargs)
    if config.type == "file" and config.path:
        from escpos.printer import File

        return File(devfile=config.path, **kwargs)
    raise PrinterError(f"printer.type {config.type!r} has no connection")


class PrinterDevice:
    """One configured printer. Use :meth:`session` for one job: open, status, send, close."""

    def __init__(self, config: PrinterConfig) -> None:
        self.config = config

    @property
    def where(self) -> str:
        return self.config.describe()

    def _status(self, state: PrinterState) -> PrinterStatus:
        return PrinterStatus(state, status_message(state, self.where))

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
        self.printer: Escpos | None = None
        self.open_error: PrinterStatus | None = None

    def _open(self) -> Escpos:
        if self.printer is not None:
            return self.printer
        try:
            printer = open_connection(self.device.config)
        except PrinterError as exc:
            self.open_error = PrinterStatus(PrinterState.NOT_CONFIGURED,
                                            status_message(PrinterState.NOT_CONFIGURED, str(exc)))
            raise
        try:
            printer.open()
        except Exception as exc:  # DeviceNotFoundError, USBNotFoundError, OSError, missing pyusb/pyserial/pycups
            self.open_error = self.device._status(PrinterState.UNREACHABLE)
            log.info("cannot open %s: %s", self.device.where, exc)
            raise PrinterError(str(exc)) from exc
        self.printer = printer
        return printer

    def _query(self, printer: Escpos, request: bytes) -> bytes | None:
        try:
            return bytes(printer.query_status(request))
        except NotImplementedError:
            return None
        except TimeoutError:
            return b""
        except Exception as exc:
            if type(exc).__name__ in ("USBTimeoutError",):
                return b""
            raise

    def status(self) -> PrinterStatus:
        try:
            printer = self._open()
        except PrinterError:
            assert self.open_error is not None
            return self.open_error
        if self.device.config.type in ("cups", "file"):
            return self.device._status(PrinterState.UNKNOWN)  # CUPS spools; a device file cannot answer
        try:
            online = self._query(printer, RT_STATUS_ONLINE)
            if online is None:
                return self.device._status(PrinterState.UNKNOWN)
            if not online:
                return self.device._status(PrinterState.NO_ANSWER)
            if not online[0] & RT_MASK_ONLINE:  # the is_online() test
                paper = printer.paper_status()
                if paper == 0:
                    return self.device._status(PrinterState.PAPER_OUT)
                return self.device._status(PrinterState.PAPER_LOW if paper == 1 else PrinterState.READY)
            cause = self._query(printer, RT_STATUS_OFFLINE_CAUSE) or b""
            if cause and cause[0] & CAUSE_COVER_OPEN:
                return self.device._status(PrinterState.COVER_OPEN)
            if (cause and cause[0] & CAUSE_PAPER_END_STOP) or printer.paper_status() == 0:
                return self.device._status(PrinterState.PAPER_OUT)
            return self.device._status(PrinterState.OFFLINE)
        except Exception as exc:
            log.info("status query to %s failed: %s", self.device.where, exc)
            self.close()
            return self.device._status(PrinterState.UNREACHABLE)

    def send(self, data: bytes, *, name: str, blocks: Sequence[Block] = ()) -> str:
        try:
            printer = self._open()
        except PrinterError:
            raise
        if isinstance(getattr(printer, "_device", None), socket.socket):
            printer._device.settimeout(max(self.device.config.timeout_s, 20.0))
        try:
            printer._raw(data)
            if self.device.config.type == "cups":
                printer.send()  # CUPS submits the spooled job here
            elif hasattr(printer, "flush"):
                printer.flush()
        except Exception as exc:
            raise SendError(f"the connection to the {self.device.where} broke while sending: {exc}") from exc
        return self.device.where

    def close(self) -> None:
        if self.printer is not None:
            try:
                self.printer.close()
            except Exception as exc:
                log.debug("closing %s: %s", self.device.where, exc)
            self.printer = None


def default_device(config: PrinterConfig) -> PrinterDevice:
    return PrinterDevice(config)

