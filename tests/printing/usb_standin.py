"""USB receipt printers for the tests, at the USB level: a pyusb backend (``usb.backend.IBackend``)
that python-escpos' ``Usb`` printer and pyusb's ``usb.core.find`` use as they use libusb-1.0.

Each :class:`UsbPrinterStandIn` has the descriptors of a real printer (device, one configuration,
one printer-class interface, a bulk OUT and a bulk IN endpoint, string descriptors for its
maker and name), a kernel driver (usblp) bound to its interface until someone detaches it (a
claim before that fails with "Resource busy", as libusb's does), collects what is written to its
bulk OUT endpoint, and answers ``DLE EOT n`` on its bulk IN endpoint from its state. Unplugged,
it leaves the bus and every call on an open handle fails with ``USBError`` errno ENODEV ("No such
device"), as pyusb's libusb1 backend reports a pulled cable; plugged in again, it is a fresh
device with usblp bound again.
"""

from __future__ import annotations

import array
import errno
import threading
from dataclasses import dataclass, field
from typing import Any

import usb.backend
import usb.core
from escpos_decode import Decoded, decode, decode_stream
from escpos_standin import PRINTABLE, STATUS_BYTES

NO_DEVICE = ("No such device (it may have been disconnected)", -4, errno.ENODEV)
BUSY = ("Resource busy", -6, errno.EBUSY)
TIMEOUT = ("Operation timed out", -7, errno.ETIMEDOUT)


@dataclass
class _Descriptor:
    """A descriptor as pyusb reads it: attributes named as in the USB specification."""

    values: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class _Handle:
    printer: UsbPrinterStandIn
    plug_count: int
    buffer: bytearray = field(default_factory=bytearray)
    answered: int = 0


class UsbPrinterStandIn:
    """One USB printer on the fake bus."""

    def __init__(self, vendor: int, product: int, *, manufacturer: str = "Xprinter",
                 name: str = "XP-58 Thermal Receipt Printer", serial: str = "000001",
                 out_ep: int = 0x02, in_ep: int | None = 0x81, address: int = 5, interface_class: int = 7) -> None:
        self.vendor, self.product = vendor, product
        self.strings = {1: manufacturer, 2: name, 3: serial}
        self.out_ep, self.in_ep = out_ep, in_ep
        self.address = address
        self.interface_class = interface_class
        self.state = "ready"
        self.plugged = True
        self.plug_count = 0  # a new device each time it is plugged in: old handles are dead
        self.kernel_driver = True
        self.access = True  # False: the system refuses to open it (no udev rule for the kiosk's user)
        self.detached = 0
        self.configuration = 0
        self.claimed: set[int] = set()
        self.sessions: list[bytes] = []  # what each open handle wrote, when it was closed
        self.status_queries: list[int] = []
        self.printed: list[Decoded] = []
        self.discarded: list[Decoded] = []
        self._pending: list[int] = []
        self._changed = threading.Condition()

    # --- the test's hands ------------------------------------------------------------------------
    def unplug(self) -> None:
        self.plugged = False

    def plug_in(self) -> None:
        self.plugged = True
        self.plug_count += 1
        self.kernel_driver = True  # the kernel binds usblp to a printer as soon as it appears
        self.configuration = 0
        self.claimed.clear()

    def wait_for_prints(self, count: int, timeout: float = 10.0) -> list[Decoded]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.printed) >= count, timeout)
            return list(self.printed)

    # --- descriptors -------------------------------------------------------------------------------
    def device_descriptor(self) -> _Descriptor:
        return _Descriptor({
            "bLength": 18, "bDescriptorType": 1, "bcdUSB": 0x0200, "bDeviceClass": 0, "bDeviceSubClass": 0,
            "bDeviceProtocol": 0, "bMaxPacketSize0": 64, "idVendor": self.vendor, "idProduct": self.product,
            "bcdDevice": 0x0100, "iManufacturer": 1, "iProduct": 2, "iSerialNumber": 3, "bNumConfigurations": 1,
            "address": self.address, "bus": 1, "port_number": self.address, "port_numbers": (self.address,),
            "speed": 2,
        })

    def endpoints(self) -> list[int]:
        return [ep for ep in (self.out_ep, self.in_ep) if ep is not None]

    # --- what the wire does --------------------------------------------------------------------------
    def check(self, handle: _Handle | None = None) -> None:
        if not self.plugged or (handle is not None and handle.plug_count != self.plug_count):
            raise usb.core.USBError(*NO_DEVICE)

    def write(self, handle: _Handle, data: bytes) -> int:
        self.check(handle)
        if 0 not in self.claimed:
            raise usb.core.USBError(*BUSY)
        handle.buffer += data
        queries = decode_stream(bytes(handle.buffer)).status_queries
        with self._changed:
            for n in queries[handle.answered:]:
                self.status_queries.append(n)
                printer, cause, paper = STATUS_BYTES[self.state]
                self._pending.append({1: printer, 2: cause, 4: paper}.get(n, 0x12))
            handle.answered = len(queries)
            self._changed.notify_all()
        return len(data)

    def read(self, handle: _Handle, buff: Any) -> int:
        self.check(handle)
        with self._changed:
            if not self._pending:
                raise usb.core.USBTimeoutError(*TIMEOUT)
            buff[0] = self._pending.pop(0)
        return 1

    def close(self, handle: _Handle) -> None:
        data = bytes(handle.buffer)
        handle.buffer.clear()
        if not data:
            return
        decoded = decode(data)
        with self._changed:
            self.sessions.append(data)
            if any(e.kind in ("line", "image", "qr", "cut") for e in decoded.events):
                (self.printed if self.state in PRINTABLE and self.plugged else self.discarded).append(decoded)
            self._changed.notify_all()


class UsbBusBackend(usb.backend.IBackend):
    """The pyusb backend of a bus holding the given printers (``usb.core.find(backend=...)``)."""

    def __init__(self, *printers: UsbPrinterStandIn) -> None:
        self.printers = list(printers)

    def enumerate_devices(self) -> Any:
        yield from (p for p in self.printers if p.plugged)

    def get_parent(self, dev: UsbPrinterStandIn) -> None:
        return None

    def get_device_descriptor(self, dev: UsbPrinterStandIn) -> _Descriptor:
        return dev.device_descriptor()

    def get_configuration_descriptor(self, dev: UsbPrinterStandIn, config: int) -> _Descriptor:
        if config != 0:
            raise IndexError("configuration index out of range")
        return _Descriptor({"bLength": 9, "bDescriptorType": 2, "wTotalLength": 9 + 9 + 7 * len(dev.endpoints()),
                            "bNumInterfaces": 1, "bConfigurationValue": 1, "iConfiguration": 0,
                            "bmAttributes": 0xC0, "bMaxPower": 50, "extra_descriptors": []})

    def get_interface_descriptor(self, dev: UsbPrinterStandIn, intf: int, alt: int, config: int) -> _Descriptor:
        if intf != 0 or alt != 0 or config != 0:
            raise IndexError("interface out of range")
        return _Descriptor({"bLength": 9, "bDescriptorType": 4, "bInterfaceNumber": 0, "bAlternateSetting": 0,
                            "bNumEndpoints": len(dev.endpoints()), "bInterfaceClass": dev.interface_class,
                            "bInterfaceSubClass": 1, "bInterfaceProtocol": 2 if dev.in_ep else 1,
                            "iInterface": 0, "extra_descriptors": []})

    def get_endpoint_descriptor(self, dev: UsbPrinterStandIn, ep: int, intf: int, alt: int,
                                config: int) -> _Descriptor:
        endpoints = dev.endpoints()
        if intf != 0 or alt != 0 or config != 0 or ep >= len(endpoints):
            raise IndexError("endpoint out of range")
        return _Descriptor({"bLength": 7, "bDescriptorType": 5, "bEndpointAddress": endpoints[ep],
                            "bmAttributes": 0x02, "wMaxPacketSize": 64, "bInterval": 0, "bRefresh": 0,
                            "bSynchAddress": 0, "extra_descriptors": []})

    def open_device(self, dev: UsbPrinterStandIn) -> _Handle:
        dev.check()
        if not dev.access:
            raise usb.core.USBError("Access denied (insufficient permissions)", -3, errno.EACCES)
        return _Handle(dev, dev.plug_count)

    def close_device(self, dev_handle: _Handle) -> None:
        dev_handle.printer.close(dev_handle)

    def set_configuration(self, dev_handle: _Handle, config_value: int) -> None:
        dev_handle.printer.check(dev_handle)
        if dev_handle.printer.kernel_driver:
            raise usb.core.USBError(*BUSY)  # Linux refuses while a driver holds an interface
        dev_handle.printer.configuration = config_value

    def get_configuration(self, dev_handle: _Handle) -> int:
        dev_handle.printer.check(dev_handle)
        return dev_handle.printer.configuration

    def set_interface_altsetting(self, dev_handle: _Handle, intf: int, altsetting: int) -> None:
        dev_handle.printer.check(dev_handle)

    def claim_interface(self, dev_handle: _Handle, intf: int) -> None:
        printer = dev_handle.printer
        printer.check(dev_handle)
        if printer.kernel_driver:
            raise usb.core.USBError(*BUSY)
        printer.claimed.add(intf)

    def release_interface(self, dev_handle: _Handle, intf: int) -> None:
        dev_handle.printer.claimed.discard(intf)

    def bulk_write(self, dev_handle: _Handle, ep: int, intf: int, data: Any, timeout: int) -> int:
        if ep != dev_handle.printer.out_ep:
            raise usb.core.USBError("Pipe error", -9, errno.EPIPE)  # no such endpoint: the printer stalls it
        return dev_handle.printer.write(dev_handle, bytes(data))

    def bulk_read(self, dev_handle: _Handle, ep: int, intf: int, buff: Any, timeout: int) -> int:
        if ep != dev_handle.printer.in_ep:
            raise usb.core.USBError("Pipe error", -9, errno.EPIPE)
        return dev_handle.printer.read(dev_handle, buff)

    def ctrl_transfer(self, dev_handle: _Handle, bmRequestType: int, bRequest: int, wValue: int, wIndex: int,
                      data: Any, timeout: int) -> int:
        printer = dev_handle.printer
        printer.check(dev_handle)
        if bRequest != 0x06 or wValue >> 8 != 3:  # only GET_DESCRIPTOR(string) is asked of a printer here
            raise usb.core.USBError("Pipe error", -9, errno.EPIPE)
        index = wValue & 0xFF
        if index == 0:
            payload = bytes([4, 3, 0x09, 0x04])  # one language: US English
        else:
            text = printer.strings[index].encode("utf-16-le")
            payload = bytes([2 + len(text), 3]) + text
        payload = payload[:len(data)]
        if isinstance(data, array.array):
            data[:len(payload)] = array.array(data.typecode, payload)
        return len(payload)

    def clear_halt(self, dev_handle: _Handle, ep: int) -> None:
        dev_handle.printer.check(dev_handle)

    def reset_device(self, dev_handle: _Handle) -> None:
        dev_handle.printer.check(dev_handle)

    def is_kernel_driver_active(self, dev_handle: _Handle, intf: int) -> bool:
        dev_handle.printer.check(dev_handle)
        return dev_handle.printer.kernel_driver

    def detach_kernel_driver(self, dev_handle: _Handle, intf: int) -> None:
        printer = dev_handle.printer
        printer.check(dev_handle)
        printer.kernel_driver = False
        printer.detached += 1

    def attach_kernel_driver(self, dev_handle: _Handle, intf: int) -> None:
        dev_handle.printer.kernel_driver = True
