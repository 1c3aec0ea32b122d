"""API tokens, kept out of the graph (and so out of reach of /sparql) in a small sqlite file.

Only the SHA-256 hash of a token is stored. A token is 32 random bytes (URL-safe base64), so
a plain hash is enough: there is nothing to guess that a slow hash would protect."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from app.model.errors import InvalidInput, StoreError
from app.model.reviews import REVIEWER, Reviewer, Role, TokenNameTaken

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    name    TEXT PRIMARY KEY,
    role    TEXT NOT NULL CHECK (role IN ('reviewer', 'editor', 'admin')),
    hash    TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class TokenRecord:
    """What is stored about a token: never the token itself."""

    name: str
    role: Role
    created: str


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    """Token records in sqlite; ``path=None`` keeps them in memory (for the in-memory store)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                ":memory:" if path is None else str(path), check_same_thread=False,
                isolation_level=None,  # transactions are explicit (BEGIN IMMEDIATE)
            )
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the token file {path}: {exc}") from exc
        self._lock = threading.Lock()

    def create(self, name: str, role: Role) -> str:
        """Record a new token and return it. It is shown once: only its hash is kept."""
        if not NAME.fullmatch(name):
            raise InvalidInput(
                f"token name {name!r}: use 1-64 letters, digits, '.', '_' or '-'"
            )
        token = secrets.token_urlsafe(32)
        created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute(
                    "INSERT INTO tokens (name, role, hash, created) VALUES (?, ?, ?, ?)",
                    (name, role.value, token_hash(token), created),
                )
                self._db.execute("COMMIT")
            except sqlite3.IntegrityError as exc:
                self._db.execute("ROLLBACK")
                raise TokenNameTaken(f"a token named {name!r} exists already") from exc
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StoreError(f"the token was not stored: {exc}") from exc
        return token

    def verify(self, token: str) -> Reviewer | None:
        """The holder of ``token``, or None when it is unknown."""
        with self._lock:
            row = self._db.execute(
                "SELECT name, role FROM tokens WHERE hash = ?", (token_hash(token),)
            ).fetchone()
        if row is None:
            return None
        name, role = str(row[0]), Role(row[1])
        return Reviewer(name=name, role=role, iri=REVIEWER[name])

    def records(self) -> list[TokenRecord]:
        """Every token's name, role and creation time, by name."""
        with self._lock:
            rows = self._db.execute("SELECT name, role, created FROM tokens ORDER BY name")
            return [TokenRecord(str(n), Role(r), str(c)) for n, r, c in rows.fetchall()]

    def stored_hashes(self) -> list[str]:
        """The stored hashes (for tests that check no token is kept in plain text)."""
        with self._lock:
            return [str(r[0]) for r in self._db.execute("SELECT hash FROM tokens").fetchall()]

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()
