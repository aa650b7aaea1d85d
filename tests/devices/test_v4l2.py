"""Cameras by name from a device tree: names from sysfs, the by-id links udev makes, capture nodes
only, an identity that survives a replug under another /dev/videoN, and the V4L2 ioctls' structs.

No V4L2 device exists on the machines the tests run on, so the ioctls are answered by a stand-in
that implements the kernel's side of the ABI (linux/videodev2.h): it reads the index the caller
packed and writes the answer at the offsets the kernel does, or fails with EINVAL past the end.
"""

from __future__ import annotations

import errno
import os
import struct
from pathlib import Path
from typing import ClassVar

from hardware import v4l2
from hardware.v4l2 import CaptureFormat, DeviceTree, describe_source, list_cameras, resolve
from kiosk.settings import Settings


def fourcc(text: str) -> int:
    return int.from_bytes(text.encode("ascii"), "little")


class KernelStandIn:
    """The kernel's answers for one USB camera: MJPG in three sizes, YUYV in a stepwise range."""

    FORMATS = ((fourcc("MJPG"), b"Motion-JPEG"), (fourcc("YUYV"), b"YUYV 4:2:2"))
    SIZES: ClassVar[dict[int, tuple[tuple[int, int], ...]]] = {fourcc("MJPG"): ((1920, 1080), (1280, 720), (640, 480))}

    def __init__(self, capture: bool = True) -> None:
        self.capture = capture

    def __call__(self, fd: int, request: int, buf: bytearray, mutate: bool) -> int:
        assert mutate and isinstance(buf, bytearray)
        if request == v4l2.VIDIOC_QUERYCAP:
            assert len(buf) == 104
            caps = (0x1 if self.capture else 0x00800000) | 0x04000000
            buf[:] = struct.pack("=16s32s32sIII12x", b"uvcvideo", b"Cam", b"usb-0000:00:14.0-2", 0x60000,
                                 caps | 0x80000000 | 0x1, caps)
            return 0
        if request == v4l2.VIDIOC_ENUM_FMT:
            assert len(buf) == 64
            index, kind = struct.unpack_from("=II", buf)
            if kind != 1 or index >= len(self.FORMATS):
                raise OSError(errno.EINVAL, "Invalid argument")
            pixelformat, description = self.FORMATS[index]
            struct.pack_into("=III32sII", buf, 0, index, kind, 0, description, pixelformat, 0)
            return 0
        if request == v4l2.VIDIOC_ENUM_FRAMESIZES:
            assert len(buf) == 44
            index, pixelformat = struct.unpack_from("=II", buf)
            if pixelformat in self.SIZES:
                sizes = self.SIZES[pixelformat]
                if index >= len(sizes):
                    raise OSError(errno.EINVAL, "Invalid argument")
                struct.pack_into("=IIIII", buf, 0, index, pixelformat, 1, *sizes[index])
                return 0
            if index > 0:
                raise OSError(errno.EINVAL, "Invalid argument")
            struct.pack_into("=III6I", buf, 0, 0, pixelformat, 3, 160, 1280, 16, 120, 720, 8)
            return 0
        raise OSError(errno.ENOTTY, "Inappropriate ioctl for device")


def test_the_ioctl_numbers_are_the_kernels() -> None:
    assert (v4l2.VIDIOC_QUERYCAP, v4l2.VIDIOC_ENUM_FMT, v4l2.VIDIOC_ENUM_FRAMESIZES) == \
        (0x80685600, 0xC0405602, 0xC02C564A)


def test_formats_and_sizes_come_from_the_device() -> None:
    formats = v4l2.enumerate_formats(3, KernelStandIn())
    assert formats == (
        CaptureFormat("MJPG", "Motion-JPEG", ((1920, 1080), (1280, 720), (640, 480))),
        CaptureFormat("YUYV", "YUYV 4:2:2", ((1280, 720), (800, 600), (640, 480))),
    )
    assert v4l2.query_capture(3, KernelStandIn()) and not v4l2.query_capture(3, KernelStandIn(capture=False))


def make_tree(root: Path) -> DeviceTree:
    tree = DeviceTree(root / "sys", root / "dev")
    (tree.dev_root / "v4l" / "by-id").mkdir(parents=True)
    for node, name, index in (("video0", "HD Pro Webcam C920", "0"), ("video1", "HD Pro Webcam C920", "1"),
                              ("video2", "Board Camera", "0")):
        (tree.video4linux / node).mkdir(parents=True)
        (tree.video4linux / node / "name").write_text(name + "\n", encoding="utf-8")
        (tree.video4linux / node / "index").write_text(index + "\n", encoding="utf-8")
        (tree.dev_root / node).touch()
    os.symlink("../../video0", tree.dev_root / "v4l" / "by-id" / "usb-046d_HD_Pro_Webcam_C920_8A3F-video-index0")
    return tree


def test_cameras_are_listed_by_name_with_the_link_that_names_them_for_good(tmp_path) -> None:
    tree = make_tree(tmp_path)
    cameras = list_cameras(tree)
    assert [(c.node, c.name) for c in cameras] == [("video0", "HD Pro Webcam C920"), ("video2", "Board Camera")]
    webcam, board = cameras
    assert webcam.identity == str(tree.dev_root / "v4l/by-id/usb-046d_HD_Pro_Webcam_C920_8A3F-video-index0")
    assert board.identity == "name:Board Camera"  # no udev link: kept by its name
    assert webcam.formats == () and webcam.best_size() is None  # a plain file cannot be asked


def test_an_identity_finds_the_camera_again_under_another_number(tmp_path) -> None:
    tree = make_tree(tmp_path)
    link = list_cameras(tree)[0].identity
    assert resolve(link, tree) is not None and os.path.basename(os.path.realpath(link)) == "video0"
    # unplugged: udev removes the node and the link
    os.unlink(link)
    (tree.dev_root / "video0").unlink()
    assert resolve(link, tree) is None and describe_source(link, tree=tree) == ("device", "")
    # plugged in again, found as video3 this time
    (tree.video4linux / "video3").mkdir()
    (tree.video4linux / "video3" / "name").write_text("HD Pro Webcam C920\n", encoding="utf-8")
    (tree.dev_root / "video3").touch()
    os.symlink("../../video3", link)
    assert os.path.basename(str(resolve(link, tree))) == "video3"
    assert describe_source(link, tree=tree) == ("device", "HD Pro Webcam C920")
    assert os.path.basename(str(resolve("name:Board Camera", tree))) == "video2"


def test_a_camera_by_size_picks_what_it_has() -> None:
    camera = v4l2.Camera("video0", "Cam", Path("/dev/video0"), formats=v4l2.enumerate_formats(3, KernelStandIn()))
    assert camera.best_size((1280, 720)) == (1280, 720)
    assert camera.best_size((1024, 768)) == (800, 600)  # the largest not above what was asked
    assert camera.sizes()[0] == (1920, 1080)


def test_the_camera_setting_takes_links_names_and_the_old_index() -> None:
    settings = Settings()
    for value in ("/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920_8A3F-video-index0", "name:Board Camera", "0", "2"):
        settings.set("camera.source", value)
        assert settings.get("camera.source") == value
    from hardware.camera import CameraSource, open_source

    assert open_source("0").index == 0  # type: ignore[attr-defined]
    by_link = open_source("/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920_8A3F-video-index0")
    assert isinstance(by_link, CameraSource) and by_link.index is None
