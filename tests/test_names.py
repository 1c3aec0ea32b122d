"""The type-ahead's name index (app.store.names): its searches against a brute-force reading
of the same names, and how it keeps up with writes on a real store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef

from app.api.deps import AppState
from app.model.vocab import CG, ENTITY, RDF, SCHEMA, SKOS
from app.store import names
from app.store.names import Named, _Names, fold
from tests.conftest import claim
from tests.conftest import st as statement

# a small alphabet, so that names share prefixes, words and substrings; "ß" folds to "ss"
NAME = st.text(alphabet="abAB -.1éß", min_size=1, max_size=9)
ENTITIES = st.lists(st.lists(NAME, min_size=1, max_size=3), max_size=10).map(
    lambda lists: [Named(f"urn:e:{i}", ns[0], tuple(ns)) for i, ns in enumerate(lists)])
QUERY = st.text(alphabet="abAB -.1éß", min_size=1, max_size=3)


def word_starts(text: str) -> Iterator[int]:
    """Where a word starts after the first: a letter or digit after anything else."""
    for i in range(1, len(text)):
        if text[i].isalnum() and not text[i - 1].isalnum():
            yield i


def reference(entities: list[Named], key: str, limit: int) -> list[str]:
    """The entities' IRIs in completion order, by reading every name."""
    if not key:
        return []
    rows = [(fold(n), e.iri) for e in entities for n in dict.fromkeys(e.names) if fold(n)]
    rows = list(dict.fromkeys(rows))
    stages = [
        sorted(r for r in rows if r[0].startswith(key)),
        sorted((k[i:], iri) for k, iri in rows for i in word_starts(k) if k[i:].startswith(key)),
        sorted(r for r in rows if key in r[0]),
    ]
    out: list[str] = []
    for stage in stages:
        for _, iri in stage:
            if iri not in out:
                out.append(iri)
    return out[:limit]


@settings(max_examples=300, deadline=None)
@given(ENTITIES, QUERY, st.integers(min_value=1, max_value=6))
def test_completion_matches_reading_every_name(
    entities: list[Named], query: str, limit: int
) -> None:
    found = _Names(entities).complete(fold(query), limit)
    assert [s.entity.iri for s in found] == reference(entities, fold(query), limit)
    for s in found:
        assert s.name in s.entity.names and fold(query) in fold(s.name)


@settings(max_examples=150, deadline=None)
@given(ENTITIES, st.lists(st.tuples(st.booleans(), st.integers(0, 9)), max_size=12), QUERY)
def test_changes_leave_the_names_as_a_fresh_read(
    entities: list[Named], changes: list[tuple[bool, int]], query: str
) -> None:
    kept = _Names(entities[: len(entities) // 2])
    current = {e.iri: e for e in entities[: len(entities) // 2]}
    for add, n in changes:
        if not entities:
            break
        e = entities[n % len(entities)]
        if add:
            e = Named(e.iri, e.label, (*e.names, "ab " + e.label))  # a changed entity too
            kept.put(e)
            current[e.iri] = e
        else:
            kept.remove(e.iri)
            current.pop(e.iri, None)
        kept.complete(fold(query), 3)  # searches between changes (the joined names rebuilt)
    fresh = _Names(current.values())
    key = fold(query)
    assert kept.complete(key, 20) == fresh.complete(key, 20)
    assert kept.lookup(key) == fresh.lookup(key)
    assert (kept.starts, kept.words) == (fresh.starts, fresh.words)


def test_order_is_start_then_later_word_then_substring() -> None:
    entities = [Named("urn:a", "Mustafa Bali", ("Mustafa Bali", "Bali")),
                Named("urn:b", "Balint", ("Balint",)),
                Named("urn:c", "Jo Balik", ("Jo Balik",)),
                Named("urn:d", "Kobali", ("Kobali",)),
                Named("urn:e", "(Bal)", ("(Bal)",))]
    found = _Names(entities).complete("bal", 10)
    assert [(s.entity.iri, s.name) for s in found] == [
        ("urn:a", "Bali"), ("urn:b", "Balint"),  # a name starts with it
        ("urn:e", "(Bal)"), ("urn:c", "Jo Balik"),  # a later word does (in that word order)
        ("urn:d", "Kobali")]  # it is inside a word
    assert [s.entity.iri for s in _Names(entities).complete("bal", 2)] == ["urn:a", "urn:b"]
    # the display label names a suggestion when it matches as well as the alias did
    assert _Names(entities).complete("musta", 1)[0].name == "Mustafa Bali"
    assert _Names(entities).complete("  ", 5) == []


# --- on a real store ----------------------------------------------------------------------------

def sources(state: AppState, text: str) -> list[str]:
    return [s.entity.id for s in names.index_of(state.store).complete("source", text, 20)]


def test_seed_sources_and_subjects(seeded_state: AppState) -> None:
    index = names.index_of(seeded_state.store)
    assert index is names.index_of(seeded_state.store)  # kept with the store
    assert sources(seeded_state, "obs") == ["sohr"]
    assert sources(seeded_state, "SYR") == ["sdf", "sohr"]
    # speakers, the outlet, and the organisations speakers belong to
    assert sources(seeded_state, "  ") == []
    every = {s.entity.id for q in "aeiou" for s in index.complete("source", q, 100)}
    assert {"sean-ryan", "voa", "coalition", "sdf"} <= every
    assert not every & {"hajin", "islamic-state"}  # a place; a group nobody here speaks for
    assert [e.id for e in index.lookup("source", "the observatory")] == ["sohr"]
    assert [e.id for e in index.lookup("subject", "HAJIN CITY")] == ["hajin"]
    assert index.lookup("source", "Hajin") == []  # a place, not a source
    assert index.builds == 1


def test_writes_are_caught_up_without_reading_everything(seeded_state: AppState) -> None:
    store = seeded_state.store
    index = names.index_of(store)
    assert sources(seeded_state, "zqmonitor") == []
    sohr = ENTITY["sohr"]
    alias = (sohr, SKOS.altLabel, Literal("Zqmonitor", lang="en"), None)
    store.write(insert=[alias])
    assert sources(seeded_state, "zqmon") == ["sohr"]
    store.write(delete=[alias])
    assert sources(seeded_state, "zqmon") == []
    # a new speaker, a member of a new organisation: both become sources with their claim
    org, person = ENTITY["zq-front"], ENTITY["zq-person"]
    store.write(insert=[
        (org, RDF.type, CG.Organization, None),
        (org, SKOS.prefLabel, Literal("Zq Front", lang="en"), None),
        (person, RDF.type, CG.Person, None),
        (person, SKOS.prefLabel, Literal("Zq Person", lang="en"), None),
        (person, SCHEMA.memberOf, org, None),
    ])
    assert sources(seeded_state, "zq") == []  # named, but no claim yet
    seeded_state.service.submit(claim("zq-person", [statement("Hajin", "controlStatus",
                                                              "contested")]))
    assert sources(seeded_state, "zq") == ["zq-front", "zq-person"]
    assert index.builds == 1 and index.refreshed > 0
    # a write whose effect is unknown has everything read again
    store.update(f"INSERT DATA {{ {URIRef(org).n3()} "
                 f"{SKOS.altLabel.n3()} \"Zq Alliance\"@en }}")
    assert sources(seeded_state, "alliance") == ["zq-front"]
    assert index.builds == 2


def test_warm_reads_once_in_the_background(seeded_state: AppState) -> None:
    index = names.index_of(seeded_state.store)
    thread = index.warm()
    assert thread is not None
    thread.join(timeout=30)
    assert index.builds == 1 and index.warm() is None
    assert index.size("subject") == 1 and index.builds == 1


def test_a_store_others_write_is_read_afresh(
    seeded_state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = seeded_state.store
    monkeypatch.setattr(store, "sees_every_write", False)
    assert names.index_of(store) is not names.index_of(store)
    store.update(f"INSERT DATA {{ {ENTITY['sohr'].n3()} {SKOS.altLabel.n3()} \"Zqwatch\"@en }}")
    assert sources(seeded_state, "zqwatch") == ["sohr"]


# --- through the API: GET /sources?q= and GET /subjects ------------------------------------

def test_completion_endpoints(client: TestClient) -> None:
    items = client.get("/sources", params={"q": "ryan", "limit": 1}).json()["items"]
    assert items == [{"id": "sean-ryan", "iri": str(ENTITY["sean-ryan"]), "label": "Sean Ryan",
                      "name": "Ryan"}]
    # a word of the name first (SDF, Syrian Democratic Forces …), then inside a word (Ekrem
    # Salih's embedding is not a name: nothing else contains "sdf")
    assert [i["id"] for i in client.get("/sources", params={"q": "sd"}).json()["items"]] == [
        "sdf", "sdf-officials"]
    names_of = [i["name"] for i in client.get("/sources", params={"q": "ilit"}).json()["items"]]
    assert names_of == ["local military officials", "U.S. military", "U.S. military officials"]
    found = client.get("/subjects", params={"q": "aji"}).json()["items"]
    assert [(i["id"], i["label"]) for i in found] == [("hajin", "Hajin")]
    assert client.get("/subjects", params={"q": "voice"}).json()["items"] == []
    # without q, /sources is the listing it always was
    listing = client.get("/sources").json()["items"]
    assert {"sohr", "voa"} <= {s["id"] for s in listing}
    assert all("contradictions" in s and "claims" in s for s in listing)
    assert client.get("/sources", params={"limit": 2}).json()["items"] == listing[:2]


@pytest.mark.parametrize(("path", "params", "where"), [
    ("/sources", {"q": "s", "limit": "0"}, "limit"),
    ("/sources", {"q": "s", "limit": "101"}, "limit"),
    ("/sources", {"q": "s", "limit": "ten"}, "limit"),
    ("/sources", {"limit": "-1"}, "limit"),
    ("/sources", {"q": ""}, "q"),
    ("/sources", {"q": "x" * 201}, "q"),
    ("/subjects", {}, "q"),
    ("/subjects", {"q": "h", "limit": "1000"}, "limit"),
])
def test_completion_rejects_bad_parameters(
    client: TestClient, path: str, params: dict[str, str], where: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid" and body["message"].startswith(f"query.{where}:")
