"""``kiosk decode PATH [PATH ...]``: the camera's pipeline over image and video files.

One JSON object per line per input, in the order given::

    {"path": "a.png", "codes": ["KV1:..."], "ms": 1.73}
    {"path": "clip.avi", "codes": ["KV1:...", "MT-12345678"], "ms": 2.1, "frames": 90}
    {"path": "notes.txt", "error": "not an image or a video file"}

``codes`` are the decoded texts (each once, in the order first seen); ``ms`` is the pipeline's
time on the frame (grayscale + decode; reading the file excluded) — for a video, the median per
frame. An input that cannot be read gets an ``error`` line in plain words and the others go on.
Exit status: 0 when every input was read, 1 when any was not, 2 for a usage error.

Also runs as ``python -m hardware.decode_cli PATH ...``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import cv2
import numpy as np

from hardware.decoders import DECODERS, DEFAULT_DECODER
from hardware.scan_pipeline import PipelineConfig, ScanPipeline

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
MAX_VIDEO_FRAMES = 100_000


class InputError(Exception):
    """An input that cannot be decoded, with the reason in words."""


def load_image(path: Path) -> np.ndarray | None:
    """The image as a BGR array; None when the file is not an image at all; InputError when it
    is one but cannot be read whole (truncated, corrupt)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                im.load()
                rgb = im.convert("RGB")
    except UnidentifiedImageError:
        return None
    except Image.DecompressionBombError as exc:
        raise InputError("the image is too large to decode") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InputError(f"the image is damaged or truncated ({_words(exc)})") from exc
    arr = np.asarray(rgb)
    return np.ascontiguousarray(arr[:, :, ::-1])


def _words(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:200]


def decode_image(pipeline: ScanPipeline, image: np.ndarray) -> dict[str, Any]:
    result = pipeline.decode(image)
    return {"codes": list(result.codes), "ms": round(result.ms, 3)}


def decode_video(pipeline: ScanPipeline, path: Path) -> dict[str, Any] | None:
    """Every frame of a video through the pipeline; None when OpenCV cannot open it as a video."""
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            return None
        codes: dict[str, None] = {}
        times: list[float] = []
        while len(times) < MAX_VIDEO_FRAMES:
            ok, frame = cap.read()
            if not ok or frame is None:
                break
            result = pipeline.decode(frame)
            times.append(result.ms)
            codes.update(dict.fromkeys(result.codes))
    finally:
        cap.release()
    if not times:
        return None
    return {"codes": list(codes), "ms": round(statistics.median(times), 3), "frames": len(times)}


def decode_path(pipeline: ScanPipeline, path: Path) -> dict[str, Any]:
    """One output line (without ``path``) for one input; never raises."""
    try:
        if not path.exists():
            return {"error": "no such file"}
        if path.is_dir():
            return {"error": "is a directory, not a file"}
        if path.stat().st_size == 0:
            return {"error": "the file is empty"}
        with path.open("rb"):
            pass  # permission problems surface here, in words
        image = load_image(path)
        if image is not None:
            return decode_image(pipeline, image)
        if path.suffix.lower() in IMAGE_SUFFIXES:
            return {"error": f"not a readable {path.suffix.lower().lstrip('.').upper()} image"}
        video = decode_video(pipeline, path)
        if video is not None:
            return video
        return {"error": "not an image or a video file"}
    except InputError as exc:
        return {"error": str(exc)}
    except PermissionError:
        return {"error": "permission denied"}
    except OSError as exc:
        return {"error": f"cannot read the file ({exc.strerror or _words(exc)})"}
    except Exception as exc:  # a decoder or codec bug on one file must not stop the others
        return {"error": f"could not decode the file ({_words(exc)})"}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk decode",
                                description="Decode QR codes in images (PNG, JPEG, WebP) and videos; one JSON "
                                            "line per input.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="image or video files")
    p.add_argument("--decoder", choices=sorted(DECODERS), default=DEFAULT_DECODER,
                   help=f"the primary decoder (default: {DEFAULT_DECODER})")
    return p


def run(paths: Sequence[str], *, decoder: str = DEFAULT_DECODER, out: TextIO | None = None) -> int:
    stream = out or sys.stdout
    pipeline = ScanPipeline(PipelineConfig(decoder=decoder))
    failed = False
    for raw in paths:
        line: dict[str, Any] = {"path": raw}
        line.update(decode_path(pipeline, Path(raw)))
        failed = failed or "error" in line
        stream.write(json.dumps(line, ensure_ascii=False) + "\n")
        stream.flush()
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    """``kiosk decode PATH [PATH ...]``: argv holds the arguments after ``decode``."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else 2
    return run(args.paths, decoder=args.decoder)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
