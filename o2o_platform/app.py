"""The FastAPI application factory, its error format, the body-size guard, and the server runner."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from o2o_platform import audit_api, feedback, quality_api
from o2o_platform.admission import UploadGate
from o2o_platform.api import router
from o2o_platform.auth import check_deferred_token, not_valid
from o2o_platform.db import make_engine, migrate, open_database
from o2o_platform.keys import KeyRing, KeySource
from wire.platform import ErrorOut

API_VERSION = "1.0.0"
MAX_BODY_BYTES = 1 << 20  # a full batch of 500 items is about 0.5 MB
# Idle keep-alive connections are kept this long (uvicorn's default is 5 s). Requests wait for one of
# the few database threads, so under a burst a terminal's connection can sit idle longer than 5 s
# between its answers; a client that reuses it just as the server closes it sees a reset POST.
KEEP_ALIVE_S = 30
# On SIGTERM, requests in flight get this long to finish before the process exits anyway: a
# connection that never completes (a client gone mid-handshake) must not keep a restart waiting.
SHUTDOWN_GRACE_S = 5
DB_THREADS = int(os.environ.get("O2O_PLATFORM_DB_THREADS", "4"))  # see lifespan below
# Batch uploads run in threads of their own (admission.UploadGate), so a backlog never holds up a cashier.
UPLOAD_THREADS = int(os.environ.get("O2O_PLATFORM_UPLOAD_THREADS", "2"))
log = logging.getLogger("o2o_platform")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Settings:
    """How one platform instance runs."""

    db_url: str
    keys: KeyRing
    void_window_minutes: float = 15.0
    # How far a terminal's clock may be off before the times it claims in uploads are not believed.
    clock_skew_minutes: float = 5.0
    max_body_bytes: int = MAX_BODY_BYTES
    db_threads: int = DB_THREADS  # threads running database work, per process
    upload_threads: int = UPLOAD_THREADS  # threads running batch uploads, per process
    key_paths: tuple[str, ...] = ()  # where ``keys`` came from: read again when the files change


class BodyLimit:
    """Refuse oversized request bodies with 413 before they are read into memory.

    Content-Length is checked up front; chunked bodies are counted as they arrive.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(send, self.limit)
            return
        seen = 0
        responded = False
        too_large = False

        async def counting_receive() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    too_large = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # The framework may catch _BodyTooLarge while parsing and answer 400 itself: once the
            # body went past the limit, the answer is 413 whatever the application says.
            nonlocal responded
            if too_large:
                if not responded and message["type"] == "http.response.start":
                    responded = True
                    await _too_large(send, self.limit)
                return
            responded = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLarge:
            if not responded:
                await _too_large(send, self.limit)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"request body too large (limit {limit} bytes); send smaller batches"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _plain_validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return "; ".join(parts) or "invalid request"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application. With ``settings`` the database is opened and migrated right away,
    so a bad URL fails at start rather than on the first request; without, it only serves to
    render the OpenAPI document."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings is not None:
            # Blocking database work runs in AnyIO's thread pool (40 threads by default). A few
            # threads per process keep the GIL and the database's cores busy with work instead of
            # switching: at 40, two workers did 342 redemptions/s at 2.7 ms CPU each, at 4 over
            # 1,000/s at 1.4 ms (docs/profiles/platform.md). Requests beyond that wait their turn.
            to_thread.current_default_thread_limiter().total_tokens = settings.db_threads
        yield
        if settings is not None:
            app.state.db.dispose()

    app = FastAPI(
        title="o2o-platform",
        version=API_VERSION,
        summary="Reference O2O voucher platform: enrollment, online redemption, offline batch upload, "
                "voids, revocations.",
        lifespan=lifespan,
        # Every operation may answer these, always as {"detail": "..."} (see the handlers below):
        # documented so clients and schemathesis see the real shapes, not FastAPI's default 422.
        responses={400: {"model": ErrorOut, "description": "the body cannot be parsed"},
                   413: {"model": ErrorOut, "description": "request body too large"},
                   422: {"model": ErrorOut, "description": "the request does not match the API"}},
    )
    if settings is not None:
        app.state.db = open_database(settings.db_url)
        app.state.keys = settings.keys
        if settings.key_paths:
            app.state.key_source = KeySource(settings.key_paths, settings.keys)
        app.state.void_window = timedelta(minutes=settings.void_window_minutes)
        app.state.clock_skew = timedelta(minutes=settings.clock_skew_minutes)
        app.state.upload_gate = UploadGate(running=settings.upload_threads)
    app.include_router(router)
    app.include_router(quality_api.router)
    app.include_router(audit_api.router)
    app.include_router(feedback.router)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Handlers that check their token inside their own transaction never ran: no valid token, 401.
        if await run_in_threadpool(check_deferred_token, request) is False:
            error = not_valid()
            return JSONResponse({"detail": error.detail}, status_code=401, headers=error.headers)
        return JSONResponse({"detail": _plain_validation_message(exc)}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse({"detail": "internal error on the platform; try again later"}, status_code=500)

    app.add_middleware(BodyLimit, limit=settings.max_body_bytes if settings else MAX_BODY_BYTES)
    return app


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document, exactly as the server serves it at ``/openapi.json``."""
    return create_app().openapi()


def openapi_json() -> str:
    """The OpenAPI document as the text kept in ``docs/openapi.json``."""
    return json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


_ENV_DB, _ENV_KEYS, _ENV_VOID = "O2O_PLATFORM_DB", "O2O_PLATFORM_KEYS", "O2O_PLATFORM_VOID_WINDOW_MINUTES"
_ENV_SKEW = "O2O_PLATFORM_CLOCK_SKEW_MINUTES"


def app_from_environment() -> FastAPI:
    """The application of one worker process when ``serve --workers N`` runs several (uvicorn
    imports this factory in each worker; the settings travel in environment variables)."""
    import os

    from o2o_platform.keys import load_keyring

    paths = json.loads(os.environ[_ENV_KEYS])
    return create_app(Settings(db_url=os.environ[_ENV_DB], keys=load_keyring(paths), key_paths=tuple(paths),
                               void_window_minutes=float(os.environ.get(_ENV_VOID, "15")),
                               clock_skew_minutes=float(os.environ.get(_ENV_SKEW, "5"))))


class MaskQueryValues(logging.Filter):
    """Shortens every query-string value in uvicorn's access log to its first 4 characters: the
    address may hold a voucher code (``/vouchers/lookup?code=``) or a feedback token (``?t=``),
    and neither may sit in a log in full."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], mask_query(args[2]), *args[3:])
        return True


def mask_query(path: str) -> str:
    """``path?name=value&...`` with each value cut to 4 characters and an ellipsis."""
    base, _, query = path.partition("?")
    masked = []
    for part in query.split("&"):
        name, eq, value = part.partition("=")
        masked.append(f"{name}{eq}{value[:4]}…" if eq and len(value) > 4 else part)
    return base + "?" + "&".join(masked)


def _log_config() -> dict[str, Any]:
    """uvicorn's logging set-up, with :class:`MaskQueryValues` on the access log (a dictionary, so
    that every worker process configures the same)."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["mask_query"] = {"()": "o2o_platform.app.MaskQueryValues"}
    config["handlers"]["access"]["filters"] = ["mask_query"]
    return config


def run_server(settings: Settings, *, host: str, port: int, log_level: str = "warning", workers: int = 1,
               key_paths: list[str] | None = None, tls_cert: str | None = None, tls_key: str | None = None) -> None:
    """Serve until interrupted (SIGINT/SIGTERM stop it cleanly). With ``workers`` > 1, uvicorn runs that
    many processes on one socket, each building its app from ``key_paths`` and the settings. With
    ``tls_cert`` and ``tls_key`` (PEM files) it serves HTTPS."""
    import uvicorn

    scheme = "https" if tls_cert else "http"
    tls: dict[str, Any] = {"ssl_certfile": tls_cert, "ssl_keyfile": tls_key} if tls_cert else {}

    access_log = log_level in ("debug", "info")
    if workers > 1:
        if not key_paths:
            raise ValueError("several workers need the key paths to load the keys in each worker")
        import os

        migrate(make_engine(settings.db_url))  # once, before the workers start
        os.environ.update({_ENV_DB: settings.db_url, _ENV_KEYS: json.dumps(key_paths),
                           _ENV_VOID: str(settings.void_window_minutes),
                           _ENV_SKEW: str(settings.clock_skew_minutes)})
        print(f"o2o-platform listening on {scheme}://{host}:{port}/api/v1 ({workers} workers)", flush=True)
        uvicorn.run("o2o_platform.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                    log_level=log_level, access_log=access_log, timeout_keep_alive=KEEP_ALIVE_S,
                    timeout_graceful_shutdown=SHUTDOWN_GRACE_S, log_config=_log_config(), **tls)
        return
    app = create_app(settings)
    print(f"o2o-platform listening on {scheme}://{host}:{port}/api/v1", flush=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=access_log,
                timeout_keep_alive=KEEP_ALIVE_S, timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
                log_config=_log_config(), **tls)
