"""``kiosk screenshots --out DIR [--sizes 800x480,...]``: every screen in its main states, as PNG.

Runs the real demo (platform process, vouchers, camera folder) so the pictures show real
decisions: cashier idle, accepted, rejected, needs a decision, offline with uploads pending,
the Chinese cashier screen, the manager's day, the technician's printer page and the demo panel.

Without ``--sizes`` the window is rendered offscreen. With it, each size gets its own X server
(Xvfb), the kiosk runs there in kiosk mode as on a counter, and each picture is the whole X
screen (``import -window root``): what a cashier in front of that screen sees. Files are named
``NAME-WxH.png``.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.i18n import N_

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _wait(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait_until(check: Callable[[], bool], timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen did not reach the expected state")
        _wait(50)


def _rate_visits(platform_url: str, decisions: list[object]) -> None:
    """Customers rate two of the visits on the platform's feedback page, as from the receipt's QR."""
    import httpx

    accepted = [d for d in decisions if getattr(d, "accepted", False)]
    for decision, stars, comment in zip(accepted[:2], (5, 4), ("Great, quick service", "Good food"), strict=False):
        answer = getattr(decision, "platform_answer", None)
        httpx.post(f"{platform_url}/feedback/{decision.redemption_id}",  # type: ignore[attr-defined]
                   data={"stars": str(stars), "comment": comment, "t": getattr(answer, "feedback_token", "") or ""},
                   timeout=5)


def _counter_with_printers(root: Path) -> Path:
    """A folder laid out as /dev and /sys are on a counter with an Epson on Linux's printer driver
    and a USB-serial adapter, for the printer page's list (the real discovery reads it)."""
    usb_device = root / "sys" / "devices" / "pci0000:00" / "usb1" / "1-1"
    (usb_device / "1-1:1.0").mkdir(parents=True, exist_ok=True)
    (usb_device / "manufacturer").write_text("EPSON\n")
    (usb_device / "product").write_text("TM-T20II\n")
    node = root / "sys" / "class" / "usbmisc" / "lp0"
    node.mkdir(parents=True, exist_ok=True)
    if not (node / "device").exists():
        (node / "device").symlink_to(os.path.relpath(usb_device / "1-1:1.0", node))
    (root / "dev" / "usb").mkdir(parents=True, exist_ok=True)
    (root / "dev" / "usb" / "lp0").touch()
    (root / "dev" / "ttyUSB0").touch()
    by_id = root / "dev" / "serial" / "by-id"
    by_id.mkdir(parents=True, exist_ok=True)
    link = by_id / "usb-Prolific_Technology_Inc._USB-Serial_Controller-if00-port0"
    if not link.exists():
        link.symlink_to(root / "dev" / "ttyUSB0")
    return root


MAIN_SHOTS = ("signin", "cashier-idle", "cashier-accepted", "cashier-rejected", "manager-day",
              "technician-printer", "technician-camera", "technician-scanner", "demo")
"""The pictures taken at every size; the others only on the largest screen asked for."""


def sample_devices(root: Path) -> Any:
    """A device tree as a counter's computer has it (two cameras, a USB scanner in serial mode),
    for the pictures of the camera and scanner pages: the demo machine may have none attached.
    The scanner's link leads nowhere, so its page and the strip show the "not connected" light."""
    from hardware.v4l2 import DeviceTree

    tree = DeviceTree(root / "sys", root / "dev")
    (tree.dev_root / "v4l" / "by-id").mkdir(parents=True)
    (tree.dev_root / "serial" / "by-id").mkdir(parents=True)
    for node, name in (("video0", "HD Pro Webcam C920"), ("video2", "USB2.0 HD UVC WebCam")):
        (tree.video4linux / node).mkdir(parents=True)
        (tree.video4linux / node / "name").write_text(name + "\n", encoding="utf-8")
        (tree.dev_root / node).touch()
    os.symlink("../../video0", tree.dev_root / "v4l" / "by-id" / "usb-046d_HD_Pro_Webcam_C920_8A3F21C0-video-index0")
    os.symlink("../../video2", tree.dev_root / "v4l" / "by-id" / "usb-Sonix_USB2.0_HD_UVC_WebCam-video-index0")
    os.symlink(str(root / "ttyACM0"), tree.dev_root / "serial" / "by-id" / "usb-Honeywell_Imaging_1900G-if00")
    return tree


def take_screenshots_on_screens(out: Path, sizes: list[tuple[int, int]]) -> list[Path]:
    """One X server per size, the kiosk on it in kiosk mode, every picture from the X screen."""
    import subprocess
    import sys

    from ui.xvfb import Xvfb, missing_tools

    missing = missing_tools()
    if missing:
        raise RuntimeError(f"screenshots on real screens need {', '.join(missing)}")
    shots: list[Path] = []
    largest = max(sizes, key=lambda size: size[0] * size[1])
    for width, height in sizes:
        with Xvfb(width, height) as server:
            env = {**os.environ, "DISPLAY": server.display, "QT_QPA_PLATFORM": "xcb",
                   "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
            env.pop("WAYLAND_DISPLAY", None)
            only = [] if (width, height) == largest else ["--only", ",".join(MAIN_SHOTS)]
            subprocess.run([sys.executable, "-m", "ui.screenshots", "--out", str(out),
                            f"--suffix=-{width}x{height}", *only], check=True, env=env)
        shots += sorted(out.glob(f"*-{width}x{height}.png"))
    return shots


def take_screenshots(out: Path, *, suffix: str = "", only: set[str] | None = None) -> list[Path]:
    """Render the screens; returns the PNG paths. On an X server (xcb) the kiosk runs full screen
    and each picture is the whole screen; offscreen each picture is the window."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from hardware.printing.discovery import discover
    from kiosk.roles import Role
    from ui.compose import build_window
    from ui.demo import DemoEnvironment
    from ui.i18n import set_language
    from ui.runtime import Runtime
    from ui.services import DeviceChoices
    from ui.style import apply_style
    from ui.window import show_window

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    on_x = QGuiApplication.platformName() == "xcb"
    apply_style(app)
    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = DemoEnvironment(Path(tmp))
        ctx = env.start()
        devices = sample_devices(Path(tmp) / "devices")
        counter = _counter_with_printers(Path(tmp) / "counter")
        window, services, scheduler = build_window(ctx, demo=True, devices=DeviceChoices(
            camera_source=str(env.camera), device_tree=devices,
            printer_discovery=lambda: discover(root=counter)))
        runtime = Runtime(window, services, scheduler)
        runtime.start()
        env.attach(window, services)
        if on_x:
            show_window(window, kiosk_mode=True)
        else:
            window.resize(1440, 860)
            window.show()
        vouchers = {v.label: v for v in env.vouchers}
        decisions: list[object] = []
        window.cashier.decision_shown.connect(decisions.append)

        def shot(name: str) -> None:
            if only is not None and name not in only:
                return
            _wait(250)
            path = out / f"{name}{suffix}.png"
            if on_x:
                import subprocess

                from ui.xvfb import screenshot_command

                subprocess.run(screenshot_command(path), check=True)
            else:
                window.grab().save(str(path))
            shots.append(path)

        def scan(label: str, quantity: int | None = None) -> None:
            before = len(decisions)
            window.cashier.submit_code(vouchers[label].code, "camera")
            if quantity is not None:
                window.cashier.picker._set(quantity)
                window.cashier.picker.confirmed.emit(quantity)
            _wait_until(lambda: len(decisions) > before)

        try:
            _wait(800)
            shot("signin")
            window.signin.pin.setText("135790")
            window.signin.try_pin()
            _wait(1200)
            shot("cashier-idle")
            panel = window.demo_panel
            assert panel is not None  # the demo environment attached it
            was_folded = panel.folded
            panel.set_folded(False)
            _wait(300)
            shot("demo")
            panel.set_folded(was_folded)
            scan("Valid set meal #1")
            shot("cashier-accepted")
            scan("Already redeemed (terminal T2)")
            shot("cashier-rejected")
            scan("5-visit pass (multi-use)", quantity=2)
            shot("cashier-multi-use")
            panel.plug.setChecked(False)  # pull the network plug, as a demo user would
            _wait_until(lambda: not env.plugged and panel.plug.isEnabled())
            scan("Plain code (online check only)")
            shot("cashier-needs-decision")
            scan("Valid set meal #2")
            window.cashier.show_idle()
            scheduler.refresh_counts()
            services.events.status.emit("platform", "bad", N_("Platform: offline"))
            _wait(600)
            shot("cashier-offline-pending")
            panel.plug.setChecked(True)
            _wait_until(lambda: env.plugged and panel.plug.isEnabled())
            _wait_until(lambda: not scheduler.running, 20)
            set_language("zh_CN")
            scan("双人套餐 (Chinese deal name)")
            shot("cashier-accepted-zh")
            window.cashier.show_idle()
            shot("cashier-idle-zh")
            set_language("en")
            window.cashier.show_idle()
            scan("Online price above list price")
            _rate_visits(env.url, decisions)
            from offline_queue.quality import set_store_price

            set_store_price(ctx.ledger, "SET-MEAL-2P", 12000, "CNY", now=ctx.clock.now(), actor="manager")
            scheduler.sync_now()
            _wait_until(lambda: not scheduler.running, 20)
            services.session.role = Role.MANAGER
            window.show_screen(Role.MANAGER)
            _wait(1500)
            shot("manager-day")
            manager = window.screen_widget(Role.MANAGER)
            manager.tabs.setCurrentIndex(3)  # type: ignore[attr-defined]
            _wait(1200)
            shot("manager-service-quality")
            services.session.role = Role.TECHNICIAN
            technician = window.screen_widget(Role.TECHNICIAN)
            window.show_screen(Role.TECHNICIAN)
            technician.show_page("printer")  # type: ignore[attr-defined]
            page = technician.printer_page  # type: ignore[attr-defined]
            _wait_until(lambda: page.found_list.count() > 0)
            page.found_list.setCurrentRow(0)  # chosen, not filled in: the form keeps the demo settings
            _wait(600)
            shot("technician-printer")
            technician.show_page("camera")  # type: ignore[attr-defined]
            _wait(600)
            shot("technician-camera")
            ctx.settings.set("scanner.serial_ports", [
                {"port": str(devices.dev_root / "serial" / "by-id" / "usb-Honeywell_Imaging_1900G-if00"),
                 "baud": 9600, "line_end": "cr"}])
            services.events.settings_changed.emit("scanner.serial_ports")
            technician.show_page("scanner")  # type: ignore[attr-defined]
            _wait_until(lambda: services.events.last_status.get("scanner", ("",))[0] == "warn")
            scanners = technician.scanner_page  # type: ignore[attr-defined]
            technician.tabs.currentWidget().ensureWidgetVisible(scanners.test_box)  # type: ignore[attr-defined]
            _wait(600)
            shot("technician-scanner")
        finally:
            runtime.stop()
            env.stop()
            window.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    """``python -m ui.screenshots --out DIR [--suffix -WxH] [--only a,b]``: the child of one size."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--suffix", default="")
    parser.add_argument("--only", default="")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    for path in take_screenshots(Path(args.out), suffix=args.suffix, only=only):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
