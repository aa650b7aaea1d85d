"""``kiosk demo``: the whole O2O loop on one machine with nothing attached.

Starts the reference platform on 127.0.0.1 (a free port), enrolls a demo store and terminal,
issues demo vouchers (valid, multi-use, already redeemed, expired, revoked, another store's, a
Chinese deal name), and adds a panel to the window to "show" a voucher to the simulated camera
(an image folder) and to pull the network plug (the platform process is stopped and started
again) to watch offline mode and the reconciliation afterwards.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from ui.context import KioskContext

log = logging.getLogger(__name__)

STORE, TERMINAL = "DEMO-S1", "T1"


@dataclass(frozen=True)
class DemoVoucher:
    label: str
    code: str
    image: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _platform(*args: str | Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    result = subprocess.run([sys.executable, "-m", "o2o_platform.cli", *map(str, args)], capture_output=True,
                            text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"o2o-platform {args[0]} failed: {result.stderr.strip()}")
    return result.stdout


class DemoEnvironment:
    """Owns the demo platform process and the demo data folder (``<data dir>/demo``, made afresh)."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "demo"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_url = f"sqlite:///{self.root / 'platform.db'}"
        self.keys = self.root / "platform-keys"
        self.camera = self.root / "camera"
        self.proc: subprocess.Popen[bytes] | None = None
        self.vouchers: list[DemoVoucher] = []
        self.plugged = True

    # --- the platform process -----------------------------------------------------------

    def start_platform(self) -> None:
        log_file = open(self.root / "platform.log", "ab")  # noqa: SIM115 - closed with the process
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "o2o_platform.cli", "serve", "--db", self.db_url, "--host", "127.0.0.1",
             "--port", str(self.port), "--key", str(self.keys)], stdout=log_file, stderr=log_file, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=0.5).status_code == 200:
                    self.plugged = True
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"the demo platform did not start; see {self.root / 'platform.log'}")

    def stop_platform(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None
        self.plugged = False

    # --- set-up -------------------------------------------------------------------------

    def start(self) -> KioskContext:
        """Fresh platform, terminal and vouchers; returns the terminal's context."""
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        self.camera.mkdir()
        _platform("keygen", "--out", self.keys)
        self.start_platform()
        terminal_dir = self.root / "terminal"
        code = _platform("enroll", "--db", self.db_url, "--store", STORE, "--terminal", TERMINAL).split()[-1]
        from ui.cli import main as kiosk_main

        with contextlib.redirect_stdout(io.StringIO()):
            if kiosk_main(["--data-dir", str(terminal_dir), "enroll", self.url, code]) != 0:
                raise RuntimeError("the demo terminal could not enroll")
        ctx = KioskContext(terminal_dir)
        ctx.settings.set("terminal.store_name", "Demo Bistro 示范餐厅")
        ctx.settings.set("terminal.store_address", "1 Market Street")
        ctx.settings.set("platform.sync_interval_s", 10)
        ctx.save_settings()
        self.vouchers = self._issue_vouchers()
        self._write_blank_frame()
        return ctx

    def _issue(self, name: str, *, deal: str = "SET-MEAL-2P", paid: str = "88.00", list_price: str = "128.00",
               uses: int = 1, store: str = STORE, days: int = 30, valid_from: str | None = None) -> list[Path]:
        out = self.root / "vouchers" / name
        args: list[str | Path] = ["issue", "--key", self.keys, "--db", self.db_url, "--deal", deal, "--paid", paid,
                                  "--list", list_price, "--currency", "CNY", "--uses", str(uses), "--store", store,
                                  "--days", str(days), "--count", "1", "--out", out, "--channel", "app"]
        if valid_from:
            args += ["--valid-from", valid_from]
        _platform(*args)
        return sorted(out.glob("*.png"))

    def _issue_vouchers(self) -> list[DemoVoucher]:
        made: list[DemoVoucher] = []

        def add(label: str, folder: str, **kwargs: Any) -> DemoVoucher:
            image = self._issue(folder, **kwargs)[0]
            code = (image.parent / "codes.txt").read_text().split()[0]
            voucher = DemoVoucher(label, code, image)
            made.append(voucher)
            return voucher

        for n in (1, 2, 3):
            add(f"Valid set meal #{n}", f"valid-{n}")
        add("5-visit pass (multi-use)", "pass", deal="5-VISIT-PASS", paid="300.00", list_price="400.00", uses=5)
        add("双人套餐 (Chinese deal name)", "zh", deal="双人套餐", paid="99.00", list_price="158.00")
        used = add("Already redeemed (terminal T2)", "used")
        add("Expired", "expired", valid_from=(datetime.now(UTC) - timedelta(days=40)).isoformat(), days=30)
        revoked = add("Revoked by the platform", "revoked")
        add("Another store's voucher", "other", store="DEMO-S2")
        add("Online price above list price", "pricey", paid="138.00", list_price="128.00")
        plain_out = self.root / "vouchers" / "plain"
        _platform("issue", "--plain", "--db", self.db_url, "--deal", "COFFEE-TO-GO", "--paid", "12.00", "--list",
                  "18.00", "--currency", "CNY", "--uses", "1", "--store", STORE, "--days", "30", "--count", "1",
                  "--out", plain_out)
        plain_code = (plain_out / "codes.txt").read_text().split()[0]
        made.append(DemoVoucher("Plain code (online check only)", plain_code, sorted(plain_out.glob("*.png"))[0]))
        from kiosk.codes import SignedCode, parse_code

        parsed = parse_code(revoked.code)
        assert isinstance(parsed, SignedCode)
        _platform("revoke", "--db", self.db_url, parsed.voucher_id)
        self._redeem_elsewhere(used.code)
        return made

    def _redeem_elsewhere(self, code: str) -> None:
        """Terminal T2 of the demo store redeems this voucher online, so T1 sees it as used."""
        import uuid

        from offline_queue.platform_api import PlatformApi

        enroll_code = _platform("enroll", "--db", self.db_url, "--store", STORE, "--terminal", "T2").split()[-1]
        other = PlatformApi.enroll(self.url, enroll_code)
        with PlatformApi(self.url, other.terminal_token, timeout=5) as api:
            api.redeem(redemption_id=str(uuid.uuid4()), code=code, quantity=1)

    def _write_blank_frame(self) -> None:
        """What the camera sees when nobody holds a voucher up: an empty counter."""
        import numpy as np
        from PIL import Image

        counter = np.full((480, 640, 3), (96, 84, 70), dtype=np.uint8)
        counter[300:, :] = (60, 52, 44)
        Image.fromarray(counter).save(self.camera / "0-counter.png")

    # --- the panel's actions ------------------------------------------------------------

    def show_voucher(self, voucher: DemoVoucher) -> Path:
        """Hold this voucher up to the camera (it stays until :meth:`hide_voucher`)."""
        target = self.camera / "1-voucher.png"
        tmp = self.camera / "voucher.tmp"
        shutil.copyfile(voucher.image, tmp)
        os.replace(tmp, target)
        return target

    def hide_voucher(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.camera / "1-voucher.png").unlink()

    def set_plugged(self, plugged: bool) -> None:
        if plugged and not self.plugged:
            self.start_platform()
        elif not plugged and self.plugged:
            self.stop_platform()

    def attach(self, window: Any, services: Any) -> None:
        from ui.demo_panel import DemoPanel

        services.extras["camera_folder"] = self.camera
        panel = DemoPanel(self, services)
        services.extras["on_printed"] = panel.show_latest_receipt
        window.add_demo_panel(panel)

    def stop(self) -> None:
        self.stop_platform()
