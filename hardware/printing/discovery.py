"""What printers are attached to this terminal, as candidates a technician picks from a list.

Each :class:`Candidate` has a label in a technician's words and the ``printer.*`` settings that
choosing it fills. Looked for, in this order:

1. USB printers (pyusb): devices of USB class 7 (printer) on the device or an interface; vendor and
   product ids always, maker and name when the device can be asked (a user without access to
   /dev/bus/usb sees ids only);
2. Linux printer devices ``/dev/usb/lp*`` (usblp), with the name of the printer from sysfs;
3. serial ports: ``/dev/serial/by-id/*`` first (a name that stays the same when the adapter is
   plugged into another socket or comes back as ttyUSB1), then pyserial's ``list_ports`` with
   their descriptions;
4. CUPS queues (``lpstat -e``, ``lpstat -v``);
5. other USB devices (a printer that says "vendor specific" instead of class 7), after the rest.

Nothing here raises: a part that cannot be looked at (no libusb, no CUPS) is left out.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hardware.printing.transports import USB_PRINTER_CLASS
from kiosk.i18n import N_, Message, message

log = logging.getLogger(__name__)

USB_HUB_CLASS = 9


@dataclass(frozen=True, slots=True)
class Candidate:
    """One attached printer or port a technician may choose."""

    kind: str  # usb, device, serial, cups
    label: Message
    settings: dict[str, Any] = field(default_factory=dict)
    likely_printer: bool = True

    @property
    def key(self) -> str:
        """Stays the same from one look to the next (to keep the same row chosen)."""
        return "|".join(f"{k}={v}" for k, v in sorted(self.settings.items()))


def discover(*, root: Path = Path("/"), usb_backend: Any = None) -> list[Candidate]:
    """Every candidate, printers first. ``root`` stands for ``/`` (for /dev and /sys; tests pass a
    folder), ``usb_backend`` for pyusb's backend (None: libusb-1.0)."""
    usb = usb_devices(usb_backend)
    found = [c for c in usb if c.likely_printer]
    found += device_files(root)
    found += serial_ports(root)
    found += cups_queues()
    found += [c for c in usb if not c.likely_printer]
    return found


# --- USB ---------------------------------------------------------------------------------------------


def usb_devices(backend: Any = None) -> list[Candidate]:
    try:
        import usb.core

        devices = list(usb.core.find(find_all=True, backend=backend) or [])
    except Exception as exc:  # no pyusb, no libusb (NoBackendError), no /dev/bus/usb
        log.info("USB devices cannot be listed: %s", exc)
        return []
    found: list[Candidate] = []
    for dev in devices:
        if dev.bDeviceClass == USB_HUB_CLASS:
            continue
        ids = f"{dev.idVendor:04x}:{dev.idProduct:04x}"
        name = _usb_name(dev)
        printer = dev.bDeviceClass == USB_PRINTER_CLASS or _has_printer_interface(dev)
        if printer:
            label = message(N_("USB printer {name} ({ids})"), name=name, ids=ids) if name else \
                message(N_("USB printer {ids}"), ids=ids)
        else:
            label = message(N_("USB device {name} ({ids}), not marked as a printer"), name=name or "?", ids=ids)
        found.append(Candidate("usb", label, {"printer.type": "usb", "printer.usb_vendor": f"{dev.idVendor:04x}",
                                              "printer.usb_product": f"{dev.idProduct:04x}"}, printer))
    return sorted(found, key=lambda c: not c.likely_printer)


def _has_printer_interface(dev: Any) -> bool:
    try:
        return any(intf.bInterfaceClass == USB_PRINTER_CLASS for config in dev for intf in config)
    except Exception:
        return False


def _usb_name(dev: Any) -> str:
    """Maker and product from the string descriptors ("" when the device cannot be asked)."""
    parts = []
    for attribute in ("manufacturer", "product"):
        try:
            value = getattr(dev, attribute)
        except Exception:  # ValueError (no language ids / no access), USBError, NotImplementedError
            value = None
        if value and value.strip() and value.strip() not in parts:
            parts.append(value.strip())
    return " ".join(parts)


# --- /dev/usb/lp* ---------------------------------------------------------------------------------------


def device_files(root: Path) -> list[Candidate]:
    found = []
    for path in sorted((root / "dev" / "usb").glob("lp*")):
        if not re.fullmatch(r"lp\d+", path.name):
            continue
        name = _sysfs_printer_name(root, path.name)
        shown = _as_on_the_system(path, root)
        label = message(N_("Printer device {path}: {name}"), path=shown, name=name) if name else \
            message(N_("Printer device {path}"), path=shown)
        found.append(Candidate("device", label, {"printer.type": "file", "printer.path": str(path)}))
    return found


def _as_on_the_system(path: Path, root: Path) -> str:
    """``/dev/usb/lp0`` for ROOT/dev/usb/lp0: the name the technician knows (settings keep the real path)."""
    return "/" + str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _sysfs_printer_name(root: Path, node: str) -> str:
    """The USB maker and product of a usblp node, from /sys/class/usbmisc/lpN/device/.. ("" if unknown)."""
    usb_device = root / "sys" / "class" / "usbmisc" / node / "device" / ".."
    parts = []
    for attribute in ("manufacturer", "product"):
        try:
            value = (usb_device / attribute).read_text().strip()
        except OSError:
            continue
        if value and value not in parts:
            parts.append(value)
    return " ".join(parts)


# --- serial ports ------------------------------------------------------------------------------------------


def serial_ports(root: Path) -> list[Candidate]:
    found: list[Candidate] = []
    covered: set[str] = set()
    by_id = root / "dev" / "serial" / "by-id"
    for link in sorted(by_id.glob("*")) if by_id.is_dir() else []:
        target = os.path.realpath(link)
        covered.add(target)
        found.append(Candidate("serial", message(N_("Serial port {name} (now {port})"), name=link.name,
                                                 port=os.path.basename(target)),
                               {"printer.type": "serial", "printer.serial_port": str(link)}))
    try:
        from serial.tools import list_ports

        ports = list(list_ports.comports())
    except Exception as exc:
        log.info("serial ports cannot be listed: %s", exc)
        ports = []
    for port in sorted(ports, key=lambda p: p.device):
        if os.path.realpath(port.device) in covered:
            continue
        description = port.description if port.description and port.description != "n/a" else ""
        label = message(N_("Serial port {port}: {description}"), port=port.device, description=description) \
            if description else message(N_("Serial port {port}"), port=port.device)
        found.append(Candidate("serial", label, {"printer.type": "serial", "printer.serial_port": port.device}))
    return found


# --- CUPS ----------------------------------------------------------------------------------------------------


def cups_queues() -> list[Candidate]:
    """The queues of the CUPS server (``CUPS_SERVER`` or the local one), with where each one prints."""
    try:
        names = subprocess.run(["lpstat", "-e"], capture_output=True, text=True, timeout=5)
        devices = subprocess.run(["lpstat", "-v"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("CUPS queues cannot be listed: %s", exc)
        return []
    uris: dict[str, str] = {}
    for line in devices.stdout.splitlines():
        head, _, uri = line.partition(": ")
        if uri and head.startswith("device for "):
            uris[head.removeprefix("device for ")] = uri.strip()
    found = []
    for name in names.stdout.split():
        label = message(N_("CUPS queue {queue} (prints to {uri})"), queue=name, uri=uris[name]) if name in uris \
            else message(N_("CUPS queue {queue}"), queue=name)
        found.append(Candidate("cups", label, {"printer.type": "cups", "printer.cups_queue": name}))
    return found
