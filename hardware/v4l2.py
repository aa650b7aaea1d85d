"""The cameras attached to this computer, by name, as Linux lists them (Video4Linux2).

``/sys/class/video4linux/videoN/name`` is the name the driver gives a camera ("HD Pro Webcam C920");
``/dev/v4l/by-id/`` and ``/dev/v4l/by-path/`` hold links that udev makes for each, named after the
camera's USB ids and serial number (by-id) or the socket it is plugged into (by-path). Those links
are what the kiosk keeps in its camera setting: ``/dev/videoN`` numbers follow the order the
cameras were found in at boot and change when one is unplugged and plugged in again, the links
do not. A camera without such links (a built-in camera on some boards) is kept by its name,
``name:HD Pro Webcam C920``.

The capture formats and frame sizes come from the device itself, by the ``VIDIOC_ENUM_FMT`` and
``VIDIOC_ENUM_FRAMESIZES`` ioctls. Every function takes a :class:`DeviceTree` (the sysfs and /dev
roots), so a test can give it a tree of its own; no OpenCV here.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import re
import stat
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

NAME_PREFIX = "name:"


@dataclass(frozen=True, slots=True)
class DeviceTree:
    """Where the system lists devices: the sysfs root and the /dev root."""

    sys_root: Path = Path("/sys")
    dev_root: Path = Path("/dev")

    @property
    def video4linux(self) -> Path:
        return self.sys_root / "class" / "video4linux"

    def is_device_path(self, text: str) -> bool:
        """True for a path under this tree's /dev (a camera setting that names a device)."""
        return text.startswith(str(self.dev_root).rstrip("/") + "/")


# --- the ioctls (linux/videodev2.h) -----------------------------------------------------------


def _iowr(nr: int, size: int, *, write: bool = True) -> int:
    direction = 3 if write else 2  # _IOWR: the kernel reads the index we give and writes the answer
    return (direction << 30) | (size << 16) | (ord("V") << 8) | nr


CAPABILITY = struct.Struct("=16s32s32sIII12x")  # struct v4l2_capability, 104 bytes
FMTDESC = struct.Struct("=III32sII12x")  # struct v4l2_fmtdesc, 64 bytes
FRMSIZE = struct.Struct("=III6I8x")  # struct v4l2_frmsizeenum, 44 bytes (the union as stepwise)
VIDIOC_QUERYCAP = _iowr(0, CAPABILITY.size, write=False)
VIDIOC_ENUM_FMT = _iowr(2, FMTDESC.size)
VIDIOC_ENUM_FRAMESIZES = _iowr(74, FRMSIZE.size)
BUF_TYPE_VIDEO_CAPTURE = 1
CAP_VIDEO_CAPTURE = 0x1
CAP_VIDEO_CAPTURE_MPLANE = 0x1000
CAP_DEVICE_CAPS = 0x80000000
FRMSIZE_DISCRETE, FRMSIZE_CONTINUOUS, FRMSIZE_STEPWISE = 1, 2, 3
# Sizes offered for a camera that gives a range rather than a list (the common ones in that range).
COMMON_SIZES = ((640, 480), (800, 600), (1280, 720), (1920, 1080), (2560, 1440), (3840, 2160))
MAX_ENTRIES = 64  # a driver that never says "no more" must not keep us asking

Ioctl = Callable[[int, int, bytearray, bool], Any]


@dataclass(frozen=True, slots=True)
class CaptureFormat:
    """One pixel format a camera delivers ("MJPG", "Motion-JPEG") and its frame sizes."""

    fourcc: str
    description: str
    sizes: tuple[tuple[int, int], ...] = ()

    def sizes_text(self) -> str:
        return ", ".join(f"{w}×{h}" for w, h in self.sizes)


def _fourcc(code: int) -> str:
    return code.to_bytes(4, "little").decode("ascii", errors="replace").strip("\x00 ")


def _text(raw: bytes) -> str:
    return raw.split(b"\x00", 1)[0].decode("utf-8", errors="replace").strip()


def query_capture(fd: int, ioctl: Ioctl = fcntl.ioctl) -> bool:
    """True when the device node captures video (a camera's metadata node does not)."""
    buf = bytearray(CAPABILITY.size)
    ioctl(fd, VIDIOC_QUERYCAP, buf, True)
    _driver, _card, _bus, _version, caps, device_caps = CAPABILITY.unpack(buf)
    node_caps = device_caps if caps & CAP_DEVICE_CAPS else caps
    return bool(node_caps & (CAP_VIDEO_CAPTURE | CAP_VIDEO_CAPTURE_MPLANE))


def _frame_sizes(fd: int, pixelformat: int, ioctl: Ioctl) -> tuple[tuple[int, int], ...]:
    sizes: list[tuple[int, int]] = []
    for index in range(MAX_ENTRIES):
        buf = bytearray(FRMSIZE.pack(index, pixelformat, 0, 0, 0, 0, 0, 0, 0))
        try:
            ioctl(fd, VIDIOC_ENUM_FRAMESIZES, buf, True)
        except OSError as exc:
            if exc.errno == errno.EINVAL:
                break  # the end of the list
            raise
        _i, _fmt, kind, a, b, _step_w, d, e, _step_h = FRMSIZE.unpack(buf)
        if kind == FRMSIZE_DISCRETE:
            sizes.append((a, b))
            continue
        min_w, max_w, min_h, max_h = a, b, d, e
        sizes += [(w, h) for w, h in COMMON_SIZES if min_w <= w <= max_w and min_h <= h <= max_h]
        sizes.append((max_w, max_h))
        break  # a range is the only entry
    return tuple(sorted(set(sizes), key=lambda s: (s[0] * s[1], s[0]), reverse=True))


def enumerate_formats(fd: int, ioctl: Ioctl = fcntl.ioctl) -> tuple[CaptureFormat, ...]:
    """The capture formats of an open V4L2 device, each with its frame sizes (largest first)."""
    formats: list[CaptureFormat] = []
    for index in range(MAX_ENTRIES):
        buf = bytearray(FMTDESC.pack(index, BUF_TYPE_VIDEO_CAPTURE, 0, b"", 0, 0))
        try:
            ioctl(fd, VIDIOC_ENUM_FMT, buf, True)
        except OSError as exc:
            if exc.errno == errno.EINVAL:
                break
            raise
        _i, _type, _flags, description, pixelformat, _mbus = FMTDESC.unpack(buf)
        formats.append(CaptureFormat(_fourcc(pixelformat), _text(description), _frame_sizes(fd, pixelformat, ioctl)))
    return tuple(formats)


# --- the cameras ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Camera:
    """One camera as the system lists it now."""

    node: str  # "video0"
    name: str  # the driver's name of it
    device: Path  # its /dev node
    by_id: Path | None = None
    by_path: Path | None = None
    formats: tuple[CaptureFormat, ...] = field(default=())

    @property
    def identity(self) -> str:
        """What the camera setting keeps: a link that survives replugging, else the name."""
        link = self.by_id or self.by_path
        return str(link) if link is not None else NAME_PREFIX + self.name

    @property
    def index(self) -> int:
        return int(self.node.removeprefix("video"))

    def sizes(self) -> list[tuple[int, int]]:
        """Every frame size of every format, largest first."""
        every = {size for fmt in self.formats for size in fmt.sizes}
        return sorted(every, key=lambda s: (s[0] * s[1], s[0]), reverse=True)

    def best_size(self, wanted: tuple[int, int] = (1280, 720)) -> tuple[int, int] | None:
        """``wanted`` if the camera has it, else the largest size not above it, else the smallest
        (None when the formats are unknown). 1280×720 reads vouchers well at 30 frames a second."""
        sizes = self.sizes()
        if not sizes:
            return None
        if wanted in sizes:
            return wanted
        below = [s for s in sizes if s[0] * s[1] <= wanted[0] * wanted[1]]
        return below[0] if below else sizes[-1]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _node_number(node: str) -> int:
    match = re.fullmatch(r"video(\d+)", node)
    return int(match.group(1)) if match else 1 << 30


def _links(tree: DeviceTree, kind: str) -> dict[str, Path]:
    """``{"video0": /dev/v4l/by-id/usb-…-video-index0}``: which link points at which node."""
    folder = tree.dev_root / "v4l" / kind
    found: dict[str, Path] = {}
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return found
    for link in entries:
        target = os.path.basename(os.path.realpath(link))
        found.setdefault(target, link)
    return found


def _probe(device: Path, ioctl: Ioctl) -> tuple[bool | None, tuple[CaptureFormat, ...]]:
    """(captures video?, formats) from the device; (None, ()) when it cannot be asked."""
    try:
        if not stat.S_ISCHR(os.stat(device).st_mode):
            return None, ()  # only a device node is asked: opening anything else may block or change it
        fd = os.open(device, os.O_RDWR | os.O_NONBLOCK)
    except OSError:
        return None, ()
    try:
        try:
            captures: bool | None = query_capture(fd, ioctl)
        except OSError:
            return None, ()  # not a V4L2 device (ENOTTY), or it will not say
        try:
            formats = enumerate_formats(fd, ioctl) if captures else ()
        except OSError as exc:
            log.info("%s: cannot list its formats (%s)", device, exc)
            formats = ()
        return captures, formats
    finally:
        os.close(fd)


def list_cameras(tree: DeviceTree | None = None, *, ioctl: Ioctl = fcntl.ioctl) -> list[Camera]:
    """The video capture devices attached now, in /dev/videoN order.

    A camera often has two nodes (pictures and metadata): only the one that captures is listed.
    Where the device cannot be asked (no permission), the sysfs ``index`` decides: 0 is the
    camera's first node, the one that captures.
    """
    tree = tree or DeviceTree()
    try:
        nodes = sorted((p.name for p in tree.video4linux.iterdir()), key=_node_number)
    except OSError:
        return []
    by_id, by_path = _links(tree, "by-id"), _links(tree, "by-path")
    cameras: list[Camera] = []
    for node in nodes:
        sysfs = tree.video4linux / node
        device = tree.dev_root / node
        captures, formats = _probe(device, ioctl)
        if captures is None:
            captures = _read(sysfs / "index") in ("", "0")
        if not captures:
            continue
        cameras.append(Camera(node, _read(sysfs / "name") or node, device, by_id.get(node), by_path.get(node),
                              formats))
    return cameras


def resolve(identity: str, tree: DeviceTree | None = None) -> Path | None:
    """The device node a camera setting names now, or None when that camera is not plugged in.

    ``identity``: a device index ("0"), a path under /dev (a by-id or by-path link, or a node), or
    ``name:NAME``.
    """
    tree = tree or DeviceTree()
    text = identity.strip()
    if text.isdigit():
        path = tree.dev_root / f"video{int(text)}"
    elif text.startswith(NAME_PREFIX):
        wanted = text.removeprefix(NAME_PREFIX).strip()
        for camera in list_cameras(tree):
            if camera.name == wanted:
                return camera.device
        return None
    else:
        path = Path(text)
    return Path(os.path.realpath(path)) if os.path.exists(path) else None


def camera_name(identity: str, tree: DeviceTree | None = None) -> str:
    """The driver's name of the camera a setting names, or "" when it is not plugged in."""
    tree = tree or DeviceTree()
    text = identity.strip()
    if text.startswith(NAME_PREFIX):
        name = text.removeprefix(NAME_PREFIX).strip()
        return name if resolve(text, tree) is not None else ""
    node = resolve(text, tree)
    if node is None:
        return ""
    return _read(tree.video4linux / os.path.basename(os.path.realpath(node)) / "name")


# --- camera settings ---------------------------------------------------------------------------


def is_camera_spec(spec: str, tree: DeviceTree | None = None) -> bool:
    """True when a camera setting names a camera (an index, a device path, ``name:…``), not a file."""
    text = spec.strip()
    return text.isdigit() or text.startswith(NAME_PREFIX) or (tree or DeviceTree()).is_device_path(text)


def describe_source(spec: str, *, tree: DeviceTree | None = None) -> tuple[str, str]:
    """What a camera setting points at, for a person: ``(kind, detail)``.

    kind is ``"device"`` (detail: the driver's name of the camera, empty when it is not plugged
    in), ``"folder"`` or ``"file"`` (detail: the path), or ``"none"`` for an empty setting.
    """
    text = str(spec).strip()
    for prefix in ("device:", "folder:", "file:"):
        if text.startswith(prefix):
            text = text.removeprefix(prefix).strip()
    if not text:
        return "none", ""
    if is_camera_spec(text, tree):
        return "device", camera_name(text, tree)
    path = Path(text)
    return ("folder", str(path)) if path.is_dir() else ("file", str(path))
