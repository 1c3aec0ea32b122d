"""State claims read from the dependency parse: control of a place, fighting going on or
ended, defeat of a group, with polarity and certainty from the parse.

The frames are spaCy ``DependencyMatcher`` patterns in ``ontology/frames/states.json``.
Polarity: a negated trigger ("has not fallen", "never captured", "no longer holds") denies
the frame's value; a future ("will soon seize Hajin") says the state does not hold yet, so a
completed state (taken, defeated, ended) is denied for now. Certainty: a trigger inside a
conditional or temporal clause ("once Hajin is liberated") is only possible (FactBank PS).
Resolving the subject and holder to entities is the extractor's job."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.matcher import DependencyMatcher
from spacy.tokens import Doc, Token

_DONE = {"fully-controlled", "defeated", "ended"}


@dataclass(frozen=True)
class StateFrame:
    """One frame of states.json."""

    id: str
    property: str
    value: str
    subject_kind: str  # place | group | context-place
    holder_property: str | None
    patterns: tuple[tuple[dict[str, Any], ...], ...]


@dataclass(frozen=True)
class StateLexicon:
    """Frames and the words that set polarity and certainty."""

    frames: dict[str, StateFrame]
    negators: frozenset[str]
    not_yet: frozenset[str]
    future: frozenset[str]
    conditional: frozenset[str]


@cache
def load_states(path: Path) -> StateLexicon:
    """Read states.json (cached per path)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    frames = {
        f["id"]: StateFrame(
            id=f["id"], property=f["property"], value=f["value"],
            subject_kind=f.get("subject_kind", "place"),
            holder_property=f.get("holder_property"),
            patterns=tuple(tuple(p) for p in f["patterns"]),
        )
        for f in data["frames"]
    }
    for frame in frames.values():
        # matches carry no pattern id: patterns of one frame with as many nodes must name
        # them in the same order, so a match's nodes can be named
        by_size: dict[int, list[str]] = {}
        for pattern in frame.patterns:
            names = [n["RIGHT_ID"] for n in pattern]
            if by_size.setdefault(len(names), names) != names:
                raise ValueError(f"{path}: frame {frame.id}: patterns of {len(names)} nodes "
                                 "must name their nodes in the same order")
    return StateLexicon(frames, frozenset(data["negators"]), frozenset(data["not_yet"]),
                        frozenset(data["future"]), frozenset(data["conditional_marks"]))


@dataclass
class StateHit:
    """One state in the text. Offsets are character offsets into the document."""

    frame: StateFrame
    trigger: int  # character offset of the trigger word
    subject: str | None  # the subject phrase ("in Bakhmut" for fighting), else None
    holder: str | None
    subject_is_name: bool  # a proper noun that is not a person or an organisation
    polarity: str | None  # "negative" or None
    certainty: str | None  # "possible" or None


class StateReader:
    """Finds state frames in a parsed document."""

    def __init__(self, lexicon: StateLexicon, nlp: Language) -> None:
        self.lex = lexicon
        self.matcher = DependencyMatcher(nlp.vocab)
        for frame in lexicon.frames.values():
            self.matcher.add(frame.id, [list(p) for p in frame.patterns])

    def find(self, doc: Doc) -> list[StateHit]:
        """Every state frame in the document, one per (trigger, frame)."""
        out: dict[tuple[int, str], StateHit] = {}
        for match_id, token_ids in sentence_matches(self.matcher, doc):
            frame = self.lex.frames[doc.vocab.strings[match_id]]
            pattern = next(p for p in frame.patterns if len(p) == len(token_ids))
            nodes = {p["RIGHT_ID"]: doc[i] for p, i in zip(pattern, token_ids, strict=True)}
            trigger = nodes["trigger"]
            verb = nodes.get("be", trigger)
            if (trigger.i, frame.property) in out:
                continue
            subject = nodes.get("subject")
            if subject is None and frame.subject_kind == "context-place":
                subject = _where(trigger, nodes.get("noun"))
            holder = self._holder(frame, nodes)
            out[(trigger.i, frame.property)] = StateHit(
                frame=frame, trigger=trigger.idx,
                subject=_phrase(subject) if subject is not None else None,
                holder=_phrase(holder) if holder is not None else None,
                # the small model often tags an unknown town ORG, or PERSON ("Wad Madani"); a
                # person is a place only when the text says so
                subject_is_name=subject is not None and subject.pos_ == "PROPN" and
                not subject.text.isupper() and subject.ent_type_ != "NORP" and (
                    subject.ent_type_ != "PERSON" or _said_to_be_place(subject)),
                polarity=self._polarity(frame, verb), certainty=self._certainty(verb),
            )
        return sorted(out.values(), key=lambda h: h.trigger)

    def _holder(self, frame: StateFrame, nodes: dict[str, Token]) -> Token | None:
        if frame.holder_property is None:
            return None
        trigger = nodes["trigger"]
        if frame.id == "control-fall":
            to = next((c for c in trigger.children if c.dep_ == "prep" and c.lower_ == "to"),
                      None)
            return next((g for g in to.children if g.dep_ == "pobj"), None) if to else None
        agent = next((c for c in trigger.children if c.dep_ == "agent"), None)
        if agent is not None:
            return next((g for g in agent.children if g.dep_ == "pobj"), None)
        return next((c for c in trigger.children if c.dep_ == "nsubj"), None)

    def _polarity(self, frame: StateFrame, verb: Token) -> str | None:
        children = list(verb.children)
        if any(c.dep_ == "neg" or c.lower_ in self.lex.negators for c in children):
            return "negative"
        if any(c.lower_ in self.lex.not_yet and any(g.lower_ == "no" for g in c.children)
               for c in children):
            return "negative"  # "no longer"
        future = any(c.dep_ == "aux" and c.lower_ in self.lex.future for c in children) or (
            verb.head.lower_ == "going" and verb.dep_ == "xcomp")
        if future and frame.value in _DONE:
            return "negative"  # "will soon seize Hajin": not taken yet
        return None

    def _certainty(self, verb: Token) -> str | None:
        for tok in (verb, *verb.ancestors):
            if any(c.dep_ == "mark" and c.lower_ in self.lex.conditional for c in tok.children):
                return "possible"
            if tok.dep_ in ("ccomp", "ROOT"):
                break
        return None


MAX_SENTENCE_TOKENS = 150


def sentence_matches(
    matcher: DependencyMatcher, doc: Doc
) -> list[tuple[int, list[int]]]:
    """DependencyMatcher matches sentence by sentence, with document token indices. A
    sentence longer than MAX_SENTENCE_TOKENS is skipped: spaCy's DependencyMatcher can take
    minutes on one long coordinated sentence (measured: over 10 minutes on a 120-clause
    "X said that A and B and …"), and no news sentence that long is a clean claim."""
    out: list[tuple[int, list[int]]] = []
    for sent in doc.sents:
        if len(sent) > MAX_SENTENCE_TOKENS:
            continue
        out += [(mid, [sent.start + i for i in ids]) for mid, ids in matcher(sent)]
    return out


def _where(trigger: Token, noun: Token | None) -> Token | None:
    """The place of "fighting continues in Bakhmut" / "fighting in Bakhmut continues"."""
    for head in (trigger, noun):
        if head is None:
            continue
        for prep in head.children:
            if prep.dep_ == "prep" and prep.lower_ in ("in", "inside", "around", "near",
                                                       "across", "for"):
                obj = next((g for g in prep.children if g.dep_ == "pobj"), None)
                if obj is not None and obj.ent_type_ not in ("DATE", "TIME"):
                    return obj
    return None


def _phrase(tok: Token) -> str:
    """A noun phrase without appositions, relative clauses or trailing prepositions, but
    with "of X" ("the town of Hajin")."""
    doc = tok.doc
    left = [t.i for c in tok.children if c.i < tok.i and c.dep_ not in ("punct", "cc")
            for t in c.subtree]
    start = min([tok.i, *left])
    end = tok.i
    of = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    pobj = next((g for g in of.children if g.dep_ == "pobj"), None) if of is not None else None
    if pobj is not None and pobj.pos_ == "PROPN":
        end = pobj.i  # its modifiers are to its left; an apposition after it is not the name
    return doc[start:end + 1].text


_LOCATIVE = {"in", "inside", "near", "around", "outside", "at", "into", "from", "across"}
_PLACE_NOUNS = {"village", "town", "city", "district", "province", "region", "capital",
                "area", "neighbourhood", "neighborhood", "suburb", "port", "county", "state"}


def _said_to_be_place(name: Token) -> bool:
    """Whether the text treats a proper noun the model tagged PERSON as a place: an
    apposition headed by a place noun ("Wad Madani, the capital of Gezira state"), "the city
    of X", or the same name after a locative preposition anywhere in the document ("in Wad
    Madani")."""
    if any(c.dep_ == "appos" and c.lemma_.lower() in _PLACE_NOUNS for c in name.children):
        return True
    if name.dep_ == "pobj" and name.head.lower_ == "of" and \
            name.head.head.lemma_.lower() in _PLACE_NOUNS:
        return True
    for tok in name.doc:
        if tok.lower_ == name.lower_ and tok.dep_ == "pobj" and tok.head.lower_ in _LOCATIVE:
            return True
    return False
