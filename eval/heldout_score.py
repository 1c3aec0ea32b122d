"""Score claimgraph on the blind held-out sets under eval/heldout/<set>/ (see
eval/heldout/README-heldout2.md): many synthetic outlets on one war, written and annotated
without looking at the extractor or the rules, never tuned on.

Each set's articles are ingested oldest first into a fresh in-memory store, as a user would
post them. Then:

- **known conflicts** (``gold.json`` ``known_conflicts``, 12 per set): flagged when some
  contradiction sets a claim anchored on side A's quote against one anchored on side B's
  (the claims' quotation selectors overlap the gold quotes in the same articles);
- **known non-conflicts** (4 per set): flagged, wrongly, by the same test;
- **other contradictions**: every contradiction that is neither, listed for a reader to judge;
- **attribution**: gold statements whose quote some extracted statement's content overlaps
  (recall), and how many of those name a speaker that matches the gold speaker or its
  organisation (by token overlap of names).

Usage: ``python eval/heldout_score.py [SET_DIR ...] [--json OUT] [--verbose]``. Prints one
block per set. Figures are counts, not rates, because each set is small (12 + 4 pairs)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.analysis import reports  # noqa: E402
from app.config import Settings  # noqa: E402
from app.ingest.service import ArticlePost, IngestService  # noqa: E402
from app.main import build_state  # noqa: E402

DEFAULT_SETS = [ROOT / "eval" / "heldout" / name for name in ("mosul-2017", "mariupol-2022")]
Span = tuple[int, int]


@dataclass
class SetResult:
    """What one held-out set gave."""

    name: str
    conflicts_found: list[str] = field(default_factory=list)
    conflicts_missed: list[str] = field(default_factory=list)
    non_conflicts_flagged: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    statements: int = 0
    statements_found: int = 0
    speakers_right: int = 0
    diagnostics: list[str] = field(default_factory=list)

    def as_text(self, verbose: bool) -> str:
        """The block printed for this set."""
        lines = [
            f"== {self.name} ==",
            f"known conflicts flagged: {len(self.conflicts_found)} of "
            f"{len(self.conflicts_found) + len(self.conflicts_missed)}  "
            f"(missed: {', '.join(self.conflicts_missed) or '-'})",
            f"known non-conflicts flagged (wrongly): {len(self.non_conflicts_flagged)}  "
            f"({', '.join(self.non_conflicts_flagged) or '-'})",
            f"other contradictions: {len(self.other)}",
            *(f"   {o}" for o in self.other),
            f"attribution: {self.statements_found} of {self.statements} gold statements found; "
            f"speaker right on {self.speakers_right} of {self.statements_found}",
        ]
        if verbose:
            lines += self.diagnostics
        return "\n".join(lines)


def _words(name: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", name.lower().replace("-", " "))
            if w not in {"the", "of", "a", "an", "for", "al", "el", "and", "in"}}


def _speaker_matches(gold: dict[str, Any], speakers: list[dict[str, Any]]) -> bool:
    want = _words(gold.get("speaker") or "") | _words(gold.get("speaker_organisation") or "")
    for sp in speakers:
        have = _words(sp.get("name") or sp.get("ref") or "") | _words(sp.get("organisation") or "")
        if want & have:
            return True
    return False


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _locate(text: str, quote: str) -> Span | None:
    at = text.find(quote)
    return (at, at + len(quote)) if at >= 0 else None


def score_set(folder: Path) -> SetResult:
    """Ingest one set and score it against its gold.json. Raises FileNotFoundError when the
    folder has no gold.json, ValueError when a gold quote is not in its article."""
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    bodies = {p.name: json.loads(p.read_text(encoding="utf-8"))
              for p in sorted(folder.glob("*.json")) if p.name != "gold.json"}
    order = sorted(bodies, key=lambda n: (bodies[n]["published"], n))
    result = SetResult(folder.name)
    state = build_state(Settings(store="memory", seed=False, environment="test"))
    try:
        service = IngestService(state.service)
        by_url: dict[str, str] = {}
        extracted: dict[str, list[dict[str, Any]]] = {}
        for name in order:
            out = service.ingest(ArticlePost.model_validate(bodies[name]))
            if out.status != "ingested":
                raise RuntimeError(f"{name}: {out.status} {out.reason}")
            by_url[bodies[name]["url"]] = name
            extracted[name] = list(out.statements)
        page = reports.list_disputes(state.store, state.service.builder, subject=None,
                                     source=None, type_=None, status=None, offset=0,
                                     limit=10_000)
        contradictions = [c for d in page.items for c in d["contradictions"]]
    finally:
        state.store.close()

    def side_of(claim: dict[str, Any]) -> tuple[str, Span]:
        q = claim["quote"]
        return by_url.get(claim["article"]["url"], "?"), (q["start"], q["end"])

    def gold_side(side: dict[str, Any]) -> tuple[str, Span]:
        span = _locate(bodies[side["article"]]["text"], side["quote"])
        if span is None:
            raise ValueError(f"{side['article']}: quote not found: {side['quote']!r}")
        return side["article"], span

    def fits(c: dict[str, Any], pair: dict[str, Any]) -> bool:
        if len(c["sides"]) != 2:
            return False
        (fa, sa), (fb, sb) = (side_of(s) for s in c["sides"])
        (ga, ka), (gb, kb) = gold_side(pair["side_a"]), gold_side(pair["side_b"])
        return (fa == ga and fb == gb and _overlaps(sa, ka) and _overlaps(sb, kb)) or \
            (fa == gb and fb == ga and _overlaps(sa, kb) and _overlaps(sb, ka))

    used: set[int] = set()
    for pair in gold["known_conflicts"]:
        hits = [n for n, c in enumerate(contradictions) if fits(c, pair)]
        used.update(hits)
        (result.conflicts_found if hits else result.conflicts_missed).append(pair["id"])
        if not hits:
            result.diagnostics.append(_diagnose(pair, bodies, extracted))
    for pair in gold["known_non_conflicts"]:
        hits = [n for n, c in enumerate(contradictions) if fits(c, pair)]
        used.update(hits)
        if hits:
            result.non_conflicts_flagged.append(pair["id"])
    for n, c in enumerate(contradictions):
        if n in used or len(c["sides"]) != 2:
            continue
        a, b = c["sides"]
        result.other.append(
            f"{c['type']} on {[p['id'] for p in c['properties']]} of "
            f"{[s['id'] for s in c['subjects']]} ({c.get('confidence', 'high')}): "
            f"{side_of(a)[0]} «{a['quote']['exact'][:70]}» vs "
            f"{side_of(b)[0]} «{b['quote']['exact'][:70]}»")

    for name, statements in gold.get("statements", {}).items():
        text = bodies[name]["text"]
        for st in statements:
            span = _locate(text, st["quote"])
            if span is None:
                raise ValueError(f"{name}: statement quote not found: {st['quote']!r}")
            result.statements += 1
            found = [e for e in extracted.get(name, []) if any(
                _overlaps(span, (p["start"], p["end"])) for p in e["content"]["spans"])]
            if found:
                result.statements_found += 1
                if any(_speaker_matches(st, e["speakers"]) for e in found):
                    result.speakers_right += 1
    return result


def _diagnose(pair: dict[str, Any], bodies: dict[str, Any],
              extracted: dict[str, list[dict[str, Any]]]) -> str:
    """What the extractor made of both sides of a missed conflict."""
    lines = [f"-- missed {pair['id']} ({pair['type']} {pair['property']} of {pair['subject']})"]
    for key in ("side_a", "side_b"):
        side = pair[key]
        span = _locate(bodies[side["article"]]["text"], side["quote"])
        hits = [e for e in extracted.get(side["article"], []) if span and any(
            _overlaps(span, (p["start"], p["end"])) for p in e["content"]["spans"])]
        lines.append(f"   {key}: {side['article']} «{side['quote']}»")
        if not hits:
            lines.append("      no statement covers it")
        for e in hits:
            who = ", ".join(s["ref"] for s in e["speakers"]) or "-"
            triples = json.dumps(e["statements"], default=str)[:300]
            lines.append(f"      statement by {who} ({e['polarity']}/{e['certainty']}) "
                         f"«{e['content']['text'][:90]}» -> {triples}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("sets", nargs="*", type=Path, default=DEFAULT_SETS)
    parser.add_argument("--json", type=Path, default=None, help="write the figures as JSON here")
    parser.add_argument("--verbose", action="store_true", help="show what missed conflicts got")
    args = parser.parse_args(argv)
    results = []
    for folder in args.sets:
        if not (folder / "gold.json").exists():
            print(f"{folder}: no gold.json, skipped")
            continue
        res = score_set(folder)
        results.append(res)
        print(res.as_text(args.verbose))
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
