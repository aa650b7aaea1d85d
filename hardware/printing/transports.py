"""The python-escpos printer object for each transport: network, USB, serial, CUPS (``lp``), file.

Where python-escpos 3.1 needs help, it gets it here, by subclassing, not by changing what it sends:

* USB: python-escpos detaches the kernel driver (usblp) from interface 0 only, and only when the
  pyusb backend's module name ends in ``libusb1``; :class:`PrinterUsb` detaches it from every
  interface it is active on, on any backend that can, and takes the bulk OUT and IN endpoints from
  the interface descriptors (printers differ: 0x01/0x82, 0x02/0x81, 0x03/0x81 are all common)
  instead of python-escpos' fixed 0x01/0x82.
* Serial: python-escpos passes XON/XOFF and DSR/DTR flow control but not RTS/CTS; RTS/CTS is set
  on the open port (pyserial applies it to the line at once).
* CUPS: the ``LP`` printer pipes the job into ``lp -o raw`` (no pycups build needed); the queue's
  state is read with ``lpstat`` (see :func:`cups_queue_state`), never by opening a job.
"""

from __future__ import annotations

import errno
import logging
import os
import subprocess
from typing import Any

from escpos.escpos import Escpos

from hardware.printing.config import PrinterConfig

log = logging.getLogger(__name__)

FLOW_CONTROLS = ("none", "rtscts", "xonxoff", "dsrdtr")
USB_PRINTER_CLASS = 7


class ConfigError(Exception):
    """The settings do not describe a printer connection (nothing was opened)."""


def _hex(value: str) -> int:
    return int(value, 16)


def _usb_class() -> type[Escpos]:
    import usb.core
    import usb.util
    from escpos.printer import Usb

    class PrinterUsb(Usb):
        """python-escpos ``Usb`` that frees every interface from the kernel and finds its own endpoints."""

        def _check_driver(self) -> None:
            device = self.device
            if not device:
                return
            try:
                interfaces = [intf.bInterfaceNumber for intf in device[0]]
            except (usb.core.USBError, IndexError, NotImplementedError):
                interfaces = [0]
            for number in sorted(set(interfaces)):
                try:
                    if device.is_kernel_driver_active(number):
                        device.detach_kernel_driver(number)
                        log.info("USB printer %04x:%04x: kernel driver detached from interface %d",
                                 device.idVendor, device.idProduct, number)
                except NotImplementedError:
                    pass  # a backend without kernel drivers (libusb0 on some systems): nothing to free
                except usb.core.USBError as exc:
                    log.warning("could not detach the kernel driver of interface %d: %s", number, exc)

        def _configure_usb(self) -> None:
            super()._configure_usb()
            self._check_driver()  # a reset may hand the interface back to usblp
            self._find_endpoints()

        def _find_endpoints(self) -> None:
            device = self.device
            if not device:
                return
            try:
                config = device.get_active_configuration()
            except usb.core.USBError:
                return
            for intf in config:
                out_ep = in_ep = None
                for ep in intf:
                    if usb.util.endpoint_type(ep.bmAttributes) != usb.util.ENDPOINT_TYPE_BULK:
                        continue
                    if usb.util.endpoint_direction(ep.bEndpointAddress) == usb.util.ENDPOINT_OUT:
                        out_ep = out_ep or ep.bEndpointAddress
                    else:
                        in_ep = in_ep or ep.bEndpointAddress
                if out_ep is not None:
                    self.out_ep = out_ep
                    self.in_ep = in_ep  # None: a one-way printer, it cannot report status
                    return

        def _read(self) -> bytes:
            if self.in_ep is None:
                raise NotImplementedError("this USB printer has no IN endpoint")
            return bytes(self.device.read(self.in_ep, 16, self.timeout or 1000))

    return PrinterUsb


def open_connection(config: PrinterConfig, *, usb_backend: Any = None) -> Escpos:
    """A python-escpos printer object for the configured connection (not yet opened).

    ``usb_backend`` is handed to pyusb's ``usb.core.find`` (through python-escpos' ``usb_args``);
    None lets pyusb pick its backend (libusb-1.0 on Linux). Tests pass a backend of their own.
    """
    kwargs: dict[str, Any] = {"profile": config.profile}
    if config.type == "network":
        if not config.host:
            raise ConfigError("printer.host is empty")
        from escpos.printer import Network

        return Network(host=config.host, port=config.port, timeout=config.timeout_s, **kwargs)
    if config.type == "usb":
        if not (config.usb_vendor and config.usb_product):
            raise ConfigError("printer.usb_vendor and printer.usb_product are needed")
        usb_args: dict[str, Any] = {}
        if usb_backend is not None:
            usb_args["backend"] = usb_backend
        return _usb_class()(idVendor=_hex(config.usb_vendor), idProduct=_hex(config.usb_product),
                            usb_args=usb_args, timeout=int(config.timeout_s * 1000), **kwargs)
    if config.type == "serial":
        if not config.serial_port:
            raise ConfigError("printer.serial_port is empty")
        from escpos.printer import Serial

        flow = config.flow_control
        return Serial(devfile=config.serial_port, baudrate=config.baudrate, timeout=config.timeout_s,
                      xonxoff=flow == "xonxoff", dsrdtr=flow == "dsrdtr", **kwargs)
    if config.type == "cups":
        from escpos.printer import LP

        return LP(printer_name=config.cups_queue, **kwargs)
    if config.type == "file" and config.path:
        from escpos.printer import File

        return File(devfile=config.path, **kwargs)
    raise ConfigError(f"printer.type {config.type!r} has no connection")


def check_present(config: PrinterConfig) -> None:
    """A device path that is not there is an unplugged printer, never a file to create.

    python-escpos' ``File`` opens with ``"wb"``: with /dev/usb/lp0 gone it would create a plain file
    of that name (as root, in /dev) and "print" into it; the receipt would be lost and the printer's
    own device node could not come back.
    """
    if config.type == "file" and "/dev/" in config.path and not os.path.exists(config.path):
        raise FileNotFoundError(errno.ENOENT, "No such device file (printer unplugged?)", config.path)


def after_open(printer: Escpos, config: PrinterConfig) -> None:
    """Settings python-escpos does not pass when it opens: RTS/CTS and a short status read on serial."""
    if config.type != "serial":
        return
    port = printer.device
    if config.flow_control == "rtscts":
        port.rtscts = True
    # A status answer is one byte: return as soon as it is in, not after python-escpos' 16-byte read.
    port.inter_byte_timeout = 0.05
    # With flow control a printer that stops (paper out mid-receipt) holds the line: a write must end.
    port.write_timeout = max(config.timeout_s, 20.0)


def read_status_byte(printer: Escpos, config: PrinterConfig) -> bytes:
    """One status answer from the printer (``b""`` when none came in time)."""
    if config.type == "serial":
        return bytes(printer.device.read(1))
    return bytes(printer._read())


def cups_queue_state(queue: str) -> str:
    """``ready``, ``disabled`` (stopped or not accepting jobs) or ``missing`` for a CUPS queue,
    from ``lpstat`` (the ``CUPS_SERVER`` environment variable says which server to ask)."""
    name = queue or _cups_default()
    if not name:
        return "missing"
    try:
        accepting = subprocess.run(["lpstat", "-a", name], capture_output=True, text=True, timeout=5,
                                   env=os.environ.copy())
        printer = subprocess.run(["lpstat", "-p", name], capture_output=True, text=True, timeout=5,
                                 env=os.environ.copy())
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("lpstat failed: %s", exc)
        return "missing"
    if accepting.returncode != 0 or printer.returncode != 0:
        return "missing"
    if "not accepting" in accepting.stdout or "disabled" in printer.stdout:
        return "disabled"
    return "ready"


def _cups_default() -> str:
    try:
        out = subprocess.run(["lpstat", "-d"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.strip().rsplit(" ", 1)[-1] if ":" in out else ""
