"""The review workflow: fact-checkers move disputes open → in-review → resolved (or dismissed)
and record verdicts, each as a PROV activity appended to the dispute's history. An open
dispute may also be resolved in one step (one action, open → resolved, with its verdict).

Public API (used by app.api and app.web; errors are DomainErrors carrying their status)::

    service = review_service(store, settings)   # the one ReviewService of this store
    service.verify_token(token)                 # Reviewer | None
    service.authenticate(token, Role.reviewer)  # Reviewer; Unauthorized 401, Forbidden 403
    service.version(dispute_id)                 # int, the dispute's review version (the ETag
                                                #   is its quoted form); NotFound 404
    service.panel(dispute_id)                   # status, version, allowed moves, sides A/B,
                                                #   claims, current verdict, imported fact
                                                #   checks of its claims, choices for forms
    service.submit(dispute_id, ReviewIn, reviewer, expected_version)
                                                # dict of the recorded action. 428 without a
                                                # version, 409 stale or bad move, 422 bad input
    service.history(dispute_id)                 # list of actions, oldest first
    service.current_verdicts(dispute_ids)       # current verdicts of these, newest first
    service.claim_review(claim_id)              # schema.org ClaimReview JSON-LD (newest)
    service.claim_reviews()                     # every published ClaimReview, newest first
    service.fact_checks(claim_ids)              # imported fact-checkers' ClaimReviews whose
                                                #   claimReviewed matches these claims' text
    choices()                                   # outcomes, ratings and states with labels

The version check and the write are one SPARQL update (app.store.reviews.record), and a lock
in the service serialises reviews within the process, so of two reviews made on the same
version exactly one is recorded; the other gets StaleVersion (409).
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Sequence
from typing import Any

from rdflib import URIRef

from app.config import Settings
from app.model.errors import Forbidden, InvalidInput, NotFound
from app.model.reviews import (
    BEST_RATING,
    REVIEW,
    TRANSITIONS,
    WORST_RATING,
    InvalidTransition,
    Outcome,
    Rating,
    Reviewer,
    ReviewIn,
    Role,
    StaleVersion,
    Status,
    Unauthorized,
    VersionRequired,
)
from app.model.vocab import CLAIM, DISPUTE, local_id
from app.review import claimreview
from app.store import reviews as db
from app.store import views
from app.store.base import GraphStore
from app.store.tokens import TokenStore

OUTCOME_LABELS = {
    Outcome.supports_a: "The evidence supports side A",
    Outcome.supports_b: "The evidence supports side B",
    Outcome.both_partly: "Both sides are partly right",
    Outcome.neither: "Neither side is supported",
    Outcome.differs_in_time: "No contradiction: the claims are about different times",
    Outcome.differs_in_scope: "No contradiction: the claims differ in scope",
    Outcome.mistranslation: "No contradiction: a mistranslation",
    Outcome.unverifiable: "Cannot be verified",
}
JSONLD_CONTEXT: dict[str, Any] = {"@vocab": "https://schema.org/"}
"""Inline, so that the documents parse offline into the same triples as "https://schema.org"."""


def choices() -> dict[str, list[dict[str, Any]]]:
    """What a verdict form offers: outcomes, ratings (with their scale) and states."""
    return {
        "outcomes": [{"value": o.value, "label": OUTCOME_LABELS[o]} for o in Outcome],
        "ratings": [
            {"value": r.value, "label": r.label, "rating_value": r.value_number,
             "best": BEST_RATING, "worst": WORST_RATING} for r in Rating
        ],
        "statuses": [{"value": s.value} for s in Status],
    }


def etag(version: int) -> str:
    """The ETag header value for a dispute at ``version``."""
    return f'"{version}"'


def parse_etag(value: str | None) -> int | None:
    """The version in an If-Match value (``"3"``, ``W/"3"`` or bare ``3``); None if absent."""
    if value is None or not value.strip():
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not (text.isascii() and text.isdigit()):  # "²" and "٣" are digits to str.isdigit
        raise InvalidInput(f"If-Match {value!r} is not a version this API issued (e.g. \"3\")")
    return int(text)


class ReviewService:
    """Every review write goes through here, one at a time per store."""

    def __init__(self, store: GraphStore, settings: Settings) -> None:
        # a weak reference: the registry below keys services by store, and must not keep
        # a closed store alive
        self._store = weakref.ref(store)
        self.settings = settings
        self.tokens = TokenStore(settings.tokens_file)
        weakref.finalize(store, self.tokens.close)
        self._lock = threading.Lock()

    @property
    def store(self) -> GraphStore:
        """The store reviewed."""
        store = self._store()
        if store is None:  # pragma: no cover - the app holds its store for its lifetime
            raise RuntimeError("the store of this review service is gone")
        return store

    # -- tokens ------------------------------------------------------------------------------
    def verify_token(self, token: str) -> Reviewer | None:
        """The holder of a token, or None when it is unknown."""
        return self.tokens.verify(token)

    def authenticate(self, token: str | None, role: Role) -> Reviewer:
        """The token's holder, when it may act in ``role``; Unauthorized or Forbidden."""
        if not token:
            raise Unauthorized("this needs an API token: Authorization: Bearer <token>")
        reviewer = self.tokens.verify(token)
        if reviewer is None:
            raise Unauthorized("unknown API token")
        if not reviewer.may(role):
            raise Forbidden(
                f"token {reviewer.name!r} has the role {reviewer.role.value!r}; "
                f"this needs {role.value!r} (or admin)"
            )
        return reviewer

    # -- reads -------------------------------------------------------------------------------
    def _state(self, dispute_id: str) -> db.DisputeState:
        state = db.dispute_state(self.store, DISPUTE[dispute_id])
        if state is None:
            raise NotFound(f"no dispute {dispute_id!r}")
        return state

    def version(self, dispute_id: str) -> int:
        """The dispute's review version: 0 before any review, +1 with every action."""
        return self._state(dispute_id).version

    def sides(self, dispute_id: str) -> tuple[list[str], list[str]] | None:
        """Claim ids on side A and side B (the two sides of every contradiction in the
        dispute); None when there are not exactly two sides. Side A holds the first claim."""
        pairs = db.claim_pairs(self.store, DISPUTE[dispute_id])
        return _two_sides([(local_id(a, str(CLAIM)), local_id(b, str(CLAIM))) for a, b in pairs])

    def panel(self, dispute_id: str) -> dict[str, Any]:
        """What a reviewer needs next to a dispute: where it stands and what can be done."""
        state = self._state(dispute_id)
        pairs = db.claim_pairs(self.store, state.iri)
        claims = sorted({local_id(c, str(CLAIM)) for pair in pairs for c in pair})
        sides = self.sides(dispute_id)
        summary = db.current(self.store, [state.iri]).get(str(state.iri), {})
        verdict = None
        if "verdict" in summary:
            verdict = self._verdicts([URIRef(str(summary["verdict"]))])[str(summary["verdict"])]
        return {
            "dispute": dispute_id,
            "status": state.status.value,
            "version": state.version,
            "etag": etag(state.version),
            "merged_into": None if state.merged_into is None
            else local_id(state.merged_into, str(DISPUTE)),
            "allowed": sorted(s.value for s in TRANSITIONS[state.status])
            if state.merged_into is None else [],
            "claims": claims,
            "sides": None if sides is None else {"a": sides[0], "b": sides[1]},
            "verdict": verdict,
            "fact_checks": self.fact_checks(claims),
            **choices(),
        }

    def fact_checks(self, claim_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Imported fact-checkers' ClaimReviews whose claimReviewed matches the text (quote)
        of one of these claims; shapes in app.review.claimreview.fact_checks."""
        found = views.claims(self.store, [CLAIM[c] for c in claim_ids])
        texts = {c["id"]: str(c["quote"]["exact"]) for c in found.values()}
        return claimreview.fact_checks(self.store, texts)

    def history(self, dispute_id: str) -> list[dict[str, Any]]:
        """Every review action on the dispute, oldest first, with its verdict if any."""
        state = self._state(dispute_id)
        rows = db.history(self.store, state.iri)
        verdicts = self._verdicts([URIRef(str(r["verdict"])) for r in rows if "verdict" in r])
        out = []
        for r in rows:
            act = str(r["act"])
            out.append({
                "id": act.removeprefix(str(REVIEW)),
                "iri": act,
                "version": int(str(r["version"])),
                "reviewer": {"name": str(r.get("agentLabel", "")), "iri": str(r["agent"])},
                "started": str(r["start"]),
                "ended": str(r["end"]),
                "from": Status.from_iri(str(r["from"])).value,
                "to": Status.from_iri(str(r["to"])).value,
                "note": None if "note" not in r else str(r["note"]),
                "verdict": verdicts.get(str(r.get("verdict", ""))),
            })
        return out

    def current_verdicts(self, dispute_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The current verdict of each of these disputes that has one, newest first."""
        rows = db.current(self.store, [DISPUTE[d] for d in dispute_ids])
        found = {str(r["verdict"]): r for r in rows.values() if "verdict" in r}
        full = self._verdicts([URIRef(v) for v in found])
        out = []
        for iri, r in found.items():
            verdict = full[iri]
            verdict["dispute"] = local_id(str(r["d"]), str(DISPUTE))
            verdict["reviewed"] = str(r["end"])
            verdict["reviewer"] = str(r["agent"])
            out.append(verdict)
        return sorted(out, key=lambda v: v["reviewed"], reverse=True)

    def _verdicts(self, iris: Sequence[URIRef]) -> dict[str, dict[str, Any]]:
        out = db.verdicts(self.store, iris)
        for iri, v in out.items():
            v["iri"] = iri
            v["outcome_label"] = OUTCOME_LABELS[Outcome(v["outcome"])] if v["outcome"] else None
            for key in ("side_a", "side_b"):
                v[key] = [local_id(c, str(CLAIM)) for c in v[key]]
            for rating in v["ratings"]:
                rating["claim"] = local_id(rating["claim"], str(CLAIM))
                rating["rating"] = Rating.from_label(rating["label"]).value
        return out

    # -- the write ---------------------------------------------------------------------------
    def submit(
        self, dispute_id: str, review: ReviewIn, reviewer: Reviewer,
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        """Record one review action made on ``expected_version`` (or ``review.version``)."""
        if not reviewer.may(Role.reviewer):
            raise Forbidden(f"token {reviewer.name!r} may not review (role {reviewer.role.value})")
        started = dt.datetime.now(dt.UTC)
        expected = expected_version if expected_version is not None else review.version
        with self._lock:
            state = self._state(dispute_id)
            if state.merged_into is not None:
                target = local_id(state.merged_into, str(DISPUTE))
                raise InvalidTransition(
                    f"dispute {dispute_id!r} was merged into {target!r}; review that one",
                    merged_into=target,
                )
            if expected is None:
                raise VersionRequired(
                    "say which version you reviewed: send If-Match with the dispute's ETag "
                    "(or a 'version' field)", current_version=state.version,
                )
            record = self._build(dispute_id, state, review, reviewer, started)
            if expected != state.version:
                raise StaleVersion(
                    f"dispute {dispute_id!r} changed since you read it (you sent version "
                    f"{expected}, it is now {state.version}); reload it and review again",
                    current_version=state.version,
                )
            if review.status not in TRANSITIONS[state.status]:
                allowed = sorted(s.value for s in TRANSITIONS[state.status])
                raise InvalidTransition(
                    f"a dispute that is {state.status.value!r} cannot move to "
                    f"{review.status.value!r}; allowed: {', '.join(allowed)}",
                    status=state.status.value, allowed=allowed,
                )
            if not db.record(self.store, record, expected):
                # another process wrote first: the update's own version check refused this one
                raise StaleVersion(
                    f"dispute {dispute_id!r} changed while this review was being recorded; "
                    "reload it and review again",
                    current_version=self.version(dispute_id),
                )
        entry = [h for h in self.history(dispute_id) if h["version"] == record.version]
        return entry[0]

    def _build(
        self, dispute_id: str, state: db.DisputeState, review: ReviewIn, reviewer: Reviewer,
        started: dt.datetime,
    ) -> db.ActionRecord:
        """The action to append; InvalidInput when the verdict does not fit the dispute."""
        record = db.ActionRecord(
            dispute=state.iri, version=state.version + 1, reviewer=reviewer,
            from_status=state.status, to_status=review.status, started=started,
            ended=dt.datetime.now(dt.UTC), note=review.note,
        )
        verdict = review.verdict
        if verdict is None:
            return record
        pairs = db.claim_pairs(self.store, state.iri)
        in_dispute = {local_id(c, str(CLAIM)) for pair in pairs for c in pair}
        unknown = sorted(r.claim for r in verdict.ratings if r.claim not in in_dispute)
        if unknown:
            raise InvalidInput(
                f"ratings name claims that are not in dispute {dispute_id!r}: "
                f"{', '.join(unknown)}", claims=sorted(in_dispute),
            )
        sides = self.sides(dispute_id)
        if sides is None and verdict.outcome in (Outcome.supports_a, Outcome.supports_b):
            raise InvalidInput(
                f"dispute {dispute_id!r} does not split into two sides; "
                "say 'both-partly' or 'neither' and rate each claim"
            )
        previous = db.current(self.store, [state.iri]).get(str(state.iri), {}).get("verdict")
        record.outcome = verdict.outcome
        record.rationale = verdict.rationale
        record.evidence = [str(u) for u in verdict.evidence]
        record.ratings = [(CLAIM[r.claim], r.rating) for r in verdict.ratings]
        if sides is not None:
            record.sides = ([CLAIM[c] for c in sides[0]], [CLAIM[c] for c in sides[1]])
        record.revision_of = None if previous is None else URIRef(str(previous))
        return record

    # -- ClaimReview -------------------------------------------------------------------------
    def claim_review(self, claim_id: str) -> dict[str, Any]:
        """The newest published ClaimReview of a claim, as schema.org JSON-LD; NotFound 404
        for an unknown claim or one not reviewed yet. Its absolute URLs start with the
        ``public_url`` setting, never with the request's Host."""
        iri = CLAIM[claim_id]
        rows = db.claim_reviews(self.store, iri)
        if not rows:
            if not views.claims(self.store, [iri]):
                raise NotFound(f"no claim {claim_id!r}")
            raise NotFound(f"claim {claim_id!r} has no published review yet")
        return {"@context": JSONLD_CONTEXT, **self._documents(rows[:1])[0]}

    def claim_reviews(self) -> list[dict[str, Any]]:
        """Every published ClaimReview (those of current verdicts), newest first."""
        return self._documents(db.claim_reviews(self.store))

    def _documents(self, rows: Sequence[Any]) -> list[dict[str, Any]]:
        """ClaimReview nodes with the properties Google's fact-check documentation requires
        (claimReviewed, reviewRating with alternateName, url) and recommends (author,
        datePublished, itemReviewed: a Claim with author, appearance, firstAppearance and
        datePublished when known; rating name, ratingValue, bestRating, worstRating)."""
        base = self.settings.public_url.rstrip("/")
        claim_iris = sorted({URIRef(str(r["claim"])) for r in rows}, key=str)
        claims = views.claims(self.store, claim_iris)
        speakers = sorted(
            {URIRef(s["iri"]) for c in claims.values() for s in c["speakers"]}, key=str
        )
        persons = db.people(self.store, speakers)
        docs = []
        for r in rows:
            claim = claims.get(str(r["claim"]))
            if claim is None:
                continue
            rating: dict[str, Any] = {
                "@type": "Rating", "bestRating": BEST_RATING, "worstRating": WORST_RATING,
                "alternateName": str(r["label"]), "name": str(r["label"]),
            }
            if "value" in r:
                rating["ratingValue"] = int(str(r["value"]))
            article = claim["article"]
            appearance: dict[str, Any] = {"@type": "NewsArticle", "@id": article["iri"]}
            if article["url"]:
                appearance["url"] = article["url"]
            if article["title"]:
                appearance["headline"] = article["title"]
            if article["published"]:
                appearance["datePublished"] = article["published"]
            if article["outlet"]:
                appearance["publisher"] = {
                    "@type": "Organization", "@id": article["outlet"]["iri"],
                    "name": article["outlet"]["label"],
                }
            item: dict[str, Any] = {
                "@type": "Claim", "@id": claim["iri"],
                "author": [
                    {"@type": "Person" if s["iri"] in persons else "Organization",
                     "@id": s["iri"], "name": s["label"]}
                    for s in claim["speakers"]
                ],
                "appearance": appearance,
                # the report that carries the quote is the earliest appearance claimgraph knows
                "firstAppearance": appearance,
            }
            if claim["said_on"]:
                item["datePublished"] = claim["said_on"]
            elif article["published"]:
                item["datePublished"] = article["published"]
            dispute = local_id(str(r["d"]), str(DISPUTE))
            docs.append({
                "@type": "ClaimReview",
                "@id": str(r["cr"]),
                # the page that hosts the whole fact check: claims, rationale, evidence
                "url": f"{base}/ui/disputes/{dispute}",
                "claimReviewed": claim["quote"]["exact"],
                "datePublished": str(r["date"]),
                "author": {"@type": "Organization", "name": self.settings.publisher_name,
                           "url": f"{base}/"},
                "reviewRating": rating,
                "reviewBody": str(r["rationale"]),
                "itemReviewed": item,
                "isBasedOn": {"@id": str(r["verdict"])},
            })
        return docs


def _two_sides(pairs: Sequence[tuple[str, str]]) -> tuple[list[str], list[str]] | None:
    """2-colour the contradiction graph; None when it is empty or not bipartite."""
    neighbours: dict[str, set[str]] = {}
    for a, b in pairs:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    if not neighbours:
        return None
    colour: dict[str, int] = {}
    for start in sorted(neighbours):
        if start in colour:
            continue
        if colour:  # a second component: the sides are not determined
            return None
        colour[start] = 0
        queue = [start]
        while queue:
            node = queue.pop()
            for other in neighbours[node]:
                if other not in colour:
                    colour[other] = 1 - colour[node]
                    queue.append(other)
                elif colour[other] == colour[node]:
                    return None
    side_a = sorted(c for c, k in colour.items() if k == 0)
    side_b = sorted(c for c, k in colour.items() if k == 1)
    return side_a, side_b


_services: weakref.WeakKeyDictionary[GraphStore, ReviewService] = weakref.WeakKeyDictionary()
_services_lock = threading.Lock()


def review_service(store: GraphStore, settings: Settings) -> ReviewService:
    """The one ReviewService of ``store`` (made on first use), so that the API and the pages
    share its lock and its token file."""
    with _services_lock:
        service = _services.get(store)
        if service is None:
            service = ReviewService(store, settings)
            _services[store] = service
        return service


__all__ = [
    "OUTCOME_LABELS", "ReviewService", "Reviewer", "Role", "choices", "etag", "parse_etag",
    "review_service",
]
