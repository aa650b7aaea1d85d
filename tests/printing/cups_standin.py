"""A real CUPS scheduler for the tests: ``cupsd`` in the foreground with its own configuration,
spool, state and logs in a test folder, listening on a free port of 127.0.0.1 only.

Clients (``lp``, ``lpstat``, ``lpadmin``) reach it through ``CUPS_SERVER``. Run as root, cupsd
runs backends as the ``lp`` user unless the backend file is private to root (mode 0700); the
``socket`` backend is copied in with that mode so it can read the job files in the test folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from ui.processes import stop_process

from support import free_port

CUPS_LIB = Path("/usr/lib/cups")


def have_cupsd() -> bool:
    return shutil.which("cupsd") is not None and shutil.which("lpadmin") is not None and \
        (CUPS_LIB / "backend" / "socket").exists()


class CupsDaemon:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.server = f"127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "CUPS_SERVER": self.server}

    def start(self) -> CupsDaemon:
        root = self.root
        for name in ("spool", "cache", "state", "log", "tmp", "bin/backend"):
            (root / name).mkdir(parents=True, exist_ok=True)
        backend = root / "bin" / "backend" / "socket"
        shutil.copy(CUPS_LIB / "backend" / "socket", backend)
        backend.chmod(0o700)
        for part in ("filter", "daemon", "cgi-bin", "notifier", "monitor", "driver"):
            if (CUPS_LIB / part).exists() and not (root / "bin" / part).exists():
                (root / "bin" / part).symlink_to(CUPS_LIB / part)
        user = "User lp\nGroup lp\nSystemGroup root\n" if os.geteuid() == 0 else ""
        (root / "cups-files.conf").write_text(
            f"ServerRoot {root}\nRequestRoot {root}/spool\nCacheDir {root}/cache\nStateDir {root}/state\n"
            f"TempDir {root}/tmp\nServerBin {root}/bin\nDataDir /usr/share/cups\nErrorLog {root}/log/error_log\n"
            f"AccessLog {root}/log/access_log\nPageLog {root}/log/page_log\n{user}")
        (root / "cupsd.conf").write_text(
            f"Listen {self.server}\nLogLevel info\nBrowsing Off\nWebInterface No\nDefaultAuthType None\n"
            f"Printcap {root}/printcap\n"
            "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
            "<Policy default>\n  <Limit All>\n    Order allow,deny\n    Allow all\n  </Limit>\n</Policy>\n")
        self._process = subprocess.Popen(["cupsd", "-f", "-c", str(root / "cupsd.conf"), "-s",
                                          str(root / "cups-files.conf")],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while self.run("lpstat", "-r", check=False).returncode != 0:
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"cupsd did not start: {self.log()}")
            time.sleep(0.05)
        return self

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(list(args), capture_output=True, text=True, env=self.env, timeout=30)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}\n{self.log()}")
        return done

    def add_raw_queue(self, name: str, uri: str) -> None:
        """A raw queue (bytes passed to the device untouched), accepting jobs and enabled."""
        self.run("lpadmin", "-p", name, "-v", uri, "-m", "raw", "-E")

    def log(self) -> str:
        path = self.root / "log" / "error_log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        if self._process is not None:
            stop_process(self._process, 10)
            self._process = None
