"""The composition root: the one place that turns the data folder and its config into adapters."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import ssl
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from kiosk.ports import Clock, PlatformRedeemer, SystemClock
from kiosk.redemption import RedemptionService
from kiosk.settings import Settings
from kiosk.transport import check_transport
from offline_queue.db import open_engine
from offline_queue.ledger import SqliteLedger
from ui.config_file import ConfigFileError, load_settings, save_settings

if TYPE_CHECKING:
    from kiosk.peer_auth import StoreCredential
    from kiosk.peer_check import StoreCounters
    from offline_queue.peer_ledger import SqlitePeerLedger
    from platform_link.client import PlatformApi
    from platform_link.sync import SyncEngine
    from store_lan.client import PeerClient

APP_NAME = "o2o-kiosk"
DB_NAME = "kiosk.db"


def default_data_dir() -> Path:
    """``KIOSK_DATA_DIR`` if set, else the platform's user data folder."""
    env = os.environ.get("KIOSK_DATA_DIR")
    return Path(env) if env else Path(platformdirs.user_data_dir(APP_NAME))


PRIVATE_FILES = ("kiosk.db", "kiosk.db-wal", "kiosk.db-shm", "config.toml", "logs/*", "exports/*", "secrets/*")


def make_private(data_dir: Path) -> None:
    """Keep the data folder to the kiosk's own user, whatever the umask.

    The ledger holds every code's full text, the config the platform address and limits, the logs
    what happened: the folder is 0700 and its files 0600. The process umask becomes 077, so the
    files made later (the WAL, rotated logs, exports) are private from the start; files an older
    version left readable are closed up here.
    """
    os.umask(0o077)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        data_dir.chmod(0o700)
        for pattern in PRIVATE_FILES:
            for path in data_dir.glob(pattern):
                path.chmod(0o700 if path.is_dir() else 0o600)
        for folder in ("logs", "exports", "secrets"):
            if (data_dir / folder).is_dir():
                (data_dir / folder).chmod(0o700)


def setup_logging(data_dir: Path, *, verbose: bool = False) -> None:
    """Log to ``data_dir/logs/kiosk.log`` (rotated) and warnings to stderr."""
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    if any(getattr(h, "_kiosk", False) for h in root.handlers):
        return
    handler = logging.handlers.RotatingFileHandler(logs / "kiosk.log", maxBytes=2_000_000, backupCount=5,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._kiosk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)


@dataclass
class KioskContext:
    """Everything a command or the app needs, built lazily from the data folder."""

    data_dir: Path
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.data_dir)

    def save_settings(self) -> Path:
        return save_settings(self.data_dir, self.settings)

    @cached_property
    def ledger(self) -> SqliteLedger:
        return SqliteLedger(open_engine(self.data_dir / DB_NAME))

    @property
    def secrets_dir(self) -> Path:
        path = self.data_dir / "secrets"
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        return path

    @property
    def token_path(self) -> Path:
        return self.secrets_dir / "terminal_token"

    def save_token(self, token: str) -> None:
        """Store the terminal's bearer token readable by this user only (mode 0600)."""
        path = self.token_path
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(token)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    def token(self) -> str | None:
        try:
            return self.token_path.read_text().strip() or None
        except FileNotFoundError:
            return None

    def tls_verify(self) -> bool | ssl.SSLContext:
        """How the platform's certificate is checked: the system's CAs, the CA in ``platform.ca_file``,
        or (``platform.verify_tls`` off, a lab's choice) not at all."""
        if not self.settings.typed.platform.verify_tls:
            return False
        ca_file = self.settings.typed.platform.ca_file
        if not ca_file:
            return True
        try:
            return ssl.create_default_context(cafile=str(Path(ca_file).expanduser()))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigFileError(f"platform.ca_file {ca_file} cannot be used as a CA certificate ({exc}). Give the "
                                  "PEM file of the CA that signed the platform's certificate, or set it empty "
                                  "to use the system's CAs.") from None

    def check_transport(self, url: str) -> None:
        """Refuse plain http:// to another machine unless ``platform.allow_insecure`` is on
        (:class:`kiosk.transport.InsecureTransport`, in words)."""
        check_transport(url, allow_insecure=self.settings.typed.platform.allow_insecure)

    def platform_api(self) -> PlatformApi | None:
        """The platform client when the terminal is enrolled (URL and token); None means offline-only.

        Raises :class:`kiosk.transport.InsecureTransport` for a plain http:// address that is not
        this machine (unless allowed), before the token is sent anywhere."""
        url, token = self.settings.typed.platform.url, self.token()
        if not url or not token:
            return None
        self.check_transport(url)
        from platform_link.client import PlatformApi  # here: an offline-only terminal never loads the HTTP client

        return PlatformApi(url, token, timeout=self.settings.typed.platform.timeout_s, verify=self.tls_verify())

    def platform(self) -> PlatformRedeemer | None:
        """What the redemption hot path calls; None when not enrolled."""
        return self.platform_api()

    def sync_engine(self, api: PlatformApi | None = None) -> SyncEngine | None:
        api = api or self.platform_api()
        if api is None:
            return None
        from platform_link.sync import SyncEngine

        engine = SyncEngine(self.ledger, api, self.clock, batch_size=self.settings.typed.platform.batch_size)
        engine.quality_source = self.todays_quality
        return engine

    def todays_quality(self) -> tuple[str, dict[str, Any]]:
        """Today's service quality (the store's day), as the sync engine reports it to the platform."""
        from offline_queue.quality import day_quality

        tz = self.settings.timezone()
        today = self.clock.now().astimezone(tz).date()
        return today.isoformat(), day_quality(self.ledger, today, tz).as_dict()

    def redemption_service(self, *, platform: PlatformRedeemer | None = None,
                           counters: StoreCounters | None = None) -> RedemptionService:
        return RedemptionService(
            ledger=self.ledger,
            clock=self.clock,
            terminal=self.settings.terminal(),
            policy=self.settings.offline_policy(),
            platform=platform,
            counters=counters,
        )

    # --- the store network ------------------------------------------------------------------

    @property
    def store_secret_path(self) -> Path:
        return self.secrets_dir / "store_secret"

    def save_store_secret(self, secret: str) -> None:
        """Keep the store secret readable by this user only (mode 0600), written atomically."""
        path = self.store_secret_path
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secret.strip())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    def store_credential(self) -> StoreCredential | None:
        """This counter's store credential; None until a store secret is set (enrollment or technician)."""
        from kiosk.peer_auth import CredentialError, StoreCredential, parse_secret

        try:
            text = self.store_secret_path.read_text()
        except FileNotFoundError:
            return None
        try:
            secret = parse_secret(text)
        except CredentialError as exc:
            raise ConfigFileError(f"{self.store_secret_path}: {exc}") from None
        terminal = self.settings.terminal()
        return StoreCredential(secret, store_id=terminal.store_id, terminal_id=terminal.terminal_id)

    @cached_property
    def peer_ledger(self) -> SqlitePeerLedger:
        from offline_queue.peer_ledger import SqlitePeerLedger

        return SqlitePeerLedger(self.ledger)

    def peer_urls(self) -> tuple[str, ...]:
        from kiosk.peers import parse_peer_list

        return parse_peer_list(self.settings.typed.lan.peers)

    def peer_client(self) -> PeerClient | None:
        """The client of the other counters (``lan.peers``); None with no peers or no store secret."""
        urls, credential = self.peer_urls(), self.store_credential()
        if not urls or credential is None:
            return None
        from store_lan.client import PeerClient  # here: a counter alone never loads the HTTP client

        return PeerClient(urls, credential, budget_s=self.settings.typed.lan.budget_ms / 1000)

    def store_counters(self, client: PeerClient) -> StoreCounters:
        """The claim protocol of this counter over ``client``."""
        from kiosk.peer_check import StoreCounters

        return StoreCounters(ledger=self.peer_ledger, network=client,
                             terminal_id=self.settings.typed.terminal.terminal_id, clock=self.clock)
