"""Frames kept as the camera's JPEG: decoded only as far as each reader needs, read the same.

The sources here are real MJPG/AVI files read by OpenCV in its raw mode (the JPEGs as stored),
as a USB camera's MJPG frames are read; the decoder is the real one."""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtGui import QImage

from hardware.camera import CameraSource, VideoFileSource
from hardware.frame_change import FrameChange, thumbnail
from hardware.jpeg_frame import CorruptFrame, JpegImage, as_array
from hardware.scan_pipeline import ScanPipeline
from kiosk.scanning import Frame, SourceState, SourceStatus
from ui.scan_worker import ScanWorker, frame_to_qimage, start_worker, stop_worker


def _frames_of(source: VideoFileSource, count: int) -> list[Frame]:
    source.start()
    try:
        frames = []
        while len(frames) < count:
            frame = source.read(5.0)
            assert frame is not None, f"the source gave {len(frames)} frames, then nothing"
            frames.append(frame)
        return frames
    finally:
        source.stop()


def _decoded_by_opencv(path: Path, count: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    try:
        return [cap.read()[1] for _ in range(count)]
    finally:
        cap.release()


def test_an_mjpg_video_gives_its_jpegs_undecoded_and_they_decode_to_the_same_picture(
        tmp_path: Path, qr_frame, write_video) -> None:
    path = write_video(tmp_path / "v.avi", [qr_frame(None, size=(1280, 720), seed=s) for s in range(4)])
    frames = _frames_of(VideoFileSource(path, lossless=True), 4)
    assert all(isinstance(f.image, JpegImage) for f in frames)
    first = frames[0].image
    assert first.shape == (720, 1280, 3) and first.data.size < 1280 * 720 // 4  # compressed, not pixels
    for frame, reference in zip(frames, _decoded_by_opencv(path, 4), strict=True):
        picture = as_array(frame.image)
        assert picture.shape == reference.shape == (720, 1280, 3)
        # two JPEG decoders (libjpeg here, FFmpeg's in the capture) may round differently
        assert float(np.mean(cv2.absdiff(picture, reference))) < 1.5


def test_the_change_detector_sees_a_jpeg_as_it_sees_the_decoded_frame(tmp_path: Path, qr_frame,
                                                                       write_video) -> None:
    empty = qr_frame(None, size=(1280, 720), seed=3)
    with_code = qr_frame("MT-10000001", size=(1280, 720), seed=3)
    path = write_video(tmp_path / "v.avi", [empty, empty, empty, with_code])
    jpegs = [f.image for f in _frames_of(VideoFileSource(path, lossless=True), 4)]
    arrays = _decoded_by_opencv(path, 4)
    for jpeg, array in zip(jpegs, arrays, strict=True):
        small = thumbnail(jpeg)
        # each cell the mean grey of its 16x16 pixels (the decoded frame's thumbnail samples fewer)
        means = cv2.resize(cv2.cvtColor(array, cv2.COLOR_BGR2GRAY), (80, 45), interpolation=cv2.INTER_AREA)
        assert small.shape == thumbnail(array).shape == (45, 80)
        assert int(cv2.absdiff(small, means).max()) <= 4
    decisions = {}
    for name, frames in (("jpeg", jpegs), ("array", arrays)):
        change = FrameChange(clock=lambda: 0.0)
        seen = []
        for image in frames:
            worth = change.worth_decoding(image, 0.0)
            seen.append(worth)
            if worth:
                change.decoded(saw_something=False)
        decisions[name] = seen
    assert decisions["jpeg"] == decisions["array"] == [True, False, False, True]
    # an unchanged JPEG frame was never decoded in full: only its 1/8 grey form exists
    assert set(jpegs[1]._decoded) == {("gray", 8)}


def test_a_code_is_read_from_the_jpeg_and_its_preview_needs_no_second_decode(
        tmp_path: Path, qr_frame, write_video, voucher_codes: list[str]) -> None:
    path = write_video(tmp_path / "v.avi", [qr_frame(voucher_codes[0], size=(1280, 720), seed=1)])
    jpeg = _frames_of(VideoFileSource(path, lossless=True), 1)[0].image
    assert ScanPipeline().decode(jpeg).codes == (voucher_codes[0],)
    assert set(jpeg._decoded) == {("color", 1)}
    preview = frame_to_qimage(jpeg, max_width=640)
    assert (preview.width(), preview.height()) == (640, 360)
    assert set(jpeg._decoded) == {("color", 1)}  # scaled from the reader's picture, not decoded again


def test_the_preview_decodes_a_jpeg_at_the_smallest_size_that_fills_it(tmp_path: Path, qr_frame,
                                                                        write_video) -> None:
    path = write_video(tmp_path / "v.avi", [qr_frame(None, size=(1280, 720))])
    jpeg = _frames_of(VideoFileSource(path, lossless=True), 1)[0].image
    preview = frame_to_qimage(jpeg, max_width=640)
    assert (preview.width(), preview.height()) == (640, 360)
    assert set(jpeg._decoded) == {("color", 2)}
    assert preview.format() == QImage.Format.Format_BGR888
    small = frame_to_qimage(jpeg, max_width=300)
    assert (small.width(), small.height()) == (300, 169)  # 1/4 decoded (320 wide), then scaled
    full = frame_to_qimage(jpeg)
    assert (full.width(), full.height()) == (1280, 720)


def test_a_video_in_another_codec_still_gives_decoded_frames(tmp_path: Path, qr_frame) -> None:
    path = tmp_path / "v.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"FMP4"), 30, (640, 480))
    if not writer.isOpened():
        pytest.skip("OpenCV cannot write MPEG-4 here")
    for seed in range(3):
        writer.write(qr_frame(None, seed=seed))
    writer.release()
    frames = _frames_of(VideoFileSource(path, lossless=True), 3)
    assert all(isinstance(f.image, np.ndarray) and f.image.shape == (480, 640, 3) for f in frames)


class _Frames:
    """A frame source handing out given images, as a camera would, then nothing."""

    name = "test camera"

    def __init__(self, images: list[object]) -> None:
        self._images = list(images)
        self._seq = 0

    def start(self) -> None:
        pass

    def read(self, timeout: float) -> Frame | None:
        if not self._images:
            return None
        self._seq += 1
        return Frame(self._seq, self._images.pop(0), float(self._seq))

    def status(self) -> SourceStatus:
        return SourceStatus(SourceState.LIVE, "Camera ready")

    def stop(self) -> None:
        pass


def test_a_frame_cut_short_is_skipped_with_a_line_in_the_log_and_the_next_code_is_read(
        qtbot, tmp_path: Path, qr_frame, write_video, voucher_codes: list[str], caplog) -> None:
    path = write_video(tmp_path / "v.avi", [qr_frame(voucher_codes[1], size=(1280, 720), seed=2)])
    good = _frames_of(VideoFileSource(path, lossless=True), 1)[0].image
    cut = JpegImage(good.data[: good.data.size // 40], good.width, good.height)  # the header and little else
    with pytest.raises(CorruptFrame):
        cut.gray()
    worker = ScanWorker(_Frames([cut, good]), ScanPipeline(), source_label="camera")
    scans: list[str] = []
    worker.code_scanned.connect(lambda code, _source: scans.append(code))
    caplog.set_level(logging.WARNING, logger="ui.scan_worker")
    thread = start_worker(worker)
    try:
        qtbot.waitUntil(lambda: scans == [voucher_codes[1]], timeout=10_000)
    finally:
        assert stop_worker(worker, thread, 5000), "the worker thread did not stop"
    assert worker.frames_corrupt == 1
    assert any("not a readable JPEG" in r.getMessage() and "skipped" in r.getMessage() for r in caplog.records)


class _DriverThatDecodesAnyway(CameraSource):
    """A camera whose driver accepts "send the JPEGs as they are" and then sends pictures in its
    own pixel layout (what FFmpeg's capture does with that request, as some drivers do)."""

    def _open(self) -> None:
        super()._open()
        if not self._raw_refused:
            self._raw = bool(self._cap.set(cv2.CAP_PROP_CONVERT_RGB, 0))


def test_a_camera_that_does_not_send_its_jpegs_as_they_are_is_decoded_as_it_comes(
        tmp_path: Path, qr_frame, write_video) -> None:
    path = write_video(tmp_path / "v.avi", [qr_frame(None, size=(640, 480), seed=s) for s in range(90)])
    source = _DriverThatDecodesAnyway(str(path), retry_s=0.1)
    frames = _frames_of(source, 5)
    assert source._raw_refused and source.status().state is not SourceState.DISCONNECTED
    assert all(isinstance(f.image, np.ndarray) and f.image.shape == (480, 640, 3) for f in frames)
