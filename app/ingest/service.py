"""The ingest pipeline: article text or HTML → attributed statements → claims → the claim
service (same validation, atomic write and incremental detection as ``POST /claims``)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator

from app.detect.service import ClaimService
from app.ingest import nlp
from app.ingest.attribution import attributor
from app.ingest.extract import Extractor, Statement
from app.ingest.frames import FrameSet, load_frames
from app.ingest.gazetteer import Gazetteer
from app.ingest.text import Document, clean_text, document
from app.model.claims import ArticleIn, ArticleUrl, ClaimIn, Strict
from app.model.errors import InvalidInput
from app.model.vocab import ARTICLE, CLAIM, local_id
from app.store import ingest as db
from app.store.claims import article_iri

MAX_TEXT = 500_000


class ArticlePost(Strict):
    """An article to ingest: its text (or HTML) and metadata. Body of ``POST /articles``."""

    url: ArticleUrl
    text: str | None = Field(None, max_length=MAX_TEXT)
    html: str | None = Field(None, max_length=2 * MAX_TEXT)
    outlet: str | None = Field(None, min_length=1, max_length=500)
    published: str | None = Field(
        None, pattern=r"^\d{4}-\d{2}(-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?)?$"
    )
    title: str | None = Field(None, max_length=1000)
    language: str = Field("en", max_length=20)

    @field_validator("text", "html", "title", "outlet", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        """Control characters (app.ingest.text.clean_text) are removed as the article is
        read, before any length check or offset; a lone surrogate could not even be held."""
        return clean_text(value) if isinstance(value, str) else value


@dataclass
class IngestResult:
    """What one article did to the store."""

    url: str
    article: str | None = None
    status: str = "ingested"  # ingested | new-version | unchanged | skipped
    reason: str | None = None
    revision_of: str | None = None
    claims: list[str] = field(default_factory=list)
    new_claims: int = 0
    statements: list[dict[str, Any]] = field(default_factory=list)
    skipped_claims: list[dict[str, Any]] = field(default_factory=list)
    new_contradictions: list[str] = field(default_factory=list)
    disputes: list[str] = field(default_factory=list)
    new_disputes: list[str] = field(default_factory=list)
    supersessions: list[dict[str, str]] = field(default_factory=list)
    dropped_html: list[str] = field(default_factory=list)
    # the text every span indexes: the submitted text without control characters, or the
    # main text extracted from HTML
    text: str | None = None
    # for an article sent as HTML: title, headline, author, published, site_name from the page
    metadata: dict[str, str | None] | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON body returned by POST /articles."""
        return dict(self.__dict__)


class IngestService:
    """Turns articles into claims and submits them through the claim service."""

    def __init__(
        self, claims: ClaimService, frames_dir: Path | None = None,
        nlp_model: str = nlp.DEFAULT_MODEL,
    ) -> None:
        self.claims = claims
        self.frames_dir = frames_dir or claims.ontology_dir / "frames"
        self.nlp_model = nlp_model

    @cached_property
    def frames(self) -> FrameSet:
        """The claim frames (read once)."""
        return load_frames(self.frames_dir)

    def extractor(self) -> Extractor:
        """An extractor over the store's current names (new speakers included)."""
        att = attributor(self.claims.ontology_dir, self.nlp_model)
        return Extractor(
            self.frames, Gazetteer.from_rows(db.ingest_gazetteer(self.claims.store)),
            nlp.load(self.nlp_model), att,
        )

    def ingest(self, post: ArticlePost) -> IngestResult:
        """Ingest one article. Re-ingesting the same URL and text, or a text already stored
        under another URL, changes nothing; a changed text for a stored URL is a new version."""
        doc = self._document(post)
        # the claim service's writer lock (re-entrant) makes check-then-write one step
        with self.claims.lock:
            result = self._ingest(post, doc)
        self.claims.counters.article(
            result.status, invalid=len(result.skipped_claims),
            no_claim=sum(1 for st in result.statements if not st["makes_claim"]),
        )
        return result

    def _ingest(self, post: ArticlePost, doc: Document) -> IngestResult:
        text = doc.text
        result = IngestResult(url=post.url, dropped_html=doc.dropped, text=text)
        if post.html is not None:
            result.metadata = {"title": doc.title, "headline": doc.headline,
                               "author": doc.author, "published": doc.published,
                               "site_name": doc.site_name}
        store = self.claims.store
        latest = db.latest_article(store, post.url)
        if latest is not None and latest.text == text:
            return self._unchanged(result, latest.iri, "this URL is already stored with this text")
        same = db.article_with_text(store, text)
        if same is not None:
            return self._unchanged(
                result, same.iri, f"the same text is already stored from {same.url}"
            )
        iri = article_iri(post.url) if latest is None else db.version_iri(post.url, text)
        # what the request says wins over what the page says
        outlet = post.outlet or doc.site_name
        published = post.published or doc.published
        article = ArticleIn(
            url=post.url, title=post.title or doc.title,
            outlet=outlet or None, published=published, text=text, language=post.language,
        )
        statements = self.extractor().extract(
            text, outlet=article.outlet, published=published, posts=doc.posts
        )
        # a statement whose speaker is unknown ("it was reported", an unresolved "he") is
        # reported in the answer but makes no claim: never a guessed speaker
        claims: list[ClaimIn] = []
        unbuilt: list[dict[str, Any]] = []
        for st in statements:
            if not (st.speakers and st.propositional):
                continue
            try:
                claims += to_claims(st, article, text)
            except ValidationError as exc:  # e.g. a quotation over the 5,000-character limit
                reason = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                   for e in exc.errors()[:3])
                unbuilt.append({"quote": text[st.content[0]:st.content[1]][:200],
                                "reason": reason})
        extra = db.article_quads(
            self.claims.builder, article, iri, latest.iri if latest is not None else None
        )
        for st in statements:
            for sp in st.speakers:
                if sp.ref == sp.name:  # not a known entity id
                    extra += db.speaker_quads(
                        self.claims.builder, sp.name, sp.kind, sp.org, sp.role
                    )
        subs, skipped, detection = self.claims.submit_many(claims, article=iri, extra=extra)
        result.article = local_id(str(iri), str(ARTICLE))
        result.status = "ingested" if latest is None else "new-version"
        result.revision_of = local_id(str(latest.iri), str(ARTICLE)) if latest else None
        result.claims = [local_id(str(s.claim), str(CLAIM)) for s in subs]
        result.new_claims = sum(1 for s in subs if s.created)
        result.statements = [describe(st, text) for st in statements]
        result.skipped_claims = unbuilt + [
            {"quote": claims[n].quote.exact[:200], "reason": reason} for n, reason in skipped
        ]
        result.new_contradictions = detection.new_contradictions
        result.disputes = sorted(detection.disputes)
        result.new_disputes = sorted(detection.new_disputes)
        result.supersessions = [
            {"later": local_id(str(x.later), str(CLAIM)),
             "earlier": local_id(str(x.earlier), str(CLAIM))}
            for x in detection.supersessions
        ]
        return result

    def _unchanged(self, result: IngestResult, iri: Any, reason: str) -> IngestResult:
        result.article = local_id(str(iri), str(ARTICLE))
        result.status, result.reason = "unchanged", reason
        result.claims = [
            local_id(str(c), str(CLAIM)) for c in db.article_claims(self.claims.store, iri)
        ]
        return result

    @staticmethod
    def _document(post: ArticlePost) -> Document:
        """The article's document (app.ingest.text.document: control characters removed,
        HTML reduced to its main text); InvalidInput when there is no text to read."""
        if (post.text is None) == (post.html is None):
            raise InvalidInput("give the article as either text or html")
        if not post.language.lower().startswith("en"):
            raise InvalidInput(
                f"extraction supports English articles only (language {post.language!r})"
            )
        doc = document(text=post.text, html=post.html)
        if not re.search(r"\w", doc.text):
            raise InvalidInput(
                "the HTML has no article text (no text outside scripts, navigation, "
                "headings, captions and bylines)" if post.html is not None
                else "the article has no text"
            )
        if len(doc.text) > MAX_TEXT:
            raise InvalidInput(f"the article text is over {MAX_TEXT:,} characters")
        return doc


def to_claims(st: Statement, article: ArticleIn, text: str) -> list[ClaimIn]:
    """The claims of one statement: one per (polarity, certainty, kind) of its triples, or
    one proposition when no frame matched."""
    a, b = st.content
    said_on = st.said_on
    day = said_on or _day(article.published)
    base: dict[str, Any] = {
        "speakers": [s.ref for s in st.speakers], "relays": st.relays,
        "article": article, "quote": {"exact": text[a:b], "start": a, "end": b},
        "reporting_verb": st.verb, "direct_quote": st.direct, "said_at": st.said_at,
        "said_on": said_on,
    }
    groups: dict[tuple[str, str, bool], list[dict[str, Any]]] = {}
    for t in st.triples:
        polarity = t.get("_polarity") or st.polarity
        certainty = _weakest(st.certainty, t.get("_certainty") or "certain")
        # a cumulative toll holds over its news cycle too: a later total supersedes it
        state = t["property"] in _STATE or (t.get("event") or {}).get("scope") == "cumulative"
        clean = {k: v for k, v in t.items() if not k.startswith("_")}
        bucket = groups.setdefault((polarity, certainty, state), [])
        if clean not in bucket:
            bucket.append(clean)
    if not groups:
        return [ClaimIn.model_validate({
            **base, "polarity": st.polarity, "certainty": st.certainty,
            "proposition": text[a:b][:2000],
            "holds_during": _as_of(st.said_at),
        })]
    out = []
    for (polarity, certainty, state), triples in groups.items():
        claim: dict[str, Any] = {
            **base, "polarity": polarity, "certainty": certainty, "statements": triples[:20],
            "holds_during": _as_of(st.said_at) if state else "not stated",
        }
        if state and day is not None:
            # A state reported on a known day holds over that news cycle: from the day before
            # it was said (or published) to the day of publication. Claims whose cycles do not
            # overlap describe a change of state, not a contradiction.
            claim["holds_from"] = (said_on or day) - dt.timedelta(days=1)
            # an embedded post may be dated after the article's publication day
            claim["holds_until"] = max(_day(article.published) or day, said_on or day)
        out.append(ClaimIn.model_validate(claim))
    return out


_STATE = {"controlStatus", "controlledBy", "fightingStatus", "defeatStatus", "presentIn"}


def _as_of(said_at: str) -> str:
    return "at the time of reporting" if said_at == "not stated" else f"as of {said_at}"


def _day(published: str | None) -> Any:
    from app.ingest.extract import anchor

    return anchor("today", published)


def _weakest(a: str, b: str) -> str:
    order = ["certain", "probable", "possible"]
    return a if order.index(a) >= order.index(b) else b


def _span(span: tuple[int, int] | None, text: str) -> dict[str, Any] | None:
    if span is None:
        return None
    return {"start": span[0], "end": span[1], "text": text[span[0]:span[1]]}


def describe(st: Statement, text: str) -> dict[str, Any]:
    """A statement as JSON: resolved speakers; source, cue, relay and content spans as
    character offsets (end exclusive) into the submitted text, with their text; factuality,
    time and frames. A statement with no resolved speaker has ``speakers: []`` and made no
    claim. An embedded post's statement has ``post`` (platform, author name, handle without
    ``@``, URL, date as written, offsets of the whole post) and no source or cue span."""
    return {
        "speakers": [
            {"ref": s.ref, "name": s.name, "kind": s.kind, "role": s.role, "organisation": s.org}
            for s in st.speakers
        ],
        "relays": st.relays, "verb": st.verb, "direct": st.direct, "kind": st.kind,
        "cue_kind": st.cue_kind, "makes_claim": bool(st.speakers) and st.propositional,
        "source": _span(st.speaker_span, text), "cue": _span(st.cue, text),
        "relay": _span(st.relay_span, text),
        "content": {"start": st.content[0], "end": st.content[1],
                    "text": text[st.content[0]:st.content[1]],
                    "spans": [_span(s, text) for s in st.content_spans or (st.content,)]},
        "polarity": st.polarity, "certainty": st.certainty,
        "said_at": st.said_at, "said_on": st.said_on.isoformat() if st.said_on else None,
        "frames": st.frames,
        "statements": [{k: v for k, v in t.items() if not k.startswith("_")} for t in st.triples],
        "post": None if st.post is None else {
            "platform": st.post.platform, "author": st.post.name, "handle": st.post.handle,
            "url": st.post.url, "date": st.post.said_at,
            "start": st.post.start, "end": st.post.end,
        },
    }
