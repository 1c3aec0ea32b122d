"""Claim frames, read from ``ontology/frames/*.ttl``: regular expressions that map the content
of an attributed statement to claim properties, with the number bounds, aliases and wires the
parse-based frames (states.py, counts.py) share. The frames are data; this module only runs
them. Factuality cues are spaCy Matcher data read by factuality.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS
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
class Frame:
    """One frame: the property it fills and how its value is read."""

    id: str
    label: str
    prop: str
    patterns: tuple[re.Pattern[str], ...]
    value: str | None = None
    grade: str | None = None
    value_group: str | None = None
    holder_property: str | None = None
    polarity: str | None = None
    subject_default: str | None = None
    trigger: re.Pattern[str] | None = None

    def is_count(self) -> bool:
        """Count frames read a number into an interval."""
        return self.prop.endswith("Count")


@dataclass(frozen=True)
class FrameSet:
    """Everything read from the frame files."""

    frames: tuple[Frame, ...]
    bounds: dict[str, Bound]
    wires: tuple[str, ...]
    aliases: dict[str, str]
    lexicon: frozenset[str] = frozenset()


@dataclass
class FrameHit:
    """A frame matched in a content span; offsets are relative to the content."""

    frame: Frame
    start: int
    end: int
    groups: dict[str, str] = field(default_factory=dict)
    group_spans: dict[str, tuple[int, int]] = field(default_factory=dict)


def _expand(regex: str, macros: dict[str, str]) -> str:
    for _ in range(6):  # macros may use macros; a fixed depth keeps a cycle from looping
        new = re.sub(r"\{([A-Z]+)\}", lambda m: macros.get(m.group(1), m.group(0)), regex)
        if new == regex:
            break
        regex = new
    return regex


def _spaces(regex: str) -> str:
    """A space in a pattern matches any run of spaces or brackets ("[IS] fighters")."""
    return regex.replace(" ?", r"[\s\[\]]*").replace(" ", r"[\s\[\]]+")


def _trigger(regex: str | None, patterns: list[str]) -> re.Pattern[str] | None:
    if regex is None:
        return None
    if any("toll" in p for p in patterns):
        regex = f"{regex}|toll"
    return re.compile(regex, re.IGNORECASE)


def _str(g: Graph, s: Node, p: URIRef) -> str | None:
    value = g.value(s, p)
    return str(value) if value is not None else None


@cache
def load_frames(directory: Path) -> FrameSet:
    """Read every ``*.ttl`` in the frames directory (cached per directory)."""
    g = Graph()
    for path in sorted(directory.glob("*.ttl")):
        g.parse(path, format="turtle")
    macros = {
        str(g.value(m, CGF.name)): str(g.value(m, CGF.regex))
        for m in g.subjects(RDF.type, CGF.Macro)
    }
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
    shared = sorted(
        str(p) for s in g.subjects(RDF.type, CGF.CountPatterns) for p in g.objects(s, CGF.pattern)
    )
    frames = []
    for f in sorted(g.subjects(RDF.type, CGF.Frame), key=str):
        assert isinstance(f, URIRef)
        prop = _str(g, f, CGF.property)
        if prop is None:
            raise ValueError(f"frame {f} has no cgf:property")
        own = sorted(str(p) for p in g.objects(f, CGF.pattern))
        verbs = _str(g, f, CGF.verbs)
        local = dict(macros)
        if verbs:
            local["VERB"] = verbs
            own += shared
        patterns = tuple(re.compile(_spaces(_expand(p, local))) for p in own)
        frames.append(Frame(
            id=f.split("#")[-1], label=_str(g, f, RDFS.label) or f.split("#")[-1],
            prop=prop, patterns=patterns, value=_str(g, f, CGF.value),
            grade=_str(g, f, CGF.grade), value_group=_str(g, f, CGF.valueGroup),
            holder_property=_str(g, f, CGF.holderProperty), polarity=_str(g, f, CGF.polarity),
            subject_default=_str(g, f, CGF.subjectDefault),
            trigger=_trigger(_str(g, f, CGF.trigger) or verbs, own),
        ))
    wires = tuple(sorted({str(w) for w in g.objects(None, CGF.wire)}, key=len, reverse=True))
    aliases = {
        str(name).lower(): str(g.value(a, CGF.entity))
        for a in g.subjects(RDF.type, CGF.Alias) for name in g.objects(a, CGF.name)
    }
    # lower-case words of the patterns: a sentence opening with one of them ("Fighting is …")
    # is matched with its first letter lowered; any other capital ("Hajin was …") is kept
    lexicon = frozenset(
        w for f in frames for p in f.patterns
        for w in re.findall(r"(?<![\\\w])[a-z]{2,}", p.pattern)
    )
    return FrameSet(tuple(frames), bounds, wires, aliases, lexicon)


def match_frames(frames: FrameSet, content: str) -> list[FrameHit]:
    """Every frame hit in a content span. A first word the patterns use in lower case is
    lowered for matching ("Fighting is ongoing" matches "fighting …"); offsets are unchanged."""
    probe = content
    first = re.match(r"[A-Z][a-z]+", content)
    if first and first.group().lower() in frames.lexicon:
        probe = content[0].lower() + content[1:]
    hits: list[FrameHit] = []
    for frame in frames.frames:
        if frame.trigger is not None and not frame.trigger.search(probe):
            continue
        seen: set[tuple[int, int]] = set()
        for pattern in frame.patterns:
            for m in pattern.finditer(probe):
                if (m.start(), m.end()) in seen or any(
                    h.frame is frame and h.start <= m.start() < h.end for h in hits
                ):
                    continue
                seen.add((m.start(), m.end()))
                groups = {k: content[m.start(k):m.end(k)] for k, v in m.groupdict().items()
                          if v is not None}
                spans = {k: (m.start(k), m.end(k)) for k, v in m.groupdict().items()
                         if v is not None}
                hits.append(FrameHit(frame, m.start(), m.end(), groups, spans))
    return hits


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
    bound = bounds.get(re.sub(r"\s+", " ", groups.get("bound", "")).lower())
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
