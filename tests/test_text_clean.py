"""Control characters are removed once, at ingest: the stored text, the returned text and
every offset agree, for text, JSON-file and HTML input."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api.deps import AppState
from app.ingest.files import read_post
from app.ingest.service import IngestService
from app.ingest.text import clean_text, document, html_to_text
from app.main import create_app
from app.model.reviews import Role
from app.review.service import review_service

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
CLEAN = "The Syrian Observatory for Human Rights said 14 civilians were killed in Hajin."
DIRTY = ("The Syrian\x00 Observatory for \x01Human Rights said 14\x1b civilians were "
         "ki\x7flled in Hajin.")
DIRTY_CLEANED = CLEAN


@pytest.fixture
def editor(empty_state: AppState) -> Iterator[tuple[TestClient, dict[str, str]]]:
    token = review_service(empty_state.store, empty_state.settings).tokens.create(
        "clean-editor", Role.editor)
    with TestClient(create_app(empty_state.settings, state=empty_state)) as client:
        yield client, {"authorization": f"Bearer {token}"}


def check_offsets(out: dict[str, Any]) -> None:
    text = out["text"]
    assert not CONTROL.search(text)
    assert out["statements"]
    for st in out["statements"]:
        for key in ("source", "cue"):
            if st[key]:
                assert text[st[key]["start"]:st[key]["end"]] == st[key]["text"]
        assert text[st["content"]["start"]:st["content"]["end"]] == st["content"]["text"]


def test_clean_text_removes_exactly_the_control_characters() -> None:
    kept = "tab\there\nline\r\nend \u00e9 \u2013 \u201cq\u201d \u200b \ufffd \U0001f600"
    assert clean_text(kept) == kept
    removed = "".join(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), *range(127, 160)])
    assert clean_text("a" + removed + "b") == "ab"
    assert clean_text("x\ud800y\udfffz\ufffe\uffff") == "xyz"
    assert clean_text(DIRTY) == DIRTY_CLEANED
    # an escape sequence loses its escape byte only: the printable rest is text
    assert clean_text("red\x1b[0m") == "red[0m"


def test_document_cleans_text_and_html_alike() -> None:
    assert document(text=DIRTY).text == DIRTY_CLEANED
    html = "<p>" + DIRTY.replace("Rights", "Rights&#1;&#x7f;&#27;") + "</p>"
    assert html_to_text(html).text == DIRTY_CLEANED


def test_post_text_with_control_characters(
        editor: tuple[TestClient, dict[str, str]], empty_state: AppState) -> None:
    client, auth = editor
    response = client.post("/articles", headers=auth, json={
        "url": "https://example.org/ctl/text", "text": DIRTY, "outlet": "VOA"})
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["text"] == DIRTY_CLEANED
    check_offsets(out)
    [st] = out["statements"]
    assert st["speakers"][0]["ref"] == "sohr"
    assert st["content"]["text"] == "14 civilians were killed in Hajin"
    # the stored quote's offsets index the stored (clean) text
    claim = client.get(f"/claims/{out['claims'][0]}").json()
    assert "\\u0000" not in json.dumps(claim) and "\x1b" not in json.dumps(claim)
    # the same words without control characters are the same article
    again = client.post("/articles", headers=auth, json={
        "url": "https://example.org/ctl/text", "text": DIRTY_CLEANED, "outlet": "VOA"})
    assert again.status_code == 200 and again.json()["status"] == "unchanged"


def test_post_raw_json_with_escaped_controls_and_lone_surrogates(
        editor: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = editor
    raw = ('{"url": "https://example.org/ctl/json", "outlet": "VOA\\u0001", '
           '"title": "T\\u0000itle", "text": "' + CLEAN.replace("Observatory",
                                                                 "Obser\\ud800vatory\\u0000")
           + ' \\u007f\\u009f\\uffff"}')
    response = client.post("/articles", content=raw.encode(),
                           headers={**auth, "content-type": "application/json"})
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["text"] == CLEAN + " "
    check_offsets(out)
    assert out["statements"][0]["speakers"][0]["ref"] == "sohr"


def test_post_html_with_control_characters(editor: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = editor
    html = ("<html><head><title>Tol\x01l</title></head><body><article><p>"
            + DIRTY.replace("civilians", "civi&#1;lians") + "</p></article></body></html>")
    response = client.post("/articles", headers=auth, json={
        "url": "https://example.org/ctl/html", "html": html, "outlet": "VOA"})
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["text"] == DIRTY_CLEANED and out["metadata"]["title"] == "Toll"
    check_offsets(out)


def test_only_control_characters_is_no_text(editor: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = editor
    for body in ({"text": "\x00\x01 \x7f"}, {"html": "<p>\x00\x1b</p>"}):
        response = client.post("/articles", headers=auth,
                               json={"url": "https://example.org/ctl/none", **body})
        assert response.status_code == 422, response.text
        assert "no" in response.json()["message"] and "text" in response.json()["message"]


def test_txt_and_json_files(tmp_path: Path, empty_state: AppState) -> None:
    txt = tmp_path / "a.txt"
    txt.write_bytes(DIRTY.encode("utf-8"))
    data = tmp_path / "b.json"
    data.write_text(json.dumps({"text": DIRTY.replace("Hajin", "Baghuz"), "outlet": "VOA"}),
                    encoding="utf-8")
    service = IngestService(empty_state.service)
    for path, expected in ((txt, DIRTY_CLEANED), (data, DIRTY_CLEANED.replace("Hajin", "Baghuz"))):
        result = service.ingest(read_post(path, "VOA"))
        assert result.status == "ingested" and result.text == expected
        for st in result.statements:
            a, b = st["content"]["start"], st["content"]["end"]
            assert expected[a:b] == st["content"]["text"]
