"""Factuality cues of statement contents (FactBank certainty and polarity) on the parse.

The cues are data (``ontology/frames/factuality.json``): spaCy ``Matcher`` token patterns
over lower-case forms, lemmas and tags, so that "may" the modal hedges and "May" the month
does not, and "hasn't been taken" denies as "has not been taken" does. They are matched once
per article; a statement takes the hits that lie inside its content. The reporting verb's own
certainty and polarity ("believes", "denied") come from the attribution cue lexicon."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

_CERTAINTIES = ("probable", "possible")


@dataclass(frozen=True)
class FactualityCue:
    """One cue: the certainty or polarity it gives to the whole content it lies in."""

    id: str
    certainty: str | None
    polarity: str | None
    patterns: tuple[tuple[dict[str, Any], ...], ...]


@dataclass(frozen=True)
class CueHit:
    """A cue found in the article: character offsets ``[start, end)`` into the parsed text."""

    cue: FactualityCue
    start: int
    end: int


@cache
def load_cues(path: Path) -> tuple[FactualityCue, ...]:
    """The cues of a factuality file (cached per path). Raises ValueError naming the cue
    when one has an unknown certainty or polarity, or no patterns."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for c in data["cues"]:
        cue = FactualityCue(
            id=c["id"], certainty=c.get("certainty"), polarity=c.get("polarity"),
            patterns=tuple(tuple(p) for p in c.get("patterns", ())),
        )
        if cue.certainty not in (None, *_CERTAINTIES) or cue.polarity not in (None, "negative") \
                or not cue.patterns or (
                cue.certainty is None and cue.polarity is None):
            raise ValueError(f"{path}: factuality cue {cue.id!r} is malformed")
        out.append(cue)
    return tuple(out)


class FactualityReader:
    """Finds the factuality cues of a parsed article; built once per process."""

    def __init__(self, cues: tuple[FactualityCue, ...], nlp: Language) -> None:
        self.cues = {c.id: c for c in cues}
        self.matcher = Matcher(nlp.vocab)
        for c in cues:
            self.matcher.add(c.id, [list(p) for p in c.patterns])

    @classmethod
    def load(cls, path: Path, nlp: Language) -> FactualityReader:
        """From a factuality file such as ``ontology/frames/factuality.json``."""
        return cls(load_cues(path), nlp)

    def find(self, doc: Doc) -> list[CueHit]:
        """Every cue in the document, ordered by offset."""
        strings = doc.vocab.strings
        hits = [CueHit(self.cues[strings[match_id]], doc[a].idx, doc[b - 1].idx + len(doc[b - 1]))
                for match_id, a, b in self.matcher(doc)]
        return sorted(hits, key=lambda h: (h.start, h.end, h.cue.id))


def cues_within(hits: list[CueHit], pieces: tuple[tuple[int, int], ...], start: int,
           end: int) -> list[CueHit]:
    """The hits that lie within one of ``pieces`` and within ``[start, end)`` (character
    offsets): the cues of one statement's content."""
    return [h for h in hits if start <= h.start and h.end <= end and
            any(x <= h.start and h.end <= y for x, y in pieces)]
