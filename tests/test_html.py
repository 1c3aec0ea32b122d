"""HTML articles: trafilatura main text and metadata, packaging (headline, captions, bylines)
never stated, embedded posts attributed to their authors. Pages in tests/html/ were written
for these tests (no copied articles)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api.deps import AppState
from app.ingest.embeds import parse_date
from app.ingest.extract import Extractor
from app.ingest.gazetteer import Gazetteer
from app.ingest.text import html_to_text
from app.main import create_app
from app.model.reviews import Role
from app.review.service import review_service
from tests.conftest import ROOT

PAGES = Path(__file__).parent / "html"


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    """The extractor over the entity file (no store)."""
    return Extractor.build(ROOT / "ontology",
                           Gazetteer.from_turtle(ROOT / "ontology" / "entities.ttl"))


@pytest.fixture
def editor(empty_state: AppState) -> Iterator[tuple[TestClient, dict[str, str]]]:
    token = review_service(empty_state.store, empty_state.settings).tokens.create(
        "html-editor", Role.editor)
    with TestClient(create_app(empty_state.settings, state=empty_state)) as client:
        yield client, {"authorization": f"Bearer {token}"}


def post_html(client: TestClient, auth: dict[str, str], html: str, **extra: Any) -> dict[str, Any]:
    body = {"url": "https://example.org/html/" + str(abs(hash(html))), "html": html, **extra}
    response = client.post("/articles", json=body, headers=auth)
    assert response.status_code == 201, response.text
    out: dict[str, Any] = response.json()
    return out


def assert_spans_index(out: dict[str, Any]) -> None:
    """Every span of every statement is a slice of the returned text."""
    text = out["text"]
    for st in out["statements"]:
        for key in ("source", "cue", "relay"):
            if st[key]:
                assert text[st[key]["start"]:st[key]["end"]] == st[key]["text"]
        content = st["content"]
        assert text[content["start"]:content["end"]] == content["text"]
        if st["post"]:
            assert text[st["post"]["start"]:st["post"]["end"]].startswith(content["text"]) or \
                content["text"] in text[st["post"]["start"]:st["post"]["end"]]


# -- the main text -------------------------------------------------------------------------
def test_wire_page_main_text_and_metadata() -> None:
    out = html_to_text(page("wire-hajin.html"))
    assert out.title == "Fighters battle for Hajin, last IS stronghold"
    assert out.headline == "SDF says Hajin has fallen to its fighters"
    assert (out.author, out.published, out.site_name) == (
        "Jane Reporter", "2018-12-14", "Example Wire")
    assert out.text.startswith("BEIRUT — U.S.-backed fighters pushed deeper")
    assert out.text.endswith("using civilians as human shields.")
    # navigation, ads, related links, footer, caption, byline, headline, date line: gone
    for gone in ("Home", "Politics", "Advertisement", "Buy the best shoes", "Turkey warns",
                 "Five things", "All rights reserved", "Smoke rises", "By Jane",
                 "SDF says Hajin has fallen", "December 14, 2018", "pic.twitter.com",
                 "@mustefabali"):
        assert gone not in out.text, gone
    assert out.text.count("\n\n") == 4  # five paragraphs, the tweet one of them
    assert {"script", "style", "nav", "footer"} <= set(out.dropped)


def test_json_ld_page_and_unclassed_byline() -> None:
    out = html_to_text(page("blog-jsonld.html"))
    assert out.title == "Kurdish-led forces say offensive near Hajin is slowing"
    assert (out.author, out.published, out.site_name) == (
        "Omar Haddad", "2018-12-20", "Desert Dispatch")
    paragraphs = out.text.split("\n\n")
    assert paragraphs[0].startswith("The offensive against the last pocket")
    assert len(paragraphs) == 3
    for gone in ("Subscribe", "Most read", "Officials say the border", "By Omar", "Published on",
                 "Photo by", "Fighters rest", "Sponsored", "Great reporting", "Sign up", "Syria\n"):
        assert gone not in out.text, gone


def test_small_fragments_and_junk_never_raise() -> None:
    assert html_to_text("<p>x</p>").text == "x"
    assert html_to_text("plain words, no tags").text == "plain words, no tags"
    assert html_to_text("<p>One.<br>Two.</p><ul><li>Three</li></ul>").text.split("\n\n") == [
        "One.", "Two.", "Three"]
    for junk in ("", "<<<>>>", "<html></html>", "<script>x()</script>", "</p></div>",
                 "<nav>Home</nav><h1>Only a headline</h1>"):
        assert html_to_text(junk).text.strip(" <>") == ""


def test_no_article_text_is_a_clear_4xx(editor: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = editor
    for html in ("<nav><a href='/'>Home</a></nav><script>x()</script>",
                 "<h1>Army says it holds the town</h1><figure><figcaption>A photo, officials "
                 "said.</figcaption></figure>"):
        response = client.post("/articles", headers=auth,
                               json={"url": "https://example.org/empty", "html": html})
        assert response.status_code == 422, response.text
        assert "no article text" in response.json()["message"]


# -- packaging is never stated ---------------------------------------------------------------
def test_headline_caption_byline_make_no_statement(
        editor: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = editor
    out = post_html(client, auth, page("wire-hajin.html"))
    assert_spans_index(out)
    assert out["metadata"] == {
        "title": "Fighters battle for Hajin, last IS stronghold",
        "headline": "SDF says Hajin has fallen to its fighters", "author": "Jane Reporter",
        "published": "2018-12-14", "site_name": "Example Wire"}
    contents = [st["content"]["text"] for st in out["statements"]]
    assert not any("has fallen to its fighters" in c or "Smoke rises" in c for c in contents)
    speakers = {sp["name"] for st in out["statements"] for sp in st["speakers"]}
    assert "Jane Reporter" not in speakers and "SDF" not in speakers
    assert {"Syrian Observatory for Human Rights", "Mustafa Bali"} <= speakers


def test_metadata_fills_outlet_and_date_the_request_did_not_give(
        editor: tuple[TestClient, dict[str, str]], empty_state: AppState) -> None:
    client, auth = editor
    out = post_html(client, auth, page("blog-jsonld.html"))
    sohr = next(st for st in out["statements"] if st["speakers"][0]["ref"] == "sohr")
    # the page's date anchors "on Tuesday" (published Thursday 20 December 2018)
    [count] = [t for t in sohr["statements"] if t["property"] == "killedCount"]
    assert count["event"]["start"] == "2018-12-18"
    detail = client.get(f"/claims/{out['claims'][0]}").json()
    assert "Desert Dispatch" in str(detail)
    # what the request says wins over the page
    again = post_html(client, auth, page("blog-jsonld.html").replace("23 civilians", "24 civilians"),
                      outlet="Other Wire", published="2018-12-21", title="Given title")
    sohr = next(st for st in again["statements"] if st["speakers"][0]["ref"] == "sohr")
    [count] = [t for t in sohr["statements"] if t["property"] == "killedCount"]
    assert count["event"]["start"] == "2018-12-18"  # Tuesday before Friday 21 December
    detail = client.get(f"/claims/{again['claims'][0]}").json()
    assert "Other Wire" in str(detail) and "Given title" in str(detail)


# -- embedded posts ----------------------------------------------------------------------------
def test_embed_shapes() -> None:
    out = html_to_text(page("embeds.html"))
    got = [(p.platform, p.name, p.handle, p.url, p.said_on, out.text[p.start:p.end])
           for p in out.posts]
    assert got == [
        ("twitter", "Sean Ryan", "OIRSpox",
         "https://twitter.com/OIRSpox/status/1075700000000000001", dt.date(2018, 12, 20),
         "Coalition strikes destroyed 14 ISIS positions near Hajin today."),
        ("twitter", "Deir Ezzor 24", "DeirEzzor24",
         "https://x.com/DeirEzzor24/status/1075700000000000002", dt.date(2018, 12, 20),
         "No strikes hit ISIS positions in Hajin today, only houses of civilians."),
        ("instagram", "SDF Media Center", "sdfmediacenter",
         "https://www.instagram.com/p/BrQxYz123/", dt.date(2018, 12, 19),
         "Our fighters have taken the hospital district of Hajin."),
        ("facebook", "Hajin Relief", "HajinRelief",
         "https://www.facebook.com/HajinRelief/posts/10155", dt.date(2018, 12, 20),
         "More than 300 families have fled Hajin since Sunday."),
    ]
    # the embed's attribution line, media links and the figure caption are not text;
    # a plain blockquote (a pull quote) is
    for gone in ("(@", "Posted by", "A post shared by", "View this post", "t.co",
                 "A post on X by"):
        assert gone not in out.text, gone
    assert '"We will not leave our homes," one resident told Example Wire.' in out.text


def test_bluesky_and_handle_only_embeds() -> None:
    html = ("<p>The ministry answered online within the hour, as it usually does.</p>"
            '<blockquote class="bluesky-embed" data-bluesky-uri="at://did:plc:x/app.bsky.feed.'
            'post/3k"><p lang="en">The bridge at Hajin is open again.</p>&mdash; Ministry of '
            'Transport (<a href="https://bsky.app/profile/did:plc:x">@transport.example.org</a>)'
            ' <a href="https://bsky.app/profile/did:plc:x/post/3k">January 3, 2025 at 10:00 AM'
            '</a></blockquote>'
            '<blockquote class="twitter-tweet"><p>Hajin is quiet tonight.</p>&mdash; '
            '<a href="https://twitter.com/quietwatch/status/12345">19 December 2018</a>'
            '</blockquote>')
    out = html_to_text(html)
    assert [(p.platform, p.name, p.handle, p.said_on, p.author) for p in out.posts] == [
        ("bluesky", "Ministry of Transport", "transport.example.org", dt.date(2025, 1, 3),
         "Ministry of Transport"),
        ("twitter", None, "quietwatch", dt.date(2018, 12, 19), "@quietwatch")]
    assert parse_date("Thursday, August 27, 2015") == dt.date(2015, 8, 27)
    assert parse_date("Feb 30, 2019") is None and parse_date("soon") is None


def test_embedded_posts_are_their_authors_statements(extractor: Extractor) -> None:
    doc = html_to_text(page("embeds.html"))
    found = extractor.extract(doc.text, published=doc.published, posts=doc.posts)
    posted = [(st.speakers[0].name, st.speakers[0].kind, st.verb, st.said_at, st.said_on,
               doc.text[st.content[0]:st.content[1]]) for st in found if st.post]
    assert posted == [
        ("Sean Ryan", "person", "posted", "December 20, 2018", dt.date(2018, 12, 20),
         "Coalition strikes destroyed 14 ISIS positions near Hajin today"),
        ("Deir Ezzor 24", "person", "posted", "December 20, 2018", dt.date(2018, 12, 20),
         "No strikes hit ISIS positions in Hajin today, only houses of civilians"),
        ("SDF Media Center", "person", "posted", "Dec 19, 2018 at 8:02am PST",
         dt.date(2018, 12, 19), "Our fighters have taken the hospital district of Hajin"),
        ("Hajin Relief", "person", "posted", "Thursday, December 20, 2018",
         dt.date(2018, 12, 20), "More than 300 families have fled Hajin since Sunday"),
    ]
    # the known spokesman resolves to his entity; the outlet is no speaker of any post
    assert next(st for st in found if st.post).speakers[0].ref == "sean-ryan"
    assert all(st.relays == [] for st in found if st.post)
    # outside the posts: "A local activist disputed the account" (a denial whose content is
    # its object, as PARC annotates it) and the resident's quotation
    resident = [st for st in found if st.post is None]
    assert [st.speakers[0].name for st in resident] == ["local activist", "one resident"]
    assert resident[0].polarity == "negative" and resident[0].triples == []


def test_a_multi_sentence_post_makes_one_statement_per_sentence(extractor: Extractor) -> None:
    doc = html_to_text(page("wire-hajin.html"))
    found = [st for st in extractor.extract(doc.text, published=doc.published,
                                            posts=doc.posts) if st.post]
    assert [doc.text[st.content[0]:st.content[1]] for st in found] == [
        "Our forces have liberated more than 60 percent of Hajin", "Fighting continues"]
    assert {st.speakers[0].ref for st in found} == {"mustafa-bali"}
    # "our forces" in the SDF spokesman's post are the SDF
    holders = [t["value"] for st in found for t in st.triples if t["property"] == "controlledBy"]
    assert holders == ["sdf"]


def test_an_attribution_inside_a_post_is_the_posts_author(extractor: Extractor) -> None:
    html = ("<p>Few people in the town slept through the night of shelling.</p>"
            '<blockquote class="twitter-tweet"><p>The SDF said Hajin had fallen, but we still '
            "hear fighting.</p>&mdash; Ali Hassan (@alihassan) "
            '<a href="https://twitter.com/alihassan/status/1">December 15, 2018</a></blockquote>')
    doc = html_to_text(html)
    found = extractor.extract(doc.text, posts=doc.posts)
    assert [(st.speakers[0].name, st.verb, st.post is not None) for st in found] == [
        ("Ali Hassan", "posted", True)]


def test_post_embeds_through_the_api(editor: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = editor
    out = post_html(client, auth, page("embeds.html"))
    assert_spans_index(out)
    posts = [st for st in out["statements"] if st["post"]]
    assert len(posts) == 4 and all(st["makes_claim"] for st in posts)
    ryan = posts[0]
    assert ryan["speakers"][0]["ref"] == "sean-ryan" and ryan["source"] is None
    assert ryan["post"]["handle"] == "OIRSpox" and ryan["said_on"] == "2018-12-20"
    assert ryan["relays"] == [] and ryan["direct"]
    activist = posts[1]
    assert activist["speakers"][0] == {"ref": "Deir Ezzor 24", "name": "Deir Ezzor 24",
                                       "kind": "person", "role": None, "organisation": None}
    # the activist's post became a claim of the activist, relayed by the outlet
    claims = {c: client.get(f"/claims/{c}").json() for c in out["claims"]}
    by_activist = [c for c in claims.values() if "No strikes hit ISIS positions" in str(c)]
    assert by_activist and all("Example Wire" in str(c) for c in by_activist)
    sources = {s["id"]: s for s in client.get("/sources").json()["items"]}
    assert "deir-ezzor-24" in sources and "sean-ryan" in sources
