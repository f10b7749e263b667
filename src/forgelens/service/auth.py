"""API tokens and per-token quotas.

A token is ``fl_<id>_<secret>``: the id finds the row, the secret is checked against its argon2id
hash (argon2-cffi's defaults, RFC 9106); the token itself is shown once, at creation, and stored
nowhere. Verified tokens are remembered in memory (by a SHA-256 of the token) for a few minutes so
each request does not pay argon2's deliberate cost.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from forgelens.errors import ConfigError
from forgelens.service.storage import Database, Job, Token

_hasher = PasswordHasher()
CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class Caller:
    """Who made a request: the token's name, or "local" when the server runs with --no-auth."""

    name: str
    authenticated: bool
    admin: bool = False  # an admin token (``token create --admin``): may delete any case


def create_token(db: Database, name: str, admin: bool = False) -> str:
    """Store a new token's argon2 hash under ``name`` (an admin token with ``admin``); return the
    token (shown once)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise ConfigError("token", "a token needs a name of 1 to 200 characters")
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    with db.session() as s:
        if s.scalars(select(Token).where(Token.name == name)).first():
            raise ConfigError("token", f"a token named {name!r} exists already")
        s.add(Token(id=token_id, name=name, secret_hash=_hasher.hash(secret), created_at=time.time(), admin=admin))
        _audit_token(db, s, "token created", f"token {name!r}" + (" (admin: may delete any case)" if admin else ""))
    return f"fl_{token_id}_{secret}"


#: Who creates and revokes tokens: the server's own command line (``forgelens serve token …``), run by
#: whoever holds the data folder; no token is involved.
TOKEN_ACTOR = "server command line"


def _audit_token(db: Database, s, action: str, detail: str) -> None:
    """Record a token's creation or revocation in the server-wide audit log: who may read and delete
    what changes with it, and a team's lead must be able to see when."""
    with db.audit_lock:
        db.append_audit(s, case_id=None, actor=TOKEN_ACTOR, action=action, detail=detail)


def revoke_token(db: Database, name: str) -> bool:
    """Mark the token named ``name`` revoked (a running server honours it within CACHE_SECONDS)."""
    with db.session() as s:
        row = s.scalars(select(Token).where(Token.name == name)).first()
        if row is None:
            return False
        if not row.revoked:
            row.revoked = True
            _audit_token(db, s, "token revoked", f"token {name!r}")
        return True


def list_tokens(db: Database) -> list[tuple[str, float, bool, bool]]:
    """(name, created_at, revoked, admin) of every token; never the token or its hash."""
    with db.session() as s:
        return [(t.name, t.created_at, t.revoked, t.admin) for t in s.scalars(select(Token).order_by(Token.created_at))]


class Authenticator:
    def __init__(self, db: Database):
        self.db = db
        self._cache: dict[str, tuple[Caller, float]] = {}
        self._lock = threading.Lock()

    def verify(self, token: str) -> str | None:
        """The token's name, or None when it is unknown, revoked or wrong."""
        who = self.caller(token)
        return who.name if who else None

    def caller(self, token: str) -> Caller | None:
        """Who the token is (name, admin or not), or None when it is unknown, revoked or wrong."""
        key = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            hit = self._cache.get(key)
        if hit and hit[1] > time.monotonic():
            return hit[0]
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "fl":
            return None
        with self.db.session() as s:
            row = s.get(Token, parts[1])
        if row is None or row.revoked:
            return None
        try:
            _hasher.verify(row.secret_hash, parts[2])
        except (VerificationError, InvalidHashError):
            return None
        who = Caller(row.name, True, bool(row.admin))
        with self._lock:
            self._cache[key] = (who, time.monotonic() + CACHE_SECONDS)
        return who


def quota_problem(db: Database, caller: Caller, upload_bytes: int, jobs_per_hour: int, bytes_per_day: int,
                  now: float | None = None) -> tuple[str, int] | None:
    """(reason, seconds to wait) when this upload would exceed the caller's quota, else None."""
    if not caller.authenticated:
        return None
    now = time.time() if now is None else now
    with db.session() as s:
        if jobs_per_hour:
            q = select(func.count(), func.min(Job.created_at)).where(Job.token_name == caller.name,
                                                                     Job.created_at > now - 3600)
            n, oldest = s.execute(q).one()
            if n >= jobs_per_hour:
                return f"quota of {jobs_per_hour} analyses per hour reached", int(oldest + 3600 - now) + 1
        if bytes_per_day:
            q = select(func.coalesce(func.sum(Job.input_size), 0), func.min(Job.created_at)).where(
                Job.token_name == caller.name, Job.created_at > now - 86400)
            used, oldest = s.execute(q).one()
            if used + upload_bytes > bytes_per_day:
                wait = int((oldest or now) + 86400 - now) + 1
                return f"quota of {bytes_per_day} uploaded bytes per day reached ({used} used)", wait
    return None
