"""Reads and writes of detection: running rules, and storing contradictions and disputes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence

from rdflib import Literal, URIRef
from rdflib.term import Node

from app.model.contradictions import Finding, Supersession
from app.model.vocab import CG, CGV, DISPUTE, PROV, RDF, RDFS, RULE, VOCAB_GRAPH, XSD
from app.store.base import GraphStore, Quad, Row, bind_rows
from app.store.queries import load_query

# claims or pairs bound in one rule query: large enough that per-query costs vanish, small
# enough that a query stays short (measured at 10,000 claims: 300 claims in one query of a
# rule cost 35-50 ms, one query per claim 0.3-1 ms each)
CHUNK = 500


class DetectionStore:
    """What detection needs from the store."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def run_rule(self, query: str, claims: Sequence[URIRef] | None) -> list[Row]:
        """Run a rule with ?c1 bound to new claims (incremental), or unbound over everything
        (repair). New claims go in chunks of CHUNK, one query each: one query for many claims
        costs far less than one query per claim."""
        if claims is None:
            return self.store.select(query)
        rows: list[Row] = []
        for start in range(0, len(claims), CHUNK):
            rows += self.store.select(query, {"c1": list(claims[start:start + CHUNK])})
        return rows

    def pair_verdicts(
        self, query: str, pairs: Sequence[tuple[URIRef, URIRef]]
    ) -> dict[tuple[str, str], Row]:
        """The pair filter's row for each pair (?c1 ?c2 bound together, CHUNK pairs a query),
        keyed by the pair's IRIs as strings; a pair with no row is absent."""
        out: dict[tuple[str, str], Row] = {}
        for row in self._bound_to_pairs(query, pairs):
            out.setdefault((str(row["c1"]), str(row["c2"])), row)
        return out

    def same_source(
        self, query: str, pairs: Sequence[tuple[URIRef, URIRef]]
    ) -> set[tuple[str, str]]:
        """Which of the pairs the same-source query answers (both claims from one source)."""
        return {(str(r["c1"]), str(r["c2"])) for r in self._bound_to_pairs(query, pairs)}

    def _bound_to_pairs(
        self, query: str, pairs: Sequence[tuple[URIRef, URIRef]]
    ) -> Iterator[Row]:
        for start in range(0, len(pairs), CHUNK):
            yield from self.store.select(
                bind_rows(query, ("c1", "c2"), pairs[start:start + CHUNK]))

    def neighbourhood(self, claims: Iterable[URIRef]) -> list[Row]:
        """Contradictions in the disputes that touch these claims."""
        claims = list(claims)
        if not claims:
            return []
        return self.store.select(load_query("contradictions_near"), {"claim": claims})

    def all_edges(self) -> list[Row]:
        """Every contradiction (for a full re-grouping)."""
        return self.store.select(load_query("all_contradictions"))

    def existing(self, iris: Iterable[URIRef]) -> set[URIRef]:
        """Which contradictions are stored already."""
        iris = list(iris)
        if not iris:
            return set()
        rows = self.store.select(load_query("existing_contradictions"), {"k": iris})
        return {URIRef(str(r["k"])) for r in rows}

    def pending(self) -> list[URIRef]:
        """Claims whose detection did not finish."""
        return [URIRef(str(r["claim"])) for r in self.store.select(load_query("pending_claims"))]

    def all_claims(self) -> list[URIRef]:
        """Every claim."""
        return [URIRef(str(r["claim"])) for r in self.store.select(load_query("all_claims"))]

    def commit(
        self,
        findings: Iterable[Finding],
        assignment: Mapping[str, str],
        previous: Mapping[str, str | None],
        new_disputes: Iterable[str],
        merged: Mapping[str, str],
        supersessions: Iterable[Supersession],
        done: Iterable[URIRef],
        now: dt.datetime,
    ) -> None:
        """Store new contradictions, dispute (re)assignments, merges and supersessions, and
        clear the pending flag of ``done`` claims, all in one atomic update."""
        stamp = Literal(now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), datatype=XSD.dateTime)
        insert: list[Quad] = []
        delete: list[Quad] = []
        for f in findings:
            k = f.iri
            insert += [
                (k, RDF.type, CG.Contradiction, None),
                (k, RDF.type, f.type, None),
                (k, CG.claim, f.claim_a, None),
                (k, CG.claim, f.claim_b, None),
                (k, CG.detectedBy, f.rule_iri, None),
                (k, PROV.generatedAtTime, stamp, None),
            ]
            insert.append((k, CG.confidence, Literal(f.confidence), None))
            if f.reason:
                insert.append((k, CG.confidenceReason, Literal(f.reason), None))
            insert += [(k, CG.onSubject, s, None) for s in sorted(f.subjects)]
            insert += [(k, CG.onProperty, p, None) for p in sorted(f.properties)]
        for d in new_disputes:
            iri = DISPUTE[d]
            insert += [
                (iri, RDF.type, CG.Dispute, None),
                (iri, CG.status, CGV.Open, None),
                (iri, PROV.generatedAtTime, stamp, None),
            ]
        for k_iri, d in assignment.items():
            old = previous.get(k_iri)
            if old == d:
                continue
            if old is not None:
                delete.append((URIRef(k_iri), CG.inDispute, DISPUTE[old], None))
            insert.append((URIRef(k_iri), CG.inDispute, DISPUTE[d], None))
        for old, keep in merged.items():
            insert.append((DISPUTE[old], CG.mergedInto, DISPUTE[keep], None))
        for s in supersessions:
            insert.append((s.later, CG.supersedes, s.earlier, None))
        for claim in done:
            delete.append((claim, CG.detectionState, CGV.DetectionPending, None))
        self.store.write(insert=insert, delete=delete)

    def describe_rules(self, rules: Iterable[tuple[str, URIRef | None, str, str, str]]) -> list[
        tuple[Node, Node, Node]
    ]:
        """Triples that describe the rules (stored with the vocabulary)."""
        triples: list[tuple[Node, Node, Node]] = []
        for rule_id, rule_type, title, explanation, path in rules:
            iri = RULE[rule_id]
            triples += [
                (iri, RDF.type, CG.Rule),
                (iri, RDFS.label, Literal(title, lang="en")),
                (iri, CG.explanation, Literal(explanation, lang="en")),
                (iri, RDFS.seeAlso, Literal(path)),
            ]
            if rule_type is not None:
                triples.append((iri, CG.yields, rule_type))
        return triples


__all__ = ["VOCAB_GRAPH", "DetectionStore"]
