"""The data behind each page. Each function feeds both the HTML page and its JSON twin."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rdflib import URIRef

from app.analysis import reports
from app.model.errors import InvalidInput, NotFound
from app.model.vocab import CLAIM, ENTITY
from app.store import names, views
from app.web import review_bridge
from app.web.deps import WebState
from app.web.picture import dispute_picture

FILTERS = ("subject", "subject_id", "source", "source_id", "type", "status", "since", "until",
           "confidence")
STATUS_LABELS = {"open": "Open", "in-review": "In review", "resolved": "Resolved",
                 "dismissed": "Dismissed"}
_ALL = 1_000_000  # "every row": a source's page lists all of its disputes


def _param(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name, "").strip()
    return value or None


def _date(params: Mapping[str, str], name: str) -> dt.date | None:
    value = _param(params, name)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from exc


def _check(value: str | None, allowed: list[str], name: str) -> None:
    if value is not None and value not in allowed:
        raise InvalidInput(f"unknown {name} {value!r}", allowed=allowed)


def queue(state: WebState, params: Mapping[str, str]) -> dict[str, Any]:
    """The review queue: counts by state and a filtered page of disputes, newest first.

    The source and subject boxes hold a name as typed (``source``, ``subject``) and, when the
    type-ahead chose one, the entity's id (``source_id``, ``subject_id``); ``picked`` says what
    each resolved to. A name that resolves to nothing (or to several entities) matches no
    dispute and says so in ``picked[…]["problem"]``: the page is still a 200."""
    store, builder, settings = state.store, state.service.builder, state.settings
    type_, status = _param(params, "type"), _param(params, "status")
    since, until = _date(params, "since"), _date(params, "until")
    try:
        offset = max(int(params.get("offset", "0") or 0), 0)
    except ValueError as exc:
        raise InvalidInput("offset must be a whole number") from exc
    limit = settings.page_size
    confidence = _param(params, "confidence")
    # one index for both boxes (for a store others write to, each one reads every name)
    index = names.index_of(store)
    picked = {kind: pick(index, kind, params) for kind in names.KINDS}
    subject, source = picked["subject"]["iri"], picked["source"]["iri"]
    if any(p["problem"] for p in picked.values()):
        # a name that resolved to nothing matches nothing: no query (the other filters are
        # still checked, as the list checks them)
        _check(type_, sorted(views.TYPE_BY_NAME), "type")
        _check(status, sorted(STATUS_LABELS), "status")
        _check(confidence, list(reports.CONFIDENCES), "confidence")
        counts, total, items = dict.fromkeys(STATUS_LABELS, 0), 0, []
    else:
        # counts per state under the other filters, from the dispute index (not one list
        # per state)
        counts = reports.dispute_counts(
            store, builder, subject=subject, source=source, type_=type_, confidence=confidence,
            since=since, until=until,
        )
        found = reports.list_disputes(
            store, builder, subject=subject, source=source, type_=type_, status=status,
            offset=offset, limit=limit, confidence=confidence, since=since, until=until,
        )
        total, items = found.total, found.items
    rows = [_queue_row(d) for d in items]
    choices = {
        "status": [{"value": k, "label": v} for k, v in STATUS_LABELS.items()],
        "type": sorted(views.TYPE_BY_NAME),
        "confidence": list(reports.CONFIDENCES),
    }
    return {
        "filters": {n: _param(params, n) for n in FILTERS},
        "picked": picked,
        "counts": counts,
        "total": total,
        "offset": offset,
        "limit": limit,
        "next_offset": offset + limit if offset + limit < total else None,
        "prev_offset": max(offset - limit, 0) if offset > 0 else None,
        "items": rows,
        "choices": choices,
    }


_NOUNS: dict[names.Kind, tuple[str, str]] = {
    "source": ("source", "sources"), "subject": ("disputed subject", "disputed subjects")}
_WITH_ID = re.compile(r"(.*\S)\s*\(([^()]+)\)")  # "Sean Ryan (sean-ryan)"


def pick(
    index: names.NameIndex, kind: names.Kind, params: Mapping[str, str]
) -> dict[str, Any]:
    """What the queue's ``kind`` box resolves to: ``{"text", "id", "iri", "label", "problem",
    "candidates"}``, all None (candidates empty) when the box is empty.

    The text is read, in this order, as: a name of the entity whose id the type-ahead chose
    (``<kind>_id``; ignored when the text was changed since, as it is without JavaScript);
    ``Name (id)``; a label or alias, ignoring case; an entity id or IRI. Otherwise
    ``problem`` says that no entity of that kind has this name, or that several do (then
    ``candidates`` lists them as ``{"id", "label"}``). Names are looked up in memory
    (``app.store.names``), never by scanning the store."""
    text = _param(params, kind)
    out: dict[str, Any] = {"text": text, "id": None, "iri": None, "label": None,
                           "problem": None, "candidates": []}
    if text is None:
        return out
    found = _resolve(index, kind, text, _param(params, kind + "_id"))
    one, many = _NOUNS[kind]
    if len(found) == 1:
        e = found[0]
        out.update(id=e.id, iri=e.iri, label=e.label)
    elif found:
        out["problem"] = f"“{text}” names {len(found)} {many}"
        out["candidates"] = [{"id": e.id, "label": e.label} for e in found]
    else:
        out["problem"] = f"no {one} named “{text}”"
    return out


def _resolve(
    index: names.NameIndex, kind: names.Kind, text: str, chosen: str | None
) -> list[names.Named]:
    def by_ref(ref: str) -> names.Named | None:
        iri = ref if ref.startswith(("http://", "https://")) else str(ENTITY) + ref
        return index.get(kind, iri)

    if chosen is not None:
        e = by_ref(chosen)
        if e is not None and (e.is_called(text) or names.fold(text) == names.fold(e.id)
                              or _called_with_id(e, text)):
            return [e]
    with_id = _WITH_ID.fullmatch(text)
    if with_id is not None:
        e = by_ref(with_id[2].strip())
        if e is not None and _called_with_id(e, text):
            return [e]
    found = index.lookup(kind, text)
    if found:
        return found
    e = by_ref(text)
    return [] if e is None else [e]


def _called_with_id(e: names.Named, text: str) -> bool:
    """Whether ``text`` is ``Name (id)`` for this entity, as the type-ahead writes a name that
    several of its suggestions share."""
    with_id = _WITH_ID.fullmatch(text)
    return with_id is not None and with_id[2].strip() == e.id and e.is_called(with_id[1])


def _queue_row(d: dict[str, Any]) -> dict[str, Any]:
    quotes = []
    for c in d["contradictions"]:
        for side in c["sides"]:
            q = side["quote"]["exact"]
            if q not in quotes:
                quotes.append(q)
    return {
        "id": d["id"], "status": d["status"], "created": d["created"],
        "subjects": d["subjects"], "sources": d["sources"], "types": d["types"],
        "confidence": d.get("confidence", "high"),
        "contradictions": len(d["contradictions"]), "quotes": quotes[:2],
    }


def quote_context(
    text: str | None, quote: Mapping[str, Any]
) -> dict[str, Any]:
    """The paragraph holding the quote, split in three: before, the quote, after.

    The three parts stay separate so the template escapes each one; no markup is ever
    built from article text. Without the article text, the selector's prefix and suffix
    stand in for the paragraph."""
    exact = quote.get("exact") or ""
    start, end = quote.get("start"), quote.get("end")
    if (
        text is not None and isinstance(start, int) and isinstance(end, int)
        and 0 <= start <= end <= len(text) and text[start:end] == exact
    ):
        para_start = text.rfind("\n\n", 0, start)
        para_start = 0 if para_start < 0 else para_start + 2
        para_end = text.find("\n\n", end)
        para_end = len(text) if para_end < 0 else para_end
        return {"before": text[para_start:start], "quote": exact,
                "after": text[end:para_end], "in_article": True}
    return {"before": quote.get("prefix") or "", "quote": exact,
            "after": quote.get("suffix") or "", "in_article": False}


def _with_context(state: WebState, claims: list[dict[str, Any]]) -> None:
    iris = sorted({URIRef(c["article"]["iri"]) for c in claims if c["article"]["iri"]}, key=str)
    texts = views.article_texts(state.store, iris)
    for c in claims:
        c["context"] = quote_context(texts.get(c["article"]["iri"] or ""), c["quote"])


def _claim_summary(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": c["id"], "speakers": c["speakers"], "outlets": c["outlets"],
        "quote": c["quote"]["exact"], "said_at": c["said_at"],
        "holds_during": c["holds_during"], "polarity": c["polarity"],
        "certainty": c["certainty"], "statements": c["statements"],
        "article": {"url": c["article"]["url"], "title": c["article"]["title"]},
    }


def dispute(state: WebState, dispute_id: str) -> dict[str, Any]:
    """One dispute: its claims side by side in context, the rules, related claims, picture."""
    store = state.store
    d = reports.get_dispute(store, dispute_id)
    by_id: dict[str, dict[str, Any]] = {}
    for c in d["contradictions"]:
        for side in c["sides"]:
            by_id.setdefault(side["id"], side)
    sides = review_bridge.sides(state, d["id"])
    groups = [("A", sides[0]), ("B", sides[1])] if sides else [("", sorted(by_id))]
    claims: list[dict[str, Any]] = []
    columns: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for name, ids in groups:
        column: dict[str, Any] = {"side": name, "claims": []}
        for n, claim_id in enumerate((i for i in ids if i in by_id), start=1):
            seen[claim_id] = f"{name}{n}"
            card = {**by_id[claim_id], "letter": seen[claim_id], "side": name or None}
            claims.append(card)
            column["claims"].append(card)
        columns.append(column)
    for n, claim_id in enumerate((i for i in by_id if i not in seen), start=1):
        seen[claim_id] = f"{columns[-1]['side']}{len(columns[-1]['claims']) + n}"
        card = {**by_id[claim_id], "letter": seen[claim_id], "side": columns[-1]["side"] or None}
        claims.append(card)
        columns[-1]["claims"].append(card)
    _with_context(state, claims)
    contradictions = [
        {"id": c["id"], "type": c["type"], "type_label": c["type_label"], "rule": c["rule"],
         "confidence": c.get("confidence", "high"), "confidence_reason": c.get(
             "confidence_reason"),
         "detected": c["detected"], "subjects": c["subjects"], "properties": c["properties"],
         "between": [{"id": s["id"], "letter": seen[s["id"]]} for s in c["sides"]]}
        for c in d["contradictions"]
    ]
    speakers = [URIRef(s["iri"]) for s in d["sources"]]
    subjects = [URIRef(s["iri"]) for s in d["subjects"]]
    related_iris = [
        i for i in views.speaker_subject_claims(store, speakers, subjects) if str(i) not in
        {c["iri"] for c in claims}
    ]
    related = views.claims(store, related_iris)
    return {
        "id": d["id"], "iri": d["iri"], "status": d["status"], "created": d["created"],
        "merged_into": d["merged_into"], "subjects": d["subjects"], "sources": d["sources"],
        "types": d["types"],
        "claims": claims,
        "columns": [{"side": c["side"], "claims": [x["id"] for x in c["claims"]]}
                    for c in columns],
        "contradictions": contradictions,
        "related_claims": [_claim_summary(related[str(i)]) for i in related_iris
                           if str(i) in related],
        "picture": dispute_picture(claims, contradictions),
        "review": review_bridge.review_panel(state, d["id"], seen),
    }


def claim(state: WebState, claim_id: str) -> dict[str, Any]:
    """One claim with its quote in context and the disputes it is part of."""
    c = reports.get_claim(state.store, claim_id)
    _with_context(state, [c])
    found = views.disputes(state.store, c["disputes"])
    c["disputes"] = [
        {"id": d["id"], "status": d["status"], "types": d["types"], "sources": d["sources"]}
        for d in found
    ]
    return c


def sources(state: WebState) -> dict[str, Any]:
    """Every speaker and outlet with its counts."""
    return {"items": reports.list_sources(state.store)}


def source(state: WebState, source_id: str) -> dict[str, Any]:
    """One source: what it said or relayed, its disputes, and the verdicts on them so far."""
    store = state.store
    iri = ENTITY[source_id]
    label = views.entity_labels(store, [iri]).get(str(iri))
    stats = [s for s in reports.list_sources(store) if s["iri"] == str(iri)]
    claim_iris = views.source_claims(store, iri)
    if label is None and not stats and not claim_iris:
        raise NotFound(f"no source {source_id!r}")
    found = views.claims(store, claim_iris)
    claims = [_claim_summary(found[str(i)]) for i in claim_iris if str(i) in found]
    page = reports.list_disputes(
        store, state.service.builder, subject=None, source=source_id, type_=None, status=None,
        offset=0, limit=_ALL,
    )
    disputes = [_queue_row(d) for d in page.items]
    return {
        "id": source_id, "iri": str(iri), "label": label or source_id,
        "roles": [{"role": s["role"], "claims": s["claims"],
                   "contradictions": s["contradictions"]} for s in stats],
        "member_of": next((s["member_of"] for s in stats if s.get("member_of")), None),
        "claims": claims,
        "disputes": disputes,
        "verdicts": review_bridge.verdicts_for(state, [d["id"] for d in disputes]),
    }


EXAMPLES: list[dict[str, str]] = [
    {
        "title": "Disputes and their state",
        "query": """PREFIX cg: <https://w3id.org/claimgraph/ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?dispute ?status ?created WHERE {
  ?dispute a cg:Dispute ; cg:status ?status ; prov:generatedAtTime ?created .
}
ORDER BY DESC(?created)""",
    },
    {
        "title": "Contradictions with their rule and the two speakers",
        "query": """PREFIX cg: <https://w3id.org/claimgraph/ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?contradiction ?type ?speakerA ?speakerB WHERE {
  ?contradiction a cg:Contradiction , ?type ; cg:claim ?a , ?b .
  ?a prov:wasAttributedTo/skos:prefLabel ?speakerA .
  ?b prov:wasAttributedTo/skos:prefLabel ?speakerB .
  FILTER(?type != cg:Contradiction && STR(?a) < STR(?b))
}""",
    },
    {
        "title": "Every claim: speaker, outlet and quote",
        "query": """PREFIX cg: <https://w3id.org/claimgraph/ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?claim ?speaker ?outlet ?quote WHERE {
  ?claim a cg:Claim ; prov:wasAttributedTo/skos:prefLabel ?speaker ;
         cg:relayedBy/skos:prefLabel ?outlet ;
         cg:quotation/oa:hasSelector/oa:exact ?quote .
}
ORDER BY ?claim""",
    },
    {
        "title": "Review actions (PROV activities) and their verdicts, newest first",
        "query": """PREFIX cg: <https://w3id.org/claimgraph/ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?dispute ?reviewer ?ended ?from ?to ?outcome ?rationale WHERE {
  ?action a cg:ReviewAction ; cg:reviewOf ?dispute ; prov:endedAtTime ?ended ;
          prov:wasAssociatedWith/rdfs:label ?reviewer ; cg:fromState ?from ; cg:toState ?to .
  OPTIONAL { ?verdict prov:wasGeneratedBy ?action ; cg:outcome ?outcome ;
                      cg:rationale ?rationale }
}
ORDER BY DESC(?ended)
LIMIT 50""",
    },
    {
        "title": "What a claim asserts (its named graph)",
        "query": """CONSTRUCT { ?s ?p ?o } WHERE {
  GRAPH <https://w3id.org/claimgraph/id/claim/voa-hajin-sohr-1> { ?s ?p ?o }
}""",
        "format": "turtle",
    },
]
FORMATS = ["json", "xml", "csv", "tsv", "turtle", "nt", "jsonld"]


def sparql(state: WebState, params: Mapping[str, str]) -> dict[str, Any]:
    """The SPARQL page: the endpoint, example queries, and the query to show in the form."""
    choice = _param(params, "example")
    query = _param(params, "query")
    shipped = shipped_examples(state.settings.ontology_dir / "queries")
    examples = [{"format": "json", **e} for e in [*EXAMPLES, *shipped]]
    if query is None:
        index = int(choice) if choice and choice.isdigit() else 0
        if index >= len(examples):
            raise NotFound(f"no example {choice!r}")
        query = examples[index]["query"]
    return {"endpoint": "/sparql", "query": query, "formats": FORMATS,
            "examples": examples, "claim_base": str(CLAIM),
            "editor": (YASGUI_DIR / "yasgui.min.js").is_file()}


YASGUI_DIR = Path(__file__).parent / "vendor" / "node_modules" / "@zazuko" / "yasgui" / "build"


def shipped_examples(directory: Path) -> list[dict[str, str]]:
    """The example queries of ontology/queries: `# title:` line, then the query."""
    out = []
    for path in sorted(directory.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        titled = first.startswith("# title:")
        title = first.removeprefix("# title:").strip() if titled else path.stem
        out.append({"title": title, "query": text})
    return out
