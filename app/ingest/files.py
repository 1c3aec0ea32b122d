"""Articles from files: .txt, .html or .json (the body of ``POST /articles``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from app.ingest.service import ArticlePost, IngestResult, IngestService
from app.model.errors import DomainError, InvalidInput

SUFFIXES = (".txt", ".html", ".htm", ".json")


def collect(paths: Iterable[Path]) -> list[Path]:
    """The article files named, folders searched recursively, in a stable order."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
        else:
            out.append(path)
    return out


def read_post(path: Path, outlet: str | None) -> ArticlePost:
    """The article in a file; InvalidInput says why a file cannot be read."""
    if not path.is_file():
        raise InvalidInput("no such file")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput(f"unsupported file type {suffix or '(none)'}; use .txt, .html or .json")
    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not valid UTF-8 (byte {exc.start})") from exc
    url = path.resolve().as_uri()
    body: dict[str, object]
    if suffix == ".json":
        try:
            loaded = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"not valid JSON: {exc.msg} at line {exc.lineno}") from exc
        if not isinstance(loaded, dict):
            raise InvalidInput("the JSON must be an object (the body of POST /articles)")
        body = {"url": url, **loaded}
    elif suffix == ".txt":
        body = {"url": url, "text": raw}
    else:
        body = {"url": url, "html": raw}
    if outlet and not body.get("outlet"):
        body["outlet"] = outlet
    body.setdefault("outlet", "unknown")
    try:
        return ArticlePost.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise InvalidInput(f"{where}: {first.get('msg', 'invalid')}") from exc


@dataclass
class Summary:
    """Totals over a run of ``claimgraph ingest``."""

    articles: int = 0
    unchanged: int = 0
    claims: int = 0
    new_contradictions: int = 0
    disputes: set[str] = field(default_factory=set)
    new_disputes: set[str] = field(default_factory=set)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def add(self, result: IngestResult) -> None:
        """Count one article's result."""
        if result.status == "unchanged":
            self.unchanged += 1
            return
        self.articles += 1
        self.claims += result.new_claims
        self.new_contradictions += len(result.new_contradictions)
        self.disputes.update(result.disputes)
        self.new_disputes.update(result.new_disputes)


def ingest_file(service: IngestService, path: Path, outlet: str | None) -> IngestResult:
    """Ingest one file; a file that cannot be ingested comes back as skipped, with the reason."""
    try:
        return service.ingest(read_post(path, outlet))
    except DomainError as exc:
        return IngestResult(url=str(path), status="skipped", reason=exc.message)
