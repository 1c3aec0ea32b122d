"""Fact-checkers' published ClaimReviews as reference data (queries in claimreview_*.rq).

Each imported ClaimReview lives alone in its own named graph,
``https://w3id.org/claimgraph/graph/claimreview/<hash of its url and claimReviewed>``, with
everything reachable from it (rating, author, the claim reviewed) and a little provenance about
the graph itself (``cg:ClaimReviewImport``: when, from which file, the normalised text it
matches by). It is never a claim: nothing is typed ``cg:Claim`` and detection never sees it.
Importing the same review again replaces its graph.

JSON-LD is read with rdflib, which would fetch a remote ``@context`` over HTTP. It never gets
the chance: every ``@context`` naming schema.org is replaced by the bundled copy of schema.org's
own context (contexts/schemaorg-context-30.0.jsonld, CC BY-SA 3.0, see contexts/NOTICE.md), and
any other remote context is refused.

Public API::

    parse(documents, source)      # Graph of JSON-LD documents (dicts or lists); InvalidInput
    extract(graph, source, now)   # list[ImportedReview], each valid; InvalidInput names the bad one
    write(store, reviews)         # one atomic update: replace each review's graph
    match_keys(store)             # [(graph, review, key)] of every imported review
    details(store, graphs)        # {graph IRI: {claim_reviewed, url, rating, author, …}}
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD
from rdflib.term import Node

from app.model.errors import InvalidInput
from app.model.reviews import normalise_claim_text
from app.model.vocab import CG, SCHEMA
from app.store.base import GraphStore, Quad, bind, data_block
from app.store.queries import load_query

CONTEXT_FILE = Path(__file__).parent / "contexts" / "schemaorg-context-30.0.jsonld"
GRAPH_BASE = "https://w3id.org/claimgraph/graph/claimreview/"
SCHEMA_ORG_CONTEXTS = frozenset(
    f"{scheme}://schema.org{path}"
    for scheme in ("http", "https")
    for path in ("", "/", "/docs/jsonldcontext.json", "/docs/jsonldcontext.jsonld")
)
"""The remote context references that mean "schema.org's context" (Google's examples use the
first two); each is replaced by the bundled file."""
_HTTP_SCHEMA = "http://schema.org/"
MAX_DEPTH = 6
"""How far from a ClaimReview its graph follows links (review → itemReviewed → author → …)."""


@cache
def schema_context() -> dict[str, Any]:
    """schema.org's context (release 30.0) with its namespace read as https://schema.org/."""
    data = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    context: dict[str, Any] = dict(data["@context"])
    context["@vocab"] = str(SCHEMA)
    context["schema"] = str(SCHEMA)
    return context


def _words(value: Any, out: set[str]) -> set[str]:
    """Every key and string value in a JSON document (the only places a term can be used)."""
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(k)
            _words(v, out)
    elif isinstance(value, list):
        for v in value:
            _words(v, out)
    elif isinstance(value, str):
        out.add(value)
    return out


def _context_for(words: set[str]) -> dict[str, Any]:
    """The part of schema.org's context that a document using ``words`` can reach: every
    prefix and keyword alias, and each term definition named in the document or in another
    definition kept. It expands the document exactly as the whole context does, and rdflib
    reads it in a fraction of the time (the whole one costs a quarter of a second each)."""
    full = schema_context()
    kept = {k: v for k, v in full.items() if not isinstance(v, dict)}
    todo = [w for w in words if isinstance(full.get(w), dict)]
    while todo:
        term = todo.pop()
        if term in kept:
            continue
        kept[term] = full[term]
        todo += [w for w in _words(full[term], set()) if isinstance(full.get(w), dict)]
    return kept


def _substitute(value: Any, source: str, words: set[str]) -> Any:
    """``value`` with every ``@context`` that names schema.org replaced by the bundled one;
    InvalidInput for any other remote context (never fetched)."""
    if isinstance(value, list):
        return [_substitute(v, source, words) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        out[key] = (_context(item, source, words) if key == "@context"
                    else _substitute(item, source, words))
    return out


def _context(context: Any, source: str, words: set[str]) -> Any:
    if isinstance(context, list):
        return [_context(c, source, words) for c in context]
    if context is None:
        return None
    if isinstance(context, str):
        if context.strip() in SCHEMA_ORG_CONTEXTS:
            return _context_for(words)
        raise InvalidInput(
            f"{source}: remote JSON-LD context {context!r} is not fetched; only schema.org's "
            "context (https://schema.org or http://schema.org) is known here"
        )
    if isinstance(context, dict):
        if "@import" in context:
            raise InvalidInput(f"{source}: '@import' of a remote JSON-LD context is not fetched")
        return {k: _substitute(v, source, words) for k, v in context.items()}
    raise InvalidInput(f"{source}: an @context must be a string, an object or a list")


def parse(documents: Sequence[Any], source: str) -> Graph:
    """The triples of JSON-LD ``documents`` (named graphs flattened into one graph), with
    schema.org IRIs in https form. InvalidInput (naming ``source``) when one does not parse,
    names an unknown remote context, or leaves an IRI relative."""
    graph = Graph()
    for n, document in enumerate(documents, start=1):
        where = source if len(documents) == 1 else f"{source} (JSON-LD block {n})"
        if not isinstance(document, dict | list):
            raise InvalidInput(f"{where}: a JSON-LD document is an object or a list of objects")
        nodes = document if isinstance(document, list) else [document]
        if not all(isinstance(n, dict) and "@context" in n for n in nodes):
            raise InvalidInput(f'{where}: no @context; a ClaimReview names "@context": '
                               '"https://schema.org"')
        text = json.dumps(_substitute(document, where, _words(document, set())))
        dataset = Dataset()
        try:
            with warnings.catch_warnings():
                # rdflib's JSON-LD parser warns about its own ConjunctiveGraph internals
                warnings.simplefilter("ignore", DeprecationWarning)
                # a fixed base: a relative IRI then shows as file:… and is refused below,
                # instead of resolving against this machine's working directory silently
                dataset.parse(data=text, format="json-ld", publicID="file:///relative/")
        except InvalidInput:
            raise
        except Exception as exc:  # rdflib raises many kinds on bad JSON-LD
            raise InvalidInput(f"{where}: not valid JSON-LD ({exc})") from exc
        for s, p, o, _g in dataset.quads((None, None, None, None)):
            triple = (_https(s), _https(p), _https(o))
            for term in triple:
                if isinstance(term, URIRef) and str(term).startswith("file:"):
                    raise InvalidInput(
                        f"{where}: {str(term).removeprefix('file:///relative/')!r} is a "
                        "relative URL; a ClaimReview needs absolute ones"
                    )
            graph.add(triple)
    return graph


def _https(term: Node) -> Node:
    if isinstance(term, URIRef) and str(term).startswith(_HTTP_SCHEMA):
        return URIRef(str(SCHEMA) + str(term)[len(_HTTP_SCHEMA):])
    if isinstance(term, Literal) and term.datatype is not None and str(
        term.datatype
    ).startswith(_HTTP_SCHEMA):
        return Literal(str(term), datatype=URIRef(str(_https(term.datatype))))
    return term


@dataclass
class ImportedReview:
    """One valid ClaimReview, ready to be written into its own named graph."""

    graph: URIRef
    node: URIRef
    claim_reviewed: str
    key: str
    source: str
    quads: list[Quad] = field(default_factory=list)


def extract(graph: Graph, source: str, now: dt.datetime) -> list[ImportedReview]:
    """Every ClaimReview in ``graph`` with the triples reachable from it. InvalidInput when
    there is none, or one lacks what Google's documentation requires (claimReviewed, url,
    reviewRating with alternateName) and claimgraph needs to show it."""
    nodes = sorted(graph.subjects(RDF.type, SCHEMA.ClaimReview), key=str)
    if not nodes:
        raise InvalidInput(f"{source}: no schema.org ClaimReview found")
    out: dict[URIRef, ImportedReview] = {}
    for n, node in enumerate(nodes, start=1):
        where = f"{source}: ClaimReview {n} of {len(nodes)}"
        texts = sorted(str(o) for o in graph.objects(node, SCHEMA.claimReviewed)
                       if isinstance(o, Literal) and str(o).strip())
        if not texts:
            raise InvalidInput(f"{where} has no claimReviewed text")
        where += f" ({texts[0][:60]!r})"
        urls = sorted(str(o) for o in graph.objects(node, SCHEMA.url))
        if not urls:
            raise InvalidInput(f"{where} has no url (Google requires the fact check's page)")
        labels = [
            str(label)
            for rating in graph.objects(node, SCHEMA.reviewRating)
            for label in graph.objects(rating, SCHEMA.alternateName)
        ]
        if not labels:
            raise InvalidInput(f"{where} has no reviewRating with an alternateName (the "
                               "verdict in words, which Google requires)")
        key = normalise_claim_text(texts[0])
        if not key:
            raise InvalidInput(f"{where}: claimReviewed has no words")
        digest = hashlib.sha256(f"{urls[0]}\n{key}".encode()).hexdigest()[:20]
        g = URIRef(GRAPH_BASE + digest)
        review_node = node if isinstance(node, URIRef) else URIRef(f"{g}#review")
        quads = _closure(graph, node, g, review_node)
        quads += [
            (g, RDF.type, CG.ClaimReviewImport, g),
            (g, CG.importedReview, review_node, g),
            (g, CG.matchKey, Literal(key), g),
            (g, CG.importedFrom, Literal(source), g),
            (g, PROV.generatedAtTime, Literal(
                now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime
            ), g),
        ]
        # the same review twice in one input: the last one wins, as on a re-import
        out[g] = ImportedReview(g, review_node, texts[0], key, source, quads)
    return list(out.values())


def _closure(graph: Graph, root: Node, g: URIRef, root_iri: URIRef) -> list[Quad]:
    """Triples reachable from ``root`` (MAX_DEPTH links), blank nodes named as fragments
    of ``g`` (claimgraph writes no blank nodes)."""
    names: dict[BNode, URIRef] = {}
    if isinstance(root, BNode):
        names[root] = root_iri

    def name(term: Node) -> Node:
        if isinstance(term, BNode):
            if term not in names:
                names[term] = URIRef(f"{g}#b{len(names)}")
            return names[term]
        return term

    quads: list[Quad] = []
    seen = {root}
    frontier = [root]
    for _depth in range(MAX_DEPTH):
        following: list[Node] = []
        for subject in frontier:
            triples = sorted(graph.triples((subject, None, None)),
                             key=lambda t: (str(t[1]), isinstance(t[2], BNode), str(t[2])))
            for _s, p, o in triples:
                quads.append((name(subject), p, name(o), g))
                if isinstance(o, BNode | URIRef) and o not in seen:
                    seen.add(o)
                    following.append(o)
        frontier = following
        if not frontier:
            break
    # a blank node met only at the depth limit still has its name, so the quads stay valid
    return quads


def write(store: GraphStore, reviews: Iterable[ImportedReview]) -> None:
    """Replace each review's named graph with its new content, all in one atomic update."""
    reviews = list(reviews)
    if not reviews:
        return
    clear = bind(load_query("claimreview_clear"), {"g": [r.graph for r in reviews]})
    body = data_block(q for r in reviews for q in r.quads)
    store.update(f"{clear} ;\nINSERT DATA {{\n{body}\n}}")


def match_keys(store: GraphStore) -> list[tuple[URIRef, URIRef, str]]:
    """(graph, review, normalised claimReviewed) of every imported ClaimReview."""
    rows = store.select(load_query("claimreview_keys"))
    return [(URIRef(str(r["g"])), URIRef(str(r["cr"])), str(r["key"])) for r in rows]


def details(store: GraphStore, graphs: Sequence[URIRef]) -> dict[str, dict[str, Any]]:
    """What a reviewer sees of imported reviews, keyed by graph IRI: claim_reviewed, url,
    date_published, rating (alternate_name, rating_value, best, worst), author (name, url),
    claimant, imported_from, imported_at. Missing values are None."""
    if not graphs:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for r in store.select(load_query("claimreview_details"), {"g": list(graphs)}):
        g = str(r["g"])
        if g in out:  # several values of one property: the first row (ordered) wins
            continue
        out[g] = {
            "iri": str(r["cr"]),
            "claim_reviewed": str(r["text"]),
            "url": _opt(r, "url"),
            "date_published": _opt(r, "date"),
            "rating": {
                "alternate_name": _opt(r, "alt"), "rating_value": _opt(r, "value"),
                "best_rating": _opt(r, "best"), "worst_rating": _opt(r, "worst"),
            },
            "author": {"name": _opt(r, "authorName"), "url": _opt(r, "authorUrl")},
            "claimant": _opt(r, "claimant"),
            "imported_from": _opt(r, "source"),
            "imported_at": _opt(r, "at"),
        }
    return out


def _opt(row: dict[str, Node], name: str) -> str | None:
    value = row.get(name)
    return None if value is None else str(value)
