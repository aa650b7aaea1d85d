"""Which platform addresses a terminal may talk to, and how.

Plain ``http://`` carries the terminal's bearer token and every answer (keys included) in the
clear, so anything on the store's network could read or change them. It is allowed only to this
machine itself (127.0.0.0/8, ::1, ``localhost``: a lab or the demo), or when the technician has
switched on ``platform.allow_insecure`` (an audited setting) for a closed test network. Pure
Python: the HTTP client applies it.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


class InsecureTransport(ValueError):
    """A platform address this terminal refuses to use as it is; the message says what to do."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and for addresses in 127.0.0.0/8 or ::1."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_transport(url: str, *, allow_insecure: bool = False) -> None:
    """Raise :class:`InsecureTransport` unless ``url`` is https, plain http to this machine, or
    plain http with ``allow_insecure`` on."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme == "https":
        return
    if scheme != "http":
        raise InsecureTransport(f"the platform address {url!r} must start with https:// "
                                "(for example https://platform.example.com)")
    if is_loopback(host) or allow_insecure:
        return
    raise InsecureTransport(
        f"the platform address {url} uses plain http:// to {host}, which is not this machine: anything on the "
        "network between here and the platform could read the terminal's token and change the platform's "
        "answers. Use an https:// address (the platform serves HTTPS with 'o2o-platform serve --tls-cert FILE "
        "--tls-key FILE'; a private CA is trusted with 'kiosk config set platform.ca_file CA.pem'). Only on a "
        "closed test network: 'kiosk config set platform.allow_insecure true' (recorded in the audit log).")
