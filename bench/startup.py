"""Start-up: process start -> cashier screen ready with the camera delivering frames.

Each sample is a fresh Python process (``python bench/startup.py --child app|floor T0``) started by
this script; the child reports ``time.monotonic()`` (the system-wide clock) when it is ready, so
the figure includes interpreter start, imports, migrations check and window construction:

- ``app``: the kiosk as ``run_app`` composes it (offscreen), signed in, on the cashier screen,
  ready when the first camera preview reached the cashier's camera view (a 30 fps video source);
- ``demo``: ``kiosk demo`` as ``ui.app.open_app`` composes it: a fresh reference platform process
  on 127.0.0.1, its keys, vouchers and enrollment, the terminal enrolled, window shown;
- ``floor``: import PySide6.QtWidgets, cv2 and SQLAlchemy, show an empty QWidget (the least any
  PySide6 + OpenCV + SQLAlchemy app can do).

Cold: the first run after dropping the page cache (``/proc/sys/vm/drop_caches``, needs root; when
that is refused, "cold" is only the first run of this benchmark and is marked so). Warm: the
median of --warm runs after it. RSS at ready is reported too.

    ./dev bench startup [--warm 5]

Prints one JSON object. Targets: the app <= 1.5 s warm, the demo's window <= 3 s warm.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _app


def child(kind: str, started: float, data_dir: str, video: str) -> None:
    if kind == "floor":
        import cv2  # noqa: F401
        import sqlalchemy  # noqa: F401
        from PySide6.QtWidgets import QApplication, QWidget

        app = QApplication([])
        w = QWidget()
        w.resize(1280, 800)
        w.show()
        app.processEvents()
        ready = time.monotonic()
    elif kind == "demo":
        from ui.app import open_app
        from ui.context import KioskContext

        opened = open_app(KioskContext(Path(data_dir) / "demo-terminal"), demo=True)
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()
        ready = time.monotonic()
        opened.close()
    else:
        app, window, runtime = _app.start_app(Path(data_dir), video)
        frames: list[float] = []
        window.cashier.camera.frame_arrived = frames
        original = window.cashier.camera.show_frame

        def show_frame(image: object) -> None:
            original(image)
            frames.append(time.monotonic())

        runtime.scan[0].frame_ready.disconnect(window.cashier.camera.show_frame)
        runtime.scan[0].frame_ready.connect(show_frame)
        deadline = time.monotonic() + 30
        while not frames and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.001)
        assert window.stack.currentWidget() is window.cashier, "not on the cashier screen"
        ready = frames[0] if frames else float("nan")
        runtime.stop()
    print(json.dumps({"seconds": round(ready - started, 3), "rss_mb": _app.rss_mb()}), flush=True)
    os._exit(0)  # the measurement is taken; skip interpreter teardown


def sample(kind: str, data_dir: Path, video: Path) -> dict[str, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(_app.REPO)}
    started = time.monotonic()
    out = subprocess.run([sys.executable, str(Path(__file__)), "--child", kind, repr(started), str(data_dir),
                          str(video)], capture_output=True, text=True, env=env, cwd=_app.REPO, timeout=120)
    line = [x for x in out.stdout.splitlines() if x.startswith("{")]
    if not line:
        raise RuntimeError(out.stderr[-1000:])
    result: dict[str, float] = json.loads(line[-1])
    return result


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=5, help="warm runs of each (default 5)")
    args = parser.parse_args()
    from _platform import machine

    with tempfile.TemporaryDirectory(dir=_app.out_dir()) as tmp:
        workdir = Path(tmp)
        data_dir = workdir / "kiosk"
        _app.configure_terminal(data_dir, _app.signing_key())
        video = workdir / "idle.avi"
        _app.write_video(video, [(None, 90)])
        results: dict[str, dict[str, object]] = {}
        for kind in ("floor", "app", "demo"):
            dropped = drop_caches()
            cold = sample(kind, data_dir, video)
            warm = [sample(kind, data_dir, video) for _ in range(args.warm)]
            results[kind] = {
                "cold_s": cold["seconds"], "cold_is_after_drop_caches": dropped,
                "warm_median_s": round(statistics.median(w["seconds"] for w in warm), 3),
                "warm_max_s": max(w["seconds"] for w in warm),
                "rss_mb_at_ready": round(statistics.median(w["rss_mb"] for w in warm), 1),
            }
    app, floor, demo = results["app"], results["floor"], results["demo"]
    warm_app = float(app["warm_median_s"])  # type: ignore[arg-type]
    warm_floor = float(floor["warm_median_s"])  # type: ignore[arg-type]
    warm_demo = float(demo["warm_median_s"])  # type: ignore[arg-type]
    print(json.dumps({
        "benchmark": "startup", "machine": machine(), "app": app, "floor": floor, "demo": demo,
        "warm_ratio_vs_floor": round(warm_app / warm_floor, 2),
        "warm_over_floor_s": round(warm_app - warm_floor, 3),
        "demo_warm_ratio_vs_floor": round(warm_demo / warm_floor, 2),
        "target": {"warm_s": 1.5, "demo_warm_s": 3.0}, "met": warm_app <= 1.5 and warm_demo <= 3.0,
    }, indent=2))


if __name__ == "__main__":
    main()
