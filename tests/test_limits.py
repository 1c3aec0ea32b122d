"""Uploaded RDF that would exhaust or crash the process is refused before the parser
(app/store/limits.py): entity expansion in RDF/XML, deep nesting in JSON-LD."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from app.model.errors import DomainError
from app.store.limits import MAX_JSON_DEPTH, PayloadTooComplex, check_json, check_rdf_xml
from app.store.loader import parse_graph

GRAPH = "/store?graph=http://example.org/reference/uploads"
RDF_NS = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex.org/"'


def laughs(levels: int, fan: int) -> bytes:
    ents = '<!ENTITY a0 "laugh laugh laugh laugh">' + "".join(
        f"<!ENTITY a{i} \"{f'&a{i - 1};' * fan}\">" for i in range(1, levels + 1))
    return (f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [{ents}]><rdf:RDF {RDF_NS}>'
            f'<rdf:Description rdf:about="http://ex.org/a"><ex:p>&a{levels};</ex:p>'
            "</rdf:Description></rdf:RDF>").encode()


def nested_jsonld(depth: int) -> bytes:
    return ('{"@id":"http://ex.org/a","http://ex.org/p":' * depth + '{"@id":"http://ex.org/b"}'
            + "}" * depth).encode()


@pytest.fixture
def editor(auth: Callable[[str], dict[str, str]]) -> dict[str, str]:
    return auth("editor")


def test_billion_laughs_is_refused_with_413(client: TestClient,
                                            editor: dict[str, str]) -> None:
    body = laughs(8, 10)
    assert len(body) < 1000
    r = client.post(GRAPH, content=body, headers={**editor, "content-type": "application/rdf+xml"})
    assert r.status_code == 413, r.text
    assert "expand" in r.json()["message"]


def test_quadratic_blowup_is_refused() -> None:
    big = "x" * 50_000
    body = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY big "{big}">]><r>'
            + "&big;" * 400 + "</r>").encode()
    with pytest.raises(PayloadTooComplex):
        check_rdf_xml(body)


def test_external_entity_is_refused_not_read() -> None:
    body = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    with pytest.raises(DomainError, match="external entity"):
        check_rdf_xml(body)


def test_namespace_entities_of_ordinary_rdf_xml_still_parse(client: TestClient,
                                                            editor: dict[str, str]) -> None:
    body = ('<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY ex "http://ex.org/">]>'
            f'<rdf:RDF {RDF_NS}><rdf:Description rdf:about="&ex;a"><ex:p rdf:resource="&ex;b"/>'
            "</rdf:Description></rdf:RDF>").encode()
    r = client.post(GRAPH, content=body, headers={**editor, "content-type": "application/rdf+xml"})
    assert r.status_code in (200, 201, 204), r.text
    graph = parse_graph(body, "application/rdf+xml")
    assert {(str(s), str(o)) for s, _, o in graph} == {("http://ex.org/a", "http://ex.org/b")}


def test_deep_json_ld_is_refused_with_413_and_the_server_lives(
        client: TestClient, editor: dict[str, str]) -> None:
    headers = {**editor, "content-type": "application/ld+json"}
    r = client.post(GRAPH, content=nested_jsonld(4000), headers=headers)
    assert r.status_code == 413, r.text
    assert "nests deeper" in r.json()["message"]
    r = client.post(GRAPH, content=b"[" * 60_000 + b"]" * 60_000, headers=headers)
    assert r.status_code == 413
    ok = client.post(GRAPH, content=nested_jsonld(5), headers=headers)
    assert ok.status_code in (200, 201, 204), ok.text
    assert client.get("/health").status_code == 200


def test_json_that_is_not_json_is_a_400(client: TestClient, editor: dict[str, str]) -> None:
    r = client.post(GRAPH, content=b'{"@id": ', headers={
        **editor, "content-type": "application/ld+json"})
    assert r.status_code == 400 and "not JSON" in r.json()["message"]


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                    max_leaves=40))
def test_check_json_accepts_shallow_and_refuses_deep(value: object) -> None:
    data = json.dumps(value).encode()
    assert check_json(data) == value
    deep = json.dumps([value]).encode()
    for _ in range(MAX_JSON_DEPTH):
        deep = b"[" + deep + b"]"
    with pytest.raises(PayloadTooComplex):
        check_json(deep)
