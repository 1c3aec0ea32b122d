"""Fact-checkers' published ClaimReviews: read them from files, keep them as reference data,
and find the ones whose claimReviewed is the text of one of our claims.

Public API (errors are InvalidInput, status 422; the command line prints them, exit code 2)::

    read_reviews(paths)             # list[ImportedReview] from files and folders (.json,
                                    #   .jsonld: a document, a list or an @graph; .html, .htm:
                                    #   every <script type="application/ld+json"> block)
    import_reviews(store, reviews)  # write them, each in its own named graph, atomically
    fact_checks(store, claims)      # imported reviews matching {claim id: claim text}

Matching: both texts are normalised (app.model.reviews.normalise_claim_text: Unicode NFKC,
case-folded, punctuation and quotes dropped, spaces collapsed); equal normalised texts are an
``exact`` match. Otherwise a rapidfuzz ``fuzz.ratio`` (normalised Indel similarity of the
two normalised texts, 0 to 100) of at least MATCH_THRESHOLD is a ``similar`` match, but only
when both texts have at least MIN_WORDS words and carry the same numbers and the same
negation words: "not", a digit or a word more or less can turn a claim into its opposite,
and a fact check of the opposite claim must not be shown as this one's.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from rdflib import URIRef

from app.model.errors import InvalidInput
from app.model.reviews import normalise_claim_text
from app.store import claimreview as db
from app.store.base import GraphStore
from app.store.claimreview import ImportedReview

SUFFIXES = (".json", ".jsonld", ".html", ".htm")
MATCH_THRESHOLD = 90.0
MIN_WORDS = 4
NEGATIONS = frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor",
                       "without", "t", "cannot"})  # "isn't" normalises to "isn t"
MAX_FILE_BYTES = 20_000_000


def collect(paths: Iterable[Path]) -> list[Path]:
    """The files to read: each file given, and every .json/.jsonld/.html/.htm file under each
    folder given (sorted). InvalidInput for a missing path or a folder without such files."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file()
                           and p.suffix.lower() in SUFFIXES)
            if not found:
                raise InvalidInput(f"{path}: no {', '.join(SUFFIXES)} files in this folder")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise InvalidInput(f"{path}: no such file or folder")
    return files


def documents(path: Path) -> list[Any]:
    """The JSON-LD documents in one file; InvalidInput when it cannot be read or holds none."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidInput(f"{path}: larger than {MAX_FILE_BYTES:,} bytes")
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    html = path.suffix.lower() in (".html", ".htm") or text.lstrip().startswith("<")
    blocks = _script_blocks(text) if html else [text]
    if html and not blocks:
        raise InvalidInput(f'{path}: no <script type="application/ld+json"> block')
    out: list[Any] = []
    for n, block in enumerate(blocks, start=1):
        where = f"{path}" if not html else f"{path}, JSON-LD block {n}"
        try:
            value = json.loads(block)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"{where}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
            ) from exc
        # a top-level list holds several documents, each with its own @context
        out += value if isinstance(value, list) else [value]
    if not out:
        raise InvalidInput(f"{path}: holds no JSON-LD document")
    return out


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = (dict(attrs).get("type") or "").split(";")[0].strip().lower()
        self._open = tag == "script" and kind == "application/ld+json"
        if self._open:
            self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._open = False

    def handle_data(self, data: str) -> None:
        if self._open:
            self.blocks[-1] += data


def _script_blocks(html: str) -> list[str]:
    parser = _Scripts()
    parser.feed(html)
    parser.close()
    return [b for b in parser.blocks if b.strip()]


def read_reviews(paths: Sequence[Path], now: dt.datetime | None = None) -> list[ImportedReview]:
    """Every ClaimReview in these files and folders, checked; nothing is written. The first
    unreadable or invalid file stops the import with InvalidInput naming it."""
    when = now or dt.datetime.now(dt.UTC)
    reviews: dict[str, ImportedReview] = {}
    for path in collect(paths):
        graph = db.parse(documents(path), str(path))
        for review in db.extract(graph, str(path), when):
            reviews[str(review.graph)] = review
    return list(reviews.values())


def import_reviews(store: GraphStore, reviews: Sequence[ImportedReview]) -> None:
    """Store the reviews, each in its own named graph (replacing an earlier import of the same
    review), in one atomic update: all of them or none."""
    db.write(store, reviews)


def fact_checks(store: GraphStore, claims: Mapping[str, str]) -> list[dict[str, Any]]:
    """Imported ClaimReviews about these claims (``{claim id: claim text}``), exact matches
    first: each is ``{"claim", "match": "exact"|"similar", "score", "claim_reviewed", "url",
    "date_published", "rating": {alternate_name, rating_value, best_rating, worst_rating},
    "author": {name, url}, "claimant", "imported_from", "imported_at", "iri"}``."""
    keys = db.match_keys(store)
    if not keys or not claims:
        return []
    by_key: dict[str, list[str]] = {}
    for graph_iri, _node, key in keys:
        by_key.setdefault(key, []).append(str(graph_iri))
    choices = sorted(by_key)
    found: list[tuple[str, str, str, float]] = []  # claim, graph, match, score
    for claim_id, text in sorted(claims.items()):
        mine = normalise_claim_text(text)
        if not mine:
            continue
        found += [(claim_id, g, "exact", 100.0) for g in by_key.get(mine, [])]
        if len(mine.split()) < MIN_WORDS:
            continue
        for other, score, _i in process.extract(
            mine, choices, scorer=fuzz.ratio, score_cutoff=MATCH_THRESHOLD,
            limit=10,
        ):
            if other != mine and _same_gist(mine, other):
                found += [(claim_id, g, "similar", round(float(score), 1)) for g in by_key[other]]
    info = db.details(store, [URIRef(g) for g in sorted({g for _c, g, _m, _s in found})])
    out = [
        {"claim": claim_id, "match": match, "score": score, **info[graph]}
        for claim_id, graph, match, score in found if graph in info
    ]
    out.sort(key=lambda f: (f["match"] != "exact", -f["score"], f["claim"], f["iri"]))
    return out


def _same_gist(a: str, b: str) -> bool:
    """Both texts long enough, with the same numbers and the same negation words."""
    wa, wb = a.split(), b.split()
    if len(wa) < MIN_WORDS or len(wb) < MIN_WORDS:
        return False
    numbers = ({w for w in wa if any(c.isdigit() for c in w)},
               {w for w in wb if any(c.isdigit() for c in w)})
    negations = ({w for w in wa if w in NEGATIONS}, {w for w in wb if w in NEGATIONS})
    return numbers[0] == numbers[1] and negations[0] == negations[1]


__all__ = [
    "MATCH_THRESHOLD", "ImportedReview", "collect", "documents", "fact_checks",
    "import_reviews", "read_reviews",
]
