"""`claimgraph load`: big TriG files go in batches of claims, each atomic, with the same
result as one import."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from app.cli import main as cli_main
from app.config import Settings
from app.main import build_state
from app.store import views
from app.store.loader import claim_iris, read_quads, split_dataset
from app.store.oxigraph import to_ox
from tests.conftest import settings

SEED = Path(__file__).resolve().parents[1] / "graph_data" / "seed" / "voa-hajin-2018-12.trig"


def dispute_sizes(config: Settings) -> list[tuple[str, int]]:
    """(dispute id, number of contradictions) of every dispute in the store ``config`` opens."""
    state = build_state(config)
    try:
        return sorted(
            (d["id"], len(d["contradictions"])) for d in views.disputes(
                state.store,
                views.find_disputes(state.store, subject=None, source=None, type_=None,
                                    status=None)))
    finally:
        state.store.close()


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
    by_batches = dispute_sizes(settings(seed=False, store=str(store)))
    at_once = dispute_sizes(settings(seed=True))
    assert by_batches == at_once and at_once


def test_a_refused_batch_names_itself_and_keeps_the_batches_before_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quads = read_quads(SEED)
    last = claim_iris(quads)[-1]  # in the last batch: claims are batched in IRI order
    kept = [q for q in quads if not (q[0] == last and str(q[1]).endswith("reportingVerb"))]
    assert len(kept) == len(quads) - 1
    broken = tmp_path / "broken.trig"
    broken.write_bytes(ox.serialize(
        [ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph() if g is None else to_ox(g))
         for s, p, o, g in kept], format=ox.RdfFormat.TRIG))
    store = tmp_path / "store"
    code = cli_main(["load", str(broken), "--store", str(store), "--no-seed", "--batch", "5"])
    assert code == 2
    err = capsys.readouterr().err
    found = re.search(r"batch (\d) of 3 refused \((\d+) claims stored before it\): "
                      r"the claim does not satisfy the SHACL shapes", err)
    assert found, err
    batch, before = int(found.group(1)), int(found.group(2))
    assert (batch, before) == (3, 10)
    state = build_state(settings(seed=False, store=str(store)))
    try:
        stored = state.store.select(
            "PREFIX cg: <https://w3id.org/claimgraph/ns#> SELECT ?c WHERE { ?c a cg:Claim }")
        assert len(stored) == before
    finally:
        state.store.close()


def test_a_batch_size_below_one_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli_main(["load", str(SEED), "--store", str(tmp_path / "s"), "--batch", "0"])
    assert stopped.value.code == 2
