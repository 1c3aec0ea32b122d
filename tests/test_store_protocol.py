"""Writes over SPARQL 1.1 Update (/sparql/update) and the Graph Store Protocol (/store)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from app.api.deps import AppState
from app.model.claims import ClaimIn
from app.store.base import data_block

REF = "http://example.org/reference/places"
EDITOR: dict[str, str] = {}  # filled per test by the autouse fixture below


@pytest.fixture(autouse=True)
def _editor(auth: Callable[[str], dict[str, str]]) -> None:
    EDITOR.clear()
    EDITOR.update(auth("editor"))


def upd(**extra: str) -> dict[str, str]:
    """Headers of an authenticated SPARQL Update request."""
    return {"content-type": "application/sparql-update", **EDITOR, **extra}


def ed(**extra: str) -> dict[str, str]:
    """Editor headers plus extra ones."""
    return {**EDITOR, **extra}


def quads(client: TestClient) -> int:
    count: int = client.get("/health").json()["quads"]
    return count


def claim_insert(state: AppState, **overrides: Any) -> str:
    """INSERT DATA for a claim built exactly as POST /claims would build it."""
    body: dict[str, Any] = {
        "id": "coalition-hajin-taken",
        "speakers": ["coalition"],
        "article": {"url": "https://www.voanews.com/extremism-watch/us-backed-fighters-battle-last-syrian-stronghold"},
        "quote": {"exact": "The progress in MERV is going very well"},
        "statements": [{"subject": "hajin", "property": "controlStatus", "value": "fully-controlled"}],
    }
    body.update(overrides)
    built = state.service.builder.build(ClaimIn.model_validate(body))
    return f"INSERT DATA {{\n{data_block(built.quads)}\n}}"


def test_insert_data_of_a_valid_claim_is_validated_and_detected(
    client: TestClient, seeded_state: AppState
) -> None:
    response = client.post("/sparql/update", content=claim_insert(seeded_state), headers=upd())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["claims"] == ["https://w3id.org/claimgraph/id/claim/coalition-hajin-taken"]
    # graded against the three "more than 60 percent" claims, and control-vs-fighting against
    # the three other sources who say fighting goes on in Hajin
    assert len(body["new_contradictions"]) == 6
    (dispute,) = client.get("/disputes").json()["items"]
    assert body["disputes"] == [dispute["id"]]
    assert "coalition" in {s["id"] for s in dispute["sources"]}


def test_invalid_claim_data_is_refused_and_nothing_is_written(
    client: TestClient, seeded_state: AppState
) -> None:
    text = claim_insert(seeded_state)
    # drop the quotation: the claim no longer satisfies the shapes
    broken = "\n".join(line for line in text.splitlines() if "#quotation" not in line and "quotation>" not in line)
    before = quads(client)
    response = client.post("/sparql/update", content=broken, headers=upd())
    assert response.status_code == 422, response.text
    assert quads(client) == before


def test_claims_are_append_only(client: TestClient) -> None:
    before = quads(client)
    for update in (
        "DELETE DATA { <https://w3id.org/claimgraph/id/claim/voa-hajin-sohr-1> "
        "<https://w3id.org/claimgraph/ns#saidAt> \"earlier Wednesday\" }",
        "CLEAR ALL",
        "DROP GRAPH <https://w3id.org/claimgraph/id/claim/voa-hajin-sohr-1>",
        "DELETE WHERE { ?s ?p ?o }",
        "INSERT { ?s <http://example.org/p> 1 } WHERE { ?s ?p ?o }",
        "INSERT DATA { GRAPH <https://w3id.org/claimgraph/graph/vocabulary> { <http://x/a> <http://x/b> 1 } }",
    ):
        response = client.post("/sparql/update", data={"update": update}, headers=ed())
        assert response.status_code == 403, (update, response.text)
        assert response.json()["message"]
    assert quads(client) == before


def test_reference_graphs_accept_any_update(client: TestClient) -> None:
    update = (
        f"INSERT DATA {{ GRAPH <{REF}> {{ <http://example.org/hajin> <http://example.org/population> 60000 }} }} ;\n"
        f"WITH <{REF}> DELETE {{ ?s <http://example.org/population> ?n }} "
        f"INSERT {{ ?s <http://example.org/population> 65000 }} WHERE {{ ?s <http://example.org/population> ?n }}"
    )
    assert client.post("/sparql/update", content=update, headers=upd()).status_code == 200
    response = client.get("/store", params={"graph": REF}, headers={"accept": "application/n-triples"})
    assert response.status_code == 200
    assert '"65000"' in response.text and "60000" not in response.text


def test_update_protocol_errors(client: TestClient) -> None:
    assert client.post("/sparql/update", content="CLEAR XYZ", headers=upd()).status_code == 400
    assert client.post("/sparql/update", content="CLEAR NAMED", headers=ed(**{"content-type": "text/plain"})).status_code == 415
    assert client.post(
        "/sparql/update", content="CLEAR NAMED".encode("utf-16"),
        headers=upd(**{"content-type": "application/sparql-update; charset=UTF-16"}),
    ).status_code == 415
    assert client.post("/sparql/update", content="update=CLEAR%20NAMED&update=CLEAR%20DEFAULT",
                       headers=ed(**{"content-type": "application/x-www-form-urlencoded"})).status_code == 400
    assert client.get("/sparql/update", params={"update": "CLEAR ALL"}).status_code in (404, 405)
    assert client.post(f"/sparql/update?using-named-graph-uri={REF}",
                       content="INSERT { GRAPH <http://example.org/g> { ?s ?p ?o } } USING <http://example.org/h> WHERE { ?s ?p ?o }",
                       headers=upd()).status_code == 400


def test_graph_store_protocol_round_trip(client: TestClient) -> None:
    turtle = "<http://example.org/sosa> <http://www.w3.org/2000/01/rdf-schema#label> \"Sosa\"@en ."
    assert client.get("/store", params={"graph": REF}).status_code == 404
    put = client.put("/store", params={"graph": REF}, content=turtle, headers=ed(**{"content-type": "text/turtle"}))
    assert put.status_code == 200, put.text
    more = "<http://example.org/shifaa> <http://www.w3.org/2000/01/rdf-schema#label> \"Shifa'a\"@en ."
    assert client.post("/store", params={"graph": REF}, content=more, headers=ed(**{"content-type": "text/turtle"})).status_code == 200
    got = client.get("/store", params={"graph": REF}, headers={"accept": "text/turtle"})
    assert len(Graph().parse(data=got.text, format="turtle")) == 2
    assert client.delete("/store", params={"graph": REF}, headers=ed()).status_code == 200
    assert client.get("/store", params={"graph": REF}).status_code == 404


def test_graph_store_protects_claims(client: TestClient) -> None:
    before = quads(client)
    turtle = "<http://example.org/a> <http://example.org/b> <http://example.org/c> ."
    claim_graph = "https://w3id.org/claimgraph/id/claim/voa-hajin-sohr-1"
    assert client.put("/store", params={"default": ""}, content=turtle, headers=ed(**{"content-type": "text/turtle"})).status_code == 403
    assert client.delete("/store", params={"default": ""}, headers=ed()).status_code == 403
    assert client.delete("/store", params={"graph": claim_graph}, headers=ed()).status_code == 403
    assert client.put("/store", params={"graph": claim_graph}, content=turtle, headers=ed(**{"content-type": "text/turtle"})).status_code == 403
    assert client.post("/store", params={"graph": REF}, content="not turtle <", headers=ed(**{"content-type": "text/turtle"})).status_code == 400
    assert client.post("/store", params={"graph": REF}, content=turtle, headers=ed(**{"content-type": "image/png"})).status_code == 415
    assert quads(client) == before


def test_new_alias_in_the_default_graph_is_used(client: TestClient) -> None:
    assert client.get("/disputes", params={"subject": "Hajin town centre"}).json()["total"] == 0
    alias = ('<https://w3id.org/claimgraph/id/entity/hajin> '
             '<http://www.w3.org/2004/02/skos/core#altLabel> "Hajin town centre"@en .')
    response = client.post("/store", params={"default": ""}, content=alias, headers=ed(**{"content-type": "text/turtle"}))
    assert response.status_code == 200, response.text
    assert client.get("/disputes", params={"subject": "Hajin town centre"}).json()["total"] == 1
    assert client.get("/store", params={"default": ""}, headers={"accept": "application/n-triples"}).status_code == 200


def test_writes_need_an_editor_token(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    before = quads(client)
    insert = f"INSERT DATA {{ GRAPH <{REF}> {{ <http://example.org/a> <http://example.org/b> 1 }} }}"
    plain = {"content-type": "application/sparql-update"}
    assert client.post("/sparql/update", content=insert, headers=plain).status_code == 401
    bad = {**plain, "Authorization": "Bearer not-a-token"}
    assert client.post("/sparql/update", content=insert, headers=bad).status_code == 401
    assert client.post("/sparql/update", content=insert, headers={**plain, **auth("reviewer")}).status_code == 403
    turtle = "<http://example.org/a> <http://example.org/b> 1 ."
    assert client.put("/store", params={"graph": REF}, content=turtle, headers={"content-type": "text/turtle"}).status_code == 401
    assert client.delete("/store", params={"graph": REF}).status_code == 401
    assert quads(client) == before
    assert client.post("/sparql/update", content=insert, headers={**plain, **auth("admin")}).status_code == 200


def test_workflow_data_and_foreign_claims_cannot_be_forged(client: TestClient) -> None:
    before = quads(client)
    dispute = client.get("/disputes").json()["items"][0]["iri"]
    for update in (
        f"INSERT DATA {{ <{dispute}> <https://w3id.org/claimgraph/ns#status> "
        "<https://w3id.org/claimgraph/vocab/Resolved> }",
        f"DELETE DATA {{ <{dispute}> <https://w3id.org/claimgraph/ns#status> "
        "<https://w3id.org/claimgraph/vocab/Open> }",
        "INSERT DATA { <http://example.org/k> <https://w3id.org/claimgraph/ns#inDispute> "
        f"<{dispute}> }}",
        "INSERT DATA { <http://example.org/c> a <https://w3id.org/claimgraph/ns#Claim> . "
        "GRAPH <http://example.org/c> { <https://w3id.org/claimgraph/id/entity/hajin> "
        "<https://w3id.org/claimgraph/ns#fightingStatus> "
        "<https://w3id.org/claimgraph/vocab/FightingEnded> } }",
        f"LOAD <http://127.0.0.1:9/data.ttl> INTO GRAPH <{REF}>",
    ):
        response = client.post("/sparql/update", content=update, headers=upd())
        assert response.status_code == 403, (update, response.text)
    assert quads(client) == before


def test_federated_queries_are_refused(client: TestClient) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 403
    assert "SERVICE" in response.json()["message"]
    plain = client.get("/sparql", params={"query": 'SELECT * WHERE { ?s ?p "service" } LIMIT 1'})
    assert plain.status_code == 200


# -- stored claims stay whole (issue 10) ------------------------------------------------------
SEED_ARTICLE = "<https://w3id.org/claimgraph/id/article/voa-hajin-2018-12>"
CG_NS = "<https://w3id.org/claimgraph/ns#>"


def seed_claim_iris(client: TestClient) -> list[str]:
    rows = client.post("/sparql", data={"query": f"SELECT ?c WHERE {{ ?c a {CG_NS[:-1]}Claim> }}"},
                       headers={"accept": "application/sparql-results+json"}).json()
    return sorted(b["c"]["value"] for b in rows["results"]["bindings"])


def test_deleting_the_article_a_claim_derives_from_is_refused(client: TestClient) -> None:
    before = quads(client)
    r = client.post("/sparql/update", headers=upd(),
                    content=f"DELETE DATA {{ {SEED_ARTICLE} a {CG_NS[:-1]}Article> }}")
    assert r.status_code == 409, r.text
    assert "provenance" in r.json()["message"]
    assert quads(client) == before
    ask = client.post("/sparql", data={"query": f"ASK {{ {SEED_ARTICLE} a {CG_NS[:-1]}Article> }}"},
                      headers={"accept": "application/sparql-results+json"}).json()
    assert ask["boolean"] is True


def test_a_stored_claim_cannot_gain_a_speaker_and_an_exact_reinsert_is_a_no_op(
        client: TestClient, seeded_state: AppState) -> None:
    assert client.post("/sparql/update", content=claim_insert(seeded_state), headers=upd()).status_code == 200
    before = quads(client)
    claim_iri = "<https://w3id.org/claimgraph/id/claim/coalition-hajin-taken>"
    r = client.post("/sparql/update", headers=upd(), content=(
        f"INSERT DATA {{ {claim_iri} <http://www.w3.org/ns/prov#wasAttributedTo> "
        "<https://w3id.org/claimgraph/id/entity/sdf> }"))
    assert r.status_code == 409, r.text
    assert "never changes" in r.json()["message"]
    r = client.post("/sparql/update", headers=upd(), content=(
        f"INSERT DATA {{ GRAPH {claim_iri} {{ <https://w3id.org/claimgraph/id/entity/hajin> "
        f"{CG_NS[:-1]}controlStatus> {CG_NS[:-1]}Contested> }} }}"))
    assert r.status_code == 409, r.text
    assert quads(client) == before
    again = client.post("/sparql/update", content=claim_insert(seeded_state), headers=upd())
    assert again.status_code == 200, again.text
    assert quads(client) == before


def test_a_speakers_type_cannot_be_deleted_but_its_aliases_can(client: TestClient) -> None:
    rows = client.post("/sparql", data={"query": (
        "SELECT ?t WHERE { <https://w3id.org/claimgraph/id/entity/sohr> a ?t } LIMIT 1")},
        headers={"accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    kind = rows[0]["t"]["value"]
    r = client.post("/sparql/update", headers=upd(), content=(
        f"DELETE DATA {{ <https://w3id.org/claimgraph/id/entity/sohr> a <{kind}> }}"))
    assert r.status_code == 409, r.text
    r = client.post("/sparql/update", headers=upd(), content=(
        "INSERT DATA { <https://w3id.org/claimgraph/id/entity/sohr> "
        "<http://www.w3.org/2004/02/skos/core#altLabel> \"the Observatory in Coventry\"@en }"))
    assert r.status_code == 200, r.text
    r = client.post("/sparql/update", headers=upd(), content=(
        "DELETE DATA { <https://w3id.org/claimgraph/id/entity/sohr> "
        "<http://www.w3.org/2004/02/skos/core#altLabel> \"the Observatory in Coventry\"@en }"))
    assert r.status_code == 200, r.text


def test_blank_nodes_sent_to_the_graph_store_become_skolem_iris(client: TestClient) -> None:
    r = client.post(f"/store?graph={REF}", content=b"<http://a.example/x> <http://a.example/p> [ <http://a.example/q> 1 ] .",
                    headers=ed(**{"content-type": "text/turtle"}))
    assert r.status_code == 200, r.text
    rows = client.post("/sparql", data={"query": (
        f"SELECT ?o ?v WHERE {{ GRAPH <{REF}> {{ <http://a.example/x> <http://a.example/p> ?o . "
        "?o <http://a.example/q> ?v } }")},
        headers={"accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    assert len(rows) == 1
    assert rows[0]["o"]["type"] == "uri"
    assert rows[0]["o"]["value"].startswith("https://w3id.org/claimgraph/id/genid/")


def test_a_deeply_nested_update_is_a_400_naming_the_limit(client: TestClient) -> None:
    text = "INSERT { <http://a.example/s> <http://a.example/p> 1 } WHERE " + "{" * 400 + "}" * 400
    r = client.post("/sparql/update", content=text, headers=upd())
    assert r.status_code == 400, r.text
    assert "128" in r.json()["message"]
