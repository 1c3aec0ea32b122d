"""Read models: claims, disputes and sources as JSON-ready dictionaries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from rdflib import Literal, URIRef
from rdflib.term import Node

from app.model.reviews import REVIEW, Outcome
from app.model.vocab import CG, CLAIM, CONTRADICTION, DISPUTE, ENTITY, RULE, local_id
from app.store import reviews
from app.store.base import GraphStore, Quad, Row
from app.store.queries import load_query

_TYPE_NAMES = {
    CG.ValueContradiction: "value",
    CG.NegationContradiction: "negation",
    CG.GradedContradiction: "graded",
    CG.NumericContradiction: "numeric",
}
TYPE_BY_NAME = {v: k for k, v in _TYPE_NAMES.items()}


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
    """Full views of claims, keyed by IRI; unknown IRIs are absent."""
    if not iris:
        return {}
    bound = {"claim": list(iris)}
    out: dict[str, dict[str, Any]] = {}
    for r in store.select(load_query("claim_details"), bound):
        iri = str(r["claim"])
        out[iri] = {
            "id": local_id(iri, str(CLAIM)),
            "iri": iri,
            "speakers": [],
            "outlets": [],
            "reporting_verb": _s(r, "verb"),
            "direct_quote": _py(r, "direct"),
            "polarity": "negative" if str(r["polarity"]).endswith("Negative") else "positive",
            "certainty": _concept_name(str(r["certainty"])).lower(),
            "said_at": _s(r, "saidAt"),
            "said_on": _py(r, "saidOn"),
            "holds_during": _s(r, "holdsDuring"),
            "holds_from": _py(r, "holdsFrom"),
            "holds_until": _py(r, "holdsUntil"),
            "quote": {
                "exact": _s(r, "exact"), "start": _py(r, "start"), "end": _py(r, "end"),
                "prefix": _s(r, "prefix"), "suffix": _s(r, "suffix"),
            },
            "article": {
                "iri": _s(r, "article"), "url": _s(r, "url"), "title": _s(r, "title"),
                "published": _s(r, "published"),
                "outlet": _ref(_s(r, "publisher"), _s(r, "publisherLabel")),
            },
            "statements": [],
        }
    if not out:
        return out
    seen: set[tuple[str, str, str]] = set()
    for r in store.select(load_query("claim_agents"), bound):
        claim = out.get(str(r["claim"]))
        key = (str(r["claim"]), str(r["role"]), str(r["agent"]))
        if claim is None or key in seen:
            continue
        seen.add(key)
        agent = _ref(_s(r, "agent"), _s(r, "label"))
        assert agent is not None
        if r.get("org") is not None:
            agent["member_of"] = _ref(_s(r, "org"), _s(r, "orgLabel"))
        claim["speakers" if str(r["role"]) == "speaker" else "outlets"].append(agent)
    for r in store.select(load_query("claim_statements"), bound):
        claim = out.get(str(r["claim"]))
        if claim is None:
            continue
        claim["statements"].append(_statement(r))
    for claim in out.values():
        claim["speakers"].sort(key=lambda a: a["label"])
        claim["statements"].sort(key=lambda s: (s["subject"]["id"], s["property"]["id"]))
    return out


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
    store: GraphStore, *, subject: URIRef | None, source: URIRef | None,
    type_: URIRef | None, status: URIRef | None,
) -> list[str]:
    """Ids of current disputes matching the filters, newest first."""
    bindings: dict[str, Node] = {}
    filters = (("subject", subject), ("source", source), ("type", type_), ("status", status))
    for name, value in filters:
        if value is not None:
            bindings[name] = value
    rows = store.select(load_query("disputes_find"), bindings)
    return list(dict.fromkeys(local_id(str(r["d"]), str(DISPUTE)) for r in rows))


def disputes(store: GraphStore, ids: Iterable[str]) -> list[dict[str, Any]]:
    """Full views of disputes, in the order given; unknown ids are absent."""
    ids = list(ids)
    if not ids:
        return []
    rows = store.select(load_query("dispute_contradictions"), {"d": [DISPUTE[i] for i in ids]})
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
    _add_reviews(store, by_id)
    return [by_id[i] for i in ids if i in by_id]


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
