"""`claimgraph load`: big TriG files go in batches of claims, each atomic, with the same
result as one import."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main as cli_main
from app.main import build_state
from app.store import views
from app.store.loader import claim_iris, read_quads, split_dataset
from tests.conftest import settings

SEED = Path(__file__).resolve().parents[1] / "graph_data" / "seed" / "voa-hajin-2018-12.trig"


def test_batches_hold_every_quad_and_each_claim_with_its_article() -> None:
    quads = read_quads(SEED)
    batches = split_dataset(quads, 4)
    assert [n for n, _ in batches] == [4, 4, 4, 3]
    assert {q for _, qs in batches for q in qs} == set(quads)
    for _, qs in batches:
        for claim in claim_iris(qs):
            # the claim's graph, its quotation and its article's description are in the batch
            assert any(q[3] == claim for q in qs)
            article = next(q[2] for q in qs if q[0] == claim and str(q[1]).endswith("wasDerivedFrom"))
            assert any(q[0] == article for q in qs)
    with pytest.raises(ValueError):
        split_dataset(quads, 0)


def test_load_in_batches_finds_what_one_import_finds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    code = cli_main(["load", str(SEED), "--store", str(store), "--no-seed", "--batch", "2"])
    assert code == 0
    assert "15 claims in 8 batches" in capsys.readouterr().out
    batched = build_state(settings(seed=False, store=str(store)))
    try:
        by_batches = sorted(
            (d["id"], len(d["contradictions"])) for d in views.disputes(
                batched.store,
                views.find_disputes(batched.store, subject=None, source=None, type_=None,
                                    status=None))
        )
    finally:
        batched.store.close()
    whole = build_state(settings(seed=True))
    try:
        at_once = sorted(
            (d["id"], len(d["contradictions"])) for d in views.disputes(
                whole.store,
                views.find_disputes(whole.store, subject=None, source=None, type_=None,
                                    status=None))
        )
    finally:
        whole.store.close()
    assert by_batches == at_once and at_once
