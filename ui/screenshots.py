"""``kiosk screenshots --out DIR``: every screen in its main states, rendered offscreen to PNG.

Runs the real demo (platform process, vouchers, camera folder) so the pictures show real
decisions: cashier idle, accepted, rejected, needs a decision, offline with uploads pending,
the Chinese cashier screen, the manager's day and the technician's printer page.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

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


def take_screenshots(out: Path) -> list[Path]:
    """Render the screens; returns the PNG paths."""
    from PySide6.QtWidgets import QApplication

    from kiosk.roles import Role
    from ui.app import Runtime, build_window
    from ui.demo import DemoEnvironment
    from ui.i18n import set_language
    from ui.style import APP_STYLE

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setStyleSheet(APP_STYLE)
    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = DemoEnvironment(Path(tmp))
        ctx = env.start()
        window, services, scheduler = build_window(ctx, demo=True, extras={"camera_source": str(env.camera)})
        runtime = Runtime(window, services, scheduler)
        runtime.start()
        env.attach(window, services)
        window.resize(1440, 860)
        window.show()
        vouchers = {v.label: v for v in env.vouchers}
        decisions: list[object] = []
        window.cashier.decision_shown.connect(decisions.append)

        def shot(name: str) -> None:
            _wait(250)
            path = out / f"{name}.png"
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
            window.signin.pin.setText("1357")
            window.signin.try_pin()
            _wait(1200)
            shot("cashier-idle")
            scan("Valid set meal #1")
            shot("cashier-accepted")
            scan("Already redeemed (terminal T2)")
            shot("cashier-rejected")
            scan("5-visit pass (multi-use)", quantity=2)
            shot("cashier-multi-use")
            panel = window.demo_panel
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
            _wait(600)
            shot("technician-printer")
        finally:
            runtime.stop()
            env.stop()
            window.close()
    return shots
