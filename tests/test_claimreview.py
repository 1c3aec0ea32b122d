"""Fact-checkers' ClaimReviews: import (files, folders, HTML pages, the command line), no
remote context ever fetched, matching to claims, and what a reviewer sees on the dispute."""

from __future__ import annotations

import copy
import json
import socket
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from app.api.deps import AppState
from app.cli import main
from app.main import build_state
from app.model.errors import InvalidInput
from app.model.reviews import normalise_claim_text
from app.review import claimreview
from app.store import claimreview as db
from tests.conftest import settings

SOHR_QUOTE = "SDF fighters had taken Hajin from IS"
SCHEMA_CLAIM_COUNT = """PREFIX cg: <https://w3id.org/claimgraph/ns#>
SELECT (COUNT(?c) AS ?n) WHERE { ?c a cg:Claim }"""
IMPORTED = """PREFIX schema: <https://schema.org/>
SELECT ?g ?cr WHERE { GRAPH ?g { ?cr a schema:ClaimReview } } ORDER BY ?g"""


def review(
    claim: str = "“SDF fighters had TAKEN Hajin from IS.”", *, context: Any = "https://schema.org",
    url: str = "https://factcheck.example.org/2018/12/hajin-taken", rating: str = "False",
    value: Any = 1, author: str = "Example Fact Check",
) -> dict[str, Any]:
    """A ClaimReview shaped like the examples in Google's fact-check documentation."""
    doc: dict[str, Any] = {
        "@context": context,
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim,
        "datePublished": "2018-12-20",
        "author": {"@type": "Organization", "name": author, "url": "https://factcheck.example.org/"},
        "reviewRating": {"@type": "Rating", "ratingValue": value, "bestRating": 5,
                         "worstRating": 1, "alternateName": rating},
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Organization", "name": "Syrian Observatory for Human Rights"},
            "datePublished": "2018-12-19",
            "appearance": {"@type": "NewsArticle", "url": "https://www.voanews.com/x"},
        },
    }
    if context is None:
        del doc["@context"]
    return doc


def write(path: Path, value: Any) -> Path:
    path.write_text(value if isinstance(value, str) else json.dumps(value), encoding="utf-8")
    return path


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Any attempt to open a network connection fails the test (and is recorded)."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise AssertionError(f"network access attempted: {address!r}")

    def resolve(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args[:2])
        raise AssertionError(f"name lookup attempted: {args[:2]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    yield attempts
    assert attempts == []


def load(state: AppState, *paths: Path) -> list[db.ImportedReview]:
    reviews = claimreview.read_reviews(list(paths))
    claimreview.import_reviews(state.store, reviews)
    return reviews


def dispute_id(client: TestClient) -> str:
    return str(client.get("/disputes").json()["items"][0]["id"])


# -- reading ---------------------------------------------------------------------------------
@pytest.mark.parametrize("context", ["https://schema.org", "http://schema.org",
                                     "https://schema.org/", "http://schema.org/"])
def test_schema_org_context_is_the_bundled_one_and_nothing_is_fetched(
    tmp_path: Path, no_network: list[Any], context: str
) -> None:
    path = write(tmp_path / "one.json", review(context=context))
    [imported] = claimreview.read_reviews([path])
    assert imported.claim_reviewed == "“SDF fighters had TAKEN Hajin from IS.”"
    assert imported.key == normalise_claim_text(SOHR_QUOTE)
    predicates = {str(q[1]) for q in imported.quads}
    # http://schema.org terms are stored in the https form claimgraph uses everywhere
    assert "https://schema.org/claimReviewed" in predicates
    assert not any(p.startswith("http://schema.org/") for p in predicates)
    assert all(str(q[3]) == str(imported.graph) for q in imported.quads)
    assert str(imported.graph).startswith(db.GRAPH_BASE)


def test_the_bundled_context_is_schema_orgs_and_credited() -> None:
    context = db.schema_context()
    assert context["@vocab"] == "https://schema.org/"
    assert context["url"] == {"@id": "schema:url", "@type": "@id"}
    assert len(context) > 2000  # the whole vocabulary, not a hand-picked few terms
    notice = (db.CONTEXT_FILE.parent / "NOTICE.md").read_text(encoding="utf-8")
    assert "Creative Commons Attribution-ShareAlike" in notice and "schemaorg" in notice


def test_lists_graphs_and_html_pages_with_several_blocks(tmp_path: Path, no_network: list[Any]) -> None:
    listed = write(tmp_path / "list.json", [
        review(claim="Claim one is here today", url="https://fc.example/1"),
        review(claim="Claim two is here today", url="https://fc.example/2",
               context="http://schema.org"),
    ])
    graph_doc = {"@context": "https://schema.org", "@graph": [
        {k: v for k, v in review(claim="Claim three is here", url="https://fc.example/3").items()
         if k != "@context"},
        {"@type": "WebPage", "url": "https://fc.example/3", "name": "not a review"},
    ]}
    in_graph = write(tmp_path / "graph.jsonld", graph_doc)
    page = write(tmp_path / "page.html", (
        "<!doctype html><html><head><title>x</title>"
        f'<script type="application/ld+json">{json.dumps(review(claim="Claim four is here", url="https://fc.example/4"))}</script>'
        '<script>var notJsonLd = 1;</script></head><body>'
        f'<script type="application/ld+json">{json.dumps(review(claim="Claim five is here", url="https://fc.example/5"))}</script>'
        "</body></html>"
    ))
    texts = sorted(r.claim_reviewed for r in claimreview.read_reviews([listed, in_graph, page]))
    assert texts == ["Claim five is here", "Claim four is here", "Claim one is here today",
                     "Claim three is here", "Claim two is here today"]
    # a folder is read whole (sorted), other files in it are ignored
    write(tmp_path / "notes.txt", "not json")
    assert len(claimreview.read_reviews([tmp_path])) == 5


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not JSON"),
        (json.dumps(review(context="https://evil.example/context.jsonld")), "is not fetched"),
        (json.dumps(review(context={"@import": "https://evil.example/c.jsonld"})), "@import"),
        (json.dumps({"@context": "https://schema.org", "@type": "WebPage", "name": "x"}),
         "no schema.org ClaimReview"),
        (json.dumps({k: v for k, v in review().items() if k != "claimReviewed"}),
         "no claimReviewed"),
        (json.dumps({k: v for k, v in review().items() if k != "url"}), "no url"),
        (json.dumps({**review(), "reviewRating": {"@type": "Rating", "ratingValue": 1}}),
         "alternateName"),
        (json.dumps(review(url="/relative/page")), "relative URL"),
        (json.dumps(review(context=None)), "no @context"),
        (json.dumps({**review(), "@type": "Review"}), "no schema.org ClaimReview"),
        ("42", "object or a list"),
    ],
)
def test_invalid_files_are_refused_with_a_message_naming_them(
    tmp_path: Path, no_network: list[Any], content: str, fragment: str
) -> None:
    path = write(tmp_path / "bad.json", content)
    with pytest.raises(InvalidInput) as info:
        claimreview.read_reviews([path])
    assert fragment in info.value.message and "bad.json" in info.value.message


def test_unreadable_inputs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file"):
        claimreview.read_reviews([tmp_path / "missing.json"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput, match=r"no \.json"):
        claimreview.read_reviews([tmp_path / "empty"])
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"claimReviewed": "caf\xe9"}')
    with pytest.raises(InvalidInput, match="not UTF-8"):
        claimreview.read_reviews([latin])
    page = write(tmp_path / "page.html", "<html><body>no data</body></html>")
    with pytest.raises(InvalidInput, match="no <script"):
        claimreview.read_reviews([page])


# -- storing ---------------------------------------------------------------------------------
def test_reviews_are_reference_data_in_their_own_graphs_and_reimport_replaces(
    tmp_path: Path, seeded_state: AppState
) -> None:
    store = seeded_state.store
    claims_before = store.select(SCHEMA_CLAIM_COUNT)[0]["n"]
    first = write(tmp_path / "a.json", [review(), review(claim="Another claim entirely here",
                                                       url="https://fc.example/2")])
    reviews = load(seeded_state, first)
    rows = store.select(IMPORTED)
    assert len(rows) == 2 and {str(r["g"]) for r in rows} == {str(r.graph) for r in reviews}
    assert all(str(r["g"]).startswith(db.GRAPH_BASE) for r in rows)
    assert store.select(SCHEMA_CLAIM_COUNT)[0]["n"] == claims_before  # not claims
    # the default graph has none of it
    assert not store.ask("PREFIX schema: <https://schema.org/> ASK WHERE { ?cr schema:claimReviewed ?t }")
    count = store.count()
    # the same reviews again, one with a new rating: replaced, never duplicated
    write(first, [review(rating="Mostly false", value=2),
                  review(claim="Another claim entirely here", url="https://fc.example/2")])
    load(seeded_state, first)
    assert store.count() == count
    labels = store.select("""PREFIX schema: <https://schema.org/>
        SELECT ?l WHERE { GRAPH ?g { ?r schema:alternateName ?l } } ORDER BY ?l""")
    assert [str(r["l"]) for r in labels] == ["False", "Mostly false"]


def test_a_failed_import_stores_nothing(tmp_path: Path, seeded_state: AppState) -> None:
    write(tmp_path / "a-good.json", review())
    write(tmp_path / "b-bad.json", {**review(), "@context": "https://evil.example/ctx"})
    before = seeded_state.store.count()
    with pytest.raises(InvalidInput, match=r"b-bad\.json"):
        load(seeded_state, tmp_path)
    assert seeded_state.store.count() == before


# -- matching and showing ----------------------------------------------------------------------
def test_dispute_page_and_json_show_the_imported_verdict(
    tmp_path: Path, client: TestClient, seeded_state: AppState
) -> None:
    d = dispute_id(client)
    assert client.get(f"/disputes/{d}/review").json()["fact_checks"] == []
    load(seeded_state, write(tmp_path / "fc.json", review()))
    panel = client.get(f"/disputes/{d}/review").json()
    [check] = panel["fact_checks"]
    assert check["claim"] == "voa-hajin-sohr-1" and check["match"] == "exact"
    assert check["rating"]["alternate_name"] == "False" and check["rating"]["rating_value"] == "1"
    assert check["author"] == {"name": "Example Fact Check", "url": "https://factcheck.example.org/"}
    assert check["url"] == "https://factcheck.example.org/2018/12/hajin-taken"
    assert check["claimant"] == "Syrian Observatory for Human Rights"
    assert client.get(f"/disputes/{d}").json()["fact_checks"] == panel["fact_checks"]
    twin = client.get(f"/ui/disputes/{d}.json").json()["review"]["fact_checks"]
    assert [(f["claim"], f["letter"], f["rating"]["alternate_name"]) for f in twin] == [
        ("voa-hajin-sohr-1", twin[0]["letter"], "False")]
    html = client.get(f"/ui/disputes/{d}").text
    section = html[html.index('class="fact-checks"'):html.index("</ul>", html.index('class="fact-checks"'))]
    assert "False" in section and "(1 on a 1\N{EN DASH}5 scale)" in section
    assert "Example Fact Check" in section
    assert 'href="https://factcheck.example.org/2018/12/hajin-taken"' in section


def test_tolerant_matching_keeps_numbers_and_negations(
    tmp_path: Path, seeded_state: AppState
) -> None:
    load(seeded_state, write(tmp_path / "fc.json", [
        review(claim="SDF fighters have taken Hajin from IS", url="https://fc.example/similar"),
        review(claim="SDF fighters had not taken Hajin from IS", url="https://fc.example/negated"),
        review(claim="SDF fighters had taken 60 Hajin from IS", url="https://fc.example/number"),
        review(claim="Hajin", url="https://fc.example/short"),
    ]))
    found = claimreview.fact_checks(seeded_state.store, {"voa-hajin-sohr-1": SOHR_QUOTE,
                                                         "x": "Hajin"})
    got = sorted((f["claim"], f["url"], f["match"]) for f in found)
    assert got == [
        ("voa-hajin-sohr-1", "https://fc.example/similar", "similar"),
        ("x", "https://fc.example/short", "exact"),
    ]
    similar = next(f for f in found if f["match"] == "similar")
    assert claimreview.MATCH_THRESHOLD <= similar["score"] < 100


# -- the command line --------------------------------------------------------------------------
def test_cli_imports_a_folder_into_an_on_disk_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "reviews"
    folder.mkdir()
    write(folder / "one.json", review())
    write(folder / "two.html", '<script type="application/ld+json">'
          + json.dumps([review(claim="Claim two is here", url="https://fc.example/2"),
                        review(claim="Claim three is here", url="https://fc.example/3")])
          + "</script>")
    store = tmp_path / "store"
    assert main(["import-claimreview", str(folder), "--store", str(store), "--no-seed"]) == 0
    assert "3 ClaimReviews imported from 2 files" in capsys.readouterr().out
    state = build_state(settings(store=str(store), seed=False))
    try:
        assert len(state.store.select(IMPORTED)) == 3
    finally:
        state.store.close()


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda p: write(p / "bad.json", "{oops"), "not JSON"),
        (lambda p: p / "missing.json", "no such file"),
        (lambda p: write(p / "r.json", review(context="https://example.org/ctx")), "not fetched"),
    ],
)
def test_cli_refuses_bad_files_with_exit_code_2_and_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Callable[[Path], Path],
    fragment: str,
) -> None:
    path = make(tmp_path)
    store = tmp_path / "store"
    assert main(["import-claimreview", str(path), "--store", str(store), "--no-seed"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("claimgraph: ") and fragment in err and path.name in err
    assert not store.exists()  # checked before the store is even opened


def test_documents_are_not_modified_by_substitution() -> None:
    doc = review()
    kept = copy.deepcopy(doc)
    db.parse([doc], "x.json")
    assert doc == kept


def test_the_context_subset_expands_like_the_whole_context() -> None:
    """Only the reachable part of schema.org's context is handed to rdflib (for speed); the
    triples must be the ones the whole context gives."""
    doc = {"@context": "https://schema.org", "@graph": [
        review(context=None),
        {"@type": ["WebPage", "schema:CreativeWork"], "@id": "https://fc.example/page",
         "url": "https://fc.example/page", "dateModified": "2024-05-01T10:00:00Z",
         "inLanguage": "en", "isAccessibleForFree": True, "mainEntity": {"@id": "#review"},
         "publisher": {"@type": "NewsMediaOrganization", "name": "FC", "sameAs": [
             "https://social.example/fc"], "logo": {"@type": "ImageObject",
                                                    "url": "https://fc.example/logo.png"}}},
        {"@type": "Offer", "availability": "InStock", "price": "0", "priceCurrency": "EUR"},
    ]}
    whole = {**doc, "@context": db.schema_context()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        expected = Dataset().parse(data=json.dumps(whole), format="json-ld",
                                   publicID="https://fc.example/")
        subset = Dataset().parse(
            data=json.dumps(db._substitute(doc, "x", db._words(doc, set()))), format="json-ld",
            publicID="https://fc.example/")
    assert len(expected) > 30
    assert isomorphic(to_graph(expected), to_graph(subset))


def to_graph(dataset: Dataset) -> Graph:
    graph = Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph
