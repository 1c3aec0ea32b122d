"""The store's SPARQL, one .rq file per query, loaded by name."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_DIR = Path(__file__).parent


@cache
def load_query(name: str) -> str:
    """The text of ``queries/<name>.rq``."""
    return (_DIR / f"{name}.rq").read_text(encoding="utf-8")
