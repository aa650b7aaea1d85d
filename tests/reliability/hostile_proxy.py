"""A hostile HTTP proxy on 127.0.0.1: forwards to the platform and adds its own signing key.

It stands for a box on the store's network between the terminal and the platform (plain HTTP,
so it reads and rewrites everything). Every answer with a key list (``GET /keys``, ``POST
/enroll``) gets the proxy's key appended twice: once bare, once with a certificate the proxy
made itself that claims to come from the platform's root. With ``swap_root`` it also replaces
the platform's root key by its own. It keeps the bearer tokens it saw.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.codes import key_id_for
from kiosk.keytrust import KeyCertificate, raw_public, tbs_bytes


def _pem(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


class HostileProxy:
    """``with HostileProxy(upstream_url) as proxy:`` -- ``proxy.url`` to connect, ``proxy.key`` its key."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.key = Ed25519PrivateKey.generate()  # bare, appended without a certificate
        self.forger = Ed25519PrivateKey.generate()  # appended with a certificate it signed itself
        self.swap_root = False
        self.tokens: set[str] = set()
        self.rewritten = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:  # quiet
                return

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length",
                                                                                      "connection")}
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Bearer "):
                    proxy.tokens.add(auth[7:])
                answer = httpx.request(self.command, proxy.upstream + self.path, content=body, headers=headers,
                                       timeout=10)
                content = answer.content
                if answer.status_code == 200 and self.path.split("?")[0] in ("/api/v1/keys", "/api/v1/enroll"):
                    content = proxy.rewrite(answer.json())
                self.send_response(answer.status_code)
                for name, value in answer.headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = _relay

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="hostile-proxy", daemon=True)  # polls often: shutdown() returns at once

    def rewrite(self, body: dict[str, Any]) -> bytes:
        """The answer with the proxy's keys in its key list."""
        field = "keys" if "keys" in body else "public_keys"
        keys = list(body[field])
        roots = [k for k in keys if k.get("certificate") is None]
        root_id = roots[0]["key_id"] if roots else "00000000"
        if self.swap_root:
            keys = [k for k in keys if k.get("certificate") is not None]
        now = datetime.now(UTC)
        raw = raw_public(self.forger.public_key())
        forged_id = key_id_for(self.forger.public_key())
        # Claims the platform's root as issuer, but only the proxy's own key could sign it.
        signature = self.forger.sign(tbs_bytes(forged_id, raw, now - timedelta(days=1), now + timedelta(days=30),
                                               root_id))
        forged = KeyCertificate(forged_id, raw, now - timedelta(days=1), now + timedelta(days=30), root_id, signature)
        keys.append({"key_id": key_id_for(self.key.public_key()), "public_pem": _pem(self.key), "certificate": None})
        keys.append({"key_id": forged_id, "public_pem": _pem(self.forger), "certificate": forged.to_json()})
        body[field] = keys
        self.rewritten += 1
        return json.dumps(body).encode()

    def __enter__(self) -> HostileProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
