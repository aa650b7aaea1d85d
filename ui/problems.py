"""A failure as a manager or technician reads it: the cause in plain words, in the screen language.

Exception text (errno numbers, library messages, paths of the machine) is for the log; the screen
names the cause a person can act on: a full disk, a missing folder, no permission.
"""

from __future__ import annotations

import errno
import logging

from kiosk.i18n import N_, Message
from ui.i18n import render_current

log = logging.getLogger(__name__)

_OS_CAUSES = {
    errno.ENOSPC: N_("the disk is full"),
    errno.EACCES: N_("the kiosk has no permission there"),
    errno.EPERM: N_("the kiosk has no permission there"),
    errno.ENOENT: N_("the file or folder is not there"),
    errno.EROFS: N_("the drive is read-only"),
    errno.EIO: N_("the drive could not be read or written"),
    errno.ENODEV: N_("the device is not connected"),
    errno.EBUSY: N_("the device is busy"),
}


def problem_words(exc: BaseException) -> str:
    """What went wrong, in words and in the screen language; the exception itself goes to the log."""
    log.info("shown to a person as a problem: %r", exc)
    words = getattr(exc, "words", None)
    if isinstance(words, Message):
        return render_current(words)
    if isinstance(exc, OSError) and exc.errno in _OS_CAUSES:
        return render_current(_OS_CAUSES[exc.errno])
    if isinstance(exc, OSError):
        return render_current(N_("the system refused (details in the log)"))
    return render_current(N_("an unexpected error (details in the log)"))
