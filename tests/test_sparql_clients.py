"""Real SPARQL clients against a real server: SPARQLWrapper 2 in every return format and
request method, rdflib's SPARQLStore / SPARQLUpdateStore, and curl with each Accept type.
Also the answers that must stay 4xx (format mismatches, deep nesting) and well-formed XML
for literals holding control characters. One uvicorn process serves the whole module."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDF,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, Unauthorized

from app.api.sparql import MAX_CHAINED, MAX_NESTING
from app.model.reviews import Role
from app.store.tokens import TokenStore
from tests.conftest import running_server, settings

CLAIM = "https://w3id.org/claimgraph/ns#Claim"
SELECT = f"SELECT ?c WHERE {{ ?c a <{CLAIM}> }} ORDER BY ?c LIMIT 3"
ASK = f"ASK {{ ?c a <{CLAIM}> }}"
CONSTRUCT = f"CONSTRUCT {{ ?c a <{CLAIM}> }} WHERE {{ ?c a <{CLAIM}> }} ORDER BY ?c LIMIT 4"
SOHR = "https://w3id.org/claimgraph/id/claim/voa-hajin-sohr-1"
DESCRIBE = f"DESCRIBE <{SOHR}>"
REF = "http://example.org/ref/control"  # a reference graph: any RDF may be written there
ODD = "a\x01b\x00c\x1fd\re\tf\ng"  # C0 controls XML 1.0 cannot carry, and three it can
METHODS = [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real server on a seeded on-disk store, an editor token for it, and a literal full
    of control characters written through the authenticated update endpoint."""
    tmp = tmp_path_factory.mktemp("clients")
    store = tmp / "store"
    tokens = TokenStore(settings(store=str(store)).tokens_file)
    token = tokens.create("client-tests", Role.editor)
    tokens.close()
    with running_server(store, tmp / "server.log") as base:
        escaped = json.dumps(ODD)  # a JSON string is a valid SPARQL string literal here
        write = httpx.post(
            f"{base}/sparql/update", timeout=30, headers={"Authorization": f"Bearer {token}"},
            data={"update": f"INSERT DATA {{ GRAPH <{REF}> {{ <{REF}#x> <{REF}#label> "
                            f"{escaped} }} }}"},
        )
        assert write.status_code == 200, write.text
        yield {"base": base, "sparql": f"{base}/sparql", "token": token}


def wrapper(server: dict[str, str], query: str, fmt: str, method: str, request: str
            ) -> SPARQLWrapper:
    client = SPARQLWrapper(server["sparql"])
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    client.setRequestMethod(request)
    return client


def converted(client: SPARQLWrapper) -> tuple[str, Any]:
    """The response's content type and SPARQLWrapper's conversion of it. SPARQLWrapper
    itself builds rdflib ConjunctiveGraphs, which rdflib 7 marks deprecated, and warns when
    it knows no Accept header for a format (RDF, JSON for graphs: `format=` carries it)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        warnings.filterwarnings("ignore", "Sending Accept header", RuntimeWarning)
        result = client.query()
        return result.info()["content-type"], result.convert()


def rdf_triples(value: Any) -> int:
    if isinstance(value, bytes):  # Turtle comes back raw
        return len(Graph().parse(data=value.decode(), format="turtle"))
    return len(value)


@pytest.mark.parametrize(("method", "request_method"), METHODS)
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select(server: dict[str, str], method: str, request_method: str,
                              fmt: str) -> None:
    media, value = converted(wrapper(server, SELECT, fmt, method, request_method))
    if fmt == JSON:
        assert media.startswith("application/sparql-results+json")
        claims = [b["c"]["value"] for b in value["results"]["bindings"]]
    elif fmt == XML:
        assert media.startswith("application/sparql-results+xml")
        claims = [u.firstChild.data for u in value.getElementsByTagName("uri")]
    else:
        rows = list(csv.reader(io.StringIO(value.decode()), delimiter="," if fmt == CSV else "\t"))
        assert rows[0] == (["c"] if fmt == CSV else ["?c"])
        claims = [r[0].strip("<>") for r in rows[1:]]
    assert len(claims) == 3 and all(c.startswith("https://w3id.org/claimgraph/id/claim/")
                                    for c in claims)


@pytest.mark.parametrize(("method", "request_method"), METHODS)
@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(server: dict[str, str], method: str, request_method: str,
                           fmt: str) -> None:
    _, value = converted(wrapper(server, ASK, fmt, method, request_method))
    answer = value["boolean"] if fmt == JSON else value.getElementsByTagName("boolean")[0]
    assert answer is True or answer.firstChild.data == "true"


@pytest.mark.parametrize(("method", "request_method"), METHODS)
@pytest.mark.parametrize(("query", "count"), [(CONSTRUCT, 4), (DESCRIBE, None)])
@pytest.mark.parametrize(
    ("fmt", "media"),
    [(TURTLE, "text/turtle"), (N3, "text/turtle"), (JSONLD, "application/ld+json"),
     (JSON, "application/ld+json"), (RDFXML, "application/rdf+xml"),
     (RDF, "application/rdf+xml"), (XML, "application/rdf+xml")],
)
def test_sparqlwrapper_graphs(server: dict[str, str], method: str, request_method: str,
                              query: str, count: int | None, fmt: str, media: str) -> None:
    answer_type, value = converted(wrapper(server, query, fmt, method, request_method))
    assert answer_type.startswith(media)
    triples = rdf_triples(value)
    assert triples == count if count is not None else triples > 10


@pytest.mark.parametrize(
    ("query", "fmt", "named"),
    [(SELECT, N3, "n3"), (SELECT, JSONLD, "json-ld"), (SELECT, RDF, "rdf"),
     (ASK, CSV, "csv"), (ASK, TURTLE, "turtle"), (CONSTRUCT, CSV, "csv"),
     (DESCRIBE, TSV, "tsv")],
)
def test_sparqlwrapper_format_the_query_form_lacks_is_a_clear_400(
    server: dict[str, str], query: str, fmt: str, named: str,
) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Sending Accept header", RuntimeWarning)
        with pytest.raises(QueryBadFormed) as caught:
            wrapper(server, query, fmt, GET, URLENCODED).query()
    message = str(caught.value)
    assert f"requested format ({named}" in message and "is not available for" in message


@pytest.mark.parametrize("request_method", [URLENCODED, POSTDIRECTLY])
def test_sparqlwrapper_update_with_a_token(server: dict[str, str], request_method: str) -> None:
    graph = f"http://example.org/ref/wrapper-{request_method}"
    client = SPARQLWrapper(server["sparql"], updateEndpoint=f"{server['base']}/sparql/update")
    client.setMethod(POST)
    client.setRequestMethod(request_method)
    client.setQuery(f'INSERT DATA {{ GRAPH <{graph}> {{ <{graph}#a> <{graph}#b> "c" }} }}')
    with pytest.raises(Unauthorized):
        client.query()
    client.addCustomHttpHeader("Authorization", f"Bearer {server['token']}")
    client.setReturnFormat(JSON)
    assert client.query().convert() == {"claims": [], "new_contradictions": [], "disputes": []}
    ask = wrapper(server, f"ASK {{ GRAPH <{graph}> {{ ?s ?p 'c' }} }}", JSON, GET, URLENCODED)
    assert converted(ask)[1]["boolean"] is True


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore_queries(server: dict[str, str], method: str) -> None:
    remote = Graph(store=SPARQLStore(server["sparql"], method=method))
    assert len(list(remote.query(SELECT))) == 3
    assert remote.query(ASK).askAnswer is True
    constructed = remote.query(CONSTRUCT).graph
    assert constructed is not None and len(constructed) == 4
    assert (URIRef(SOHR), None, None) in remote  # triple patterns become SELECT queries


def test_rdflib_sparqlupdatestore_writes_with_a_bearer_token(server: dict[str, str]) -> None:
    graph = URIRef("http://example.org/ref/rdflib")
    store = SPARQLUpdateStore(
        server["sparql"], f"{server['base']}/sparql/update",
        headers={"Authorization": f"Bearer {server['token']}"},
    )
    remote = Graph(store=store, identifier=graph)
    remote.add((graph + "#a", graph + "#b", Literal("written by rdflib")))
    check = Graph(store=SPARQLStore(server["sparql"]))
    rows = list(check.query(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))
    assert [str(r[0]) for r in rows] == ["written by rdflib"]  # type: ignore[index]


def curl(server: dict[str, str], query: str, accept: str) -> tuple[str, str]:
    """curl's status and content type, and the body written to its output."""
    done = subprocess.run(
        ["curl", "-sS", "-G", server["sparql"], "--data-urlencode", f"query={query}",
         "-H", f"Accept: {accept}", "-w", "\n%{http_code} %{content_type}"],
        capture_output=True, text=True, timeout=60, check=True,
    )
    body, _, status = done.stdout.rpartition("\n")
    return status, body


@pytest.mark.parametrize(
    ("query", "accept", "media"),
    [
        (SELECT, "application/sparql-results+json", "application/sparql-results+json"),
        (SELECT, "application/json", "application/json"),
        (SELECT, "application/sparql-results+xml", "application/sparql-results+xml"),
        (SELECT, "application/xml", "application/xml"),
        (SELECT, "text/csv", "text/csv"),
        (SELECT, "text/tab-separated-values", "text/tab-separated-values"),
        (ASK, "application/sparql-results+json", "application/sparql-results+json"),
        (ASK, "application/sparql-results+xml", "application/sparql-results+xml"),
        (CONSTRUCT, "text/turtle", "text/turtle"),
        (CONSTRUCT, "text/n3", "text/turtle"),
        (CONSTRUCT, "application/n-triples", "application/n-triples"),
        (CONSTRUCT, "application/ld+json", "application/ld+json"),
        (CONSTRUCT, "application/x-json+ld", "application/ld+json"),
        (CONSTRUCT, "application/rdf+xml", "application/rdf+xml"),
        (DESCRIBE, "text/plain", "text/plain"),
    ],
)
def test_curl_each_accept_type(server: dict[str, str], query: str, accept: str, media: str
                               ) -> None:
    status, body = curl(server, query, accept)
    assert status.startswith(f"200 {media}")
    if query == ASK:
        assert "true" in body
    elif query == SELECT:
        assert body.count("https://w3id.org/claimgraph/id/claim/") == 3
    else:
        fmt = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
               "text/plain": ox.RdfFormat.N_TRIPLES, "application/ld+json": ox.RdfFormat.JSON_LD,
               "application/rdf+xml": ox.RdfFormat.RDF_XML}[media]
        assert len(list(ox.parse(body.encode(), format=fmt))) >= 4


def test_curl_unavailable_accept_is_406(server: dict[str, str]) -> None:
    status, body = curl(server, ASK, "text/csv")
    assert status.startswith("406") and "text/csv" in json.loads(body)["message"]


def get(server: dict[str, str], **params: str | list[str]) -> httpx.Response:
    return httpx.get(server["sparql"], params=params, timeout=60)


def test_repeated_and_listed_format_parameters_pick_the_first_the_form_has(
    server: dict[str, str],
) -> None:
    answer = get(server, query=CONSTRUCT, format=["json-ld", "application/ld+json,x/y"])
    assert answer.headers["content-type"].startswith("application/ld+json")
    answer = get(server, query=SELECT, format=["n3", "bogus,tsv"], output="json")
    assert answer.headers["content-type"].startswith("text/tab-separated-values")
    assert get(server, query=SELECT, output="xml").text.startswith("<?xml")
    assert get(server, query=ASK, results="json").json()["boolean"] is True
    posted = httpx.post(server["sparql"], data={"query": SELECT, "output": "csv"}, timeout=60)
    assert posted.headers["content-type"].startswith("text/csv")
    direct = httpx.post(server["sparql"], params={"format": "ntriples"}, content=CONSTRUCT,
                        headers={"content-type": "application/sparql-query"}, timeout=60)
    assert direct.headers["content-type"].startswith("application/n-triples")
    refused = get(server, query=ASK, format="bogus")
    assert refused.status_code == 400 and "bogus" in refused.json()["message"]


def test_rdfxml_of_a_predicate_with_no_xml_name_is_406(server: dict[str, str]) -> None:
    query = "CONSTRUCT { <http://example.org/a> <http://example.org/p/123> 1 } WHERE {}"
    answer = get(server, query=query, format="rdf+xml")
    assert answer.status_code == 406 and "RDF/XML" in answer.json()["message"]
    assert get(server, query=query, format="turtle").status_code == 200


ODD_SELECT = f"SELECT ?o WHERE {{ GRAPH <{REF}> {{ ?s ?p ?o }} }}"
ODD_CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{REF}> {{ ?s ?p ?o }} }}"
IN_XML = ODD.replace("\x01", "\ufffd").replace("\x00", "\ufffd").replace("\x1f", "\ufffd")


def test_control_characters_keep_sparql_xml_results_well_formed(server: dict[str, str]) -> None:
    answer = get(server, query=ODD_SELECT, format="xml")
    assert answer.status_code == 200
    root = ET.fromstring(answer.content)  # expat: a strict XML 1.0 parser
    literal = root.find(".//{http://www.w3.org/2005/sparql-results#}literal")
    assert literal is not None and literal.text == IN_XML  # CR, tab and newline survive
    parsed = list(ox.parse_query_results(answer.content, format=ox.QueryResultsFormat.XML))
    assert parsed[0]["o"].value == IN_XML


def test_control_characters_keep_rdfxml_well_formed(server: dict[str, str]) -> None:
    answer = get(server, query=ODD_CONSTRUCT, format="rdf+xml")
    assert answer.status_code == 200
    ET.fromstring(answer.content)
    objects = [o for _, _, o in Graph().parse(data=answer.content, format="xml")]
    assert objects == [Literal(IN_XML)]


@pytest.mark.parametrize(
    ("query", "fmt", "parse"),
    [
        (ODD_SELECT, "json", lambda b: json.loads(b)["results"]["bindings"][0]["o"]["value"]),
        (ODD_SELECT, "tsv", lambda b: next(iter(ox.parse_query_results(
            b, format=ox.QueryResultsFormat.TSV)))["o"].value),
        (ODD_SELECT, "csv", lambda b: list(csv.reader(io.StringIO(b.decode(), newline="")))[1][0]),
        (ODD_CONSTRUCT, "turtle", lambda b: next(ox.parse(b, format=ox.RdfFormat.TURTLE)).object.value),
        (ODD_CONSTRUCT, "nt", lambda b: next(ox.parse(b, format=ox.RdfFormat.N_TRIPLES)).object.value),
        (ODD_CONSTRUCT, "json-ld", lambda b: next(ox.parse(b, format=ox.RdfFormat.JSON_LD)).object.value),
    ],
)
def test_other_formats_carry_control_characters_exactly(
    server: dict[str, str], query: str, fmt: str, parse: Any,
) -> None:
    answer = get(server, query=query, format=fmt)
    assert answer.status_code == 200
    assert parse(answer.content) == ODD


def nested_groups(depth: int) -> str:
    return "SELECT * WHERE " + "{" * depth + " ?s ?p ?o " + "}" * depth + " LIMIT 1"


def nested_parentheses(depth: int) -> str:
    inner = depth - 2  # the group and FILTER's own parentheses are two levels
    return "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * inner + "true" + ")" * inner + ") } LIMIT 1"


@pytest.mark.parametrize("build", [nested_groups, nested_parentheses])
def test_deep_nesting_is_a_400_before_the_engine(server: dict[str, str], build: Any) -> None:
    query = build(5000)
    for answer in (
        get(server, query=query),
        httpx.post(server["sparql"], data={"query": query}, timeout=60),
        httpx.post(server["sparql"], content=query, timeout=60,
                   headers={"content-type": "application/sparql-query"}),
    ):
        assert answer.status_code == 400
        assert f"more than {MAX_NESTING} levels deep" in answer.json()["message"]
    assert get(server, query=build(MAX_NESTING)).status_code == 200
    assert get(server, query=build(MAX_NESTING + 1)).status_code == 400


def test_brackets_hidden_in_an_iri_like_token_still_count(server: dict[str, str]) -> None:
    query = "ASK { ?s ?p ?o FILTER(?o<" + "(" * 3000 + "?p>1) }"
    answer = get(server, query=query)
    assert answer.status_code == 400 and "levels deep" in answer.json()["message"]


def test_long_optional_chains_are_a_400(server: dict[str, str]) -> None:
    chain = " ".join(f"OPTIONAL {{ ?s ?p ?o{i} }}" for i in range(400))
    answer = get(server, query=f"SELECT * WHERE {{ ?s ?p ?o {chain} }} LIMIT 1")
    assert answer.status_code == 400 and str(MAX_CHAINED) in answer.json()["message"]
    assert get(server, query=ASK).json()["boolean"] is True  # the server still answers


def test_limits_ignore_brackets_in_strings_and_comments(server: dict[str, str]) -> None:
    noise = "{" * 500
    query = f'SELECT * WHERE {{ ?s ?p ?o FILTER(?o != "{noise}") # {noise}\n}} LIMIT 1'
    assert get(server, query=query).status_code == 200
