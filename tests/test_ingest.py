"""Article ingest: attribution extraction, frames, the pipeline to disputes, POST /articles, CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.analysis import reports
from app.api.deps import AppState
from app.cli import main as cli_main
from app.ingest.attribution import attribute
from app.ingest.extract import Extractor, Statement, anchor
from app.ingest.files import read_post
from app.ingest.gazetteer import Gazetteer
from app.ingest.service import ArticlePost, IngestService
from app.ingest.text import html_to_text
from app.main import create_app
from app.model.errors import InvalidInput
from app.model.reviews import Role
from app.review.service import review_service
from tests.conftest import ARTICLE_TEXT, ROOT

SEED_URL = "https://www.voanews.com/extremism-watch/us-backed-fighters-battle-last-syrian-stronghold"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    """The extractor over the entity file (no store)."""
    return Extractor.build(ROOT / "ontology", Gazetteer.from_turtle(ROOT / "ontology" / "entities.ttl"))


def one(extractor: Extractor, text: str, **kw: Any) -> Statement:
    found = extractor.extract(text, **kw)
    assert len(found) == 1, [text[s.content[0]:s.content[1]] for s in found]
    return found[0]


def span(text: str, st: Statement) -> str:
    return text[st.content[0]:st.content[1]]


# -- units: text ----------------------------------------------------------------------------
def test_html_drops_scripts_and_styles() -> None:
    html = ("<html><head><title>T</title><style>p{}</style></head><body><p>Bali said the town "
            "was taken.</p><script>alert('x')</script><p>Second &amp; last.</p></body></html>")
    out = html_to_text(html)
    assert out.text == "Bali said the town was taken.\n\nSecond & last."
    assert "script" in out.dropped and "style" in out.dropped
    assert out.title == "T"


# -- units: attribution -----------------------------------------------------------------------
def test_direct_quote_with_apposition(extractor: Extractor) -> None:
    text = '"We hold the town," Mustafa Bali, head of the media center at SDF, told VOA.'
    st = one(extractor, text)
    assert span(text, st) == "We hold the town"
    assert [s.ref for s in st.speakers] == ["mustafa-bali"]
    assert st.verb == "told" and st.direct
    assert st.speakers[0].role == "head of the media center at SDF"
    assert st.cue is not None and text[st.cue[0]:st.cue[1]] == "told"
    assert st.speaker_span is not None
    assert text[st.speaker_span[0]:st.speaker_span[1]] == (
        "Mustafa Bali, head of the media center at SDF")


def test_according_to_and_group_split(extractor: Extractor) -> None:
    text = "Fighters pushed into Hajin, according to U.S. and local military officials."
    st = one(extractor, text)
    assert span(text, st) == "Fighters pushed into Hajin"
    assert sorted(s.ref for s in st.speakers) == ["local-military-officials",
                                                   "us-military-officials"]
    assert st.verb == "according to" and not st.direct


def test_pronoun_and_short_name_resolve_to_the_speaker(extractor: Extractor) -> None:
    text = ('Kino Gabriel, a spokesman for the SDF, said the push continued.\n'
            '"Our fighters are in the town," he said.\n'
            'Gabriel added that civilians were leaving.')
    found = extractor.extract(text)
    assert [s.speakers[0].ref for s in found] == ["Kino Gabriel"] * 3
    assert found[0].speakers[0].org == "sdf"


def test_quote_continues_across_paragraphs(extractor: Extractor) -> None:
    text = ('"The town is surrounded and our units are advancing street by street,\n'
            '"The militants are hiding in tunnels," said Mustafa Bali.')
    found = extractor.extract(text)
    # one quotation over two paragraphs: one PARC attribution with a span per paragraph
    # (attribute()), and one statement per sentence, both Bali's
    assert [[s.ref for s in st.speakers] for st in found] == [["mustafa-bali"]] * 2
    assert [span(text, st) for st in found] == [
        "The town is surrounded and our units are advancing street by street",
        "The militants are hiding in tunnels"]
    [parc] = attribute([text])
    assert [text[a:b] for a, b in parc[0].content] == [
        '"The town is surrounded and our units are advancing street by street,',
        '"The militants are hiding in tunnels,"']


def test_observatory_alias_and_time_anchor(extractor: Extractor) -> None:
    text = "The Observatory had said earlier Wednesday that SDF fighters had taken Hajin."
    st = one(extractor, text, published="2018-12-14")
    assert [s.ref for s in st.speakers] == ["sohr"]
    assert st.said_at == "earlier Wednesday"
    assert str(st.said_on) == "2018-12-12"  # the Wednesday before Friday 14 December
    assert {(t["subject"], t["property"], str(t["value"])) for t in st.triples} == {
        ("hajin", "controlStatus", "fully-controlled"), ("hajin", "controlledBy", "sdf")}


def test_no_date_is_invented() -> None:
    assert anchor("Wednesday", "2018-12") is None
    assert anchor("Wednesday", None) is None
    assert str(anchor("on Dec 14", "2019-01-03")) == "2018-12-14"


def test_hedge_is_possible(extractor: Extractor) -> None:
    text = "\"It's still early to say when the town of Hajin will be cleared,\" Bali said."
    st = one(extractor, text)
    assert st.certainty == "possible"
    assert st.triples and st.triples[0]["value"] == "fully-controlled"


def test_negation(extractor: Extractor) -> None:
    text = "SDF officials said Wednesday it will take a while before they can declare Hajin liberated."
    assert one(extractor, text).polarity == "negative"
    text = "The SDF denied that IS fighters had retaken Hajin."
    st = one(extractor, text)
    assert st.polarity == "negative"
    assert ("hajin", "controlledBy", "islamic-state") in {
        (t["subject"], t["property"], t["value"]) for t in st.triples}


@pytest.mark.parametrize(("sentence", "value"), [
    ("At least 50 SDF fighters were killed, the Observatory said.", {"min": 50.0, "min_inclusive": True}),
    ("The Observatory said 92 SDF fighters were killed.", {"exact": 92.0}),
    ("The Observatory said between 50 and 70 civilians were killed.", {"min": 50.0, "max": 70.0}),
    ("The Observatory said more than 20 civilians were wounded.", {"min": 20.0, "min_inclusive": False}),
    ("The Observatory said dozens of civilians were killed.", {"min": 24.0}),
])
def test_counts_with_bounds(extractor: Extractor, sentence: str, value: dict[str, Any] | None) -> None:
    st = one(extractor, sentence)
    counts = [t for t in st.triples if t["property"].endswith("Count")]
    if value is None:
        assert counts == []
    else:
        assert [t["value"] for t in counts] == [value]


def test_wire_relays_another_speaker(extractor: Extractor) -> None:
    text = "The strikes killed 14 civilians, the Observatory said, according to AFP."
    st = one(extractor, text)
    assert [s.ref for s in st.speakers] == ["sohr"] and st.relays == ["AFP"]
    text = "Airstrikes killed at least 20 people, the Observatory said, Reuters reported."
    st = one(extractor, text)
    assert [s.ref for s in st.speakers] == ["sohr"] and st.relays == ["Reuters"]
    text = "Reuters reported that 14 civilians were killed."
    assert [s.ref for s in one(extractor, text).speakers] == ["Reuters"]


def test_capture_with_alias_and_passive(extractor: Extractor) -> None:
    text = "U.S.-backed forces captured the town of Hajin, a Reuters witness said."
    st = one(extractor, text)
    assert {(t["subject"], t["property"], t["value"]) for t in st.triples} == {
        ("hajin", "controlStatus", "fully-controlled"), ("hajin", "controlledBy", "sdf")}
    st = one(extractor, "Hajin was captured by the SDF on Friday, Mustafa Bali said.")
    assert ("hajin", "controlledBy", "sdf") in {
        (t["subject"], t["property"], t["value"]) for t in st.triples}


def test_conditional_clause_is_not_asserted(extractor: Extractor) -> None:
    text = ("Local military officials said that once Hajin is completely liberated, the "
            "operation will move on to Sosa, which is still under IS control.")
    st = one(extractor, text)
    hajin = [t for t in st.triples if t["subject"] == "hajin"]
    assert hajin and all(t["_certainty"] == "possible" for t in hajin)
    assert ("sosa", "controlledBy", "islamic-state") in {
        (t["subject"], t["property"], t["value"]) for t in st.triples}


# -- the pipeline on the seed ---------------------------------------------------------------------
def _ingest_seed(state: AppState) -> Any:
    return IngestService(state.service).ingest(
        ArticlePost(url=SEED_URL, text=ARTICLE_TEXT, outlet="VOA", published="2018-12"))


def test_seed_text_alone_finds_the_seed_dispute(empty_state: AppState) -> None:
    result = _ingest_seed(empty_state)
    assert result.status == "ingested" and result.new_claims >= 15
    speakers = {s["ref"] for st in result.statements for s in st["speakers"]}
    assert {"sohr", "mustafa-bali", "sdf-officials", "sean-ryan", "ekrem-salih"} <= speakers
    views = [reports.get_claim(empty_state.store, c) for c in result.claims]
    assert all({o["id"] for o in v["outlets"]} == {"voa"} for v in views)
    assert len(result.disputes) == 1
    dispute = reports.get_dispute(empty_state.store, result.disputes[0])
    pairs = [{s["id"] for side in c["sides"] for s in side["speakers"]}
             for c in dispute["contradictions"]]
    assert all("sohr" in p for p in pairs)
    assert {"graded", "negation"} <= {c["type"] for c in dispute["contradictions"]}


def test_reingest_changes_nothing(empty_state: AppState) -> None:
    first = _ingest_seed(empty_state)
    before = empty_state.store.count()
    again = _ingest_seed(empty_state)
    assert again.status == "unchanged" and sorted(again.claims) == sorted(first.claims)
    other_url = IngestService(empty_state.service).ingest(
        ArticlePost(url="https://example.org/copy", text=ARTICLE_TEXT, outlet="VOA"))
    assert other_url.status == "unchanged" and "same text" in (other_url.reason or "")
    assert empty_state.store.count() == before


def test_updated_text_is_a_new_version(empty_state: AppState) -> None:
    service = IngestService(empty_state.service)
    url = "https://example.org/synthetic/versioned"
    v1 = service.ingest(ArticlePost(url=url, outlet="Example Wire",
                                    text="Fighting is still ongoing in Hajin, Mustafa Bali said."))
    v2 = service.ingest(ArticlePost(url=url, outlet="Example Wire",
                                    text="Fighting has ended in Hajin, Mustafa Bali said."))
    assert v2.status == "new-version" and v2.revision_of == v1.article
    assert v2.article != v1.article and v2.new_claims >= 1
    again = service.ingest(ArticlePost(url=url, outlet="Example Wire",
                                       text="Fighting has ended in Hajin, Mustafa Bali said."))
    assert again.status == "unchanged"


def test_new_speaker_is_recorded_with_their_organisation(empty_state: AppState) -> None:
    service = IngestService(empty_state.service)
    service.ingest(ArticlePost(url="https://example.org/synthetic/s1", outlet="Example Wire",
                               text="Hajin has been fully liberated, said Kino Gabriel, a "
                                    "spokesman for the SDF."))
    result = service.ingest(ArticlePost(
        url="https://example.org/synthetic/s2", outlet="Example Wire",
        text="SDF officials said fighting was still ongoing in Hajin."))
    assert result.new_claims >= 1
    assert result.new_contradictions == []  # the same organisation does not contradict itself
    sources = {s["id"]: s for s in reports.list_sources(empty_state.store)}
    assert "kino-gabriel" in sources


@pytest.mark.parametrize(("body", "message"), [
    ({"text": "   "}, "no text"),
    ({"text": "a", "html": "<p>a</p>"}, "either text or html"),
    ({}, "either text or html"),
    ({"text": "Bali sagte, die Stadt sei gefallen.", "language": "de"}, "English"),
])
def test_malformed_articles_are_refused(empty_state: AppState, body: dict[str, Any], message: str) -> None:
    before = empty_state.store.count()
    with pytest.raises(InvalidInput, match=message):
        IngestService(empty_state.service).ingest(
            ArticlePost.model_validate({"url": "https://example.org/x", **body}))
    assert empty_state.store.count() == before


# -- HTTP -------------------------------------------------------------------------------------------
@pytest.fixture
def editor(empty_state: AppState) -> Iterator[tuple[TestClient, dict[str, str]]]:
    token = review_service(empty_state.store, empty_state.settings).tokens.create(
        "ingest-editor", Role.editor)
    with TestClient(create_app(empty_state.settings, state=empty_state)) as client:
        yield client, {"authorization": f"Bearer {token}"}


def test_post_articles(editor: tuple[TestClient, dict[str, str]], empty_state: AppState) -> None:
    client, auth = editor
    body = {"url": SEED_URL, "text": ARTICLE_TEXT, "outlet": "VOA", "published": "2018-12",
            "language": "en"}
    assert client.post("/articles", json=body).status_code == 401
    response = client.post("/articles", json=body, headers=auth)
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["disputes"] and out["disputes"][0]["contradictions"]
    before = empty_state.store.count()
    again = client.post("/articles", json=body, headers=auth)
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    assert empty_state.store.count() == before


def test_post_articles_malformed(editor: tuple[TestClient, dict[str, str]], empty_state: AppState) -> None:
    client, auth = editor
    before = empty_state.store.count()
    bad_utf8 = b'{"url": "https://example.org/u", "text": "caf\xe9 bar"}'
    response = client.post("/articles", content=bad_utf8,
                           headers={**auth, "content-type": "application/json"})
    assert 400 <= response.status_code < 500
    empty = client.post("/articles", json={"url": "https://example.org/e", "text": ""}, headers=auth)
    assert empty.status_code == 422 and "no text" in empty.json()["message"]
    huge = client.post("/articles", content=b"x" * (empty_state.settings.max_body_bytes + 1),
                       headers={**auth, "content-type": "application/json"})
    assert huge.status_code == 413
    assert empty_state.store.count() == before


def test_post_html_with_script(editor: tuple[TestClient, dict[str, str]], empty_state: AppState) -> None:
    client, auth = editor
    html = ("<p>The Observatory said 14 civilians were killed.</p>"
            "<script>document.write('Mustafa Bali said 99 civilians were killed.')</script>")
    response = client.post("/articles", headers=auth,
                           json={"url": "https://example.org/h", "html": html, "outlet": "VOA"})
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["dropped_html"] == ["script"]
    assert [s["speakers"][0]["ref"] for s in out["statements"]] == ["sohr"]


# -- files and CLI ------------------------------------------------------------------------------------
def test_read_post_reasons(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe nope")
    with pytest.raises(InvalidInput, match="UTF-8"):
        read_post(bad, None)
    good = tmp_path / "a.json"
    good.write_text(json.dumps({"text": "Bali said the town was taken.", "outlet": "VOA"}))
    post = read_post(good, "Other")
    assert post.outlet == "VOA" and post.url.startswith("file:///")


def test_cli_ingest_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "seed.txt").write_text(ARTICLE_TEXT, encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe")
    store = tmp_path / "store"
    code = cli_main(["ingest", str(tmp_path), "--store", str(store), "--no-seed", "--outlet", "VOA"])
    out = capsys.readouterr().out
    assert code == 0
    assert "1 articles ingested" in out and "1 new disputes" in out
    assert "skipped" in out and "UTF-8" in out
    cli_main(["ingest", str(tmp_path / "seed.txt"), "--store", str(store), "--no-seed"])
    assert "0 articles ingested (1 unchanged), 0 new claims" in capsys.readouterr().out
