"""The synthetic scenarios of eval/articles/scenarios.json, each checked exactly.

Each scenario's articles are ingested, oldest first, into a fresh in-memory store (as
eval/run.py does), once per test session. Every expectation of a scenario is its own test,
so a scenario can pass on what it must not find and fail on what it must find:

- ``basic``: the keys eval/run.py reads (``contradiction``, ``type``, ``property``,
  ``supersession``, ``relay``), with the same meaning;
- ``contradictions``: EXACTLY these contradictions, no more, no fewer. Each entry is a
  pattern: ``type``; ``property`` (one name or alternatives); ``subject``; ``between``: the
  two sides, each a list of alternative names. Every contradiction found must fit an entry
  and every entry must be fitted by one. ``[]`` means no contradiction of any type;
- ``supersession``: true means a supersession was recorded;
- ``claims_include`` / ``claims_exclude``: a claim triple with these fields must / must
  not exist. Fields: ``article`` (file name), ``speaker``, ``subject``, ``property``,
  ``value`` (a name, or for counts ``{"exact": n}``, ``{"min": n}`` …), ``polarity``,
  ``event`` (``place``, ``kind``, ``scope``, ``start``, ``end``; null = not stated);
- ``speakers_include`` / ``speakers_exclude``: a speaker of some claim is / no speaker of
  any claim is this name (``{"name": …, "member_of": …}`` also checks the organisation);
- ``relays_include``: a claim is relayed by this outlet.

Names are compared as slugs ("Syria's state news agency" = "syria-s-state-news-agency")
with an entity's id, its label, and for speakers in ``between`` its organisation; a list
gives alternatives. Expectations the extractor does not meet yet are marked xfail (strict)
below, with what it extracted instead: a fix turns them into failures to remove."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from rdflib import URIRef

from app.analysis import reports
from app.config import Settings
from app.ingest.service import ArticlePost, IngestService
from app.main import build_state
from app.model.vocab import CLAIM, ENTITY, local_id
from tests.conftest import ROOT

ARTICLES = ROOT / "eval" / "articles"
SPEC = json.loads((ARTICLES / "scenarios.json").read_text(encoding="utf-8"))
SCENARIOS = {sc["name"]: sc for sc in SPEC["scenarios"]}

# What the extractor does not do yet, as measured on 2026-11-29: "scenario/check/item" ->
# what was extracted instead. Strict: a fixed expectation fails until its entry is removed.
XFAIL: dict[str, str] = {}

_EVENT = """PREFIX cg: <https://w3id.org/claimgraph/ns#>
SELECT ?claim ?s ?p ?place ?kind ?scope ?start ?end WHERE {
  GRAPH ?claim { ?s ?p ?v . ?v a cg:Interval .
    OPTIONAL { ?v cg:eventPlace ?place } OPTIONAL { ?v cg:eventKind ?kind }
    OPTIONAL { ?v cg:eventScope ?scope } OPTIONAL { ?v cg:eventStart ?start }
    OPTIONAL { ?v cg:eventEnd ?end } }
}"""
_SCOPES = {"SingleEvent": "single", "CumulativeTotal": "cumulative"}


def slug(name: str) -> str:
    """A name as an entity id is written: lower case, runs of other characters as '-'."""
    return re.sub(r"[^0-9a-z]+", "-", name.lower()).strip("-")


def _alts(value: Any) -> set[str]:
    return {slug(v) for v in (value if isinstance(value, list) else [value])}


def _names(ref: dict[str, Any] | None) -> set[str]:
    return {slug(ref["id"]), slug(ref["label"])} if ref else set()


@dataclass
class Outcome:
    """What ingesting one scenario's articles left in its store."""

    contradictions: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)  # one row per claim triple
    supersessions: int = 0
    statements: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def summary(self) -> str:
        """The extracted statements and the contradictions, for a failure message."""
        lines = ["extracted statements (article: speakers [relays] «content» -> triples):"]
        for article, st in self.statements:
            who = ", ".join(f"{s['ref']}" + (f" ({s['organisation']})" if s["organisation"]
                                            else "") for s in st["speakers"]) or "-"
            relays = f" [via {', '.join(st['relays'])}]" if st["relays"] else ""
            claim = "" if st["makes_claim"] else " (no claim)"
            lines.append(f"  {article}: {who}{relays}{claim} {st['polarity']}/"
                         f"{st['certainty']} «{st['content']['text'][:110]}»")
            lines += [f"      -> {json.dumps(t, default=str)}" for t in st["statements"]]
        lines.append("contradictions:" if self.contradictions else "contradictions: none")
        for c in self.contradictions:
            sides = [sorted({s["id"] for s in side["speakers"]}) for side in c["sides"]]
            lines.append(f"  {c['type']} on {[p['id'] for p in c['properties']]} of "
                         f"{[s['id'] for s in c['subjects']]} between {sides}")
        lines.append(f"supersessions: {self.supersessions}")
        return "\n".join(lines)


def _value(st: dict[str, Any]) -> Any:
    v = st["value"]
    if "min" in v and "id" not in v:  # an interval
        if v["min"] is not None and v["min"] == v["max"]:
            return {"exact": float(v["min"])}
        return {k: float(v[k]) for k in ("min", "max") if v[k] is not None}
    return v


@functools.cache
def outcome(name: str) -> Outcome:
    """Ingest a scenario's articles into a fresh in-memory store (once per session)."""
    out = Outcome()
    state = build_state(Settings(store="memory", seed=False, environment="test"))
    try:
        service = IngestService(state.service)
        claim_article: dict[str, str] = {}
        for article in SCENARIOS[name]["articles"]:
            body = json.loads((ARTICLES / f"{article}.json").read_text(encoding="utf-8"))
            result = service.ingest(ArticlePost.model_validate(body))
            assert result.status == "ingested", (article, result.status, result.reason)
            out.statements += [(article, st) for st in result.statements]
            out.supersessions += len(result.supersessions)
            claim_article.update({c: article for c in result.claims})
        page = reports.list_disputes(state.store, state.service.builder, subject=None,
                                     source=None, type_=None, status=None, offset=0,
                                     limit=1000)
        out.contradictions = [c for d in page.items for c in d["contradictions"]]
        events: dict[tuple[str, str, str], dict[str, Any]] = {}
        iris = [CLAIM[c] for c in claim_article]
        for r in state.store.select(_EVENT, {"claim": iris}) if iris else []:
            events[(local_id(str(r["claim"]), str(CLAIM)), str(r["s"]), str(r["p"]))] = {
                "place": local_id(str(r["place"]), str(ENTITY)) if "place" in r else None,
                "kind": str(r["kind"]) if "kind" in r else None,
                "scope": _SCOPES.get(str(r["scope"]).rsplit("/", 1)[-1]) if "scope" in r
                else None,
                "start": str(r["start"]) if "start" in r else None,
                "end": str(r["end"]) if "end" in r else None,
            }
        for claim_id, article in claim_article.items():
            claim = reports.get_claim(state.store, claim_id)
            for st in claim["statements"]:
                out.claims.append({
                    "article": article, "speakers": claim["speakers"],
                    "outlets": claim["outlets"], "polarity": claim["polarity"],
                    "subject": st["subject"], "property": st["property"]["id"],
                    "value": _value(st),
                    "event": events.get((claim_id, str(URIRef(st["subject"]["iri"])),
                                         st["property"]["iri"])),
                })
    finally:
        state.store.close()
    return out


# -- matching ------------------------------------------------------------------------------
def _speaker_is(speaker: dict[str, Any], want: Any, *, org: bool = False) -> bool:
    names = _names(speaker) | (_names(speaker.get("member_of")) if org else set())
    return bool(names & _alts(want))


def _side_is(side: dict[str, Any], want: list[str]) -> bool:
    return any(_speaker_is(s, want, org=True) for s in side["speakers"])


def _contradiction_fits(c: dict[str, Any], pattern: dict[str, Any]) -> bool:
    if "type" in pattern and c["type"] != pattern["type"]:
        return False
    if "property" in pattern and not {p["id"] for p in c["properties"]} & set(
            pattern["property"] if isinstance(pattern["property"], list)
            else [pattern["property"]]):
        return False
    if "subject" in pattern and not any(_names(s) & _alts(pattern["subject"])
                                        for s in c["subjects"]):
        return False
    if "between" in pattern:
        a, b = pattern["between"]
        x, y = c["sides"]
        return (_side_is(x, a) and _side_is(y, b)) or (_side_is(x, b) and _side_is(y, a))
    return True


def _value_fits(value: Any, want: Any) -> bool:
    if isinstance(want, dict):
        return isinstance(value, dict) and all(
            k in value and value[k] == float(v) for k, v in want.items())
    return isinstance(value, dict) and "id" in value and bool(_names(value) & _alts(want))


def _claim_fits(row: dict[str, Any], want: dict[str, Any]) -> bool:
    for key, expected in want.items():
        if key == "id":
            continue
        if key in ("article", "property", "polarity"):
            ok = row[key] in (expected if isinstance(expected, list) else [expected])
        elif key == "speaker":
            ok = any(_speaker_is(s, expected) for s in row["speakers"])
        elif key == "subject":
            ok = bool(_names(row["subject"]) & _alts(expected))
        elif key == "value":
            ok = _value_fits(row["value"], expected)
        elif key == "event":
            event = row["event"] or {}
            ok = all(event.get(k) is None if v is None
                     else event.get(k) is not None and slug(event[k]) in _alts(v)
                     for k, v in expected.items())
        else:
            raise AssertionError(f"unknown claim field {key!r}")
        if not ok:
            return False
    return True


def _speakers(out: Outcome) -> list[dict[str, Any]]:
    return [s for row in out.claims for s in row["speakers"]]


# -- the checks ----------------------------------------------------------------------------
def check_basic(exp: dict[str, Any], _: Any, out: Outcome) -> None:
    """eval/run.py's reading of the scenario."""
    on_prop = [c for c in out.contradictions
               if exp["property"] in {p["id"] for p in c["properties"]}]
    assert bool(on_prop) == exp["contradiction"], "contradiction on the property"
    if exp.get("type"):
        assert any(c["type"] == exp["type"] for c in on_prop), "contradiction type"
    if exp.get("supersession"):
        assert out.supersessions > 0, "supersession"
    if exp.get("relay"):
        assert any(exp["relay"] in st["relays"] for _, st in out.statements), "relay"


def check_contradictions(exp: dict[str, Any], _: Any, out: Outcome) -> None:
    """Exactly the listed contradictions."""
    patterns = exp["contradictions"]
    extra = [c for c in out.contradictions
             if not any(_contradiction_fits(c, p) for p in patterns)]
    missing = [p for p in patterns
               if not any(_contradiction_fits(c, p) for c in out.contradictions)]
    assert not extra and not missing, f"unexpected: {len(extra)}, missing: {missing}"


def check_supersession(exp: dict[str, Any], _: Any, out: Outcome) -> None:
    """A supersession was recorded (or none, when false)."""
    assert (out.supersessions > 0) == exp["supersession"]


def check_claims_include(_: dict[str, Any], want: dict[str, Any], out: Outcome) -> None:
    """Some claim triple fits."""
    assert any(_claim_fits(row, want) for row in out.claims), f"no claim fits {want}"


def check_claims_exclude(_: dict[str, Any], want: dict[str, Any], out: Outcome) -> None:
    """No claim triple fits."""
    found = [row for row in out.claims if _claim_fits(row, want)]
    assert not found, f"claims fit {want}: {found}"


def check_speakers_include(_: dict[str, Any], want: Any, out: Outcome) -> None:
    """Some claim has this speaker (and organisation)."""
    name, org = (want["name"], want.get("member_of")) if isinstance(want, dict) else (want, None)
    assert any(_speaker_is(s, name) and (org is None or _names(s.get("member_of")) & _alts(org))
               for s in _speakers(out)), f"no speaker {want}"


def check_speakers_exclude(_: dict[str, Any], want: Any, out: Outcome) -> None:
    """No claim has this speaker."""
    assert not any(_speaker_is(s, want) for s in _speakers(out)), f"{want} is a speaker"


def check_relays_include(_: dict[str, Any], want: Any, out: Outcome) -> None:
    """Some claim is relayed by this outlet."""
    assert any(_speaker_is(o, want) for row in out.claims for o in row["outlets"]), (
        f"no claim relayed by {want}")


CHECKS: dict[str, Callable[[dict[str, Any], Any, Outcome], None]] = {
    "contradictions": check_contradictions, "supersession": check_supersession,
    "claims_include": check_claims_include, "claims_exclude": check_claims_exclude,
    "speakers_include": check_speakers_include, "speakers_exclude": check_speakers_exclude,
    "relays_include": check_relays_include,
}


def _item_id(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("id") or item.get("name"))
    return slug(item[0] if isinstance(item, list) else item)


def _cases() -> Iterator[Any]:
    for name, sc in SCENARIOS.items():
        exp = sc["expect"]
        items: list[tuple[str, Any, str]] = [("basic", None, "basic")]
        for key in CHECKS:
            if key not in exp:
                continue
            if key.endswith(("_include", "_exclude")):
                items += [(key, item, f"{key}/{_item_id(item)}") for item in exp[key]]
            else:
                items.append((key, None, key))
        for key, item, label in items:
            case = f"{name}/{label}"
            marks = [pytest.mark.xfail(strict=True, reason=XFAIL[case])] if case in XFAIL else []
            yield pytest.param(name, key, item, id=case, marks=marks)


CASES = list(_cases())


@pytest.mark.parametrize(("scenario", "check", "item"), CASES)
def test_scenario(scenario: str, check: str, item: Any) -> None:
    out = outcome(scenario)
    exp = SCENARIOS[scenario]["expect"]
    try:
        (check_basic if check == "basic" else CHECKS[check])(exp, item, out)
    except AssertionError as e:
        raise AssertionError(f"{scenario}: {check} failed: {e}\n{out.summary()}") from None


def test_xfail_entries_name_existing_checks() -> None:
    assert set(XFAIL) <= {p.id for p in CASES}, set(XFAIL) - {p.id for p in CASES}


def test_scenario_articles_exist_and_are_synthetic() -> None:
    for sc in SCENARIOS.values():
        for article in sc["articles"]:
            body = json.loads((ARTICLES / f"{article}.json").read_text(encoding="utf-8"))
            ArticlePost.model_validate(body)
            if article.startswith("s9-"):
                assert body["url"] == f"https://example.org/synthetic/{article}"
                assert body["title"].startswith("Synthetic: ")
