"""Frame sources through the real pipeline: video files, image folders, a camera that is not there."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from hardware.camera import CameraSource, ImageFolderSource, LatestFrame, VideoFileSource, open_source
from hardware.scan_pipeline import ScanPipeline
from kiosk.scanning import FrameSource, SourceState


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def scans_until_end(source: FrameSource, pipeline: ScanPipeline, timeout: float = 20.0) -> tuple[list[str], int]:
    """Run the source to its end through the live pipeline; the scans and the frames seen."""
    scans: list[str] = []
    frames = 0
    deadline = time.monotonic() + timeout
    source.start()
    try:
        while time.monotonic() < deadline:
            frame = source.read(0.2)
            if frame is None:
                if source.status().state is SourceState.ENDED:
                    break
                continue
            frames += 1
            scans += pipeline.process(frame.image)
    finally:
        source.stop()
    return scans, frames


def test_a_video_file_gives_each_code_exactly_once(code_video: tuple[Path, list[str]]) -> None:
    path, codes = code_video
    source = VideoFileSource(path, speed=8.0, lossless=True)
    assert isinstance(source, FrameSource)
    scans, frames = scans_until_end(source, ScanPipeline())
    assert scans == codes  # in the order shown; the first code came back within the window: not again
    assert frames == 3 * 5 + 8 * 5 + 3


def test_an_image_folder_gives_each_code_exactly_once(code_folder: tuple[Path, list[str]]) -> None:
    folder, codes = code_folder
    source = ImageFolderSource(folder, interval_s=0.0, loop=False, lossless=True)
    scans, frames = scans_until_end(source, ScanPipeline())
    assert scans == codes
    assert frames == 2 * len(codes) + 1  # the text file and the broken PNG are skipped


def test_a_looping_folder_keeps_showing_and_the_window_keeps_it_one_scan(code_folder: tuple[Path, list[str]]) -> None:
    folder, codes = code_folder
    source = ImageFolderSource(folder, interval_s=0.005, loop=True)
    pipeline = ScanPipeline()
    scans: list[str] = []
    source.start()
    try:
        deadline = time.monotonic() + 1.5
        frames = 0
        while time.monotonic() < deadline:
            frame = source.read(0.2)
            if frame is not None:
                frames += 1
                scans += pipeline.process(frame.image)
    finally:
        source.stop()
    assert sorted(scans) == sorted(codes)
    assert frames > 2 * len(codes)


def test_only_the_newest_frame_is_kept() -> None:
    slot = LatestFrame()
    for i in range(5):
        slot.put(np.full((2, 2), i, np.uint8))
    frame = slot.take(0.1)
    assert frame is not None and frame.seq == 5 and int(frame.image[0, 0]) == 4
    assert slot.take(0.05) is None  # nothing new: no backlog of the four older frames


def test_a_camera_that_is_not_there_is_disconnected_and_retried() -> None:
    source = CameraSource(57, retry_s=0.1)
    source.start()
    try:
        assert wait_for(lambda: source.status().state is SourceState.DISCONNECTED, 10)
        message = source.status().message
        assert message.startswith("Camera disconnected — retrying")
        assert "57" in message
        assert source.read(0.2) is None
        assert source._thread is not None and source._thread.is_alive()  # still retrying
    finally:
        source.stop()
    assert source.status().state is SourceState.STOPPED


def test_a_missing_video_recovers_when_the_file_comes_back(code_video: tuple[Path, list[str]], tmp_path: Path) -> None:
    path, codes = code_video
    target = tmp_path / "later" / "clip.avi"
    source = VideoFileSource(target, speed=8.0, lossless=True, retry_s=0.05)
    source.start()
    try:
        assert wait_for(lambda: source.status().state is SourceState.DISCONNECTED)
        assert "missing" in source.status().message
        target.parent.mkdir()
        shutil.copy(path, target)
        assert wait_for(lambda: source.status().state in (SourceState.LIVE, SourceState.ENDED))
        pipeline = ScanPipeline()
        scans: list[str] = []
        while (frame := source.read(0.5)) is not None:
            scans += pipeline.process(frame.image)
        assert scans == codes
        assert wait_for(lambda: source.status().state is SourceState.ENDED)
    finally:
        source.stop()


def test_a_looping_video_that_disappears_is_disconnected_then_resumes(code_video: tuple[Path, list[str]],
                                                                     tmp_path: Path) -> None:
    path, codes = code_video
    clip = tmp_path / "loop.avi"
    shutil.copy(path, clip)
    source = VideoFileSource(clip, loop=True, speed=20.0, retry_s=0.05)
    source.start()
    try:
        assert wait_for(lambda: source.status().state is SourceState.LIVE)
        clip.unlink()
        assert wait_for(lambda: source.status().state is SourceState.DISCONNECTED)
        shutil.copy(path, clip)
        assert wait_for(lambda: source.status().state is SourceState.LIVE)
        pipeline = ScanPipeline()
        seen: set[str] = set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and seen != set(codes):
            frame = source.read(0.2)
            if frame is not None:
                seen.update(pipeline.process(frame.image))
        assert seen == set(codes)
    finally:
        source.stop()


def test_a_missing_folder_is_disconnected_until_it_exists(code_folder: tuple[Path, list[str]], tmp_path: Path) -> None:
    folder, _codes = code_folder
    later = tmp_path / "not-yet"
    source = open_source(str(later))
    assert isinstance(source, VideoFileSource)  # a path that is not a folder (yet) is taken as a file
    folder_source = ImageFolderSource(later, interval_s=0.01, retry_s=0.05)
    folder_source.start()
    try:
        assert wait_for(lambda: folder_source.status().state is SourceState.DISCONNECTED)
        shutil.copytree(folder, later)
        assert wait_for(lambda: folder_source.status().state is SourceState.LIVE)
        assert folder_source.read(1.0) is not None
    finally:
        folder_source.stop()
    assert isinstance(open_source("0"), CameraSource)
    assert isinstance(open_source(str(folder)), ImageFolderSource)
