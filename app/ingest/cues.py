"""The attribution cue lexicon, read from ``ontology/attribution/cues.json``: reporting verbs
keyed by lemma, multi-word cues as spaCy ``Matcher`` patterns, nouns that stand for their
owner as a source, role nouns ("spokesman"), and the dashes that attribute a quotation. The
file is data; this module only reads it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher


@dataclass(frozen=True)
class VerbCue:
    """One reporting verb: its kind (speech, cognition, intention, evidence), the FactBank
    certainty it lends its content, a polarity when it denies, and whether a direct object
    can be its content."""

    lemma: str
    kind: str
    certainty: str
    polarity: str | None = None
    object: bool | str = False
    quote_only: bool = False
    preps: tuple[str, ...] = ()
    marks: tuple[str, ...] = ()
    records_object: bool = False

    @property
    def makes_claims(self) -> bool:
        """Attitudes ("criticized the judge") are attributions, not claims, unless their
        content is a clause or a quotation (decided where the content is known)."""
        return self.kind != "attitude"


@dataclass(frozen=True)
class PatternCue:
    """A multi-word cue ("according to"): a Matcher pattern and where its source is."""

    id: str
    pattern: list[dict[str, Any]]
    source: str


@dataclass(frozen=True)
class Lexicon:
    """Everything in the cue file."""

    verbs: dict[str, VerbCue]
    patterns: tuple[PatternCue, ...]
    source_nouns: frozenset[str]
    dashes: tuple[str, ...]
    roles: frozenset[str] = frozenset()
    label_nouns: frozenset[str] = frozenset()
    records: frozenset[str] = frozenset()
    not_sources: frozenset[str] = frozenset()

    def matcher(self, nlp: Language) -> Matcher:
        """A spaCy Matcher over the multi-word cues, keyed by their ids."""
        m = Matcher(nlp.vocab)
        for p in self.patterns:
            m.add(p.id, [p.pattern])
        return m


@cache
def load_lexicon(path: Path) -> Lexicon:
    """Read and check the cue file (cached per path). Raises ValueError on a malformed entry."""
    data = json.loads(path.read_text(encoding="utf-8"))
    verbs = {}
    for lemma, entry in data["verbs"].items():
        if entry.get("certainty") not in ("certain", "probable", "possible"):
            raise ValueError(f"{path}: cue {lemma!r} needs a certainty")
        obj = entry.get("object", False)
        verbs[lemma] = VerbCue(
            lemma=lemma, kind=entry["kind"], certainty=entry["certainty"],
            polarity=entry.get("polarity"), object=False if obj == "from-records" else obj,
            records_object=obj == "from-records",
            quote_only=bool(entry.get("quote_only", False)),
            preps=tuple(entry.get("preps", ())), marks=tuple(entry.get("marks", ())),
        )
    patterns = tuple(
        PatternCue(id=p["id"], pattern=p["pattern"], source=p.get("source", "pobj-of-last"))
        for p in data.get("patterns", [])
    )
    dashes = tuple(sorted(data.get("dashes", []), key=len, reverse=True))
    labels = data.get("labels", {})
    return Lexicon(verbs, patterns, frozenset(data.get("source_nouns", [])), dashes,
                   frozenset(data.get("roles", [])),
                   label_nouns=frozenset(labels.get("source_nouns", [])),
                   not_sources=frozenset(labels.get("not_sources", [])),
                   records=frozenset(data.get("records", [])))
