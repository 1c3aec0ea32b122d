"""Turn a submitted claim into RDF, validate it, and write it atomically."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from functools import cache
from pathlib import Path
from typing import cast

from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from app.model.claims import ArticleIn, ClaimIn, IntervalIn, StatementIn, as_datetime
from app.model.errors import DomainError, InvalidInput
from app.model.iri import is_iri, to_iri
from app.model.vocab import (
    ARTICLE,
    CG,
    CGV,
    CLAIM,
    ENTITY,
    OA,
    PROV,
    RDF,
    SCHEMA,
    SKOS,
    VOCAB_GRAPH,
    WD,
    XSD,
)
from app.store.base import GraphStore, Quad
from app.store.queries import load_query

CONTEXT_CHARS = 40


class Conflict(DomainError):
    """The id is taken by a different claim."""

    status_code = 409
    code = "conflict"


@dataclass
class BuiltClaim:
    """A claim ready to write: its IRI, every quad, and what was minted on the way."""

    iri: URIRef
    quads: list[Quad]
    minted: list[URIRef] = field(default_factory=list)


def slug(text: str) -> str:
    """A readable, IRI-safe id for a new entity."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return cleaned[:60] or "entity-" + hashlib.sha1(text.encode()).hexdigest()[:10]


def article_iri(url: str) -> URIRef:
    """New articles get an IRI derived from their URL."""
    return ARTICLE["a-" + hashlib.sha256(url.encode()).hexdigest()[:16]]


def _client_iri(ref: str, what: str) -> URIRef:
    """An IRI a client wrote (``https://…`` for an entity or property), encoded like an
    article URL so that it can be looked up; what cannot be an IRI is the client's error."""
    try:
        return URIRef(to_iri(ref))
    except ValueError as exc:
        raise InvalidInput(f"the {what} {ref!r} is not a valid IRI: {exc}") from None


@cache
def _shapes(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


class ClaimBuilder:
    """Resolves names against the store and builds the quads of one claim."""

    def __init__(self, store: GraphStore, shapes_path: Path) -> None:
        self.store = store
        self.shapes_path = shapes_path

    # -- resolution ------------------------------------------------------------------------
    def resolve_entity(self, ref: str, minted: dict[str, URIRef]) -> URIRef:
        """A canonical entity IRI for an id, IRI, Wikidata id or alias; mints unknown names."""
        ref = ref.strip()
        if re.fullmatch(r"Q[1-9][0-9]*", ref):
            iri = WD[ref]
        elif ref.startswith(("http://", "https://")):
            iri = _client_iri(ref, "entity")
        else:
            iri = ENTITY[ref] if re.fullmatch(r"[a-z0-9][a-z0-9-]*", ref) else ENTITY["_"]
        found = self._lookup(ref, iri)
        if len(found) == 1:
            return URIRef(found[0])
        if len(found) > 1:
            raise InvalidInput(
                f"the name {ref!r} is ambiguous: it matches {len(found)} entities",
                candidates=[str(f) for f in found],
            )
        if ref.startswith(("http://", "https://")) or re.fullmatch(r"Q[1-9][0-9]*", ref):
            raise InvalidInput(f"unknown entity {ref!r}; refer to new entities by name")
        key = ref.lower()
        if key not in minted:
            minted[key] = ENTITY[slug(ref)]
        return minted[key]

    def _lookup(self, ref: str, iri: URIRef) -> list[str]:
        """Candidates for a reference: by IRI (or owl:sameAs), then by exact label, then by
        label ignoring case (the only scan, and only when the lookups found nothing)."""
        found: set[str] = set()
        for row in self.store.select(load_query("entity_by_iri"), {"ref": iri}):
            found |= {str(row[k]) for k in ("entity", "same") if k in row}
        found = {f for f in found if f.startswith(str(ENTITY))}
        if not found:
            labels = [Literal(ref), Literal(ref, lang="en")]
            rows = self.store.select(load_query("resolve_entity"), {"label": labels})
            found = {str(row["entity"]) for row in rows}
        if not found:
            rows = self.store.select(
                load_query("resolve_entity_anycase"), {"name": Literal(ref.lower())}
            )
            found = {str(row["entity"]) for row in rows}
        return sorted(found)

    def resolve_property(self, name: str) -> tuple[URIRef, URIRef, URIRef | None, URIRef | None]:
        """(property, class, value kind, value scheme) for a claim property name."""
        if name.startswith(("http://", "https://")):
            iri = _client_iri(name, "property")
        elif is_iri(CG + name.removeprefix("cg:")):
            iri = CG[name.removeprefix("cg:")]
        else:  # "killed count" names no term of the ontology, and is no IRI to look up
            raise InvalidInput(f"{name!r} is not a claim property of the ontology")
        rows = self.store.select(load_query("resolve_property"), {"property": iri})
        if not rows:
            raise InvalidInput(f"{name!r} is not a claim property of the ontology")
        classes = {r["class"] for r in rows}
        row = rows[0]
        most_specific = next((c for c in classes if c != CG.ClaimProperty), CG.ClaimProperty)
        # ?kind and ?scheme are IRIs when bound (resolve_property.rq)
        kind, scheme = cast(URIRef | None, row.get("kind")), cast(URIRef | None, row.get("scheme"))
        return iri, URIRef(str(most_specific)), kind, scheme

    def resolve_concept(self, scheme: URIRef, name: str) -> dict[str, Node]:
        """A SKOS concept of a scheme by notation or label, with its bounds."""
        rows = self.store.select(
            load_query("resolve_concept"),
            {"scheme": scheme, "name": Literal(name.strip().lower())},
        )
        if len(rows) != 1:
            allowed = self.store.select(load_query("scheme_values"), {"scheme": scheme})
            raise InvalidInput(
                f"{name!r} is not a value of {scheme}",
                allowed=[str(r["n"]) for r in allowed],
            )
        return rows[0]

    # -- building --------------------------------------------------------------------------
    def build(
        self, claim: ClaimIn, *, article: URIRef | None = None, validate: bool = True
    ) -> BuiltClaim:
        """All quads for one claim. Raises InvalidInput on anything that does not fit.

        ``article`` names the article IRI to use, for a new version of an article whose URL
        is already stored (ingest); by default the article is found, or minted, by its URL."""
        minted: dict[str, URIRef] = {}
        quads: list[Quad] = []
        art, art_quads, text = self._article(claim.article, minted, article)
        quads += art_quads
        start, end, prefix, suffix = self._anchor(claim, text)
        speakers = [self.resolve_entity(s, minted) for s in claim.speakers]
        relays = [self.resolve_entity(r, minted) for r in claim.relays]
        if claim.article.outlet:
            relays.append(self.resolve_entity(claim.article.outlet, minted))
        relays = list(dict.fromkeys(r for r in relays if r not in speakers))
        assertion = self._assertion(claim, minted)
        iri = (
            CLAIM[claim.id]
            if claim.id
            else CLAIM[self._content_id(claim, art, start, end, assertion)]
        )
        assertion = [(_own(s, iri), p, _own(o, iri)) for s, p, o in assertion]
        quads += [(s, p, o, iri) for s, p, o in assertion]
        meta: list[tuple[Node, Node, Node]] = [
            (iri, RDF.type, CG.Claim),
            (iri, PROV.wasDerivedFrom, art),
            (iri, CG.reportingVerb, Literal(claim.reporting_verb)),
            (iri, CG.directQuote, Literal(claim.direct_quote)),
            (
                iri,
                CG.polarity,
                CGV.Positive if claim.polarity.value == "positive" else CGV.Negative,
            ),
            (iri, CG.certainty, CGV[claim.certainty.value.capitalize()]),
            (iri, CG.saidAt, Literal(claim.said_at)),
            (iri, CG.holdsDuring, Literal(claim.holds_during)),
        ]
        meta += [(iri, PROV.wasAttributedTo, s) for s in speakers]
        meta += [(iri, CG.relayedBy, r) for r in relays]
        if claim.said_on:
            meta.append((iri, CG.saidOn, Literal(claim.said_on.isoformat(), datatype=XSD.date)))
        if claim.holds_from:
            meta.append((iri, CG.holdsFrom, _instant(claim.holds_from, end=False)))
        if claim.holds_until:
            meta.append((iri, CG.holdsUntil, _instant(claim.holds_until, end=True)))
        quote, qtext, qpos = URIRef(iri + "#quote"), URIRef(iri + "#quote-text"), URIRef(
            iri + "#quote-position"
        )
        meta += [
            (iri, CG.quotation, quote),
            (quote, RDF.type, OA.SpecificResource),
            (quote, OA.hasSource, art),
            (quote, OA.hasSelector, qtext),
            (quote, OA.hasSelector, qpos),
            (qtext, RDF.type, OA.TextQuoteSelector),
            (qtext, OA.exact, Literal(claim.quote.exact)),
            (qpos, RDF.type, OA.TextPositionSelector),
            (qpos, OA.start, Literal(start)),
            (qpos, OA.end, Literal(end)),
        ]
        if prefix is not None:
            meta.append((qtext, OA.prefix, Literal(prefix)))
        if suffix is not None:
            meta.append((qtext, OA.suffix, Literal(suffix)))
        # a new name that a claim says something about as a place (who controls it, whether
        # fighting goes on there, where a counted event was) is minted as a place, so that
        # later articles resolve it as one
        placed = {st.subject.strip().lower() for st in claim.statements
                  if isinstance(st.subject, str)
                  and st.property.split(":")[-1].split("/")[-1].split("#")[-1] in _PLACE_PROPS}
        placed |= {st.event.place.strip().lower() for st in claim.statements
                   if st.event is not None and st.event.place is not None}
        for name, entity in minted.items():
            original = next(
                (r for r in [*claim.speakers, *claim.relays, claim.article.outlet or ""]
                 if r.strip().lower() == name), name,
            )
            label = original
            for st in claim.statements:
                for ref in (st.subject, st.value):
                    if isinstance(ref, str) and ref.strip().lower() == name:
                        label = ref.strip()
            meta.append((entity, SKOS.prefLabel, Literal(label, lang="en")))
            kind = _minted_type(entity, speakers, relays)
            meta.append((entity, RDF.type, CG.Place if kind == SCHEMA.Thing and name in placed
                         else kind))
        quads += [(s, p, o, None) for s, p, o in meta]
        if validate:  # callers that build many claims validate them together (one SHACL run)
            self.validate(iri, [q for q in quads if q[3] is None])
        return BuiltClaim(iri=iri, quads=quads, minted=list(minted.values()))

    def validate(self, iri: URIRef, default_graph_quads: list[Quad]) -> None:
        """SHACL-validate the claim's description against ontology/shapes.ttl."""
        data = Graph()
        for s, p, o, _ in default_graph_quads:
            data.add((s, p, o))
        if (iri, PROV.wasDerivedFrom, None) in data:
            # not None: the triple was just found
            article = cast(Node, data.value(iri, PROV.wasDerivedFrom))
            if (article, RDF.type, None) not in data:
                data.add((article, RDF.type, CG.Article))  # existing article, already validated
        self.validate_graph(data)

    def validate_many(self, built: list[BuiltClaim]) -> None:
        """SHACL-validate several built claims in one run (much cheaper than one run each)."""
        data = Graph()
        for claim in built:
            for s, p, o, g in claim.quads:
                if g is None:
                    data.add((s, p, o))
            article = data.value(claim.iri, PROV.wasDerivedFrom)
            if article is not None and (article, RDF.type, None) not in data:
                data.add((article, RDF.type, CG.Article))
        self.validate_graph(data)

    def validate_graph(self, data: Graph) -> None:
        """SHACL-validate claim descriptions; raise InvalidInput with the report."""
        conforms, _, report = validate(
            data, shacl_graph=_shapes(self.shapes_path), inference="none", allow_warnings=True
        )
        if not conforms:
            raise InvalidInput("the claim does not satisfy the SHACL shapes", report=str(report))

    def _article(
        self, article: ArticleIn, minted: dict[str, URIRef], version: URIRef | None = None
    ) -> tuple[URIRef, list[Quad], str | None]:
        rows = self.store.select(load_query("find_article"), {"url": URIRef(article.url)})
        if version is not None:
            rows = [r for r in rows if r["article"] == version]
        if rows:
            stored_text = rows[0].get("text")
            text = str(stored_text) if stored_text is not None else None
            if article.text is not None and text is not None and article.text != text:
                raise Conflict(
                    "this URL is stored with a different text; a new version of an article "
                    "is not accepted through POST /claims",
                    article=str(rows[0]["article"]),
                )
            return URIRef(str(rows[0]["article"])), [], text if text is not None else article.text
        iri = version or article_iri(article.url)
        triples: list[tuple[Node, Node, Node]] = [
            (iri, RDF.type, CG.Article),
            (iri, SCHEMA.url, URIRef(article.url)),
            (iri, SCHEMA.inLanguage, Literal(article.language)),
        ]
        if article.title:
            triples.append((iri, SCHEMA.headline, Literal(article.title)))
        if article.text is not None:
            triples.append((iri, SCHEMA.text, Literal(article.text)))
        if article.published:
            triples.append((iri, SCHEMA.datePublished, _published(article.published)))
        if article.outlet:
            triples.append((iri, SCHEMA.publisher, self.resolve_entity(article.outlet, minted)))
        return iri, [(s, p, o, None) for s, p, o in triples], article.text

    def _anchor(self, claim: ClaimIn, text: str | None) -> tuple[int, int, str | None, str | None]:
        quote = claim.quote
        if text is None:
            if quote.start is None or quote.end is None:
                raise InvalidInput(
                    "the article text is unknown, so the quote needs start and end offsets"
                )
            return quote.start, quote.end, quote.prefix, quote.suffix
        if quote.start is not None and quote.end is not None:
            if text[quote.start:quote.end] != quote.exact:
                raise InvalidInput(
                    "the quote does not match the article text at the given offsets",
                    found=text[quote.start:quote.end][:200],
                )
            start = quote.start
        else:
            start = text.find(quote.exact)
            if start < 0:
                raise InvalidInput("the quote does not appear verbatim in the article text")
            if text.find(quote.exact, start + 1) >= 0:
                raise InvalidInput("the quote appears more than once; give start and end offsets")
        end = start + len(quote.exact)
        return start, end, text[max(0, start - CONTEXT_CHARS):start], text[end:end + CONTEXT_CHARS]

    def _assertion(
        self, claim: ClaimIn, minted: dict[str, URIRef]
    ) -> list[tuple[Node, Node, Node]]:
        triples: list[tuple[Node, Node, Node]] = []
        if not claim.statements and claim.proposition:
            return [(_SELF, CG.proposition, Literal(claim.proposition, lang="en"))]
        for n, st in enumerate(claim.statements, start=1):
            triples += self._statement(st, n, minted)
        return triples

    def _statement(
        self, st: StatementIn, n: int, minted: dict[str, URIRef]
    ) -> list[tuple[Node, Node, Node]]:
        subject = self.resolve_entity(st.subject, minted)
        prop, cls, kind, scheme = self.resolve_property(st.property)
        value = st.value
        if cls == CG.QuantityClaimProperty:
            if not isinstance(value, IntervalIn):
                raise InvalidInput(
                    f"{st.property} takes a number or interval, e.g. {{'exact': 92}}"
                )
            node = URIRef(f"{_SELF}#value-{n}")
            triples = [(subject, prop, node), *_interval(node, value, None)]
            if st.event is not None:
                triples += self._event(node, st, minted)
            return triples
        if st.event is not None:
            raise InvalidInput(f"{st.property} is not a count: only counts take an event")
        if cls == CG.GradedClaimProperty:
            assert scheme is not None
            if isinstance(value, str):
                concept = self.resolve_concept(scheme, value)
                return [(subject, prop, concept["concept"])]
            if value.grade is None:
                raise InvalidInput(
                    f"an interval for {st.property} needs a grade, e.g. 'partly-controlled'"
                )
            concept = self.resolve_concept(scheme, value.grade)
            node = URIRef(f"{_SELF}#value-{n}")
            return [(subject, prop, node), *_interval(node, value, concept)]
        if isinstance(value, IntervalIn):
            raise InvalidInput(f"{st.property} takes an entity or a controlled value, not a number")
        if kind == CGV.ConceptValue and scheme is not None:
            return [(subject, prop, self.resolve_concept(scheme, value)["concept"])]
        return [(subject, prop, self.resolve_entity(value, minted))]

    def _event(
        self, node: URIRef, st: StatementIn, minted: dict[str, URIRef]
    ) -> list[tuple[Node, Node, Node]]:
        """The counted event's place, kind, scope and days, on the count's value node."""
        event = st.event
        assert event is not None
        out: list[tuple[Node, Node, Node]] = []
        if event.place is not None:
            out.append((node, CG.eventPlace, self.resolve_entity(event.place, minted)))
        if event.kind is not None:
            out.append((node, CG.eventKind, Literal(event.kind)))
        if event.scope is not None:
            scope = CGV.SingleEvent if event.scope == "single" else CGV.CumulativeTotal
            out.append((node, CG.eventScope, scope))
        if event.start is not None:
            out.append((node, CG.eventStart, Literal(event.start.isoformat(),
                                                     datatype=XSD.date)))
        if event.end is not None:
            out.append((node, CG.eventEnd, Literal(event.end.isoformat(), datatype=XSD.date)))
        return out

    @staticmethod
    def _content_id(
        claim: ClaimIn, article: URIRef, start: int, end: int,
        assertion: list[tuple[Node, Node, Node]],
    ) -> str:
        payload = json.dumps(
            {
                "article": str(article), "span": [start, end],
                "speakers": sorted(s.strip().lower() for s in claim.speakers),
                "polarity": claim.polarity.value, "certainty": claim.certainty.value,
                "assertion": sorted(" ".join(str(t) for t in triple) for triple in assertion),
            },
            sort_keys=True,
        )
        return "c-" + hashlib.sha256(payload.encode()).hexdigest()[:16]


_SELF = URIRef("urn:claimgraph:self")  # placeholder for the claim IRI until it is known


def _own(term: Node, claim: URIRef) -> Node:
    """Replace the placeholder with the claim IRI (also inside fragment IRIs)."""
    if isinstance(term, URIRef) and str(term).startswith(str(_SELF)):
        return URIRef(str(claim) + str(term)[len(str(_SELF)):])
    return term


def _instant(value: object, *, end: bool) -> Literal:
    moment = as_datetime(value, end=end)  # type: ignore[arg-type]
    return Literal(moment.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime)


def _published(value: str) -> Literal:
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return Literal(value, datatype=XSD.gYearMonth)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return Literal(value, datatype=XSD.date)
    return Literal(value, datatype=XSD.dateTime)


# Oxigraph's xsd:decimal is a 128-bit fixed point with 18 fractional digits: it holds about
# +-1.7e20. Numbers past that range (or finer than 1e-18) are written as xsd:double, which
# SPARQL compares with decimals by numeric promotion, so 5 and 1e21 still compare.
_DECIMAL_MAX = Decimal(10) ** 20
_DECIMAL_STEP = Decimal(1).scaleb(-18)


def _number(value: Decimal | float) -> Literal:
    """A bound as xsd:decimal (exact) when the store's decimal type holds it, else as
    xsd:double. Raises ValueError on NaN/infinity (the claim model refuses them first)."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    if not exact.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    with localcontext() as ctx:
        ctx.prec = 80  # quantize below needs 20 + 18 digits
        fits = abs(exact) < _DECIMAL_MAX and exact == exact.quantize(_DECIMAL_STEP)
    if fits:
        text = format(exact.normalize(), "f") if exact != exact.to_integral_value() \
            else str(int(exact))
        return Literal(text, datatype=XSD.decimal)
    return Literal(repr(float(exact)), datatype=XSD.double)


def _interval(
    node: URIRef, value: IntervalIn, concept: dict[str, Node] | None
) -> list[tuple[Node, Node, Node]]:
    """An interval node; graded intervals inherit missing bounds from the concept they refine."""
    lower, upper = value.min, value.max
    lower_inc, upper_inc = value.min_inclusive, value.max_inclusive
    if value.exact is not None:
        lower = upper = value.exact
        lower_inc = upper_inc = True
    triples: list[tuple[Node, Node, Node]] = [(node, RDF.type, CG.Interval)]
    if concept is not None:
        triples.append((node, CG.gradeOf, concept["concept"]))
        # a concept's bounds and their inclusiveness are literals (resolve_concept.rq)
        if lower is None and "lower" in concept:
            bound = cast(Literal, concept["lower"])
            inclusive = cast(Literal, concept["lowerInclusive"])
            lower, lower_inc = Decimal(str(bound)), bool(inclusive.toPython())
        if upper is None and "upper" in concept:
            bound = cast(Literal, concept["upper"])
            inclusive = cast(Literal, concept["upperInclusive"])
            upper, upper_inc = Decimal(str(bound)), bool(inclusive.toPython())
    if lower is not None:
        triples += [
            (node, CG.lowerBound, _number(lower)), (node, CG.lowerInclusive, Literal(lower_inc))
        ]
    if upper is not None:
        triples += [
            (node, CG.upperBound, _number(upper)), (node, CG.upperInclusive, Literal(upper_inc))
        ]
    if lower is not None and upper is not None and (
        lower > upper or (lower == upper and not (lower_inc and upper_inc))
    ):
        raise InvalidInput("the interval is empty once the grade's bounds are applied")
    return triples


_PLACE_PROPS = {"controlStatus", "fightingStatus", "controlledBy"}


def _minted_type(entity: URIRef, speakers: list[URIRef], relays: list[URIRef]) -> URIRef:
    if entity in speakers:
        return CG.Source
    if entity in relays:
        return CG.Outlet
    return SCHEMA.Thing


__all__ = ["VOCAB_GRAPH", "BuiltClaim", "ClaimBuilder", "Conflict", "article_iri", "slug"]
