"""URLs as IRIs: to_iri and is_iri (RFC 3987), and every place a client sends a URL or IRI
answers 201/200 with the encoded IRI or a clear 4xx, never a 500."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from app.api.deps import AppState
from app.main import create_app
from app.model.iri import is_iri, to_iri
from app.model.reviews import Role
from app.model.vocab import ARTICLE
from app.review.service import review_service
from app.store.base import bind
from app.store.claims import article_iri
from tests.conftest import bearer, make_tokens
from tests.test_reviews import etag, seed_dispute, verdict

CURLY = "https://example.org/e/{{"


# -- to_iri by example ----------------------------------------------------------------------
@pytest.mark.parametrize(("url", "iri"), [
    (CURLY, "https://example.org/e/%7B%7B"),
    ("https://example.org/a b", "https://example.org/a%20b"),
    ("https://example.org/a|b<c>d\"e", "https://example.org/a%7Cb%3Cc%3Ed%22e"),
    ("https://example.org/a\\b^c`d", "https://example.org/a%5Cb%5Ec%60d"),
    ("https://example.org/a\x01b\x7fc\x85d", "https://example.org/a%01b%7Fc%C2%85d"),
    ("https://example.org/[x]", "https://example.org/%5Bx%5D"),
    ("https://example.org/100%/50%2", "https://example.org/100%25/50%252"),
    ("https://example.org/caf%C3%A9/%e9", "https://example.org/caf%C3%A9/%e9"),  # escapes kept
    ("https://example.org/café/東京", "https://example.org/café/東京"),  # ucschar kept
    ("https://example.org/\ufffe/\U000e0001", "https://example.org/%EF%BF%BE/%F3%A0%80%81"),
    ("https://example.org/\ue000?\ue000", "https://example.org/%EE%80%80?\ue000"),  # iprivate
    ("https://example.org/a?b#c#d", "https://example.org/a?b#c%23d"),
    ("https://u s@example.org:8080/", "https://u%20s@example.org:8080/"),
    ("https://[2001:db8::1]/x", "https://[2001:db8::1]/x"),
    ("https://bücher.example/", "https://bücher.example/"),
    ("  HTTPS://Example.org/A \n", "https://Example.org/A"),
    ("file:///tmp/my article.txt", "file:///tmp/my%20article.txt"),
])
def test_to_iri_encodes_what_an_iri_may_not_hold(url: str, iri: str) -> None:
    assert to_iri(url) == iri
    assert to_iri(iri) == iri
    ox.NamedNode(iri)


@pytest.mark.parametrize(("url", "message"), [
    ("", "not an absolute URL"),
    ("example.org/{{", "not an absolute URL"),
    ("ftp://example.org/x", "scheme 'ftp'"),
    ("javascript:alert(1)", "scheme 'javascript'"),
    ("mailto:a@example.org", "scheme 'mailto'"),
    ("https:example.org", "has no host"),
    ("https:///x", "has no host"),
    ("https://exa mple.org/", "not a valid host"),
    ("https://example.org{/", "not a valid host"),
    ("https://[zz]/", "not a valid host"),
    ("https://[fe80::1%25eth0]/", "not a valid host"),  # a zone id is no IRI syntax
    ("https://example.org:8x/", "port"),
    ("https://example.org/\ud800", "surrogate"),
])
def test_to_iri_refuses_what_is_no_url(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_iri(url)


# -- properties -----------------------------------------------------------------------------
_TRICKY = st.sampled_from([
    *"%{}|<>\"\\^` \t\x00\x1f\x7f\x85[]#?@:/.aZ09é\ue000\ufffe\U000e0001\U0001f600\U000f0000",
    "%41", "%zz", "%4", "[::1]", "[v1.x]", "//", ":80", "xn--bcher-kva",
])
_TEXT = st.one_of(st.text(), st.lists(st.one_of(_TRICKY, st.characters()), max_size=30).map("".join))
_URLS = st.one_of(_TEXT, st.tuples(st.sampled_from(
    ["http://", "https://", "HTTPS://", "file:///", "file://", "ftp://", "https:", ""]
), _TEXT).map("".join))


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def rdflib_warnings() -> Iterator[list[logging.LogRecord]]:
    """What rdflib logs (it logs, not warns, "does not look like a valid URI")."""
    handler = _Records()
    logger = logging.getLogger("rdflib")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url=_URLS)
def test_to_iri_output_is_an_iri_everywhere(url: str, rdflib_warnings: list[Any]) -> None:
    try:
        iri = to_iri(url)
    except ValueError:
        return
    rdflib_warnings.clear()
    graph = Graph()
    graph.add((URIRef(iri), RDF.type, OWL.Thing))
    nt = graph.serialize(format="nt")
    assert rdflib_warnings == [], (url, iri)
    assert ox.NamedNode(iri).value == iri
    [parsed] = list(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES))
    assert parsed.subject == ox.NamedNode(iri)
    # the path the store takes: a VALUES binding parsed by Oxigraph's SPARQL parser
    rows = list(ox.Store().query(bind("SELECT ?u WHERE { }", {"u": URIRef(iri)})))
    assert rows[0]["u"] == ox.NamedNode(iri)
    assert to_iri(iri) == iri
    assert is_iri(iri)


@settings(max_examples=300, deadline=None)
@given(url=_URLS.filter(lambda u: "%" not in u))
def test_to_iri_loses_nothing(url: str) -> None:
    """Without escapes in the input, decoding the output gives the input back."""
    try:
        iri = to_iri(url)
    except ValueError:
        return
    text = url.strip("".join(map(chr, range(0x21))))
    scheme, rest = text.split(":", 1)
    assert unquote(iri) == scheme.lower() + ":" + rest


@settings(max_examples=400, deadline=None)
@given(url=_URLS)
def test_a_valid_iri_is_left_as_it_is(url: str) -> None:
    """Stored article URLs (all valid IRIs) keep their IRI, so re-ingesting finds them."""
    try:
        ox.NamedNode(url)
    except ValueError:
        return
    if not url.startswith(("http://", "https://", "file://")):
        return
    try:
        assert to_iri(url) == url
    except ValueError as exc:  # valid IRI syntax, but no host (or no path for file:)
        assert "has no" in str(exc)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(_URLS, st.tuples(st.sampled_from(["urn:", "x:", "urn:a#"]), _TEXT).map("".join)))
def test_is_iri_agrees_with_oxigraph(text: str) -> None:
    try:
        ox.NamedNode(text)
        valid = True
    except ValueError:
        valid = False
    assert is_iri(text) == valid, text


# -- over HTTP ------------------------------------------------------------------------------
@pytest.fixture
def editor(empty_state: AppState) -> Iterator[tuple[TestClient, dict[str, str]]]:
    token = review_service(empty_state.store, empty_state.settings).tokens.create(
        "iri-editor", Role.editor)
    with TestClient(create_app(empty_state.settings, state=empty_state)) as client:
        yield client, bearer(token)


def stored_url(state: AppState, article_id: str) -> str:
    rows = state.store.select(
        "PREFIX schema: <https://schema.org/> SELECT ?url WHERE { ?a schema:url ?url }",
        {"a": ARTICLE[article_id]},
    )
    assert len(rows) == 1, rows
    return str(rows[0]["url"])


def article_body(url: str, n: int = 0) -> dict[str, Any]:
    return {"url": url, "outlet": "VOA",
            "text": f"Mustafa Bali said the town of Hajin was taken on day {n}."}


def test_curly_url_is_ingested_encoded_and_recognised(
    editor: tuple[TestClient, dict[str, str]], empty_state: AppState
) -> None:
    client, auth = editor
    response = client.post("/articles", json=article_body(CURLY), headers=auth)
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["url"] == "https://example.org/e/%7B%7B"
    assert stored_url(empty_state, out["article"]) == "https://example.org/e/%7B%7B"
    assert ARTICLE[out["article"]] == article_iri("https://example.org/e/%7B%7B")
    before = empty_state.store.count()
    for same in (CURLY, "https://example.org/e/%7B%7B"):
        again = client.post("/articles", json=article_body(same), headers=auth)
        assert again.status_code == 200, again.text
        assert again.json()["status"] == "unchanged"
        assert again.json()["article"] == out["article"]
        assert "this URL is already stored" in again.json()["reason"]
    assert empty_state.store.count() == before


@pytest.mark.parametrize(("url", "iri"), [
    ("https://example.org/a b", "https://example.org/a%20b"),
    ("https://example.org/a|b", "https://example.org/a%7Cb"),
    ("https://example.org/a<b", "https://example.org/a%3Cb"),
    ('https://example.org/a"b', "https://example.org/a%22b"),
    ("https://example.org/a\x07b", "https://example.org/a%07b"),
    ("https://example.org/a%zz", "https://example.org/a%25zz"),
])
def test_post_articles_encodes_the_url(
    editor: tuple[TestClient, dict[str, str]], empty_state: AppState, url: str, iri: str
) -> None:
    client, auth = editor
    response = client.post("/articles", json=article_body(url), headers=auth)
    assert response.status_code == 201, response.text
    assert response.json()["url"] == iri
    assert stored_url(empty_state, response.json()["article"]) == iri


@pytest.mark.parametrize(("url", "message"), [
    ("example.org/a b", "not an absolute URL"),
    ("ftp://example.org/a", "scheme 'ftp'"),
    ("https://exa mple.org/a", "not a valid host"),
    ("https://<example>.org/a", "not a valid host"),
    ("https://\x07/a", "not a valid host"),
])
def test_post_articles_refuses_what_is_no_url(
    editor: tuple[TestClient, dict[str, str]], empty_state: AppState, url: str, message: str
) -> None:
    client, auth = editor
    before = empty_state.store.count()
    response = client.post("/articles", json=article_body(url), headers=auth)
    assert response.status_code == 422, response.text
    assert response.json()["message"].startswith("url: ")
    assert message in response.json()["message"]
    assert response.json()["detail"][0]["loc"] == ["body", "url"]
    assert empty_state.store.count() == before


ARTICLE_TEXT = "The town was taken. The town fell."


def claim_body(url: str, quote: str = "The town was taken.") -> dict[str, Any]:
    return {"speakers": ["Mustafa Bali"], "article": {"url": url, "text": ARTICLE_TEXT},
            "quote": {"exact": quote}, "proposition": quote}


@pytest.mark.parametrize(("url", "iri"), [
    (CURLY, "https://example.org/e/%7B%7B"),
    ("https://example.org/a b", "https://example.org/a%20b"),
    ("https://example.org/a|b", "https://example.org/a%7Cb"),
    ("https://example.org/a<b>", "https://example.org/a%3Cb%3E"),
    ('https://example.org/"a"', "https://example.org/%22a%22"),
    ("https://example.org/a\\b^c`", "https://example.org/a%5Cb%5Ec%60"),
    ("https://example.org/a\x1fb", "https://example.org/a%1Fb"),
])
def test_post_claims_encodes_the_article_url(
    editor: tuple[TestClient, dict[str, str]], empty_state: AppState, url: str, iri: str
) -> None:
    client, auth = editor
    response = client.post("/claims", json=claim_body(url), headers=auth)
    assert response.status_code == 201, response.text
    article = response.json()["claim"]["article"]
    assert article["url"] == iri
    assert article["iri"] == str(article_iri(iri))
    assert stored_url(empty_state, article["iri"].rsplit("/", 1)[1]) == iri
    # a second claim from the same raw URL, or from its IRI, lands in the same article
    for same, quote in ((url, "The town fell."), (iri, "was taken")):
        again = client.post("/claims", json=claim_body(same, quote), headers=auth)
        assert again.status_code == 201, again.text
        assert again.json()["claim"]["article"]["iri"] == article["iri"]


@pytest.mark.parametrize("url", ["ftp://example.org/a", "example.org/{{", "https://exa mple.org/"])
def test_post_claims_refuses_what_is_no_url(
    editor: tuple[TestClient, dict[str, str]], url: str
) -> None:
    client, auth = editor
    response = client.post("/claims", json=claim_body(url), headers=auth)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "article", "url"]
    assert response.json()["message"].startswith("article.url: ")


# -- other IRIs a client sends --------------------------------------------------------------
@pytest.mark.parametrize(("field", "value", "message"), [
    ("speaker", "https://example.org/{x}", "unknown entity"),
    ("speaker", "https://exa mple.org/x", "is not a valid IRI"),
    ("subject", "https://example.org/a|b", "unknown entity"),
    ("property", "https://example.org/{p}", "is not a claim property"),
    ("property", "killed count", "is not a claim property"),
    ("property", "cg:a{b}", "is not a claim property"),
])
def test_iri_references_in_claims_are_422(
    editor: tuple[TestClient, dict[str, str]], field: str, value: str, message: str
) -> None:
    client, auth = editor
    body = claim_body("https://example.org/refs")
    if field == "speaker":
        body["speakers"] = [value]
    else:
        triple = {"subject": "hajin", "property": "controlStatus", "value": "contested"}
        triple[field] = value
        body["statements"] = [triple]
    response = client.post("/claims", json=body, headers=auth)
    assert response.status_code == 422, response.text
    assert message in response.json()["message"]


def test_graph_iris_in_query_parameters_are_400(client: TestClient) -> None:
    for bad in ("https://example.org/{g}", "https://example.org/%zz", "urn:a b", "relative"):
        got = client.get("/store", params={"graph": bad})
        assert got.status_code == 400, got.text
        assert "graph must be an absolute IRI" in got.json()["message"]
        for name in ("default-graph-uri", "named-graph-uri"):
            got = client.get("/sparql", params={"query": "ASK {}", name: bad})
            assert got.status_code == 400, got.text
            assert f"{name} must be an absolute IRI" in got.json()["message"]
    assert client.get("/store", params={"graph": "https://example.org/none"}).status_code == 404


def test_verdict_evidence_is_stored_as_an_iri(client: TestClient, seeded_state: AppState) -> None:
    tokens = make_tokens(seeded_state)
    d = seed_dispute(client)

    def post(body: dict[str, Any]) -> Any:
        headers = {**bearer(tokens["reviewer"]), "If-Match": etag(client, d)}
        return client.post(f"/disputes/{d}/reviews", json=body, headers=headers)

    assert post({"status": "in-review"}).status_code == 201
    evidence = ["https://example.org/x|y^z", "https://example.org/a?q={b}", "https://example.org/[c]%zz"]
    response = post({"status": "resolved", "verdict": verdict(evidence=evidence)})
    assert response.status_code == 201, response.text
    stored = seeded_state.store.select(
        "PREFIX cg: <https://w3id.org/claimgraph/ns#> SELECT ?e WHERE { ?v cg:evidence ?e }")
    assert sorted(str(r["e"]) for r in stored) == [
        "https://example.org/%5Bc%5D%25zz", "https://example.org/a?q=%7Bb%7D",
        "https://example.org/x%7Cy%5Ez",
    ]
