"""Frame metadata read from ``ontology/frames/*.ttl``: the bounds of numbers ("at least",
"nearly"), the aliases of armed groups and the wire services, shared by the frames on the parse
(states.py, counts.py) and the extractor; and the interval a bounded number denotes. The
frames themselves are spaCy matcher patterns in the JSON files next to the Turtle
(states.json, phrases.json, counts.json, factuality.json).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

CGF = Namespace("https://w3id.org/claimgraph/frames#")

_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "a hundred": 100, "one hundred": 100, "a dozen": 12,
}
# Vague plurals give a lower bound only: "dozens" is at least two dozen.
_VAGUE = {"dozens": 24.0, "scores": 40.0, "hundreds": 200.0, "thousands": 2000.0}


@dataclass(frozen=True)
class Bound:
    """A bound word ("at least"): factors applied to the number, None = unbounded."""

    lower: float | None
    lower_inclusive: bool
    upper: float | None
    upper_inclusive: bool


@dataclass(frozen=True)
class FrameSet:
    """Everything read from the frame files: bound words (lower case) → Bound, wire names
    (longest first), and alias (lower case) → entity id."""

    bounds: dict[str, Bound]
    wires: tuple[str, ...]
    aliases: dict[str, str]


def _str(g: Graph, s: Node, p: URIRef) -> str | None:
    value = g.value(s, p)
    return str(value) if value is not None else None


@cache
def load_frames(directory: Path) -> FrameSet:
    """Read every ``*.ttl`` in the frames directory (cached per directory)."""
    g = Graph()
    for path in sorted(directory.glob("*.ttl")):
        g.parse(path, format="turtle")
    bounds: dict[str, Bound] = {}
    for b in g.subjects(RDF.type, CGF.Bound):
        lower, upper = g.value(b, CGF["lower"]), g.value(b, CGF["upper"])
        bound = Bound(
            float(lower) if isinstance(lower, Literal) else None,
            _str(g, b, CGF.lowerInclusive) != "false",
            float(upper) if isinstance(upper, Literal) else None,
            _str(g, b, CGF.upperInclusive) != "false",
        )
        for word in g.objects(b, CGF.words):
            bounds[str(word).lower()] = bound
    wires = tuple(sorted({str(w) for w in g.objects(None, CGF.wire)}, key=len, reverse=True))
    aliases = {
        str(name).lower(): str(g.value(a, CGF.entity))
        for a in g.subjects(RDF.type, CGF.Alias) for name in g.objects(a, CGF.name)
    }
    return FrameSet(bounds, wires, aliases)


def parse_number(text: str) -> tuple[float | None, float | None]:
    """(exact, lower bound) of a number as written: "1,200" → (1200, None), "dozens" →
    (None, 24)."""
    word = text.strip().lower()
    if word in _VAGUE:
        return None, _VAGUE[word]
    if word in _WORDS:
        return float(_WORDS[word]), None
    try:
        return float(word.replace(",", "")), None
    except ValueError:
        return None, None


def interval(
    groups: dict[str, str], bounds: dict[str, Bound]
) -> dict[str, float | bool] | None:
    """The interval a count or share denotes (keys of IntervalIn), or None if unreadable."""
    if "min" in groups and "max" in groups:
        low, _ = parse_number(groups["min"])
        high, _ = parse_number(groups["max"])
        if low is None or high is None or low > high:
            return None
        return {"min": low, "max": high}
    exact, vague = parse_number(groups.get("number", ""))
    if vague is not None:
        return {"min": vague}
    if exact is None:
        return None
    bound = bounds.get(" ".join(groups.get("bound", "").split()).lower())
    if bound is None:
        return {"exact": exact}
    out: dict[str, float | bool] = {}
    if bound.lower is not None:
        out["min"] = round(exact * bound.lower, 6)
        out["min_inclusive"] = bound.lower_inclusive
    if bound.upper is not None:
        out["max"] = round(exact * bound.upper, 6)
        out["max_inclusive"] = bound.upper_inclusive
    return out
