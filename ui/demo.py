"""``kiosk demo``: the whole O2O loop on one machine with nothing attached.

Starts the reference platform on 127.0.0.1 (a free port), enrolls a demo store and terminal,
issues demo vouchers (valid, multi-use, already redeemed, expired, revoked, another store's, a
Chinese deal name), and adds a panel to the window to "show" a voucher to the simulated camera
(an image folder) and to pull the network plug (the platform process is stopped and started
again) to watch offline mode and the reconciliation afterwards.
"""

from __future__ import annotations

import contextlib
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
from typing import TYPE_CHECKING, Any

import httpx

from kiosk.i18n import N_
from ui.context import KioskContext
from ui.processes import stop_process

if TYPE_CHECKING:
    from ui.services import AppServices
    from ui.window import KioskWindow

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


def _die_with_parent() -> None:
    """In the platform child: end when the kiosk ends, even if it is killed (Linux)."""
    with contextlib.suppress(Exception):
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


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
        self._used_code = self._t2_code = ""

    # --- the platform process -----------------------------------------------------------

    def start_platform(self) -> None:
        """Start the platform process and wait until it answers."""
        self._spawn_platform()
        self._wait_for_platform()

    def _spawn_platform(self) -> None:
        log_file = open(self.root / "platform.log", "ab")  # noqa: SIM115 - closed with the process
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        # Its own process group: a Ctrl+C in the terminal reaches the kiosk, which then stops the
        # platform itself (in order, after the kiosk's last sync attempt), never half of both.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "o2o_platform.cli", "serve", "--db", self.db_url, "--host", "127.0.0.1",
             "--port", str(self.port), "--key", str(self.keys)], stdout=log_file, stderr=log_file, env=env,
            start_new_session=True, preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        log_file.close()

    def _wait_for_platform(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=0.5).status_code == 200:
                    self.plugged = True
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        self.stop_platform()
        raise RuntimeError(f"the demo platform did not start; see {self.root / 'platform.log'}")

    def stop_platform(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None
        self.plugged = False

    # --- set-up -------------------------------------------------------------------------

    def start(self) -> KioskContext:
        """Fresh platform, terminal and vouchers; returns the terminal's context.

        Everything the platform side needs is made in this process (keys, vouchers, enrollment
        codes) while the platform process boots beside it: the window is up in a few seconds.
        """
        from o2o_platform.db import open_database
        from o2o_platform.keys import generate_key
        from o2o_platform.services import create_enrollment, revoke_voucher

        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        self.camera.mkdir()
        signer = generate_key(self.keys)
        database = open_database(self.db_url)  # creates the schema before the server opens it
        try:
            self._spawn_platform()
            try:
                self.vouchers, used, revoked_id = self._issue_vouchers(database, signer)
                revoke_voucher(database, revoked_id)
                ctx = KioskContext(self.root / "terminal")
                self._enroll_in_process(ctx, database)
                self._t2_code = create_enrollment(database, store_id=STORE, terminal_id="T2")
                self._used_code = used.code
                self._write_blank_frame()
            except BaseException:
                self.stop_platform()
                raise
        finally:
            database.dispose()
        ctx.settings.set("terminal.store_name", "Demo Bistro 示范餐厅")
        ctx.settings.set("terminal.store_address", "1 Market Street")
        ctx.settings.set("platform.sync_interval_s", 10)
        ctx.save_settings()
        return ctx

    def _enroll_in_process(self, ctx: KioskContext, database: Any) -> None:
        """Enroll terminal T1 straight in the platform database: the window need not wait for the
        platform process to boot (its first sync runs once the platform answers)."""
        from o2o_platform.keys import load_keyring, public_keys_payload
        from o2o_platform.services import create_enrollment, enroll_terminal
        from platform_link.answers import Enrollment
        from ui.enrollment import apply_enrollment
        from wire.platform import PublicKeyOut

        code = create_enrollment(database, store_id=STORE, terminal_id=TERMINAL)
        token, caller = enroll_terminal(database, code)
        keys = tuple(PublicKeyOut.model_validate(k) for k in public_keys_payload(load_keyring([self.keys])))
        apply_enrollment(ctx, Enrollment(self.url, token, caller.store_id, caller.terminal_id, keys,
                                         datetime.now(UTC)), actor="demo", first_sync=False)

    def _finish_when_platform_is_up(self, services: AppServices) -> None:
        """On a thread: wait for the platform, let T2 redeem the "already redeemed" voucher, then
        ask for a sync (the status strip turns green with it)."""
        try:
            self._wait_for_platform()
            self._redeem_elsewhere(self._used_code, self._t2_code)
        except Exception as exc:  # the window is up: say it there and in the log, do not crash
            log.error("the demo platform did not come up: %s", exc)
            services.events.status.emit("platform", "bad", N_("Platform: did not start — see platform.log"))
            return
        services.events.sync_requested.emit()

    def _issue_vouchers(self, database: Any, signer: Any) -> tuple[list[DemoVoucher], DemoVoucher, str]:
        """The demo's vouchers, recorded in the platform database; also the one to redeem
        elsewhere and the id of the one to revoke."""
        from o2o_platform.issuing import VoucherSpec, issue_plain, issue_signed, write_outputs
        from o2o_platform.services import record_vouchers

        made: list[DemoVoucher] = []

        def add(label: str, folder: str, *, deal: str = "SET-MEAL-2P", paid: str = "88.00",
                list_price: str = "128.00", uses: int = 1, store: str = STORE, days: float = 30,
                valid_from: datetime | None = None, plain: bool = False) -> tuple[DemoVoucher, str]:
            spec = VoucherSpec.build(sku=deal, paid=paid, list_price=list_price, currency="CNY", uses=uses,
                                     stores=[store], days=days, valid_from=valid_from, channel="app")
            issued = issue_plain(spec, 1) if plain else issue_signed(spec, signer, 1)
            record_vouchers(database, issued)
            out = self.root / "vouchers" / folder
            write_outputs(issued, out)
            voucher = DemoVoucher(label, issued[0].code, sorted(out.glob("*.png"))[0])
            made.append(voucher)
            return voucher, issued[0].voucher_id

        for n in (1, 2, 3):
            add(f"Valid set meal #{n}", f"valid-{n}")
        add("5-visit pass (multi-use)", "pass", deal="5-VISIT-PASS", paid="300.00", list_price="400.00", uses=5)
        add("双人套餐 (Chinese deal name)", "zh", deal="双人套餐", paid="99.00", list_price="158.00")
        used, _ = add("Already redeemed (terminal T2)", "used")
        add("Expired", "expired", valid_from=datetime.now(UTC) - timedelta(days=40), days=30)
        _, revoked_id = add("Revoked by the platform", "revoked")
        add("Another store's voucher", "other", store="DEMO-S2")
        add("Online price above list price", "pricey", paid="138.00", list_price="128.00")
        add("Plain code (online check only)", "plain", deal="COFFEE-TO-GO", paid="12.00", list_price="18.00",
            plain=True)
        return made, used, revoked_id

    def _redeem_elsewhere(self, code: str, enroll_code: str) -> None:
        """Terminal T2 of the demo store redeems this voucher online, so T1 sees it as used."""
        import uuid

        from platform_link.client import PlatformApi

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

    def attach(self, window: KioskWindow, services: AppServices) -> None:
        import threading

        from ui.demo_panel import DemoPanel

        threading.Thread(target=self._finish_when_platform_is_up, args=(services,), name="demo-platform",
                         daemon=True).start()
        panel = DemoPanel(self, services)
        services.printing.on_printed = panel.show_latest_receipt
        window.add_demo_panel(panel)

    def stop(self) -> None:
        self.stop_platform()
