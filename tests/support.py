"""Helpers for tests: where the checkout is, how to run the project's commands as processes."""

from __future__ import annotations

import json
import os
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from offline_queue.ledger import SqliteLedger

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


_IN_PROCESS = threading.Lock()  # stdout, stderr, the umask and the cwd are the process's own: one call at a time


def run_in_process(main: Callable[[list[str]], int], *args: str | Path) -> CliResult:
    """``main(ARGS)`` of a console script called in this process, its output captured, and what a
    command changes for the whole process put back afterwards, so the tests after it see the
    process as it was: the log handlers it added (its log file belongs to its data folder), the
    root logger's level, the umask (the kiosk keeps its data folder private with 077), the working
    directory, the environment and the signal handlers. Stdin is empty and not a terminal, as for
    a process started with its stdin on /dev/null: a command never waits for a PIN typed here."""
    import contextlib
    import io
    import logging
    import signal

    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    with _IN_PROCESS:
        handlers, level = list(root.handlers), root.level
        umask = os.umask(0o022)
        os.umask(umask)
        cwd, environ = os.getcwd(), dict(os.environ)
        signals = {sig: signal.getsignal(sig) for sig in signal.valid_signals()
                   if sig not in (signal.SIGKILL, signal.SIGSTOP)}
        stdin = sys.stdin
        sys.stdin = io.StringIO("")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main([str(a) for a in args])
                except SystemExit as exc:  # argparse's usage errors
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.stdin = stdin
            for handler in root.handlers[:]:
                if handler not in handlers:
                    root.removeHandler(handler)
                    handler.close()
            root.setLevel(level)
            os.umask(umask)
            os.chdir(cwd)
            if dict(os.environ) != environ:
                os.environ.clear()
                os.environ.update(environ)
            for sig, previous in signals.items():
                if previous is not None and signal.getsignal(sig) is not previous:
                    signal.signal(sig, previous)
    return CliResult(code, out.getvalue(), err.getvalue())


def run_kiosk_in_process(*args: str | Path) -> CliResult:
    """``kiosk ARGS`` called in this process (``ui.cli.main``), for tests where no process boundary
    is under test: the same code as the console script, without a second of interpreter start-up."""
    from ui.cli import main

    return run_in_process(main, *args)


def init_terminal(data_dir: Path, trust_key: Path) -> Path:
    """``kiosk init`` of terminal S1/T1 (store time zone UTC) in ``data_dir``, trusting ``trust_key``."""
    result = run_kiosk_in_process("--data-dir", data_dir, "init", "--store", "S1", "--terminal", "T1",
                                  "--trust-key", trust_key, "--timezone", "UTC")
    assert result.returncode == 0, result.stderr
    return data_dir


def run_platform_in_process(*args: str | Path) -> CliResult:
    """``o2o-platform ARGS`` called in this process (``o2o_platform.cli.main``), for a test that
    only needs its keys, codes or enrollment codes."""
    from o2o_platform.cli import main

    return run_in_process(main, *args)


class FixedClock:
    """A clock that says ``moment`` (which a test may set)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def trusting_ledger(path: Path, key: Ed25519PrivateKey, now: datetime) -> SqliteLedger:
    """A new ledger at ``path`` that trusts ``key`` and has just heard from the platform."""
    from offline_queue.db import open_engine
    from offline_queue.ledger import SqliteLedger

    ledger = SqliteLedger(open_engine(path))
    ledger.trust_key(key.public_key(), source="init", now=now, actor="test")
    ledger.mark_contact(now, revocations=True)
    return ledger


@contextmanager
def http_peer(status: int, body: bytes, headers: dict[str, str] | None = None, *,
              delay: threading.Event | None = None) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 that answers every GET and POST with this status, body and headers
    (with ``delay``, only once the event is set, or after 5 s: a server that hangs); its URL."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            if delay is not None:
                delay.wait(5)
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    serve_in_thread(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        if delay is not None:
            delay.set()
        server.shutdown()
        server.server_close()


def serve_in_thread(server: socketserver.BaseServer) -> threading.Thread:
    """Serve ``server`` on a daemon thread. ``shutdown()`` waits for the serving loop's next look at its
    flag: every 0.05 s here rather than socketserver's 0.5 s, which each test would otherwise wait out."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return thread


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
    serve_in_thread(server)
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
        result = run_platform_in_process("keygen", "--out", self.keys)
        assert result.returncode == 0, result.stderr

    def cli(self, *args: str | Path) -> CliResult:
        """``o2o-platform ARGS --db <this platform's db>`` (in this process) for the commands that take --db."""
        return run_platform_in_process(*args, "--db", self.db_url)

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
