"""Helpers for tests: where the checkout is, how to run the project's commands as processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for child processes: this checkout first on the path, offscreen Qt."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("KIOSK_DATA_DIR", None)
    env.update(extra)
    return env


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        assert lines, f"no output; stderr: {self.stderr}"
        return json.loads(lines[-1])


def run_cli(module: str, *args: str | Path, timeout: float = 60) -> CliResult:
    """Run ``python -m MODULE ARGS`` (the same code as the console scripts) and capture it."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        capture_output=True, text=True, timeout=timeout, env=subprocess_env(), cwd=REPO,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def run_kiosk_in_process(*args: str | Path) -> CliResult:
    """``kiosk ARGS`` called in this process (``ui.cli.main``), for tests where no process boundary
    is under test: the same code as the console script, without a second of interpreter start-up."""
    import contextlib
    import io
    import logging

    from ui.cli import main

    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse's usage errors
            code = int(exc.code or 0)
        finally:  # the command's log file belongs to its data folder, not to the tests after it
            for handler in root.handlers[:]:
                if handler not in handlers:
                    root.removeHandler(handler)
                    handler.close()
            root.setLevel(level)
    return CliResult(code, out.getvalue(), err.getvalue())


@contextmanager
def slow_platform(delay_s: float, *, status: int = 503, body: bytes = b"") -> Iterator[str]:
    """A stand-in platform on 127.0.0.1 that answers every GET and POST with ``status`` and ``body``,
    but only after ``delay_s`` (slower than the kiosk's online timeout, when a test wants that); its URL."""

    class Slow(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            time.sleep(delay_s)
            self.send_response(status)
            if body:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PlatformProcess:
    """A real ``o2o-platform serve`` on 127.0.0.1 that a test can stop and start again (an outage)."""

    def __init__(self, workdir: Path, *serve_args: str) -> None:
        self.workdir = workdir
        self.serve_args = serve_args  # more options of ``o2o-platform serve``, e.g. a short void window
        self.keys = workdir / "platform-keys"
        self.db_url = f"sqlite:///{workdir / 'platform.db'}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        result = run_cli("o2o_platform.cli", "keygen", "--out", self.keys)
        assert result.returncode == 0, result.stderr

    def cli(self, *args: str | Path) -> CliResult:
        """``o2o-platform ARGS --db <this platform's db>`` for the commands that take --db."""
        return run_cli("o2o_platform.cli", *args, "--db", self.db_url)

    def start(self) -> None:
        import httpx

        log = open(self.workdir / "platform.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "o2o_platform.cli", "serve", "--db", self.db_url, "--host", "127.0.0.1",
             "--port", str(self.port), "--key", str(self.keys), *self.serve_args],
            stdout=log, stderr=log, env=subprocess_env(), cwd=REPO,
        )
        import time

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.workdir / "platform.log").read_text()
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("platform did not start within 30 s")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def enrollment_code(self, store: str, terminal: str) -> str:
        result = self.cli("enroll", "--store", store, "--terminal", terminal)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().split()[-1]

    def issue(self, out: Path, *, store: str = "S1", uses: int = 1, count: int = 1) -> list[str]:
        result = self.cli("issue", "--key", self.keys, "--deal", "SET-MEAL-2P", "--paid", "88.00", "--list",
                          "128.00", "--currency", "CNY", "--uses", str(uses), "--store", store, "--days", "30",
                          "--count", str(count), "--out", out)
        assert result.returncode == 0, result.stderr
        return (out / "codes.txt").read_text().split()


def enrolled_terminal(platform: PlatformProcess, data_dir: Path, terminal: str, store: str = "S1") -> Path:
    """``kiosk enroll`` (in process) of a fresh terminal with ``platform``; its data folder."""
    result = run_kiosk_in_process("--data-dir", data_dir, "enroll", platform.url,
                                  platform.enrollment_code(store, terminal))
    assert result.returncode == 0, result.stderr
    return data_dir


def sign_in(window: object, pin: str = "135790") -> None:
    """Type a PIN into the kiosk window's sign-in screen and press Enter."""
    window.signin.pin.setText(pin)  # type: ignore[attr-defined]
    window.signin.try_pin()  # type: ignore[attr-defined]
