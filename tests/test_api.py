"""The HTTP API in-process, over the seeded store."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from tests.conftest import ARTICLE_TEXT

Auth = Callable[[str], dict[str, str]]
VOA_URL = "https://www.voanews.com/extremism-watch/us-backed-fighters-battle-last-syrian-stronghold"


def seed_dispute(client: TestClient) -> dict[str, Any]:
    body = client.get("/disputes").json()
    assert body["total"] == 1
    dispute: dict[str, Any] = body["items"][0]
    return dispute


def test_seed_has_exactly_the_observatory_vs_sdf_dispute(client: TestClient) -> None:
    dispute = seed_dispute(client)
    # the Observatory's "had taken Hajin" against the SDF's "more than 60 percent" (graded),
    # and against everyone who says the fighting goes on there (control-vs-fighting)
    assert {s["id"] for s in dispute["sources"]} == {
        "sohr", "mustafa-bali", "sdf-officials", "sean-ryan", "ekrem-salih",
        "local-military-officials", "us-military-officials"}
    assert [s["id"] for s in dispute["subjects"]] == ["hajin"]
    assert dispute["status"] == "open"
    pairs = set()
    for c in dispute["contradictions"]:
        speakers = [side["speakers"][0]["id"] for side in c["sides"]]
        assert "sohr" in speakers and len(set(speakers)) == 2
        pairs.add(frozenset(side["id"] for side in c["sides"]))
        for side in c["sides"]:
            q = side["quote"]
            assert ARTICLE_TEXT[q["start"]:q["end"]] == q["exact"]
            assert side["outlets"][0]["id"] == "voa"
            assert side["article"]["url"] == VOA_URL
        assert c["rule"]["explanation"]
    assert pairs == {
        frozenset({"voa-hajin-sohr-1", "voa-hajin-bali-1"}),
        frozenset({"voa-hajin-sohr-1", "voa-hajin-sdf-officials-1"}),
        frozenset({"voa-hajin-sohr-1", "voa-hajin-sdf-officials-2"}),
        # control-vs-fighting: the coalition, the embedded reporter and local officials say
        # the battle for Hajin goes on
        frozenset({"voa-hajin-sohr-1", "voa-hajin-officials-1"}),
        frozenset({"voa-hajin-sohr-1", "voa-hajin-ryan-2"}),
        frozenset({"voa-hajin-sohr-1", "voa-hajin-salih-2"}),
    }
    assert set(dispute["types"]) == {"graded", "negation", "value"}


def test_no_dispute_pairs_agreeing_sources(client: TestClient) -> None:
    # the outlet claims nothing; everyone who says the battle goes on agrees with everyone else
    # who says so, and each of them is set only against the Observatory's "had taken Hajin"
    assert client.get("/disputes", params={"source": "voa"}).json()["total"] == 0
    dispute = seed_dispute(client)
    for c in dispute["contradictions"]:
        speakers = {side["speakers"][0]["id"] for side in c["sides"]}
        assert "sohr" in speakers, speakers


@pytest.mark.parametrize(
    ("params", "total"),
    [
        ({"subject": "Hajin"}, 1), ({"subject": "sosa"}, 0), ({"source": "SDF"}, 1),
        ({"source": "the Observatory"}, 1), ({"type": "graded"}, 1), ({"type": "numeric"}, 0),
        ({"status": "open"}, 1), ({"status": "resolved"}, 0), ({"subject": "no such place"}, 0),
    ],
)
def test_dispute_filters(client: TestClient, params: dict[str, str], total: int) -> None:
    response = client.get("/disputes", params=params)
    assert response.status_code == 200
    assert response.json()["total"] == total


@pytest.mark.parametrize("params", [{"type": "bogus"}, {"status": "bogus"}, {"limit": "0"}, {"offset": "-1"}])
def test_dispute_filter_errors(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/disputes", params=params)
    assert response.status_code == 422
    assert response.json()["message"]


def test_pagination(client: TestClient) -> None:
    page = client.get("/disputes", params={"offset": 1, "limit": 5}).json()
    assert page["total"] == 1 and page["items"] == [] and page["limit"] == 5


def test_get_dispute_claim_and_sources(client: TestClient) -> None:
    dispute = seed_dispute(client)
    assert client.get(f"/disputes/{dispute['id']}").json()["id"] == dispute["id"]
    claim = client.get("/claims/voa-hajin-sohr-1").json()
    assert claim["speakers"][0]["label"] == "Syrian Observatory for Human Rights"
    assert claim["said_at"] == "earlier Wednesday" and claim["said_on"] is None
    assert claim["disputes"] == [dispute["id"]]
    hedge = client.get("/claims/voa-hajin-bali-2").json()
    assert hedge["certainty"] == "possible" and hedge["disputes"] == []
    sources = {s["id"]: s for s in client.get("/sources").json()["items"]}
    assert sources["sohr"]["contradictions"] == 7
    assert sources["voa"]["role"] == "outlet" and sources["voa"]["claims"] == 15


@pytest.mark.parametrize("path", ["/disputes/d-nope", "/claims/nope"])
def test_unknown_ids_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "nope" in response.json()["message"]


def conflicting_claim(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "speakers": ["Reuters"],
        "relays": [],
        "article": {
            "url": "https://example.org/reuters/hajin-falls",
            "title": "Hajin falls",
            "outlet": "Reuters",
            "published": "2018-12-14",
            "text": "U.S.-backed forces captured the town of Hajin, a Reuters witness said.",
        },
        "quote": {"exact": "U.S.-backed forces captured the town of Hajin"},
        "reporting_verb": "said",
        "said_at": "not stated",
        "statements": [
            {"subject": "Hajin", "property": "controlStatus", "value": "fully-controlled"},
            {"subject": "Hajin", "property": "controlledBy", "value": "SDF"},
        ],
    }
    body.update(overrides)
    return body


def test_posted_conflicting_claim_joins_the_seed_dispute(client: TestClient, auth: Auth) -> None:
    dispute_id = seed_dispute(client)["id"]
    response = client.post("/claims", json=conflicting_claim(), headers=auth("editor"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["created"] is True
    assert [d["id"] for d in body["disputes"]] == [dispute_id]
    # vs Bali (graded), SDF officials (negation, graded), and control-vs-fighting against the
    # four sources who say the battle goes on
    assert len(body["new_contradictions"]) == 7
    assert body["claim"]["quote"]["start"] == 0
    assert response.headers["location"] == f"/claims/{body['claim']['id']}"
    again = client.post("/claims", json=conflicting_claim(), headers=auth("editor"))
    assert again.status_code == 200 and again.json()["created"] is False
    assert client.get("/disputes").json()["total"] == 1


def quad_count(client: TestClient) -> int:
    count: int = client.get("/health").json()["quads"]
    return count


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (conflicting_claim(speakers=[]), "speakers"),
        ({k: v for k, v in conflicting_claim().items() if k != "article"}, "article"),
        ({k: v for k, v in conflicting_claim().items() if k != "quote"}, "quote"),
        (conflicting_claim(quote={"exact": "words that are not in the article"}), "verbatim"),
        (conflicting_claim(quote={"exact": "Hajin", "start": 0, "end": 5}), "offsets"),
        (conflicting_claim(statements=[{"subject": "Hajin", "property": "color", "value": "red"}]), "claim property"),
        (conflicting_claim(statements=[{"subject": "Hajin", "property": "controlStatus", "value": "mostly"}]), "not a value"),
        (conflicting_claim(statements=[{"subject": "Hajin", "property": "killedCount", "value": "many"}]), "number"),
        (conflicting_claim(statements=[{"subject": "Hajin", "property": "killedCount", "value": {"min": 9, "max": 3}}]), "empty"),
        (conflicting_claim(statements=[], proposition=None), "statements or a proposition"),
        (conflicting_claim(holds_from="2018-12-20", holds_until="2018-12-01"), "holds_from"),
        (conflicting_claim(polarity="maybe"), "polarity"),
        (conflicting_claim(unexpected="field"), "unexpected"),
        (conflicting_claim(speakers=["Rami\x00Abdel Rahman"]), "U+0000"),
        (conflicting_claim(reporting_verb="said\x1b[31m"), "U+001B"),
        (conflicting_claim(statements=[{"subject": "Hajin", "property": "killedCount", "value": {"exact": float("nan")}}]), "finite"),
        (conflicting_claim(statements=[{"subject": "Hajin", "property": "killedCount", "value": {"min": float("inf")}}]), "finite"),
    ],
)
def test_bad_claims_are_refused_and_store_nothing(
    client: TestClient, auth: Auth, body: dict[str, Any], fragment: str
) -> None:
    before = quad_count(client)
    # json.dumps writes NaN and Infinity as JavaScript does (httpx's json= refuses them)
    response = client.post("/claims", content=json.dumps(body),
                           headers={"content-type": "application/json", **auth("editor")})
    assert response.status_code == 422, response.text
    assert fragment in json.dumps(response.json())
    assert quad_count(client) == before


def test_malformed_json_is_refused(client: TestClient, auth: Auth) -> None:
    before = quad_count(client)
    response = client.post("/claims", content=b'{"speakers": [', headers={"content-type": "application/json", **auth("editor")})
    assert response.status_code == 422
    assert quad_count(client) == before


def test_oversized_body_is_refused(client: TestClient, auth: Auth) -> None:
    response = client.post("/claims", content=b"x" * 1_000_001, headers={"content-type": "application/json", **auth("editor")})
    assert response.status_code == 413


def test_reused_id_with_other_content_is_a_conflict(client: TestClient, auth: Auth) -> None:
    first = client.post("/claims", json=conflicting_claim(id="reuters-1"), headers=auth("editor"))
    assert first.status_code == 201
    before = quad_count(client)
    other = conflicting_claim(id="reuters-1", polarity="negative")
    response = client.post("/claims", json=other, headers=auth("editor"))
    assert response.status_code == 409
    assert quad_count(client) == before


def test_openapi_and_health(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/disputes", "/claims", "/sparql", "/sources", "/health"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200
    assert client.get("/health").json()["status"] == "ok"


SELECT = "SELECT ?c ?exact WHERE { ?c <https://w3id.org/claimgraph/ns#quotation>/<http://www.w3.org/ns/oa#hasSelector>/<http://www.w3.org/ns/oa#exact> ?exact } ORDER BY ?c"
CONSTRUCT = "CONSTRUCT { ?c a <https://w3id.org/claimgraph/ns#Claim> } WHERE { ?c a <https://w3id.org/claimgraph/ns#Claim> }"


@pytest.mark.parametrize(
    ("accept", "media", "marker"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", '"bindings"'),
        ("application/sparql-results+xml", "application/sparql-results+xml", "<sparql"),
        ("text/csv", "text/csv", "c,exact"),
        ("text/tab-separated-values", "text/tab-separated-values", "?c\t?exact"),
        ("*/*", "application/sparql-results+json", '"bindings"'),
        ("text/html;q=0.9, text/csv;q=0.5", "text/csv", "c,exact"),
    ],
)
def test_sparql_select_formats(client: TestClient, accept: str, media: str, marker: str) -> None:
    response = client.get("/sparql", params={"query": SELECT}, headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert marker in response.text
    assert "SDF fighters had taken Hajin from IS" in response.text


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld")],
)
def test_sparql_construct_formats(client: TestClient, accept: str, fmt: str) -> None:
    for send in (
        lambda: client.get("/sparql", params={"query": CONSTRUCT}, headers={"accept": accept}),
        lambda: client.post("/sparql", data={"query": CONSTRUCT}, headers={"accept": accept}),
        lambda: client.post("/sparql", content=CONSTRUCT, headers={"accept": accept, "content-type": "application/sparql-query"}),
    ):
        response = send()
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(accept)
        assert count_triples(response.text, fmt) == 15


def count_triples(text: str, fmt: str) -> int:
    """Parse with rdflib, or with Oxigraph for JSON-LD (rdflib's JSON-LD parser warns)."""
    if fmt == "json-ld":
        import pyoxigraph

        return len(list(pyoxigraph.parse(text.encode(), format=pyoxigraph.RdfFormat.JSON_LD)))
    return len(Graph().parse(data=text, format=fmt))


def test_sparql_format_parameter_overrides_accept(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": SELECT, "format": "csv"}, headers={"accept": "application/sparql-results+json"})
    assert response.headers["content-type"].startswith("text/csv")


def test_sparql_ask(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert response.json()["boolean"] is True


def test_sparql_refuses_updates(client: TestClient) -> None:
    before = quad_count(client)
    update = "PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b ex:c }"
    assert client.get("/sparql", params={"query": update}).status_code == 403
    assert client.post("/sparql", data={"update": update}).status_code == 403
    assert client.post("/sparql", content=update, headers={"content-type": "application/sparql-update"}).status_code == 403
    assert client.post("/sparql", content=update, headers={"content-type": "application/sparql-query"}).status_code == 403
    assert quad_count(client) == before


@pytest.mark.parametrize("query", ["SELEC ?x WHERE {}", "SELECT ?x WHERE { ?x", ""])
def test_sparql_syntax_errors(client: TestClient, query: str) -> None:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    assert response.json()["message"]


def test_sparql_unacceptable_format(client: TestClient) -> None:
    assert client.get("/sparql", params={"query": SELECT}, headers={"accept": "image/png"}).status_code == 406
    assert client.get("/sparql", params={"query": "ASK {}", "format": "csv"}).status_code == 400


def test_sparql_row_cap_is_flagged(seeded_state: Any) -> None:
    from app.main import create_app

    seeded_state.settings.sparql_max_rows = 3
    with TestClient(create_app(seeded_state.settings, state=seeded_state)) as c:
        response = c.get("/sparql", params={"query": SELECT})
    assert response.status_code == 200
    assert response.headers["x-claimgraph-truncated"].startswith("true")
    assert len(response.json()["results"]["bindings"]) == 3


def test_oversized_chunked_body_is_refused(client: TestClient, auth: Any) -> None:
    def chunks() -> Any:
        for _ in range(20):
            yield b"x" * 100_000

    before = quad_count(client)
    response = client.post(
        "/claims", content=chunks(), headers={"content-type": "application/json", **auth("editor")}
    )
    assert response.status_code == 413
    assert "limit" in response.json()["message"]
    assert quad_count(client) == before


@pytest.mark.parametrize("path", [
    "/claims/a%20b", "/claims/%22", "/claims/a%zzb", "/disputes/%01/history",
    "/disputes/%1F", "/disputes/a%3Eb/review", "/claims/x%7B%7B/claimreview",
])
def test_ids_that_cannot_be_iris_are_404_not_500(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404, response.text
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("subject", ["http://x/a%3Eb", "http://x/a>b", "a b", "\x01"])
def test_dispute_filter_that_cannot_be_an_iri_is_a_4xx_or_empty(client: TestClient,
                                                                 subject: str) -> None:
    response = client.get("/disputes", params={"subject": subject})
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        assert response.json()["total"] == 0
