"""What a printer's state is and how it is worded: the ESC/POS real-time status decoded, and the
errors of each transport sorted into "unplugged" and "cannot be reached".

Status follows the ESC/POS real-time status (``DLE EOT n``) that python-escpos' ``is_online()``
and ``paper_status()`` send: n=1 printer (bit 3 = offline), n=2 offline cause (bit 2 = cover
open, bit 5 = stopped by paper end), n=4 paper sensor (bits 5-6 = paper end, bits 2-3 = near
end).
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from escpos.constants import RT_MASK_LOWPAPER, RT_MASK_NOPAPER, RT_MASK_ONLINE, RT_STATUS_ONLINE, RT_STATUS_PAPER

from kiosk.i18n import N_, Message, message, render

RT_STATUS_OFFLINE_CAUSE = b"\x10\x04\x02"
CAUSE_COVER_OPEN = 0x04
CAUSE_PAPER_END_STOP = 0x20

#: errno values that mean "the device went away" (USB unplugged, serial adapter pulled, usblp gone).
UNPLUGGED_ERRNOS = frozenset({errno.ENODEV, errno.ENXIO, errno.ENOENT, errno.EIO, errno.EPIPE})


class PrinterState(StrEnum):
    READY = "ready"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    DISCONNECTED = "disconnected"  # a USB, serial or device-file printer that is not plugged in
    UNREACHABLE = "unreachable"
    NO_ANSWER = "no_answer"
    UNKNOWN = "unknown"  # this connection cannot report status; printing goes ahead
    NOT_CONFIGURED = "not_configured"
    NONE = "none"  # printer.type = none


PRINTABLE = frozenset({PrinterState.READY, PrinterState.PAPER_LOW, PrinterState.UNKNOWN})


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """A printer's state, its words in English (``message``) and, where known, in no language yet."""

    state: PrinterState
    message: str
    words: Message | None = None

    @property
    def can_print(self) -> bool:
        return self.state in PRINTABLE


#: What the log and the technician read for each printer state (the strip has its own short words).
STATUS_WORDS = {
    PrinterState.READY: N_("Printer ready."),
    PrinterState.PAPER_LOW: N_("Paper is running low: have a new roll ready."),
    PrinterState.PAPER_OUT: N_("The printer is out of paper. Load a new roll: the receipt will print by itself."),
    PrinterState.COVER_OPEN: N_("The printer cover is open. Close it: printing will continue by itself."),
    PrinterState.OFFLINE: N_("The {where} is offline (an error, the feed button, or a stopped queue). Check it: "
                             "printing will continue by itself."),
    PrinterState.DISCONNECTED: N_("The {where} is not connected. Plug its cable back in and switch it on: "
                                  "waiting receipts print by themselves when it is back."),
    PrinterState.UNREACHABLE: N_("Cannot reach the {where}. Check its power and cable: printing will continue "
                                 "by itself when it is back."),
    PrinterState.NO_ANSWER: N_("The {where} does not answer. Check that it is switched on: printing will "
                               "continue by itself."),
    PrinterState.UNKNOWN: N_("Sending to the {where} (it cannot report paper or cover)."),
    PrinterState.NOT_CONFIGURED: N_("The printer is not set up completely ({where}). A technician can fix it "
                                    "on Technician → Printer."),
    PrinterState.NONE: N_("No printer is set up: receipts are not printed (preview one with {command})."),
}


def status_words(state: PrinterState, where: Message | str) -> Message:
    """The words of a printer state, in no language yet (see :mod:`kiosk.i18n`)."""
    return message(STATUS_WORDS[state], where=where, command="kiosk receipt ID --png")


def status_message(state: PrinterState, where: Message | str) -> str:
    """The words of a printer state in English, for the log and the print log's ``detail``."""
    return render(status_words(state, where))


def is_unplugged(exc: BaseException) -> bool:
    """True when an error (or one it was raised from) says the device itself is gone.

    pyusb raises ``USBError`` with errno ENODEV ("No such device") once a printer is unplugged;
    a pulled USB-serial adapter or a missing /dev/usb/lp0 gives ENOENT, ENXIO or EIO; python-escpos
    wraps "not found" as ``DeviceNotFoundError`` with the cause in its text.
    """
    seen: BaseException | None = exc
    while seen is not None:
        code = getattr(seen, "errno", None)
        if isinstance(code, int):  # the operating system's own word decides
            return code in UNPLUGGED_ERRNOS
        text = str(seen).lower()
        if any(words in text for words in ("no such device", "no such file", "not found or cable not plugged",
                                           "device not configured")):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def is_refused(exc: BaseException) -> bool:
    """True when the system refused the kiosk the device (EACCES/EPERM: no udev rule, not in the group)."""
    seen: BaseException | None = exc
    while seen is not None:
        code = getattr(seen, "errno", None)
        if isinstance(code, int):
            return code in (errno.EACCES, errno.EPERM)
        if "permission denied" in str(seen).lower() or "access denied" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def decode_status(ask: Callable[[bytes], bytes | None]) -> PrinterState:
    """The printer's state from its answers to DLE EOT 1, 2 and 4.

    ``ask(request)`` sends one query and returns the answer, ``b""`` when nothing came back in
    time, or ``None`` when the connection cannot read at all.
    """
    online = ask(RT_STATUS_ONLINE)
    if online is None:
        return PrinterState.UNKNOWN
    if not online:
        return PrinterState.NO_ANSWER

    def paper() -> int:
        answer = ask(RT_STATUS_PAPER) or b""
        if not answer:
            return 2
        if answer[0] & RT_MASK_NOPAPER == RT_MASK_NOPAPER:
            return 0
        return 1 if answer[0] & RT_MASK_LOWPAPER == RT_MASK_LOWPAPER else 2

    if not online[0] & RT_MASK_ONLINE:  # python-escpos' is_online() test
        level = paper()
        if level == 0:
            return PrinterState.PAPER_OUT
        return PrinterState.PAPER_LOW if level == 1 else PrinterState.READY
    cause = ask(RT_STATUS_OFFLINE_CAUSE) or b""
    if cause and cause[0] & CAUSE_COVER_OPEN:
        return PrinterState.COVER_OPEN
    if (cause and cause[0] & CAUSE_PAPER_END_STOP) or paper() == 0:
        return PrinterState.PAPER_OUT
    return PrinterState.OFFLINE
