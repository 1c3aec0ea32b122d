"""Writes over the standard protocols (SPARQL 1.1 Update, Graph Store Protocol).

Any RDF may be written, under two rules that keep claims safe:
- claims (their descriptions in the default graph and their assertion graphs) change only by
  INSERT DATA, and every claim touched must pass the same SHACL shapes as `POST /claims`;
  claims are append-only, so deleting claim data is refused;
- a stored claim never changes: a write that adds to its description, provenance or assertion
  is refused (409; a new claim supersedes it), and so is deleting the description of an
  article that claims derive from, or the type of an entity that speaks in a claim;
- graph-level and pattern-based operations (CLEAR, DROP, LOAD, DELETE/INSERT … WHERE …) may
  write reference graphs only: named graphs that are neither claim graphs nor the vocabulary.
Every accepted write runs detection for the claims it touched, and for the claims that mention
entities whose default-graph description changed (aliases, affiliations)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.term import Node

from app.detect.service import ClaimService
from app.model.errors import BadQuery, Conflict, Forbidden, InvalidInput
from app.model.vocab import CG, CLAIM, ID, PROV, RDF, VOCAB_GRAPH
from app.store.base import Quad, data_block
from app.store.loader import pending_flags
from app.store.queries import load_query
from app.store.updates import DEFAULT, EVERY, UpdatePlan, plan_update
from app.store.views import claim_quads


@dataclass
class WriteResult:
    """What an accepted protocol write did."""

    claims: list[str] = field(default_factory=list)
    new_contradictions: list[str] = field(default_factory=list)
    disputes: list[str] = field(default_factory=list)


def _claim_of(term: Node) -> URIRef | None:
    text = str(term)
    if isinstance(term, URIRef) and text.startswith(str(CLAIM)):
        return URIRef(text.split("#", 1)[0])
    return None


_WORKFLOW_BASES = tuple(
    ID + part for part in ("contradiction/", "dispute/", "review/", "reviewer/", "rule/")
)
_WORKFLOW_PREDICATES = {
    CG.inDispute, CG.status, CG.mergedInto, CG.supersedes, CG.detectionState, CG.claim,
    CG.detectedBy, CG.reviewVersion,
}


def _workflow(term: Node) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(_WORKFLOW_BASES)


def _describe(graph: str) -> str:
    if graph == DEFAULT:
        return "the default graph"
    if graph == EVERY:
        return "every graph"
    return f"<{graph}>"


class ProtocolWrites:
    """Checks, applies and follows up writes that arrive over the standard protocols."""

    def __init__(self, service: ClaimService) -> None:
        self.service = service
        self.store = service.store

    def update(
        self, text: str, *, protocol_dataset: bool = False, base_iri: str | None = None
    ) -> WriteResult:
        """Apply a SPARQL 1.1 Update request; relative IRIs resolve against ``base_iri``."""
        plan = plan_update(text, base_iri)
        if protocol_dataset and plan.uses_dataset_clauses:
            raise BadQuery("the request gives a dataset both as parameters and as USING/WITH")
        if protocol_dataset:
            raise BadQuery(
                "using-graph-uri / using-named-graph-uri are not supported; write USING in "
                "the update instead"
            )
        return self._apply(plan, text, base_iri)

    def put_graph(self, graph: URIRef | None, triples: Graph) -> WriteResult:
        """Graph Store Protocol PUT: replace a named graph."""
        if graph is None:
            raise Forbidden("replacing the default graph would delete every claim description")
        body = data_block((s, p, o, graph) for s, p, o in triples)
        text = f"DROP SILENT GRAPH {graph.n3()}"
        if body:
            text += f" ;\nINSERT DATA {{\n{body}\n}}"
        return self._apply(plan_update(text), text)

    def post_graph(self, graph: URIRef | None, triples: Graph) -> WriteResult:
        """Graph Store Protocol POST: merge triples into a graph."""
        body = data_block((s, p, o, graph) for s, p, o in triples)
        if not body:
            return WriteResult()
        text = f"INSERT DATA {{\n{body}\n}}"
        return self._apply(plan_update(text), text)

    def delete_graph(self, graph: URIRef | None) -> WriteResult:
        """Graph Store Protocol DELETE: drop a named graph."""
        if graph is None:
            raise Forbidden("deleting the default graph would delete every claim description")
        text = f"DROP GRAPH {graph.n3()}"
        return self._apply(plan_update(text), text)

    # -- the rules ---------------------------------------------------------------------------
    def _check(self, plan: UpdatePlan) -> set[URIRef]:
        if plan.loads_urls:
            raise Forbidden("LOAD is disabled: this server does not fetch URLs; send the data")
        for s, p, o, g in [*plan.inserted, *plan.deleted]:
            if g is None and (_workflow(s) or p in _WORKFLOW_PREDICATES):
                raise Forbidden(
                    "contradictions, disputes and reviews are written by detection and the "
                    "review workflow only (POST /disputes/{id}/reviews)"
                )
            if p == RDF.type and o == CG.Claim and _claim_of(s) is None:
                raise Forbidden(f"claims must have IRIs under {CLAIM}; {s} has not")
        for graph in sorted(plan.written):
            protected = graph in (DEFAULT, EVERY, str(VOCAB_GRAPH))
            if protected or graph.startswith(str(CLAIM)):
                raise Forbidden(
                    f"this update may write {_describe(graph)}, which holds claims or the "
                    "vocabulary; there only INSERT DATA of claims that pass validation is "
                    "accepted (or use POST /claims)"
                )
        for s, _, _, g in plan.deleted:
            if g == VOCAB_GRAPH or _claim_of(s) is not None or (g is not None and _claim_of(g)):
                raise Forbidden("claims are append-only: claim data cannot be deleted")
        touched: set[URIRef] = set()
        for s, _, _, g in plan.inserted:
            if g == VOCAB_GRAPH:
                raise Forbidden(
                    "the vocabulary graph is loaded from ontology/claimgraph.ttl; extend the "
                    "ontology files instead"
                )
            claim = _claim_of(g) if g is not None else _claim_of(s)
            if claim is not None:
                touched.add(claim)
        return touched

    def _keep_stored_claims_whole(self, plan: UpdatePlan, stored_claims: set[URIRef]) -> None:
        """Refuse a write that would change a stored claim or the provenance it rests on.
        Re-inserting a stored claim exactly as it is stays a harmless no-op."""
        for claim in sorted(stored_claims, key=str):
            stored = set(claim_quads(self.store, claim))
            new = [q for q in plan.inserted if q not in stored and (
                q[3] == claim or (q[3] is None and _claim_of(q[0]) == claim))]
            if new:
                s, p, o, _ = new[0]
                raise Conflict(
                    f"claim {claim} is stored, and a stored claim never changes (this write "
                    f"adds {s.n3()} {p.n3()} {o.n3()}); post a new claim that supersedes it "
                    "(POST /claims with \"supersedes\")")
        for s, p, _, g in plan.deleted:
            if g is not None or not isinstance(s, URIRef):
                continue
            rows = self.store.select(load_query("article_claims"), {"article": s})[:1]
            if rows:
                raise Conflict(
                    f"stored claims derive from the article {s.n3()} (e.g. "
                    f"{rows[0]['claim']}); its description is their provenance and cannot be "
                    "deleted")
            if p == RDF.type and self.store.select(
                    load_query("claims_by_speaker"), {"speaker": s}):
                raise Conflict(
                    f"{s.n3()} speaks in stored claims; its type is part of their provenance "
                    "and cannot be deleted (aliases and labels can)")

    def _validate(self, claims: set[URIRef], plan: UpdatePlan) -> None:
        for claim in sorted(claims, key=str):
            quads: list[Quad] = list(claim_quads(self.store, claim))
            quads += [q for q in plan.inserted if (q[3] == claim) or (
                q[3] is None and _claim_of(q[0]) == claim)]
            description = [q for q in quads if q[3] is None]
            if (claim, RDF.type, CG.Claim, None) not in description:
                raise InvalidInput(f"{claim} is written as a claim but is not typed cg:Claim")
            if not any(q[3] == claim for q in quads):
                raise InvalidInput(f"claim {claim} has no assertion graph")
            articles = [o for s, p, o, _ in description if s == claim and p == PROV.wasDerivedFrom]
            for article in articles:
                known = self.store.ask(load_query("article_exists"), {"article": article})
                added = any(
                    s == article and p == RDF.type and o == CG.Article
                    for s, p, o, _ in plan.inserted
                )
                if not (known or added):
                    raise InvalidInput(f"claim {claim} comes from an unknown article {article}")
            data = Graph()
            for s, p, o, _ in description:
                data.add((s, p, o))
            self.service.builder.validate_graph(_with_article_types(data, articles))

    def _apply(self, plan: UpdatePlan, text: str, base_iri: str | None = None) -> WriteResult:
        with self.service.lock:
            self.service.catch_up()
            touched = self._check(plan)
            stored = {c for c in touched
                      if self.store.ask(load_query("claim_exists"), {"claim": c})}
            self._keep_stored_claims_whole(plan, stored)
            # a stored claim passed its shapes when it was written, and the line above lets
            # through only an exact re-insert of it: only new claims need validating
            fresh = touched - stored
            self._validate(fresh, plan)
            flags = data_block(pending_flags(sorted(touched, key=str)))
            self.store.update(
                text + (f" ;\nINSERT DATA {{\n{flags}\n}}" if flags else ""), base_iri=base_iri,
                touches=_data_terms(plan, touched),
            )
            entities = {
                s for s, _, _, g in [*plan.inserted, *plan.deleted]
                if g is None and _claim_of(s) is None and isinstance(s, URIRef)
            }
            recheck = set(touched)
            if entities:
                rows = self.store.select(
                    load_query("claims_mentioning"), {"entity": sorted(entities)}
                )
                recheck |= {URIRef(str(r["claim"])) for r in rows}
            result = WriteResult(claims=sorted(str(c) for c in touched))
            self.service.counters.claims.inc(len(fresh))
            if recheck:
                detection = self.service.detect(sorted(recheck, key=str))
                result.new_contradictions = detection.new_contradictions
                result.disputes = sorted(detection.disputes)
            return result


def _data_terms(plan: UpdatePlan, claims: set[URIRef]) -> set[Node] | None:
    """What an update of INSERT DATA / DELETE DATA only may change: the subjects and objects
    of its quads (objects too, so that listeners need not look up what a subject points to),
    and the claims it flags; None (unknown) when another operation writes a graph."""
    if plan.written or plan.loads_urls:
        return None
    quads = [*plan.inserted, *plan.deleted]
    return {s for s, *_ in quads} | {o for _, _, o, _ in quads if isinstance(o, URIRef)} | claims


def _with_article_types(data: Graph, articles: list[Node]) -> Graph:
    for article in articles:
        data.add((article, RDF.type, CG.Article))
    return data
