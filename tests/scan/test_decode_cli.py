"""``kiosk decode``: images and videos in, one JSON line per input out, errors in words."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from hardware.decode_cli import main

FrameMaker = Callable[..., np.ndarray]
REPO = Path(__file__).resolve().parents[2]


def lines_of(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def inputs(tmp_path: Path, qr_frame: FrameMaker, voucher_codes: list[str]) -> dict[str, Path]:
    """Good images in PNG, JPEG and WebP, and files that are not readable images."""
    files: dict[str, Path] = {}
    for i, fmt in enumerate(["png", "jpg", "webp"]):
        path = tmp_path / f"code.{fmt}"
        Image.fromarray(qr_frame(voucher_codes[i])[:, :, ::-1]).save(path, quality=92)
        files[fmt] = path
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), qr_frame(None))
    files["blank"] = blank
    data = files["png"].read_bytes()
    (tmp_path / "truncated.png").write_bytes(data[: len(data) // 3])
    files["truncated_png"] = tmp_path / "truncated.png"
    data = files["jpg"].read_bytes()
    (tmp_path / "truncated.jpg").write_bytes(data[: len(data) // 2])
    files["truncated_jpg"] = tmp_path / "truncated.jpg"
    (tmp_path / "notes.txt").write_text("this is not an image\n")
    files["text"] = tmp_path / "notes.txt"
    (tmp_path / "fake.png").write_bytes(b"GIF89a but not really" + bytes(range(256)))
    files["fake_png"] = tmp_path / "fake.png"
    (tmp_path / "random.bin").write_bytes(np.random.default_rng(1).integers(0, 256, 4096, np.uint8).tobytes())
    files["random"] = tmp_path / "random.bin"
    (tmp_path / "empty.webp").write_bytes(b"")
    files["empty"] = tmp_path / "empty.webp"
    files["missing"] = tmp_path / "does-not-exist.png"
    files["folder"] = tmp_path
    return files


def test_images_in_png_jpeg_and_webp_are_decoded(inputs: dict[str, Path], voucher_codes: list[str],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(inputs[k]) for k in ("png", "jpg", "webp", "blank")]
    assert main(paths) == 0
    out = lines_of(capsys.readouterr().out)
    assert [o["path"] for o in out] == paths
    assert [o["codes"] for o in out] == [[voucher_codes[0]], [voucher_codes[1]], [voucher_codes[2]], []]
    assert all(isinstance(o["ms"], float) and 0 < o["ms"] < 1000 and "error" not in o for o in out)


def test_a_video_gives_its_codes_and_the_median_frame_time(code_video: tuple[Path, list[str]],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    path, codes = code_video
    assert main([str(path)]) == 0
    (out,) = lines_of(capsys.readouterr().out)
    assert out["codes"] == codes
    assert out["frames"] == 58 and 0 < out["ms"] < 1000


def test_unreadable_inputs_get_an_error_line_and_the_rest_go_on(inputs: dict[str, Path], voucher_codes: list[str],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    bad = ["truncated_png", "truncated_jpg", "text", "fake_png", "random", "empty", "missing", "folder"]
    paths = [str(inputs["png"]), *(str(inputs[k]) for k in bad), str(inputs["webp"])]
    assert main(paths) == 1
    out = lines_of(capsys.readouterr().out)
    assert len(out) == len(paths)
    assert out[0]["codes"] == [voucher_codes[0]] and out[-1]["codes"] == [voucher_codes[2]]
    errors = {k: o for k, o in zip(bad, out[1:-1], strict=True)}
    for name, o in errors.items():
        assert set(o) == {"path", "error"}, name
        assert o["error"] and "Traceback" not in o["error"], name
    assert "truncated" in errors["truncated_png"]["error"]
    assert "truncated" in errors["truncated_jpg"]["error"]
    assert errors["text"]["error"] == "not an image or a video file"
    assert errors["missing"]["error"] == "no such file"
    assert errors["empty"]["error"] == "the file is empty"


def test_it_runs_as_a_module_without_a_crash(inputs: dict[str, Path], voucher_codes: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hardware.decode_cli", str(inputs["jpg"]), str(inputs["truncated_png"]),
         str(inputs["random"])],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    out = lines_of(proc.stdout)
    assert out[0]["codes"] == [voucher_codes[1]]
    assert "error" in out[1] and "error" in out[2]
    assert "Traceback" not in proc.stderr


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "PATH" in capsys.readouterr().err
