"""Run the rules: incrementally for new claims, or in full as a repair."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from rdflib import Literal, URIRef

from app.analysis.disputes import Edge, group
from app.detect.rules import Rule, load_rules
from app.model.contradictions import Finding, Supersession
from app.model.reviews import REVIEWER, Reviewer, Role, Status
from app.model.vocab import CONTRADICTION, DISPUTE, local_id
from app.store import reviews
from app.store.base import GraphStore, Row
from app.store.detection import DetectionStore

DETECTION_AGENT = Reviewer(
    name="claimgraph-detection", role=Role.admin, iri=REVIEWER["claimgraph-detection"]
)


@dataclass
class DetectionResult:
    """What one detection pass stored."""

    new_contradictions: list[str] = field(default_factory=list)
    disputes: set[str] = field(default_factory=set)
    new_disputes: set[str] = field(default_factory=set)
    merged: dict[str, str] = field(default_factory=dict)
    supersessions: list[Supersession] = field(default_factory=list)


class Detector:
    """Runs the rules of ``ontology/rules`` against a store."""

    def __init__(self, store: GraphStore, rules_dir: Path) -> None:
        self.db = DetectionStore(store)
        self.rules, self.pair_filter, self.same_source = load_rules(rules_dir)

    @property
    def all_rules(self) -> list[Rule]:
        """Rules, the pair filter and the same-source test, for describing them in the graph."""
        return [*self.rules, self.pair_filter, self.same_source]

    def find(
        self, claims: URIRef | Sequence[URIRef] | None
    ) -> tuple[list[Finding], list[Supersession]]:
        """Contradictions and supersessions involving any of ``claims`` (one IRI or several;
        every claim in the store if None). Each rule runs once for all the claims (in
        chunks), and the pair filter and the same-source test once for all pairs found."""
        bound = [claims] if isinstance(claims, URIRef) else claims
        found: dict[tuple[str, str, str], Finding] = {}
        lows: dict[tuple[str, str, str], str | None] = {}
        highs: set[tuple[str, str, str]] = set()
        for rule in self.rules:
            assert rule.type is not None
            for row in self.db.run_rule(rule.query, bound):
                a, b = sorted((URIRef(str(row["c1"])), URIRef(str(row["c2"]))), key=str)
                key = (rule.id, str(a), str(b))
                finding = found.setdefault(key, Finding(rule.id, rule.type, a, b))
                finding.subjects.add(URIRef(str(row["s"])))
                finding.properties.add(URIRef(str(row["p"])))
                # a rule may say how sure it is ("low" when event identity is uncertain);
                # one confident row for the pair makes the finding confident
                if str(row.get("confidence", "high")) == "low":
                    lows.setdefault(key, str(row.get("reason") or "").strip("; ") or None)
                else:
                    highs.add(key)
        for key, finding in found.items():
            if key in lows and key not in highs:
                finding.confidence, finding.reason = "low", lows[key]
        pairs = sorted({(f.claim_a, f.claim_b) for f in found.values()})
        verdicts = self.db.pair_verdicts(self.pair_filter.query, pairs)
        same = self.db.same_source(self.same_source.query, pairs)
        kept: list[Finding] = []
        supersessions: list[Supersession] = []
        for finding in found.values():
            pair = (str(finding.claim_a), str(finding.claim_b))
            verdict = verdicts.get(pair, {})
            if _true(verdict, "hedged") or pair in same:
                continue
            if _true(verdict, "c1Before"):
                supersessions.append(Supersession(later=finding.claim_b, earlier=finding.claim_a))
            elif _true(verdict, "c2Before"):
                supersessions.append(Supersession(later=finding.claim_a, earlier=finding.claim_b))
            else:
                kept.append(finding)
        return kept, list(dict.fromkeys(supersessions))

    def detect(self, claims: Iterable[URIRef]) -> DetectionResult:
        """Incremental detection for new claims: each rule is bound to the new claims, so it
        only meets claims that share a subject and property with one of them."""
        claims = list(claims)
        found, supersessions = self.find(claims) if claims else ([], [])
        return self._commit(found, supersessions, claims, full=False)

    def full_run(self) -> DetectionResult:
        """Repair: run every rule over the whole store and regroup every dispute."""
        found, supersessions = self.find(None)
        return self._commit(found, supersessions, self.db.pending(), full=True)

    def _commit(
        self, findings: list[Finding], supersessions: list[Supersession],
        done: list[URIRef], *, full: bool,
    ) -> DetectionResult:
        existing = self.db.existing(f.iri for f in findings)
        fresh = [f for f in findings if f.iri not in existing]
        touched = {c for f in findings for c in (f.claim_a, f.claim_b)}
        rows = self.db.all_edges() if full else self.db.neighbourhood(touched)
        edges = {str(r["k"]): _edge(r) for r in rows}
        for f in fresh:
            edges.setdefault(
                str(f.iri), Edge(str(f.iri), str(f.claim_a), str(f.claim_b))
            )
        grouping = group(edges.values())
        previous = {k: e.dispute for k, e in edges.items()}
        assignment = {k: d for k, d in grouping.assignment.items()}
        self.db.commit(
            fresh, assignment, previous, grouping.new_disputes, grouping.merged,
            supersessions, done, dt.datetime.now(dt.UTC),
        )
        result = DetectionResult(
            new_contradictions=[f.id for f in fresh],
            new_disputes=set(grouping.new_disputes),
            merged=dict(grouping.merged),
            supersessions=supersessions,
        )
        result.disputes = {
            assignment[str(f.iri)] for f in findings if str(f.iri) in assignment
        }
        grown = {assignment[str(f.iri)] for f in fresh if str(f.iri) in assignment}
        for dispute in sorted(grown - result.new_disputes):
            self._reopen(dispute, [f.id for f in fresh if assignment.get(str(f.iri)) == dispute])
        return result

    def _reopen(self, dispute: str, contradictions: list[str]) -> None:
        """New evidence joined a dispute: bump its review version (so a verdict form opened
        before it is stale) and send a resolved or dismissed dispute back to open, as an
        action in its history by the detection agent."""
        state = reviews.dispute_state(self.db.store, DISPUTE[dispute])
        if state is None or state.merged_into is not None:
            return
        if state.version == 0 and state.status is Status.open:
            return  # never reviewed: nothing to invalidate
        closed = state.status in (Status.resolved, Status.dismissed)
        target = Status.open if closed else state.status
        now = dt.datetime.now(dt.UTC)
        reviews.record(self.db.store, reviews.ActionRecord(
            dispute=DISPUTE[dispute], version=state.version + 1, reviewer=DETECTION_AGENT,
            from_status=state.status, to_status=target, started=now, ended=now,
            note="new contradictions joined this dispute: " + ", ".join(sorted(contradictions)),
        ), state.version)


def _true(row: Row, name: str) -> bool:
    value = row.get(name)
    # flags are boolean literals
    return value is not None and bool(cast(Literal, value).toPython())


def _edge(row: Row) -> Edge:
    dispute = row.get("d")
    created = row.get("dCreated")
    return Edge(
        contradiction=str(row["k"]),
        claim_a=str(row["a"]),
        claim_b=str(row["b"]),
        dispute=local_id(str(dispute), str(DISPUTE)) if dispute is not None else None,
        dispute_created=str(created) if created is not None else None,
    )


__all__ = ["CONTRADICTION", "DetectionResult", "Detector"]
