"""The example queries shipped in ontology/queries run and answer sensibly on the seed."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

QUERIES = sorted((Path(__file__).resolve().parents[1] / "ontology" / "queries").glob("*.rq"))


def test_there_are_example_queries() -> None:
    assert {q.stem for q in QUERIES} >= {
        "disputes-about-a-place", "claims-by-source", "claims-about-a-subject",
        "sources-by-contradictions",
    }


@pytest.mark.parametrize("path", QUERIES, ids=[q.stem for q in QUERIES])
def test_example_query_runs(client: TestClient, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# title: ")
    response = client.post("/sparql", data={"query": text})
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    assert rows
    if path.stem == "disputes-about-a-place":
        assert len(rows) == 8  # the seed's 7 contradictions, one of them on two properties
        assert all(r["speakerB"]["value"] == "Syrian Observatory for Human Rights"
                   or r["speakerA"]["value"] == "Syrian Observatory for Human Rights" for r in rows)
    if path.stem == "sources-by-contradictions":
        assert rows[0]["name"]["value"] == "Syrian Observatory for Human Rights"
        assert rows[0]["contradictions"]["value"] == "7"
