"""Review actions, verdicts and ClaimReviews in the graph (queries in queries/review_*.rq).

Every action is a ``prov:Activity`` appended to the history; nothing here deletes a verdict.
The only triples an action replaces are the dispute's ``cg:status`` and ``cg:reviewVersion``,
and only when the version is still the one the reviewer read."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from app.model.reviews import BEST_RATING, REVIEW, WORST_RATING, Outcome, Rating, Reviewer, Status
from app.model.vocab import CG, SCHEMA
from app.store.base import GraphStore, Quad, Row, bind, data_block
from app.store.queries import load_query

_INSERT = re.compile(r"\bINSERT\s*\{", re.IGNORECASE)


@dataclass(frozen=True)
class DisputeState:
    """Where a dispute stands in the review workflow."""

    iri: URIRef
    status: Status
    version: int
    merged_into: URIRef | None


@dataclass
class ActionRecord:
    """One review action to append: the move, and the verdict when there is one."""

    dispute: URIRef
    version: int  # the new version; the action's IRI is review/<dispute id>/<version>
    reviewer: Reviewer
    from_status: Status
    to_status: Status
    started: dt.datetime
    ended: dt.datetime
    note: str | None = None
    outcome: Outcome | None = None
    rationale: str | None = None
    evidence: Sequence[str] = ()
    ratings: Sequence[tuple[URIRef, Rating]] = ()
    sides: tuple[Sequence[URIRef], Sequence[URIRef]] = ((), ())
    revision_of: URIRef | None = None
    extra: list[Quad] = field(default_factory=list)

    @property
    def iri(self) -> URIRef:
        """The action's stable IRI."""
        return action_iri(self.dispute, self.version)

    @property
    def verdict_iri(self) -> URIRef:
        """The verdict's IRI (a fragment of the action's)."""
        return URIRef(f"{self.iri}#verdict")


def action_iri(dispute: URIRef, version: int) -> URIRef:
    """``…/id/review/<dispute id>/<version>``."""
    return REVIEW[f"{str(dispute).rsplit('/', 1)[-1]}/{version}"]


def _time(t: dt.datetime) -> Literal:
    return Literal(t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), datatype=XSD.dateTime)


def action_quads(a: ActionRecord) -> list[Quad]:
    """The triples of one action (all in the default graph, next to the dispute)."""
    act = a.iri
    quads: list[Quad] = [
        (act, RDF.type, PROV.Activity, None),
        (act, RDF.type, CG.ReviewAction, None),
        (act, CG.reviewOf, a.dispute, None),
        (act, PROV.used, a.dispute, None),
        (act, CG.version, Literal(a.version), None),
        (act, PROV.wasAssociatedWith, a.reviewer.iri, None),
        (act, PROV.startedAtTime, _time(a.started), None),
        (act, PROV.endedAtTime, _time(a.ended), None),
        (act, CG.fromState, a.from_status.iri, None),
        (act, CG.toState, a.to_status.iri, None),
        (a.reviewer.iri, RDF.type, PROV.Agent, None),
        (a.reviewer.iri, RDF.type, CG.Reviewer, None),
        (a.reviewer.iri, RDFS.label, Literal(a.reviewer.name), None),
    ]
    if a.note:
        quads.append((act, RDFS.comment, Literal(a.note), None))
    if a.outcome is None:
        return quads
    v = a.verdict_iri
    quads += [
        (v, RDF.type, CG.Verdict, None),
        (v, RDF.type, PROV.Entity, None),
        (v, PROV.wasGeneratedBy, act, None),
        (v, PROV.wasAttributedTo, a.reviewer.iri, None),
        (v, PROV.generatedAtTime, _time(a.ended), None),
        (v, CG.outcome, a.outcome.iri, None),
        (v, CG.rationale, Literal(a.rationale or ""), None),
    ]
    quads += [(v, CG.evidence, URIRef(url), None) for url in a.evidence]
    quads += [(v, CG.sideA, c, None) for c in a.sides[0]]
    quads += [(v, CG.sideB, c, None) for c in a.sides[1]]
    if a.revision_of is not None:
        quads.append((v, PROV.wasRevisionOf, a.revision_of, None))
    for claim, rating in a.ratings:
        local = str(claim).rsplit("/", 1)[-1]
        cr = URIRef(f"{act}#claimreview-{local}")
        r = URIRef(f"{act}#rating-{local}")
        quads += [
            (v, CG.claimReview, cr, None),
            (cr, RDF.type, SCHEMA.ClaimReview, None),
            (cr, SCHEMA.itemReviewed, claim, None),
            (cr, SCHEMA.reviewRating, r, None),
            (cr, SCHEMA.datePublished, _time(a.ended), None),
            (cr, SCHEMA.reviewBody, Literal(a.rationale or ""), None),
            (cr, PROV.wasGeneratedBy, act, None),
            (r, RDF.type, SCHEMA.Rating, None),
            (r, SCHEMA.bestRating, Literal(BEST_RATING), None),
            (r, SCHEMA.worstRating, Literal(WORST_RATING), None),
            (r, SCHEMA.alternateName, Literal(rating.label), None),
        ]
        if rating.value_number is not None:
            quads.append((r, SCHEMA.ratingValue, Literal(rating.value_number), None))
    return quads + a.extra


def dispute_state(store: GraphStore, dispute: URIRef) -> DisputeState | None:
    """The dispute's status and version, or None when there is no such dispute."""
    rows = store.select(load_query("review_state"), {"d": dispute})
    if not rows:
        return None
    r = rows[0]
    merged = r.get("merged")
    return DisputeState(
        iri=dispute, status=Status.from_iri(str(r["status"])), version=_int(r, "version"),
        merged_into=None if merged is None else URIRef(str(merged)),
    )


def record(store: GraphStore, action: ActionRecord, expected_version: int) -> bool:
    """Append the action and move the dispute, in one update that applies only while the
    dispute is at ``expected_version``. False (and nothing written) when it is not."""
    update = bind(load_query("review_record"), {
        "d": action.dispute, "expected": Literal(expected_version),
        "from": action.from_status.iri, "to": action.to_status.iri,
        "next": Literal(action.version),
    })
    match = _INSERT.search(update)
    if match is None:  # pragma: no cover - review_record.rq has an INSERT template
        raise RuntimeError("review_record.rq has no INSERT template")
    quads = action_quads(action)
    body = data_block(quads)
    # the dispute's status and version, and the action's own triples: listeners (the dispute
    # list's index) refresh that dispute only
    store.update(update[:match.end()] + "\n" + body + "\n" + update[match.end():],
                 touches={action.dispute, *(q[0] for q in quads)})
    return store.ask(load_query("review_exists"), {
        "act": action.iri, "who": action.reviewer.iri, "started": _time(action.started),
    })


def claim_pairs(store: GraphStore, dispute: URIRef) -> list[tuple[URIRef, URIRef]]:
    """The contradicting claim pairs of a dispute."""
    rows = store.select(load_query("review_pairs"), {"d": dispute})
    return [(URIRef(str(r["a"])), URIRef(str(r["b"]))) for r in rows]


def history(store: GraphStore, dispute: URIRef) -> list[Row]:
    """The dispute's actions, oldest first."""
    return store.select(load_query("review_history"), {"d": dispute})


def verdicts(store: GraphStore, iris: Sequence[URIRef]) -> dict[str, dict[str, Any]]:
    """Verdicts in full, keyed by IRI."""
    if not iris:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for r in store.select(load_query("review_verdicts"), {"verdict": list(iris)}):
        v = out.setdefault(str(r["verdict"]), {
            "outcome": None, "rationale": None, "revision_of": None, "superseded_by": None,
            "evidence": [], "side_a": [], "side_b": [], "ratings": [],
        })
        if "outcome" in r:
            v["outcome"] = Outcome.from_iri(str(r["outcome"])).value
            v["rationale"] = str(r["rationale"])
            v["revision_of"] = _opt(r, "previous")
            v["superseded_by"] = _opt(r, "later")
        for name, key in (("evidence", "evidence"), ("sideA", "side_a"), ("sideB", "side_b")):
            if name in r:
                v[key].append(str(r[name]))
        if "claim" in r:
            v["ratings"].append({
                "claim": str(r["claim"]), "label": str(r["label"]),
                "value": int(str(r["value"])) if "value" in r else None,
            })
    for v in out.values():
        for key in ("evidence", "side_a", "side_b"):
            v[key].sort()
        v["ratings"].sort(key=lambda x: x["claim"])
    return out


def current(store: GraphStore, disputes: Sequence[URIRef]) -> dict[str, Row]:
    """Each dispute's version and current verdict (absent when never resolved)."""
    if not disputes:
        return {}
    out: dict[str, Row] = {}
    for r in store.select(load_query("review_current"), {"d": list(disputes)}):
        d = str(r["d"])
        # several current verdicts cannot happen (each revises the last); keep the newest
        if d not in out or str(r.get("end", "")) > str(out[d].get("end", "")):
            out[d] = r
    return out


def claim_reviews(store: GraphStore, claim: URIRef | None = None) -> list[Row]:
    """Published ClaimReviews (of current verdicts), newest first; of one claim if given."""
    bindings = None if claim is None else {"claim": claim}
    return store.select(load_query("review_claimreviews"), bindings)


def ranks(store: GraphStore, disputes: Sequence[URIRef]) -> dict[str, tuple[str, int, int]]:
    """(created, sources involved, review actions) of each dispute, keyed by IRI."""
    if not disputes:
        return {}
    rows = store.select(load_query("review_ranks"), {"d": list(disputes)})
    return {
        str(r["d"]): (str(r["created"]), _int(r, "sources"), _int(r, "actions")) for r in rows
    }


def _int(row: Row, name: str) -> int:
    value = row.get(name)
    return 0 if value is None else int(str(value))


def _opt(row: Row, name: str) -> str | None:
    value = row.get(name)
    return None if value is None else str(value)


def people(store: GraphStore, agents: Sequence[URIRef]) -> set[str]:
    """The IRIs among ``agents`` that are people."""
    if not agents:
        return set()
    rows = store.select(load_query("review_agent_types"), {"agent": list(agents)})
    # a boolean by its value, not its text: some engines answer true as "1"^^xsd:integer
    return {str(r["agent"]) for r in rows
            if isinstance(flag := r.get("person"), Literal) and bool(flag.toPython())}
