"""Read models: claims, disputes and sources as JSON-ready dictionaries."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any, cast

from rdflib import Literal, URIRef
from rdflib.term import Node

from app.model.reviews import REVIEW, Outcome
from app.model.vocab import (
    CG,
    CLAIM,
    CONTRADICTION,
    DISPUTE,
    ENTITY,
    OA,
    PROV,
    RDF,
    RULE,
    SCHEMA,
    local_id,
)
from app.store import reviews, vocabulary_cache
from app.store.base import GraphStore, Quad, Row
from app.store.queries import load_query
from app.store.vocabulary_cache import rule_texts, vocabulary_labels

_TYPE_NAMES = {
    CG.ValueContradiction: "value",
    CG.NegationContradiction: "negation",
    CG.GradedContradiction: "graded",
    CG.NumericContradiction: "numeric",
}
TYPE_BY_NAME = {v: k for k, v in _TYPE_NAMES.items()}


class _T:
    """The IRIs the views read, as strings. A Namespace attribute (``CG.saidAt``) builds and
    checks a new URIRef on every access, and a page of disputes reads hundreds."""

    derived = str(PROV.wasDerivedFrom)
    attributed = str(PROV.wasAttributedTo)
    relayed = str(CG.relayedBy)
    publisher = str(SCHEMA.publisher)
    url = str(SCHEMA.url)
    headline = str(SCHEMA.headline)
    published = str(SCHEMA.datePublished)
    exact = str(OA.exact)
    start = str(OA.start)
    end = str(OA.end)
    prefix = str(OA.prefix)
    suffix = str(OA.suffix)
    type = str(RDF.type)
    lower = str(CG.lowerBound)
    lower_inc = str(CG.lowerInclusive)
    upper = str(CG.upperBound)
    upper_inc = str(CG.upperInclusive)
    grade = str(CG.gradeOf)
    reporting_verb = str(CG.reportingVerb)
    direct_quote = str(CG.directQuote)
    polarity = str(CG.polarity)
    certainty = str(CG.certainty)
    said_at = str(CG.saidAt)
    said_on = str(CG.saidOn)
    holds_during = str(CG.holdsDuring)
    holds_from = str(CG.holdsFrom)
    holds_until = str(CG.holdsUntil)


_INTERVAL = CG.Interval
# the same few labels are wrapped for every row (a Literal costs ~15 us to make)
_label = functools.lru_cache(maxsize=4096)(Literal)


def _iri(term: Node) -> URIRef:
    return term if type(term) is URIRef else URIRef(str(term))



def _s(row: Row, name: str) -> str | None:
    value = row.get(name)
    return None if value is None else str(value)


def _py(row: Row, name: str) -> Any:
    value = row.get(name)
    if value is None:
        return None
    if isinstance(value, Literal):
        py = value.toPython()
        if hasattr(py, "isoformat"):
            return py.isoformat()
        return str(py) if not isinstance(py, int | float | bool) else py
    return str(value)


def _ref(iri: str | None, label: str | None, base: str = str(ENTITY)) -> dict[str, Any] | None:
    if iri is None:
        return None
    return {"id": local_id(iri, base), "iri": iri, "label": label or local_id(iri, base)}


def _concept_name(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def claim_quads(store: GraphStore, claim: URIRef) -> list[Quad]:
    """The quads of one claim as it was submitted."""
    rows = store.select(load_query("claim_own_quads"), {"claim": claim})
    return [
        (r["s"], r["p"], r["o"], URIRef(str(r["g"])) if "g" in r else None) for r in rows
    ]


def claims(store: GraphStore, iris: Sequence[URIRef]) -> dict[str, dict[str, Any]]:
    """Full views of claims, keyed by IRI; unknown IRIs are absent.

    Built from plain lookups bound to the claims (their properties, selectors, articles,
    assertion triples, labels) rather than one query with an OPTIONAL per field, which
    Oxigraph evaluates over the whole store."""
    if not iris:
        return {}
    bound = {"claim": list(iris)}
    props: dict[str, dict[str, list[Node]]] = {}
    for r in store.select(load_query("claim_props"), bound):
        props.setdefault(str(r["claim"]), {}).setdefault(str(r["p"]), []).append(r["o"])
    if not props:
        return {}
    selectors: dict[str, dict[str, Node]] = {}
    for r in store.select(load_query("claim_selectors"), bound):
        selectors.setdefault(str(r["claim"]), {})[str(r["p"])] = r["o"]
    derived = _T.derived
    articles = sorted({_iri(a) for p in props.values() for a in p.get(derived, [])}, key=str)
    article_props: dict[str, dict[str, Node]] = {}
    if articles:
        for r in store.select(load_query("article_props"), {"article": articles}):
            article_props.setdefault(str(r["article"]), {})[str(r["p"])] = r["o"]
    assertions = store.select(load_query("claim_assertions"), bound)
    agents = {
        _iri(a) for p in props.values()
        for key in (_T.attributed, _T.relayed) for a in p.get(key, [])
    }
    publishers = {URIRef(str(a[_T.publisher])) for a in article_props.values()
                  if _T.publisher in a}
    orgs: dict[str, list[str]] = {}
    if agents:
        for r in store.select(load_query("entity_orgs"), {"entity": sorted(agents, key=str)}):
            orgs.setdefault(str(r["entity"]), []).append(str(r["org"]))
    mentioned = {URIRef(str(r[k])) for r in assertions for k in ("s", "o")
                 if isinstance(r[k], URIRef) and str(r[k]).startswith(str(ENTITY))}
    org_iris = {URIRef(o) for os_ in orgs.values() for o in os_}
    labels = entity_labels(store, sorted(agents | publishers | mentioned | org_iris, key=str))
    labels.update(_vocabulary_labels(store))
    out: dict[str, dict[str, Any]] = {}
    for iri, p in props.items():
        sel = selectors.get(iri, {})
        art = str(p[_T.derived][0]) if _T.derived in p else None
        ap = article_props.get(art or "", {})
        publisher = str(ap[_T.publisher]) if _T.publisher in ap else None

        def one(key: str, values: dict[str, list[Node]] = p) -> Any:
            found = values.get(key)
            return _lit(found[0]) if found else None

        out[iri] = {
            "id": local_id(iri, str(CLAIM)),
            "iri": iri,
            "speakers": _agents(p.get(_T.attributed, []), labels, orgs),
            "outlets": _agents(p.get(_T.relayed, []), labels, orgs),
            "reporting_verb": one(_T.reporting_verb),
            "direct_quote": one(_T.direct_quote),
            "polarity": "negative" if str(one(_T.polarity)).endswith("Negative") else "positive",
            "certainty": _concept_name(str(one(_T.certainty))).lower(),
            "said_at": one(_T.said_at),
            "said_on": one(_T.said_on),
            "holds_during": one(_T.holds_during),
            "holds_from": one(_T.holds_from),
            "holds_until": one(_T.holds_until),
            "quote": {
                "exact": _lit(sel.get(_T.exact)), "start": _lit(sel.get(_T.start)),
                "end": _lit(sel.get(_T.end)), "prefix": _lit(sel.get(_T.prefix)),
                "suffix": _lit(sel.get(_T.suffix)),
            },
            "article": {
                "iri": art, "url": _lit(ap.get(_T.url)),
                "title": _lit(ap.get(_T.headline)),
                "published": None if _T.published not in ap
                else str(ap[_T.published]),
                "outlet": _ref(publisher, labels.get(publisher or "")),
            },
            "statements": [],
        }
    for row in _statement_rows(assertions, labels):
        claim = out.get(str(row["claim"]))
        if claim is not None:
            claim["statements"].append(_statement(row))
    for claim in out.values():
        claim["speakers"].sort(key=lambda a: a["label"])
        claim["statements"].sort(key=lambda s: (s["subject"]["id"], s["property"]["id"]))
    return out


def _lit(term: Node | None) -> Any:
    """A term's plain Python value (ISO strings for dates), or the IRI string."""
    if term is None:
        return None
    return _py({"v": term}, "v")


def _agents(
    iris: list[Node], labels: dict[str, str], orgs: dict[str, list[str]]
) -> list[dict[str, Any]]:
    out = []
    for iri in dict.fromkeys(str(i) for i in iris):
        agent = _ref(iri, labels.get(iri))
        assert agent is not None
        if orgs.get(iri):
            org = orgs[iri][0]
            agent["member_of"] = _ref(org, labels.get(org))
        out.append(agent)
    return out


def _vocabulary_labels(store: GraphStore) -> dict[str, str]:
    return vocabulary_labels(store)  # read once per store, until the vocabulary changes


def _statement_rows(assertions: list[Row], labels: dict[str, str]) -> list[Row]:
    """Rows for _statement: one per asserted triple, with labels
    and the bounds of interval values folded in."""
    intervals: dict[tuple[str, str], dict[str, Node]] = {}
    for r in assertions:
        key = (str(r["claim"]), str(r["s"]))
        intervals.setdefault(key, {})[str(r["p"])] = r["o"]
    rows: list[Row] = []
    for r in assertions:
        claim, subject = str(r["claim"]), str(r["s"])
        if intervals.get((claim, subject), {}).get(_T.type) == _INTERVAL:
            continue  # the interval node's own triples
        row: Row = {"claim": r["claim"], "s": r["s"], "p": r["p"], "o": r["o"]}
        for name, term in (("sLabel", subject), ("pLabel", str(r["p"])), ("oLabel", str(r["o"]))):
            if term in labels:
                row[name] = _label(labels[term])
        value = intervals.get((claim, str(r["o"])))
        if value is not None:
            for name, prop in (("lower", _T.lower), ("lowerInc", _T.lower_inc),
                               ("upper", _T.upper), ("upperInc", _T.upper_inc),
                               ("grade", _T.grade)):
                if prop in value:
                    row[name] = value[prop]
            grade = value.get(_T.grade)
            if grade is not None and str(grade) in labels:
                row["gradeLabel"] = _label(labels[str(grade)])
        rows.append(row)
    return rows


def _statement(r: Row) -> dict[str, Any]:
    value: dict[str, Any]
    o = str(r["o"])
    if isinstance(r["o"], Literal):
        value = {"text": o}
    elif r.get("lower") is not None or r.get("upper") is not None or r.get("grade") is not None:
        value = {
            "min": _py(r, "lower"), "min_inclusive": _py(r, "lowerInc"),
            "max": _py(r, "upper"), "max_inclusive": _py(r, "upperInc"),
            "grade": _ref(_s(r, "grade"), _s(r, "gradeLabel"), "https://w3id.org/claimgraph/vocab/"),
        }
        value["label"] = _interval_label(value)
    else:
        base = str(ENTITY) if o.startswith(str(ENTITY)) else "https://w3id.org/claimgraph/vocab/"
        value = _ref(o, _s(r, "oLabel"), base) or {}
    subject = cast(str, _s(r, "s"))  # ?s is always bound in a statement row
    subject_base = str(CLAIM) if subject.startswith(str(CLAIM)) else str(ENTITY)
    return {
        "subject": _ref(_s(r, "s"), _s(r, "sLabel"), subject_base),
        "property": _ref(_s(r, "p"), _s(r, "pLabel"), str(CG)),
        "value": value,
    }


def _interval_label(v: dict[str, Any]) -> str:
    lo, hi = v["min"], v["max"]
    if lo is not None and hi is not None and lo == hi:
        return f"{lo:g}" if isinstance(lo, float) else str(lo)
    left = "" if lo is None else ("[" if v["min_inclusive"] else "(") + f"{lo}"
    right = "" if hi is None else f"{hi}" + ("]" if v["max_inclusive"] else ")")
    if lo is not None and hi is not None:
        return f"{left}, {right}"
    if lo is not None:
        return ("at least " if v["min_inclusive"] else "more than ") + str(lo)
    return ("at most " if v["max_inclusive"] else "less than ") + str(hi)


def find_disputes(
    store: GraphStore, *, subject: URIRef | None, source: URIRef | None = None,
    type_: URIRef | None, status: URIRef | None, confidence: str | None = None,
    speakers: Sequence[URIRef] | None = None,
) -> list[str]:
    """Ids of current disputes matching the filters, newest first, by querying the store
    (the dispute index answers the list where it is kept). ``confidence`` "high" keeps
    disputes with at least one contradiction sure of its match, "low" the others. ``source``
    (or ``speakers``, a source and its members already looked up) keeps disputes in which
    one of them speaks."""
    bindings: dict[str, Node] = {}
    conf = Literal(confidence) if confidence is not None else None
    filters = (("subject", subject), ("type", type_), ("status", status), ("confidence", conf))
    for name, value in filters:
        if value is not None:
            bindings[name] = value
    rows = store.select(load_query("disputes_find"), bindings)
    ids = list(dict.fromkeys(local_id(str(r["d"]), str(DISPUTE)) for r in rows))
    if source is not None:
        speakers = [*(speakers or ()), *source_speakers(store, source)]
    if speakers is None:
        return ids
    found = store.select(load_query("disputes_of_speakers"), {"speaker": list(speakers)})
    wanted = {local_id(str(r["d"]), str(DISPUTE)) for r in found}
    return [i for i in ids if i in wanted]


def source_speakers(store: GraphStore, source: URIRef) -> list[URIRef]:
    """A source and everyone who speaks for it (its members, their members …)."""
    members = store.select(load_query("source_members"), {"source": source})
    return [source, *(URIRef(str(r["member"])) for r in members)]


def disputes(store: GraphStore, ids: Iterable[str]) -> list[dict[str, Any]]:
    """Full views of disputes, in the order given; unknown ids are absent."""
    ids = list(ids)
    if not ids:
        return []
    rows = _dispute_rows(store, [DISPUTE[i] for i in ids])
    by_id: dict[str, dict[str, Any]] = {}
    contradictions: dict[str, dict[str, Any]] = {}
    for r in rows:
        d = local_id(str(r["d"]), str(DISPUTE))
        dispute = by_id.setdefault(d, {
            "id": d, "iri": str(r["d"]), "status": _concept_name(str(r["status"])).lower()
            .replace("inreview", "in-review"),
            "created": _py(r, "created"),
            "merged_into": local_id(str(r["merged"]), str(DISPUTE)) if r.get("merged") else None,
            "contradictions": [],
        })
        if r.get("k") is None:
            continue
        k = str(r["k"])
        c = contradictions.get(k)
        if c is None:
            c = {
                "id": local_id(k, str(CONTRADICTION)), "iri": k,
                "type": _TYPE_NAMES.get(URIRef(str(r["type"])), str(r["type"])),
                "type_label": _s(r, "typeLabel"),
                "rule": {"id": local_id(str(r["rule"]), str(RULE)), "title": _s(r, "ruleLabel"),
                         "explanation": _s(r, "explanation")},
                "detected": _py(r, "kCreated"),
                "claims": [str(r["a"]), str(r["b"])],
                "subjects": [], "properties": [],
            }
            contradictions[k] = c
            dispute["contradictions"].append(c)
        subj = _ref(_s(r, "subject"), _s(r, "subjectLabel"))
        if subj and subj not in c["subjects"]:
            c["subjects"].append(subj)
        prop = _ref(_s(r, "property"), _s(r, "propertyLabel"), str(CG))
        if prop and prop not in c["properties"]:
            c["properties"].append(prop)
    confidences = {str(r["k"]): r for r in store.select(
        load_query("contradiction_confidence"), {"k": sorted(map(URIRef, contradictions))})
    } if contradictions else {}
    for k, c in contradictions.items():
        row = confidences.get(k)
        c["confidence"] = str(row["confidence"]) if row is not None else "high"
        c["confidence_reason"] = _s(row, "reason") if row is not None else None
    claim_iris = sorted({URIRef(i) for c in contradictions.values() for i in c["claims"]}, key=str)
    views = claims(store, claim_iris)
    for dispute in by_id.values():
        dispute["contradictions"].sort(key=lambda c: (c["detected"] or "", c["id"]))
        subjects: dict[str, Any] = {}
        speakers: dict[str, Any] = {}
        for c in dispute["contradictions"]:
            c["sides"] = [views[i] for i in c.pop("claims") if i in views]
            for s in c["subjects"]:
                subjects[s["id"]] = s
            for side in c["sides"]:
                for sp in side["speakers"]:
                    speakers[sp["id"]] = {k: v for k, v in sp.items() if k != "member_of"}
        dispute["subjects"] = sorted(subjects.values(), key=lambda s: s["label"])
        dispute["sources"] = sorted(speakers.values(), key=lambda s: s["label"])
        dispute["types"] = sorted({c["type"] for c in dispute["contradictions"]})
        dispute["confidence"] = "high" if any(
            c.get("confidence", "high") == "high" for c in dispute["contradictions"]) else "low"
    _add_reviews(store, by_id)
    return [by_id[i] for i in ids if i in by_id]


def _dispute_rows(store: GraphStore, disputes: list[URIRef]) -> list[Row]:
    """Rows of (dispute header + one contradiction, subject, property) with their labels:
    one row per dispute without contradictions."""
    headers = {str(r["d"]): r for r in store.select(load_query("dispute_header"), {"d": disputes})}
    found = store.select(load_query("dispute_contradictions"), {"d": disputes})
    labels = _vocabulary_labels(store)
    subjects = sorted({URIRef(str(r["subject"])) for r in found}, key=str)
    labels.update(entity_labels(store, subjects))
    rules = rule_texts(store)
    rows: list[Row] = []
    with_contradictions = set()
    for r in found:
        header = headers.get(str(r["d"]))
        if header is None:
            continue
        row: Row = {**header, **r}
        rule = rules.get(str(r["rule"]))
        if rule is not None:
            row["ruleLabel"], row["explanation"] = rule["title"], rule["explanation"]
        for name, key in (("typeLabel", "type"), ("subjectLabel", "subject"),
                          ("propertyLabel", "property")):
            if str(r[key]) in labels:
                row[name] = _label(labels[str(r[key])])
        rows.append(row)
        with_contradictions.add(str(r["d"]))
    rows += [h for d, h in headers.items() if d not in with_contradictions]
    return rows


def _add_reviews(store: GraphStore, by_id: dict[str, dict[str, Any]]) -> None:
    """Each dispute's review version (its ETag) and a summary of its current verdict."""
    current = reviews.current(store, [DISPUTE[i] for i in by_id])
    for d, dispute in by_id.items():
        row = current.get(str(DISPUTE[d]), {})
        dispute["version"] = int(str(row["version"])) if "version" in row else 0
        dispute["verdict"] = None if "verdict" not in row else {
            "outcome": Outcome.from_iri(str(row["outcome"])).value,
            "reviewed": _py(row, "end"),
            "reviewer": _s(row, "agent"),
            "review": str(row["act"]).removeprefix(str(REVIEW)),
        }


def claim_disputes(store: GraphStore, claim: URIRef) -> list[str]:
    """Current dispute ids a claim takes part in."""
    rows = store.select(load_query("claim_disputes"), {"claim": claim})
    return sorted(local_id(str(r["d"]), str(DISPUTE)) for r in rows)


def sources(store: GraphStore) -> list[dict[str, Any]]:
    """Speakers and outlets with their counts."""
    out = []
    for r in store.select(load_query("sources")):
        ref = _ref(_s(r, "source"), _s(r, "label"))
        assert ref is not None
        ref.update(
            role=str(r["role"]), claims=_py(r, "claims"), contradictions=_py(r, "contradictions"),
            member_of=_ref(_s(r, "org"), None),
        )
        out.append(ref)
    return out


def speakers(store: GraphStore) -> list[dict[str, Any]]:
    """Every speaker with its label and an organisation it belongs to (no counts: the review
    queue's source filter), as ``sources`` gives them with role "speaker"."""
    out = []
    for r in vocabulary_cache.speakers(store):
        ref = _ref(_s(r, "source"), _s(r, "label"))
        assert ref is not None
        ref.update(role="speaker", member_of=_ref(_s(r, "org"), None))
        out.append(ref)
    return out


def article_texts(store: GraphStore, iris: Sequence[URIRef]) -> dict[str, str]:
    """The full text of articles, keyed by IRI; articles without a stored text are absent."""
    if not iris:
        return {}
    rows = store.select(load_query("article_texts"), {"article": list(iris)})
    return {str(r["article"]): str(r["text"]) for r in rows}


def source_claims(store: GraphStore, source: URIRef) -> list[URIRef]:
    """IRIs of claims a source made (itself or through its members) or relayed."""
    rows = store.select(load_query("source_claims"), {"source": source})
    return [URIRef(str(r["claim"])) for r in rows]


def speaker_subject_claims(
    store: GraphStore, speakers: Sequence[URIRef], subjects: Sequence[URIRef]
) -> list[URIRef]:
    """IRIs of claims by any of the speakers whose assertion is about any of the subjects."""
    if not speakers or not subjects:
        return []
    rows = store.select(
        load_query("speaker_subject_claims"),
        {"speaker": list(speakers), "subject": list(subjects)},
    )
    return [URIRef(str(r["claim"])) for r in rows]


def entity_labels(store: GraphStore, iris: Sequence[URIRef]) -> dict[str, str]:
    """Preferred labels of entities, keyed by IRI; entities without a label are absent."""
    if not iris:
        return {}
    rows = store.select(load_query("entity_label"), {"entity": list(iris)})
    return {str(r["entity"]): str(r["label"]) for r in rows}
