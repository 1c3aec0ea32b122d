"""Load the vocabulary, entities and TriG claim files into the store."""

from __future__ import annotations

import uuid
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from app.model.errors import DomainError, InvalidInput
from app.model.vocab import CG, CGV, ID, PROV, RDF, VOCAB_GRAPH
from app.store.base import GraphStore, Quad
from app.store.claims import ClaimBuilder
from app.store.limits import check_json, check_rdf_xml
from app.store.oxigraph import from_ox


def read_quads(data: bytes | str | Path, fmt: str = "trig") -> list[Quad]:
    """Parse TriG / N-Quads / Turtle with Oxigraph's parser (fast, and strict)."""
    format_ = {
        "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS, "turtle": ox.RdfFormat.TURTLE,
    }[fmt]
    try:
        if isinstance(data, Path):
            parsed = ox.parse(path=str(data), format=format_)
        else:
            parsed = ox.parse(data.encode() if isinstance(data, str) else data, format=format_)
        quads: list[Quad] = []
        for q in parsed:
            default = isinstance(q.graph_name, ox.DefaultGraph)
            graph = None if default else URIRef(q.graph_name.value)
            quads.append((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object), graph))
        return quads
    except SyntaxError as exc:
        raise InvalidInput(f"cannot parse the {fmt} input: {exc}") from exc


def load_vocabulary(
    store: GraphStore, ontology_dir: Path, extra: list[tuple[Node, Node, Node]]
) -> int:
    """Replace the vocabulary graph with ontology/claimgraph.ttl plus ``extra`` triples."""
    triples = [(s, p, o) for s, p, o, _ in read_quads(ontology_dir / "claimgraph.ttl", "turtle")]
    triples += extra
    store.replace_graph(VOCAB_GRAPH, triples)
    return len(triples)


def load_entities(store: GraphStore, path: Path) -> int:
    """Add the entity file (aliases, Wikidata ids) to the default graph; idempotent."""
    quads = [(s, p, o, None) for s, p, o, _ in read_quads(path, "turtle")]
    store.insert(quads)
    return len(quads)


def claim_iris(quads: list[Quad]) -> list[URIRef]:
    """The claims described in a dataset."""
    return sorted(
        {URIRef(str(s)) for s, p, o, g in quads if g is None and p == RDF.type and o == CG.Claim},
        key=str,
    )


def check_dataset(builder: ClaimBuilder, quads: list[Quad]) -> list[URIRef]:
    """Validate every claim of an imported dataset against the shapes; return the claims."""
    claims = claim_iris(quads)
    default = [q for q in quads if q[3] is None]
    graphs = {q[3] for q in quads if q[3] is not None}
    for claim in claims:
        if claim not in graphs:
            raise InvalidInput(f"claim {claim} has no assertion graph")
    data = Graph()
    for s, p, o, _ in default:
        data.add((s, p, o))
    builder.validate_graph(data)
    return claims


def split_dataset(quads: list[Quad], batch_claims: int) -> list[tuple[int, list[Quad]]]:
    """Cut a dataset into batches of at most ``batch_claims`` claims, each importable on its
    own: a claim's named graph, its description (its IRI and the ``#`` nodes under it: the
    quotation and selectors) and the description of the article it comes from travel
    together; an article shared by claims of several batches is repeated in each (inserting
    a quad twice changes nothing). Quads that belong to no claim or article (entities,
    labels) go with the first batch.

    Returns [(number of claims, quads)], at least one batch. Raises ValueError if
    ``batch_claims`` < 1."""
    if batch_claims < 1:
        raise ValueError("batch_claims must be at least 1")
    claims = claim_iris(quads)
    claim_set = {str(c) for c in claims}
    own: dict[str, list[Quad]] = {}  # claim -> its named graph and description
    by_subject: dict[str, list[Quad]] = {}  # every other default-graph quad
    other_graphs: list[Quad] = []
    for q in quads:
        s, _, _, g = q
        if g is not None:
            if str(g) in claim_set:
                own.setdefault(str(g), []).append(q)
            else:
                other_graphs.append(q)
            continue
        root = str(s).split("#", 1)[0]
        if root in claim_set:
            own.setdefault(root, []).append(q)
        else:
            by_subject.setdefault(str(s), []).append(q)
    article_of = {
        claim: str(o) for claim, qs in own.items() for s, p, o, g in qs
        if g is None and p == PROV.wasDerivedFrom and str(s) == claim
    }
    used: set[str] = set()
    batches: list[tuple[int, list[Quad]]] = []
    for start in range(0, len(claims), batch_claims):
        chunk = [str(c) for c in claims[start:start + batch_claims]]
        out: list[Quad] = []
        for claim in chunk:
            out += own.get(claim, [])
            article = article_of.get(claim)
            if article is not None and article in by_subject:
                out += by_subject[article]
                used.add(article)
        batches.append((len(chunk), out))
    rest = [q for subject, qs in by_subject.items() if subject not in used for q in qs]
    if not batches:
        batches.append((0, []))
    batches[0] = (batches[0][0], rest + other_graphs + batches[0][1])
    return batches


def pending_flags(claims: list[URIRef]) -> list[Quad]:
    """Mark claims as awaiting detection (cleared by the detection commit)."""
    return [(c, CG.detectionState, CGV.DetectionPending, None) for c in claims]


RDF_MEDIA_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES, "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def _skolemised(term: Node, seen: dict[str, URIRef]) -> Node:
    """A blank node replaced by a fresh IRI, the same one for each use in the document
    (RDF 1.1 Concepts 3.5, "Replacing Blank Nodes with IRIs")."""
    if not isinstance(term, BNode):
        return term
    if str(term) not in seen:
        seen[str(term)] = URIRef(f"{ID}genid/{uuid.uuid4().hex}")
    return seen[str(term)]


def parse_graph(data: bytes, media_type: str) -> Graph:
    """Triples from an uploaded RDF document, parsed by Oxigraph (which fetches nothing: no
    remote JSON-LD contexts, no imports). Blank nodes become fresh skolem IRIs under
    ``<id>/genid/``, since claimgraph's writes name every node. RDF/XML and JSON-LD are first
    checked against the expansion and nesting limits of app.store.limits (413). Raises
    DomainError (400) on a syntax error."""
    if media_type == "application/rdf+xml":
        check_rdf_xml(data)
    elif media_type == "application/ld+json":
        check_json(data)
    try:
        parsed = ox.parse(data, format=RDF_MEDIA_TYPES[media_type])
        graph = Graph()
        skolem: dict[str, URIRef] = {}
        for q in parsed:
            graph.add(tuple(_skolemised(from_ox(t), skolem)  # type: ignore[arg-type]
                            for t in (q.subject, q.predicate, q.object)))
        return graph
    except (SyntaxError, ValueError, OSError) as exc:
        raise DomainError(f"cannot parse the {media_type} body: {exc}") from exc
