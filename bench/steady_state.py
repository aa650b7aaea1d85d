"""Steady state of the running app: memory under continuous scanning, CPU while idle.

The app (offscreen, composed as ``run_app`` does, signed in, offline-only) scans a looping 30 fps
1280x720 video in which a code appears every second (so the decoder, the decisions, the ledger
and the result screen all keep working). RSS is sampled every 10 s; the figure is RSS at the end
and the growth from the first minute's level (the plateau after start-up) to the end.

Then, in the same process, the camera is switched to a looping video of empty frames and the
process CPU time is read over --idle-seconds: CPU while idle with the camera on, in % of one
core, as the app runs (frames that did not change since the last decoded one are not decoded
again, and their previews go out at a few per second). Baselines in the same run: RSS right
after start-up; the CPU of the camera source alone (grabbing + JPEG decoding the video, no
pipeline, no GUI); and idle CPU with every frame decoded and previewed (the app before the
change detector), alternated with the figure over --rounds rounds.

    ./dev bench steady_state                # 2 minutes (quick)
    ./dev bench steady_state --minutes 10   # the issue's figure
    ./dev bench steady_state --soak 60      # the hour-long soak (growth <= 10%)

Prints one JSON object. Targets: RSS <= 250 MB after 10 min; growth <= 10% over the soak; idle
CPU <= 10% of one core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import _app
from _platform import machine


def run_loop(app: object, seconds: float, every: float, samples: list[tuple[float, float]], started: float) -> None:
    """Run Qt's own event loop (as the app does: it sleeps until there is work) for ``seconds``,
    sampling RSS every ``every`` seconds."""
    from PySide6.QtCore import QEventLoop, QTimer

    def sample() -> None:
        samples.append((round(time.monotonic() - started, 1), _app.rss_mb()))

    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(int(every * 1000))
    timer.timeout.connect(sample)
    sample()
    timer.start()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    timer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0, help="scanning time (default 2; issue: 10)")
    parser.add_argument("--soak", type=float, default=None, help="minutes for the soak run (e.g. 60); overrides "
                        "--minutes")
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--codes", type=int, default=10, help="codes in the looping video (one per second)")
    parser.add_argument("--rounds", type=int, default=2, help="idle: alternations of every-frame and changed-only "
                        "decoding, --idle-seconds shared between the rounds of each (default 2)")
    args = parser.parse_args()
    minutes = args.soak or args.minutes
    key = _app.signing_key()
    with tempfile.TemporaryDirectory(dir=_app.out_dir()) as tmp:
        workdir = Path(tmp)
        data_dir = workdir / "kiosk"
        _app.configure_terminal(data_dir, key)
        busy = workdir / "busy.avi"
        segments: list[tuple[str | None, int]] = []
        for _ in range(args.codes):
            segments += [(None, 15), (_app.make_code(key), 15)]
        _app.write_video(busy, segments)
        idle = workdir / "idle.avi"
        _app.write_video(idle, [(None, 60)])

        # baseline: the camera source alone on the idle video
        from hardware.camera import VideoFileSource

        source = VideoFileSource(idle, loop=True)
        source.start()
        c0, t0 = _app.cpu_s(), time.monotonic()
        end = t0 + min(args.idle_seconds, 15)
        while time.monotonic() < end:
            source.read(0.1)
        source_cpu_pct = (_app.cpu_s() - c0) / (time.monotonic() - t0) * 100
        source.stop()

        import hardware.camera as camera

        open_source = camera.open_source
        camera.open_source = lambda spec, **kw: open_source(spec, loop=True, **kw)
        started = time.monotonic()
        app, window, runtime = _app.start_app(data_dir, str(busy))  # the app's camera loops the video
        worker = runtime.scan[0]
        decisions: list[str] = []
        window.cashier.decision_shown.connect(lambda d: decisions.append(d.reason.value))
        samples: list[tuple[float, float]] = []
        run_loop(app, 3, 1, samples, started)
        rss_after_start = _app.rss_mb()
        run_loop(app, minutes * 60, 10, samples, started)
        frames = worker.frames_decoded
        rss_end = _app.rss_mb()
        plateau = [r for t, r in samples if 50 <= t <= 70] or [rss_after_start]

        # idle: the same app, its camera switched to a video with no code; first as before the
        # change detector (every frame decoded, previews at the full rate), then as the app runs
        # now (unchanged frames skipped), alternating so that the machine's noise falls on both
        idle_cpu: dict[str, list[float]] = {"every_frame": [], "changed_only": []}
        for _round in range(args.rounds):
            for mode in idle_cpu:
                with _app.pipeline_defaults(skip_unchanged=(mode == "changed_only")):
                    runtime.switch_camera(str(idle))
                run_loop(app, 3, 10, [], started)
                c0, t0 = _app.cpu_s(), time.monotonic()
                run_loop(app, args.idle_seconds / args.rounds, 10, [], started)
                idle_cpu[mode].append((_app.cpu_s() - c0) / (time.monotonic() - t0) * 100)
        skipped = runtime.scan[0].frames_skipped
        decoded_idle = runtime.scan[0].frames_decoded
        runtime.stop()
        window.close()
    idle_before = statistics.mean(idle_cpu["every_frame"])
    idle_cpu_pct = statistics.mean(idle_cpu["changed_only"])
    growth = (rss_end - plateau[0]) / plateau[0] * 100
    print(json.dumps({
        "benchmark": "steady_state", "machine": machine(), "minutes": minutes,
        "video": "1280x720 MJPG 30 fps, looping, a code every second",
        "frames_decoded": frames, "decisions": len(decisions),
        "rss_mb": {"after_start": rss_after_start, "plateau_at_1_min": plateau[0], "end": rss_end,
                   "max": max(r for _, r in samples)},
        "rss_growth_pct_from_1_min": round(growth, 1),
        "rss_samples": samples,
        "idle_cpu_pct_of_one_core": round(idle_cpu_pct, 1),
        "idle_cpu_every_frame_decoded_pct": round(idle_before, 1),
        "idle_cpu_ratio_to_every_frame": round(idle_cpu_pct / idle_before, 2) if idle_before else None,
        "idle_rounds": {k: [round(v, 1) for v in vs] for k, vs in idle_cpu.items()},
        "idle_last_round_frames": {"decoded": decoded_idle, "skipped_unchanged": skipped},
        "baseline": {"camera_source_alone_cpu_pct": round(source_cpu_pct, 1), "rss_mb_after_start": rss_after_start,
                     "idle_cpu_every_frame_decoded_pct": round(idle_before, 1)},
        "target": {"rss_mb": 250, "soak_growth_pct": 10, "idle_cpu_pct": 10},
        "met": {"rss": rss_end <= 250, "growth": growth <= 10, "idle_cpu": idle_cpu_pct <= 10},
    }, indent=2), flush=True)
    os._exit(0)  # Qt objects of the stopped runtime need no orderly teardown


if __name__ == "__main__":
    main()
