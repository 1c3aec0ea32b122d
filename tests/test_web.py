"""The server-rendered pages and their JSON twins, driven in-process."""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst
from rdflib import Literal
from starlette.requests import Request

from app.api.deps import AppState
from app.model.claims import ClaimIn
from app.model.vocab import CG, ENTITY, RDF, SKOS
from app.web import data, pages
from tests.conftest import claim, st

SOHR_QUOTE = "SDF fighters had taken Hajin from IS"
BALI_QUOTE = "We have so far liberated more than 60 percent"


def dispute_id(client: TestClient) -> str:
    items = client.get("/ui/disputes.json").json()["items"]
    assert len(items) == 1
    return str(items[0]["id"])


def fake_request(path_params: dict[str, str] | None = None, query: str = "") -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [],
                    "query_string": query.encode(), "path_params": path_params or {}})


class Tags(HTMLParser):
    """Every start tag with its attributes, to check what a browser would build."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.marks: list[str] = []
        self._in_mark = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "mark":
            self._in_mark = True
            self.marks.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self._in_mark = False

    def handle_data(self, text: str) -> None:
        if self._in_mark:
            self.marks[-1] += text


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


# --- navigation and pages ---------------------------------------------------------------------

def test_front_door_leads_to_the_hajin_dispute_in_one_click(client: TestClient) -> None:
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200 and str(response.url).endswith("/ui/disputes")
    links = [a.get("href") for t, a in parse(response.text).tags if t == "a"]
    target = f"/ui/disputes/{dispute_id(client)}"
    assert target in links
    page = client.get(target)
    assert page.status_code == 200 and "Hajin" in page.text


def test_dispute_page_highlights_both_quotes_in_their_paragraphs(client: TestClient) -> None:
    html = client.get(f"/ui/disputes/{dispute_id(client)}").text
    marks = parse(html).marks
    assert SOHR_QUOTE in marks
    assert any(m.startswith(BALI_QUOTE) for m in marks)
    # the paragraph around the quote is shown, not the quote alone
    assert "The Syrian Observatory for Human Rights, a UK-based war monitor" in html
    for needed in ("Syrian Observatory for Human Rights", "Voice of America", "earlier Wednesday",
                   "Graded values that cannot both hold", "One source asserts what another denies",
                   "<svg", "Verdict", "History"):
        assert needed in html, needed


def test_dispute_json_twin_is_the_data_function_output(
    client: TestClient, seeded_state: AppState
) -> None:
    did = dispute_id(client)
    twin = client.get(f"/ui/disputes/{did}.json").json()
    direct = pages.dispute_page(seeded_state, fake_request({"dispute_id": did}))
    assert twin == direct
    sides = {c["id"]: c for c in twin["claims"]}
    sohr = sides["voa-hajin-sohr-1"]["context"]
    assert sohr["quote"] == SOHR_QUOTE and sohr["in_article"] is True
    assert sohr["before"].endswith("had said earlier Wednesday that ")
    assert "\n\n" not in sohr["before"] + sohr["after"]  # one paragraph only
    # graded and negation against the SDF; value (control-vs-fighting) against those who say
    # the fighting goes on
    assert {c["type"] for c in twin["contradictions"]} == {"graded", "negation", "value"}
    assert all(c["rule"]["explanation"] for c in twin["contradictions"])
    kinds = {n["kind"] for n in twin["picture"]["nodes"]}
    assert kinds == {"source", "claim"}
    assert sum(e["kind"] == "contradicts" for e in twin["picture"]["edges"]) == 6
    # other claims by the same sources about Hajin: Bali's hedge, not the disputed claims
    related = [c["id"] for c in twin["related_claims"]]
    assert related and not set(related) & set(sides)


@pytest.mark.parametrize(
    ("path", "data_name"),
    [("/ui/disputes/{id}", "dispute"), ("/ui/disputes", "queue"),
     ("/ui/claims/voa-hajin-sohr-1", "claim"), ("/ui/sources/sohr", "source"),
     ("/ui/sources", "sources")],
)
def test_page_and_twin_come_from_one_function(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, path: str, data_name: str
) -> None:
    path = path.replace("{id}", dispute_id(client))
    original = getattr(data, data_name)
    assert "Zq41" not in client.get(path).text

    def marked(*args: Any, **kwargs: Any) -> dict[str, Any]:
        result: dict[str, Any] = original(*args, **kwargs)
        _mark_labels(result)
        return result

    monkeypatch.setattr(data, data_name, marked)
    twin = client.get(path + ".json").json()
    assert "Syrian Observatory for Human Rights Zq41" in str(twin)
    html = client.get(path).text
    assert "Syrian Observatory for Human Rights Zq41" in html


def _mark_labels(value: Any) -> None:
    if isinstance(value, dict):
        if isinstance(value.get("label"), str):
            value["label"] += " Zq41"
        for v in value.values():
            _mark_labels(v)
    elif isinstance(value, list):
        for v in value:
            _mark_labels(v)


def test_every_page_has_a_json_twin_route() -> None:
    paths = {getattr(r, "path", None) for r in pages.router.routes}
    assert len(pages.PAGES) >= 6
    for path in pages.PAGES:
        assert path in paths and path + ".json" in paths


def test_claim_source_sources_and_sparql_pages(client: TestClient) -> None:
    claim = client.get("/ui/claims/voa-hajin-sohr-1")
    assert claim.status_code == 200
    assert SOHR_QUOTE in parse(claim.text).marks
    twin = client.get("/ui/claims/voa-hajin-sohr-1.json").json()
    assert twin["disputes"][0]["id"] == dispute_id(client)
    source = client.get("/ui/sources/sohr.json").json()
    assert source["label"] == "Syrian Observatory for Human Rights"
    assert [c["id"] for c in source["claims"]] == ["voa-hajin-sohr-1"]
    assert [d["id"] for d in source["disputes"]] == [dispute_id(client)]
    assert "Syrian Observatory" in client.get("/ui/sources/sohr").text
    # an organisation's page gathers its members' claims
    sdf = client.get("/ui/sources/sdf.json").json()
    assert {"voa-hajin-bali-1", "voa-hajin-sdf-officials-1"} <= {c["id"] for c in sdf["claims"]}
    listing = client.get("/ui/sources.json").json()["items"]
    assert {"sohr", "voa"} <= {s["id"] for s in listing}
    assert client.get("/ui/sources").status_code == 200


def test_sparql_page_examples_run(client: TestClient) -> None:
    page = client.get("/ui/sparql")
    assert page.status_code == 200
    forms = [a for t, a in parse(page.text).tags if t == "form"]
    assert forms[0]["action"] == "/sparql"
    examples = client.get("/ui/sparql.json").json()["examples"]
    assert len(examples) >= 3
    for example in examples:
        result = client.get("/sparql", params={"query": example["query"],
                                               "format": example["format"]})
        assert result.status_code == 200, (example["title"], result.text)
    shown = client.get("/ui/sparql.json", params={"example": "2"}).json()
    assert shown["query"] == examples[2]["query"]
    # the first examples find the seed's disputes and contradictions
    rows = client.get("/sparql", params={"query": examples[1]["query"], "format": "json"}).json()
    assert len(rows["results"]["bindings"]) == 8


# --- the queue's filters ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("params", "expected"),
    [({}, 1), ({"type": "graded"}, 1), ({"type": "numeric"}, 0), ({"source": "sohr"}, 1),
     ({"source": "sdf"}, 1), ({"source": "sean-ryan"}, 1), ({"subject": "Hajin"}, 1),
     ({"subject": "Deir el-Zour"}, 0), ({"status": "open"}, 1), ({"status": "resolved"}, 0),
     ({"since": "2999-01-01"}, 0), ({"until": "2000-01-01"}, 0),
     ({"subject": "", "source": "", "type": "", "status": ""}, 1)],
)
def test_queue_filters(client: TestClient, params: dict[str, str], expected: int) -> None:
    twin = client.get("/ui/disputes.json", params=params).json()
    assert twin["total"] == expected and len(twin["items"]) == expected
    html = client.get("/ui/disputes", params=params).text
    assert len(re.findall(r'class="dispute-link"', html)) == expected


def test_queue_counts_by_state_and_date_range(client: TestClient) -> None:
    today = dt.datetime.now(dt.UTC).date()
    twin = client.get("/ui/disputes.json", params={
        "since": (today - dt.timedelta(days=1)).isoformat(),
        "until": (today + dt.timedelta(days=1)).isoformat()}).json()
    assert twin["total"] == 1
    assert twin["counts"] == {"open": 1, "in-review": 0, "resolved": 0, "dismissed": 0}
    html = client.get("/ui/disputes").text
    assert re.search(r'data-state="open">1<', html)


@pytest.mark.parametrize("params", [{"type": "bogus"}, {"since": "yesterday"},
                                    {"status": "closed"},
                                    # checked also when a name matches nothing
                                    {"source": "Nobody Zq", "confidence": "certain"},
                                    {"subject": "Nowhere Zq", "status": "closed"}])
def test_queue_rejects_bad_filters_with_a_message(
    client: TestClient, params: dict[str, str]
) -> None:
    assert client.get("/ui/disputes.json", params=params).status_code == 422
    page = client.get("/ui/disputes", params=params)
    assert page.status_code == 422 and "text/html" in page.headers["content-type"]


# --- the queue's type-ahead -------------------------------------------------------------------

def box(html: str, name: str) -> dict[str, str | None]:
    """The attributes of the form field called ``name``."""
    found = [a for t, a in parse(html).tags if t == "input" and a.get("name") == name]
    assert len(found) == 1, name
    return found[0]


def test_queue_page_lists_no_names_but_completes_them(
    client: TestClient, seeded_state: AppState
) -> None:
    speakers = [f"Zqwitness Number {n}" for n in range(60)]
    results = seeded_state.service.submit_batch(
        [claim(s, [st("Zqtown", "controlStatus", "contested")]) for s in speakers])
    assert all(not isinstance(r, Exception) for r in results)  # all agree: no new dispute
    html = client.get("/ui/disputes").text
    assert not [s for s in speakers if s in html]
    options = [t for t, _ in parse(html).tags if t == "option"]
    assert len(options) < 20  # only the type, state and confidence choices
    for kind, endpoint in (("source", "/sources"), ("subject", "/subjects")):
        field = box(html, kind)
        assert field["data-complete"] == endpoint and field["data-id-field"] == kind + "_id"
        assert box(html, kind + "_id")["type"] == "hidden"
        datalists = [a for t, a in parse(html).tags if t == "datalist"]
        assert {"id": f"{kind}-names"} in datalists
    # the names come from the completion endpoint, twenty at a time unless asked
    found = client.get("/sources", params={"q": "zqwitness"}).json()["items"]
    assert len(found) == 20 and all(i["label"].startswith("Zqwitness") for i in found)
    found = client.get("/sources", params={"q": "ZQWITNESS", "limit": 100}).json()["items"]
    assert sorted(i["label"] for i in found) == sorted(speakers)
    # a typed name resolves to its speaker, who has no dispute
    twin = client.get("/ui/disputes.json", params={"source": "zqwitness number 7"}).json()
    assert twin["picked"]["source"]["id"] == "zqwitness-number-7"
    assert twin["picked"]["source"]["problem"] is None and twin["total"] == 0


@pytest.mark.parametrize(("typed", "expected"), [
    ("sohr", "sohr"), ("SOHR", "sohr"), ("  syrian   OBSERVATORY ", "sohr"),
    ("Syrian Observatory for Human Rights", "sohr"), ("Col. Sean Ryan", "sean-ryan"),
    ("sean-ryan", "sean-ryan"), ("Sean Ryan (sean-ryan)", "sean-ryan"),
    ("https://w3id.org/claimgraph/id/entity/sdf", "sdf"), ("U.S.-led coalition", "coalition"),
])
def test_queue_resolves_a_typed_source_name(
    client: TestClient, typed: str, expected: str
) -> None:
    twin = client.get("/ui/disputes.json", params={"source": typed}).json()
    assert twin["picked"]["source"]["id"] == expected and twin["total"] == 1
    page = client.get("/ui/disputes", params={"source": typed})
    assert page.status_code == 200
    # the filter stays visible: the box shows the source's name, the hidden field its id
    assert box(page.text, "source")["value"] == twin["picked"]["source"]["label"]
    assert box(page.text, "source_id")["value"] == expected
    assert len(re.findall(r'class="dispute-link"', page.text)) == 1


@pytest.mark.parametrize(("params", "expected"), [
    ({"source": "Syrian Observatory", "source_id": "sohr"}, "sohr"),
    # the box was changed without JavaScript: the stale id is not used
    ({"source": "SDF", "source_id": "sohr"}, "sdf"),
    ({"source": "", "source_id": "sohr"}, None),  # the box was emptied: no filter
    ({"source": "Ryan", "source_id": "no-such-id"}, "sean-ryan"),
])
def test_queue_reads_the_chosen_id_only_with_its_name(
    client: TestClient, params: dict[str, str], expected: str | None
) -> None:
    twin = client.get("/ui/disputes.json", params=params).json()
    assert twin["picked"]["source"]["id"] == expected and twin["total"] == 1


def test_queue_resolves_a_typed_subject(client: TestClient) -> None:
    twin = client.get("/ui/disputes.json", params={"subject": "hajin CITY"}).json()
    assert twin["picked"]["subject"]["id"] == "hajin" and twin["total"] == 1
    html = client.get("/ui/disputes", params={"subject": "hajin CITY"}).text
    assert box(html, "subject")["value"] == "Hajin"
    assert box(html, "subject_id")["value"] == "hajin"


@pytest.mark.parametrize(("params", "message"), [
    ({"source": "Nobody Zq"}, "no source named “Nobody Zq”"),
    ({"source": "Hajin"}, "no source named “Hajin”"),  # a place, not a source
    ({"subject": "Deir el-Zour"}, "no disputed subject named “Deir el-Zour”"),
    ({"source": "<script>alert(1)</script>"}, "no source named “<script>alert(1)</script>”"),
    ({"source": "Sean Ryan (sohr)"}, "no source named “Sean Ryan (sohr)”"),
    ({"source": "\x00\u202e%", "type": "graded"}, "no source named “\x00\u202e%”"),
])
def test_queue_says_when_a_name_matches_nothing(
    client: TestClient, params: dict[str, str], message: str
) -> None:
    twin = client.get("/ui/disputes.json", params=params).json()
    kind = next(iter(params))
    assert twin["picked"][kind]["problem"] == message
    assert twin["total"] == 0 and twin["counts"] == dict.fromkeys(twin["counts"], 0)
    page = client.get("/ui/disputes", params=params)
    assert page.status_code == 200
    notices = re.findall(r'<p class="notice" role="status">(.*?)</p>', page.text, re.S)
    assert [html.unescape(n) for n in notices] == [message]
    assert "<script>alert" not in page.text
    assert box(page.text, kind)["value"] == params[kind]  # what was typed stays in the box


def test_queue_asks_which_when_a_name_is_shared(
    client: TestClient, seeded_state: AppState
) -> None:
    paul = ENTITY["paul-ryan"]
    seeded_state.store.write(insert=[
        (paul, RDF.type, CG.Person, None),
        (paul, SKOS.prefLabel, Literal("Paul Ryan", lang="en"), None),
        (paul, SKOS.altLabel, Literal("Ryan", lang="en"), None),
    ])
    seeded_state.service.submit(claim("paul-ryan", [st("Zqtown", "controlStatus", "contested")]))
    items = client.get("/sources", params={"q": "ryan"}).json()["items"]
    assert [(i["id"], i["name"]) for i in items] == [("paul-ryan", "Ryan"), ("sean-ryan", "Ryan")]
    twin = client.get("/ui/disputes.json", params={"source": "ryan"}).json()
    assert twin["picked"]["source"]["problem"] == "“ryan” names 2 sources"
    assert [c["id"] for c in twin["picked"]["source"]["candidates"]] == ["paul-ryan", "sean-ryan"]
    page = client.get("/ui/disputes", params={"source": "ryan", "type": "graded"})
    assert page.status_code == 200
    links = [a["href"] for t, a in parse(page.text).tags if t == "a" and "source_id=" in (
        a.get("href") or "")]
    assert len(links) == 2
    chosen = client.get(str(links[1]))  # Sean Ryan, the other filters kept
    assert "type=graded" in str(links[1])
    assert box(chosen.text, "source_id")["value"] == "sean-ryan"
    assert len(re.findall(r'class="dispute-link"', chosen.text)) == 1
    # the type-ahead's choice settles it, as does the id written after the name
    for params in ({"source": "Ryan", "source_id": "paul-ryan"}, {"source": "Ryan (paul-ryan)"}):
        twin = client.get("/ui/disputes.json", params=params).json()
        assert twin["picked"]["source"]["id"] == "paul-ryan" and twin["total"] == 0


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hst.text(max_size=40))
def test_queue_never_fails_on_a_typed_name(client: TestClient, text: str) -> None:
    for kind in ("source", "subject"):
        page = client.get("/ui/disputes", params={kind: text, kind + "_id": text})
        assert page.status_code == 200, page.text
    found = client.get("/sources", params={"q": text or "x"})
    assert found.status_code == 200 and len(found.json()["items"]) <= 20


@pytest.mark.parametrize("path", ["/ui/disputes/d-nope", "/ui/claims/nope", "/ui/sources/nope"])
def test_unknown_ids_are_404(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert client.get(path + ".json").status_code == 404


def test_pages_send_a_content_security_policy_and_local_assets(client: TestClient) -> None:
    for path in ("/ui/disputes", "/ui/sparql", "/ui/disputes.json"):
        csp = client.get(path).headers["content-security-policy"]
        assert "default-src 'self'" in csp
    html = client.get("/ui/disputes").text
    for tag, attrs in parse(html).tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            if tag in ("link", "script", "img") and value is not None:
                assert value.startswith(("/", "data:")), value  # nothing from a CDN
    css = client.get("/ui/static/style.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]


# --- hostile article text ---------------------------------------------------------------------

PAYLOADS = ("<script>alert(1)</script>", '" onmouseover="alert(1)', "<img src=x onerror=alert(1)>")


def hostile_claim() -> ClaimIn:
    text = ("Breaking news from the front.\n\n"
            'Witnesses <script>alert(1)</script> said the town " onmouseover="alert(1) is <img src=x onerror=alert(1)> '
            "contested and the fighting goes on.\n\nThe end.")
    return ClaimIn.model_validate({
        "id": "hostile-1",
        "speakers": ["Mallory <svg onload=alert(1)>"],
        "article": {"url": "https://example.org/hostile", "text": text,
                    "outlet": "Evil <i>Wire</i>", "title": "<script>alert('title')</script>"},
        "quote": {"exact": 'the town " onmouseover="alert(1) is <img src=x onerror=alert(1)> '
                           "contested"},
        "said_at": '"><script>alert(2)</script>',
        "statements": [{"subject": "Hajin", "property": "controlStatus", "value": "contested"}],
    })


def test_hostile_article_text_renders_as_inert_text(
    client: TestClient, seeded_state: AppState
) -> None:
    result = seeded_state.service.submit(hostile_claim())
    assert result.detection.disputes  # it contradicts the Observatory: it joins the dispute
    did = dispute_id(client)
    for path in (f"/ui/disputes/{did}", "/ui/claims/hostile-1", "/ui/sources/evil-i-wire-i",
                 "/ui/disputes", "/ui/sources"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.text
        for payload in PAYLOADS:
            assert payload not in html, (path, payload)
        tags = parse(html)
        assert not [t for t, _ in tags.tags if t in ("img", "i")], path
        # no script but our own, by its src (the queue's type-ahead)
        scripts = [a for t, a in tags.tags if t == "script"]
        assert all((a.get("src") or "").startswith("/ui/static/") for a in scripts), path
        svg_children = [t for t, _ in tags.tags if t == "svg"]
        assert len(svg_children) <= 1  # only our own picture
        for _, attrs in tags.tags:
            assert not [a for a in attrs if a.startswith("on")], (path, attrs)
    page = client.get(f"/ui/disputes/{did}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&#34; onmouseover=&#34;alert(1)" in page
    marks = parse(page).marks
    assert 'the town " onmouseover="alert(1) is <img src=x onerror=alert(1)> contested' in marks
    # the picture's labels are escaped too
    assert "Mallory &lt;svg onload=alert(1)&gt;" in page


# --- the verdict form ---------------------------------------------------------------------------

def make_token(state: AppState, name: str, role: str) -> str:
    from app.model.reviews import Role
    from app.review.service import review_service

    return review_service(state.store, state.settings).tokens.create(name, Role(role))


def post_form(client: TestClient, did: str, fields: dict[str, str]) -> str:
    response = client.post(f"/ui/disputes/{did}/reviews", data=fields, follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"/ui/disputes/{did}?")
    return location


def test_verdict_form_records_reviews_and_shows_history(
    client: TestClient, seeded_state: AppState
) -> None:
    did = dispute_id(client)
    token = make_token(seeded_state, "alice", "reviewer")
    before = client.get(f"/ui/disputes/{did}.json").json()["review"]
    assert before["version"] == 0 and before["history"] == []
    assert {m["value"] for m in before["moves"]} == {"in-review", "resolved", "dismissed"}
    page = client.get(f"/ui/disputes/{did}").text
    inputs = {a.get("name"): a for t, a in parse(page).tags if t in ("input", "select")}
    assert inputs["version"]["value"] == "0" and inputs["token"]["type"] == "password"
    assert "rating:voa-hajin-sohr-1" in inputs

    location = post_form(client, did, {"token": token, "version": "0", "status": "in-review",
                                       "rationale": "Looking <b>into</b> it"})
    assert "ok=" in location
    shown = client.get(location)
    assert "open → in-review" in shown.text
    assert "Looking &lt;b&gt;into&lt;/b&gt; it" in shown.text

    location = post_form(client, did, {
        "token": token, "version": "1", "status": "resolved", "outcome": "supports-a",
        "rationale": "Fighting went on <script>x()</script>",
        "evidence": "https://example.org/a\nhttps://example.org/b",
        "rating:voa-hajin-sohr-1": "mostly-false", "rating:voa-hajin-bali-1": "mostly-true",
    })
    assert "ok=" in location
    after = client.get(f"/ui/disputes/{did}.json").json()
    review = after["review"]
    assert after["status"] == "resolved" and review["version"] == 2
    assert [h["to"] for h in review["history"]] == ["resolved", "in-review"]
    assert review["current"]["outcome"] == "supports-a"
    assert {r["claim"]: r["rating"] for r in review["current"]["ratings"]} == {
        "voa-hajin-sohr-1": "mostly-false", "voa-hajin-bali-1": "mostly-true"}
    html = client.get(f"/ui/disputes/{did}").text
    assert "&lt;script&gt;x()&lt;/script&gt;" in html and "<script>x()" not in html
    assert "https://example.org/b" in html
    # the source page lists the verdict
    # the SPARQL page's review example finds both actions and the verdict
    examples = client.get("/ui/sparql.json").json()["examples"]
    query = next(e["query"] for e in examples if "ReviewAction" in e["query"])
    rows = client.get("/sparql", params={"query": query, "format": "json"}).json()
    bindings = rows["results"]["bindings"]
    assert len(bindings) == 2 and bindings[0]["outcome"]["value"].endswith("SupportsSideA")
    verdicts = client.get("/ui/sources/sohr.json").json()["verdicts"]
    assert [v["outcome"] for v in verdicts] == ["supports-a"]
    assert "The evidence supports side A" in client.get("/ui/sources/sohr").text


@pytest.mark.parametrize(
    ("token_role", "fields", "status"),
    [(None, {"status": "in-review", "version": "0"}, "401"),
     ("editor", {"status": "in-review", "version": "0"}, "403"),
     ("reviewer", {"status": "in-review", "version": "7"}, "409"),
     ("reviewer", {"status": "resolved", "version": "0"}, "verdict"),
     ("reviewer", {"status": "in-review", "version": "0", "outcome": "supports-a",
                   "rationale": "x", "rating:voa-hajin-sohr-1": "true"}, "verdict")],
)
def test_verdict_form_refusals_change_nothing(
    client: TestClient, seeded_state: AppState, token_role: str | None,
    fields: dict[str, str], status: str
) -> None:
    did = dispute_id(client)
    token = make_token(seeded_state, f"t-{token_role}", token_role) if token_role else ""
    location = post_form(client, did, {"token": token, **fields})
    assert "error=" in location
    page = client.get(location)
    errors = [a for t, a in parse(page.text).tags if t == "p" and "error" in (a.get("class") or "")]
    assert errors and status in page.text
    review = client.get(f"/ui/disputes/{did}.json").json()["review"]
    assert review["version"] == 0 and review["history"] == []


def test_unknown_dispute_form_post_is_reported(client: TestClient, seeded_state: AppState) -> None:
    token = make_token(seeded_state, "bob", "reviewer")
    location = post_form(client, "d-nope", {"token": token, "status": "in-review", "version": "0"})
    assert "error=404" in location


def test_dispute_without_two_sides_lists_its_claims_in_one_column(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.web import review_bridge

    monkeypatch.setattr(review_bridge, "sides", lambda state, dispute_id: None)
    did = dispute_id(client)
    twin = client.get(f"/ui/disputes/{did}.json").json()
    assert [c["side"] for c in twin["columns"]] == [""]
    assert sorted(c["letter"] for c in twin["claims"]) == [str(n) for n in range(1, 8)]
    page = client.get(f"/ui/disputes/{did}")
    assert page.status_code == 200 and 'class="side-h"' not in page.text
    assert len(parse(page.text).marks) == 7
