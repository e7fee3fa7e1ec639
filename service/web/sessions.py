"""The browser session: a signed cookie (HMAC-SHA256), its secret, CSRF tokens, flash messages.

The cookie holds no API key: only the id of the key the user signed in with, a CSRF token, an
expiry and the messages to show on the next page. Its secret is created on first use in
KIENNGHI_HOME (mode 0600) and shared by every worker of the same home, so a session survives a
restart and works on any worker. A revoked key ends its sessions at once (the key is looked up
on every request).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "COOKIE_NAME",
    "SESSION_SCOPE_KEY",
    "SessionCodec",
    "SessionMiddleware",
    "WebSession",
    "load_secret",
    "session_of",
]

COOKIE_NAME = "kn_session"
SESSION_SCOPE_KEY = "kiennghi.web_session"
SECRET_FILE = "web-session.key"


def load_secret(home: Path) -> bytes:
    """The signing secret of this home, created on first use (0600, written atomically)."""
    path = home / SECRET_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    home.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(32)
    tmp = home / f".{SECRET_FILE}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secret.hex())
    try:
        # Another worker may have won the race: keep the first secret written.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


@dataclass
class WebSession:
    """What the cookie carries. ``key_id`` is None before sign-in."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    key_id: int | None = None
    expires: float = 0.0
    flashes: list[tuple[str, str]] = field(default_factory=list)
    modified: bool = False

    def sign_in(self, key_id: int, lifetime: float) -> None:
        """Start a signed-in session (a new CSRF token: no token from before sign-in stays valid)."""
        self.key_id = key_id
        self.csrf = secrets.token_urlsafe(24)
        self.expires = time.time() + lifetime
        self.modified = True

    def sign_out(self) -> None:
        self.key_id = None
        self.csrf = secrets.token_urlsafe(24)
        self.expires = 0.0
        self.flashes = []
        self.modified = True

    def flash(self, kind: str, message: str) -> None:
        """A message for the next page (kind: ok, error, info)."""
        self.flashes.append((kind, message))
        self.modified = True

    def take_flashes(self) -> list[tuple[str, str]]:
        taken, self.flashes = self.flashes, []
        if taken:
            self.modified = True
        return taken

    def check_csrf(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), self.csrf)


class SessionCodec:
    """Encode a WebSession into a signed cookie value and back (None when forged or expired)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _sign(self, payload: bytes) -> str:
        digest = hmac.new(self._secret, payload, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def dumps(self, session: WebSession) -> str:
        data = {"c": session.csrf, "k": session.key_id, "e": session.expires, "f": session.flashes}
        payload = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=")
        return f"{payload.decode('ascii')}.{self._sign(payload)}"

    def loads(self, value: str | None) -> WebSession | None:
        if not value or "." not in value:
            return None
        payload, signature = value.rsplit(".", 1)
        if not hmac.compare_digest(signature, self._sign(payload.encode("ascii", "replace"))):
            return None
        try:
            data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            session = WebSession(
                csrf=str(data["c"]),
                key_id=data["k"] if isinstance(data["k"], int) else None,
                expires=float(data["e"]),
                flashes=[(str(k), str(m)) for k, m in data.get("f", [])][:10],
            )
        except (ValueError, KeyError, TypeError):
            return None
        if session.key_id is not None and session.expires < time.time():
            session.key_id = None
            session.modified = True
        return session


def session_of(request: Request) -> WebSession:
    """The session of this request (set by SessionMiddleware)."""
    session: WebSession = request.scope[SESSION_SCOPE_KEY]
    return session


class SessionMiddleware:
    """Reads the session cookie of every request under ``prefix`` and writes it back when changed.

    The cookie is HttpOnly and SameSite=Lax, and Secure when the request came over HTTPS.
    """

    def __init__(self, app: ASGIApp, codec_factory: Any, prefix: str, max_age: int) -> None:
        self.app = app
        self._codec_factory = codec_factory
        self._codec: SessionCodec | None = None
        self.prefix = prefix
        self.max_age = max_age

    @property
    def codec(self) -> SessionCodec:
        if self._codec is None:
            self._codec = self._codec_factory()
        return self._codec

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        loaded = self.codec.loads(request.cookies.get(COOKIE_NAME))
        session = loaded or WebSession(modified=True)
        scope[SESSION_SCOPE_KEY] = session
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.modified:
                headers = MutableHeaders(scope=message)
                attributes = f"Path={self.prefix}; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
                value = self.codec.dumps(session)
                headers.append("Set-Cookie", f"{COOKIE_NAME}={value}; Max-Age={self.max_age}; {attributes}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)
