"""State claims read from the dependency parse: control of a place, fighting going on or
ended, defeat of a group, with polarity and certainty from the parse.

The frames are spaCy ``DependencyMatcher`` patterns in ``ontology/frames/states.json`` and,
for territory shares, places under a party's control, contested places, presence and support,
``Matcher`` token patterns with named roles in ``ontology/frames/phrases.json``.
Polarity: a negated trigger ("has not fallen", "never captured", "no longer holds") denies
the frame's value; a future ("will soon seize Hajin") says the state does not hold yet, so a
completed state (taken, defeated, ended) is denied for now. Certainty: a trigger inside a
conditional or temporal clause ("once Hajin is liberated") is only possible (FactBank PS).
Resolving the subject and holder to entities is the extractor's job."""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

from spacy.attrs import LEMMA, LOWER, ORTH
from spacy.language import Language
from spacy.matcher import DependencyMatcher, Matcher
from spacy.strings import get_string_id
from spacy.tokens import Doc, Token

_DONE = {"fully-controlled", "defeated", "ended"}


@dataclass(frozen=True)
class StateFrame:
    """One frame of states.json."""

    id: str
    property: str
    value: str | None
    subject_kind: str  # place | group | context-place
    holder_property: str | None
    patterns: tuple[tuple[dict[str, Any], ...], ...]
    grade: str | None = None  # a share: the value is an interval of this grade
    needs: frozenset[str] = frozenset()  # a sentence without one of these words is skipped
    value_kind: str | None = None  # place | group: the value is the 'value' node's entity
    future_denies: bool = True  # "will soon seize Hajin" denies that Hajin is taken
    denied_value: str | None = None  # the value a denied trigger asserts ("not-defeated")
    subject_from: tuple[dict[str, Any], ...] = ()  # how to read the subject, with no node


@dataclass(frozen=True)
class StateLexicon:
    """Frames and the words that set polarity and certainty."""

    frames: dict[str, StateFrame]
    negators: frozenset[str]
    not_yet: frozenset[str]
    future: frozenset[str]
    conditional: frozenset[str]
    pending: frozenset[str] = frozenset()  # "before", "until": not yet, under a future
    pending_future: frozenset[str] = frozenset()  # "will", "would": that future
    place_parts: frozenset[str] = frozenset()  # "center" of "the center of Hajin"
    sites: frozenset[str] = frozenset()  # "plant", "port": places inside a place


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
            denied_value=f.get("denied_value"), subject_from=tuple(f.get("subject_from", ())),
        )
        for f in data["frames"]
    }
    for frame in frames.values():
        for rule in frame.subject_from:
            if ("deps" in rule) == ("preps" in rule) or all(
                    rule["node"] not in {n["RIGHT_ID"] for n in p} for p in frame.patterns):
                raise ValueError(f"{path}: frame {frame.id}: a subject_from rule names a node "
                                 "of a pattern, and 'deps' or 'preps'")
        # matches carry no pattern id: patterns of one frame with as many nodes must name
        # them in the same order, so a match's nodes can be named
        by_size: dict[int, list[str]] = {}
        for pattern in frame.patterns:
            names = [n["RIGHT_ID"] for n in pattern]
            if by_size.setdefault(len(names), names) != names:
                raise ValueError(f"{path}: frame {frame.id}: patterns of {len(names)} nodes "
                                 "must name their nodes in the same order")
    return StateLexicon(frames, frozenset(data["negators"]), frozenset(data["not_yet"]),
                        frozenset(data["future"]), frozenset(data["conditional_marks"]),
                        frozenset(data.get("pending_marks", ())),
                        frozenset(data.get("pending_future", ())),
                        frozenset(data.get("place_parts", ())),
                        frozenset(data.get("sites", ())))


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
    also: tuple[str, ...] = ()  # subjects coordinated with it ("Baghuz and Susa")
    value: str | None = None  # the place or group of a value_kind frame
    number: str | None = None  # a share: its number ("60", "half") and bound ("more than")
    bound: str | None = None
    # "the fight against ISIS continues": a war on a group, not a battle in a place; it never
    # takes the article's place as its subject
    against_group: bool = False


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
            verb = nodes.get("be") or nodes.get("verb") or trigger
            if (trigger.i, frame.property) in out:
                continue
            subject = nodes.get("subject")
            if subject is None and frame.subject_from:
                subject = _subject_from(nodes, frame.subject_from)
                if subject is None:
                    continue  # the frame is about the subject it reads: none, no state
            if frame.subject_kind == "context-place":
                if subject is None:
                    subject = _where(trigger, nodes.get("noun"))
                if subject is not None:
                    subject = _whole_place(subject, self.lex.place_parts)
            if subject is not None and frame.subject_kind != "group":
                subject = _named_place(subject)
            holder = nodes.get("holder") or self._holder(frame, nodes)
            out[(trigger.i, frame.property)] = StateHit(
                frame=frame, trigger=trigger.idx,
                subject=_phrase(subject) if subject is not None else None,
                holder=_phrase(holder) if holder is not None else None,
                # the small model often tags an unknown town ORG, or PERSON ("Wad Madani"); a
                # person is a place only when the text says so
                subject_is_name=subject is not None and _name_like(subject) and
                not subject.text.isupper() and subject.ent_type_ != "NORP" and (
                    subject.ent_type_ != "PERSON" or _said_to_be_place(subject)),
                polarity=polarity(self.lex, frame, verb), certainty=certainty(self.lex, verb),
                against_group=any(c.dep_ == "prep" and c.lower_ == "against"
                                  for n in (trigger, nodes.get("noun")) if n is not None
                                  for c in n.children),
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

def polarity(lex: StateLexicon, frame: StateFrame, verb: Token) -> str | None:
    """"negative" when the parse denies the frame at ``verb``, else None."""
    if frame.value in _DONE and _pending(lex, verb):
        return "negative"  # "it will take a while before they can declare Hajin liberated"
    children = list(verb.children)
    if any(c.dep_ == "neg" or c.lower_ in lex.negators for c in children):
        return "negative"
    if any(c.lower_ in lex.not_yet and any(g.lower_ == "no" for g in c.children)
           for c in children):
        return "negative"  # "no longer"
    future = any(c.dep_ == "aux" and c.lower_ in lex.future for c in children) or (
        verb.head.lower_ == "going" and verb.dep_ == "xcomp")
    if future and frame.value in _DONE and frame.future_denies:
        return "negative"  # "will soon seize Hajin": not taken yet
    return None


def certainty(lex: StateLexicon, verb: Token) -> str | None:
    """"possible" when ``verb`` sits in a conditional or temporal clause, else None; a clause
    that says the state is still to come (``_pending``) is certain (its denial is)."""
    if _pending(lex, verb):
        return None
    for tok in (verb, *verb.ancestors):
        if any(c.dep_ == "mark" and c.lower_ in lex.conditional for c in tok.children):
            return "possible"
        if tok.dep_ in ("ccomp", "ROOT"):
            break
    return None


def _pending(lex: StateLexicon, verb: Token) -> bool:
    """Whether ``verb`` sits in a clause marked "before" or "until" (``lex.pending``) that
    hangs on a verb in the future (an auxiliary of ``lex.pending_future``): "it will take a
    while before they can declare Hajin liberated", "the siege will go on until the city
    falls", reported "it would be days before ..." say the state does not hold yet."""
    for tok in (verb, *verb.ancestors):
        marked = any(c.dep_ == "mark" and c.lower_ in lex.pending for c in tok.children)
        if marked or (tok.dep_ in ("pobj", "pcomp") and tok.head.lower_ in lex.pending):
            # "until" is a mark, or a preposition whose object is the clause ("until Mosul
            # falls"); the clause hangs on the verb it is a mark of, or on the preposition's
            head = tok.head if marked else tok.head.head
            return head is not tok and any(
                c.dep_ == "aux" and c.lower_ in lex.pending_future for c in head.children)
        if tok.dep_ in ("ccomp", "ROOT"):
            break
    return False


MAX_SENTENCE_TOKENS = 150


def sentence_matches(
    matcher: DependencyMatcher, doc: Doc
) -> list[tuple[int, list[int]]]:
    """DependencyMatcher matches with document token indices, sentence by sentence: in the
    order, and with the nodes, that calling the matcher on each sentence gives. A sentence
    longer than MAX_SENTENCE_TOKENS is skipped: spaCy's DependencyMatcher can take minutes on
    one long coordinated sentence (measured: over 10 minutes on a 120-clause "X said that A
    and B and …"), and no news sentence that long is a clean claim.

    The matcher runs once per run of consecutive shorter sentences (the whole document when
    none is longer), not once per sentence: each call has a fixed cost (a copy of the span
    as a Doc, an inner token Matcher run, a map of every matched token to its tree's root)
    that made a call per sentence most of the cost of reading states and counts. A match is
    one dependency tree, so it lies within one sentence; one whose nodes straddle a sentence
    boundary (which no tree of the parser does) is dropped, as a sentence-by-sentence run
    could not have found it."""
    starts: list[int] = []
    ends: list[int] = []
    for sent in doc.sents:
        starts.append(sent.start)
        ends.append(sent.end)
    found: list[tuple[int, int, list[int]]] = []  # (sentence number, match id, token ids)
    n = 0
    while n < len(starts):
        if ends[n] - starts[n] > MAX_SENTENCE_TOKENS:
            n += 1
            continue
        last = n  # the run of sentences n … last, none of them too long
        while last + 1 < len(starts) and ends[last + 1] - starts[last + 1] <= MAX_SENTENCE_TOKENS:
            last += 1
        start, end = starts[n], ends[last]
        run = doc if (start, end) == (0, len(doc)) else doc[start:end]
        for match_id, ids in matcher(run):
            token_ids = [start + i for i in ids]
            sent_no = bisect_right(starts, token_ids[0]) - 1
            if all(starts[sent_no] <= i < ends[sent_no] for i in token_ids):
                found.append((sent_no, match_id, token_ids))
        n = last + 1
    # the matcher lists a run's matches by pattern, then by tree; within one sentence that is
    # the order of a call on the sentence alone, so a stable sort by sentence restores it
    found.sort(key=lambda m: m[0])
    return [(match_id, token_ids) for _, match_id, token_ids in found]


def _subject_from(nodes: dict[str, Token], rules: tuple[dict[str, Any], ...]) -> Token | None:
    """The subject a frame reads from the parse rather than from a pattern node (its
    'subject_from' rules, tried in turn): a child of the rule's node with one of its
    dependencies ('deps'), or the object of one of its prepositions ('preps', not a date);
    with 'name', only a word that is not all lower case ("the end of days for ISIS": ISIS);
    never one whose lemma is in 'not' ("took control of": not a place). A rule whose node the
    match has not is passed over."""
    for rule in rules:
        head = nodes.get(rule["node"])
        if head is None:
            continue
        if "deps" in rule:
            found = (c for c in head.children if c.dep_ in rule["deps"])
        else:
            found = (g for c in head.children if c.dep_ == "prep" and c.lower_ in rule["preps"]
                     for g in c.children
                     if g.dep_ == "pobj" and g.ent_type_ not in ("DATE", "TIME"))
        subject = next((t for t in found if not (rule.get("name") and t.is_lower) and
                        t.lemma_ not in rule.get("not", ())), None)
        if subject is not None:
            return subject
    return None


def _where(trigger: Token, noun: Token | None) -> Token | None:
    """The place of "fighting continues in Bakhmut" / "fighting in Bakhmut continues"."""
    for head in (trigger, noun):
        if head is None:
            continue
        for prep in head.children:
            if prep.dep_ == "prep" and prep.lower_ in ("in", "inside", "around", "near",
                                                       "across", "for", "on", "at"):
                obj = next((g for g in prep.children if g.dep_ == "pobj"), None)
                if obj is not None and obj.ent_type_ not in ("DATE", "TIME"):
                    return obj
    return None


def _whole_place(tok: Token, parts: frozenset[str]) -> Token:
    """The place a part of it stands for: "Hajin city" of "the center of Hajin city"."""
    if tok.lemma_.lower() in parts or tok.lower_ in parts:
        of = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        obj = next((g for g in of.children if g.dep_ == "pobj"), None) if of else None
        if obj is not None:
            return obj
    return tok


def _named_place(tok: Token) -> Token:
    """The name of a place noun that gives it: "Baghuz" of "the village of Baghuz", "Hajin"
    of "Hajin city" (a district's name keeps its noun: "Nad Ali district")."""
    if tok.lemma_.lower() not in _PLACE_NOUNS:
        return tok
    named = next((g for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"
                  for g in c.children if g.dep_ == "pobj" and _name_like(g)), None)
    if named is None and tok.lower_ in _NAMED_BEFORE:
        named = next((c for c in reversed(list(tok.lefts)) if c.dep_ in ("compound", "nummod") and
                      _name_like(c)), None)
    return named if named is not None else tok


_NAMED_BEFORE = {"town", "city", "village"}  # "Hajin city": the name, then the noun


def _name_like(tok: Token) -> bool:
    """A proper noun, or a capitalised word inside the sentence that the small model tagged
    otherwise ("Bakhmut" read as an adverb in "We have taken Bakhmut completely")."""
    return tok.pos_ == "PROPN" or (
        tok.is_title and not tok.is_sent_start and not tok.like_num and
        tok.pos_ in ("ADV", "ADJ", "NOUN", "NUM"))


_NOT_MODIFIERS = {"punct", "cc", "nsubj", "nsubjpass", "mark", "aux", "auxpass", "neg", "expl"}


def _phrase(tok: Token) -> str:
    """A noun phrase without appositions, relative clauses or trailing prepositions, but
    with "of X" ("the town of Hajin")."""
    doc = tok.doc
    # not a clause's words the small model hung on a misread name ("that" of "that IS has")
    left = [t.i for c in tok.children if c.i < tok.i and c.dep_ not in _NOT_MODIFIERS
            for t in c.subtree]
    start = min([tok.i, *left])
    if start > 0 and _misread_acronym(doc[start - 1]):
        start -= 1  # "IS fighters", the small model reading "IS" as the verb "is"
    end = tok.i
    of = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    pobj = next((g for g in of.children if g.dep_ == "pobj"), None) if of is not None else None
    if pobj is not None and pobj.pos_ == "PROPN":
        end = pobj.i  # its modifiers are to its left; an apposition after it is not the name
    return doc[start:end + 1].text


def _misread_acronym(tok: Token) -> bool:
    """An acronym the small model tagged as a verb or auxiliary ("IS" read as "is")."""
    return tok.is_upper and len(tok) > 1 and tok.pos_ in ("AUX", "VERB")


_LOCATIVE = {"in", "inside", "near", "around", "outside", "at", "into", "from", "across"}
_PLACE_NOUNS = {"village", "town", "city", "district", "province", "region", "capital",
                "area", "neighbourhood", "neighborhood", "suburb", "county", "state"}


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


# -- frames as token sequences (ontology/frames/phrases.json) -------------------------------------
@dataclass(frozen=True)
class PhraseFrames:
    """The frames of phrases.json, their macros expanded; each pattern element keeps its ROLE."""

    frames: tuple[StateFrame, ...]
    shares: dict[str, float]


def _expand(pattern: list[dict[str, Any]], macros: dict[str, Any],
            depth: int = 0) -> list[list[dict[str, Any]]]:
    """Every token sequence a pattern with macros stands for."""
    if depth > 5:
        raise ValueError("phrases.json: macros nest too deep")
    out: list[list[dict[str, Any]]] = [[]]
    for el in pattern:
        if "MACRO" not in el:
            out = [[*seq, el] for seq in out]
            continue
        alts: list[list[dict[str, Any]]] = []
        for alt in macros[el["MACRO"]]:
            for seq in _expand(alt, macros, depth + 1):
                alts.append([{**t, "ROLE": el["ROLE"]} if "ROLE" in el else t for t in seq])
        if el.get("OP") == "?":
            alts.append([])
        out = [seq + alt for seq in out for alt in alts]
    return out


@cache
def load_phrases(path: Path) -> PhraseFrames:
    """Read phrases.json (cached per path)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    frames = tuple(
        StateFrame(
            id=f["id"], property=f["property"], value=f.get("value"),
            subject_kind=f.get("subject_kind", "place"),
            holder_property=f.get("holder_property"),
            patterns=tuple(tuple(seq) for p in f["patterns"] for seq in _expand(p, data["macros"])),
            grade=f.get("grade"), value_kind=f.get("value_kind"),
            future_denies=f.get("future_denies", False), needs=frozenset(f.get("needs", ())),
        )
        for f in data["frames"]
    )
    return PhraseFrames(frames, {k: float(v) for k, v in data.get("shares", {}).items()})


class PhraseReader:
    """Finds the token-sequence frames of phrases.json in a parsed document; polarity and
    certainty come from the parse of the trigger, as for the dependency frames."""

    def __init__(self, phrases: PhraseFrames, lexicon: StateLexicon, nlp: Language) -> None:
        self.phrases = phrases
        self.lex = lexicon
        self.matchers: list[tuple[StateFrame, Matcher]] = []
        self.keys: dict[str, tuple[StateFrame, tuple[str | None, ...]]] = {}
        for frame in phrases.frames:
            matcher = Matcher(nlp.vocab)
            for n, pattern in enumerate(frame.patterns):
                key = f"{frame.id}#{n}"  # one key a pattern: a match's roles are its pattern's
                self.keys[key] = (frame, tuple(el.get("ROLE") for el in pattern))
                matcher.add(key, [[{k: v for k, v in el.items() if k != "ROLE"}
                                   for el in pattern]])
            self.matchers.append((frame, matcher))
        self.requires = {frame.id: _requirements(frame.patterns) for frame in phrases.frames}
        # the same as string ids, the values Doc.to_array gives
        self._needs_ids = {frame.id: frozenset(get_string_id(w) for w in frame.needs)
                           for frame in phrases.frames}
        self._requires_ids = {
            frame_id: [frozenset((attr, frozenset(get_string_id(v) for v in allowed))
                                 for attr, allowed in required) for required in requires]
            for frame_id, requires in self.requires.items()}

    def find(self, doc: Doc) -> list[StateHit]:
        """Every phrase frame in the document: of overlapping matches of one property, the
        leftmost longest ("half of X is under IS control" is a share, not X)."""
        matches = []
        table = doc.to_array([LOWER, LEMMA, ORTH])  # string ids, read once for the document
        for sent in doc.sents:
            rows = table[sent.start:sent.end]
            values = {"LOWER": set(rows[:, 0].tolist()), "LEMMA": set(rows[:, 1].tolist()),
                      "ORTH": set(rows[:, 2].tolist())}
            words = values["LOWER"] | values["LEMMA"]
            for frame, matcher in self.matchers:
                if frame.needs and not self._needs_ids[frame.id] & words:
                    continue
                if not any(all(values[attr] & allowed for attr, allowed in required)
                           for required in self._requires_ids[frame.id]):
                    continue  # no pattern of the frame can match here: the call is spared
                found = cast(list[tuple[int, int, int, list[int]]],
                             matcher(sent, with_alignments=True))
                for match_id, start, end, align in found:
                    names = self.keys[doc.vocab.strings[match_id]][1]
                    matches.append((sent.start + start, -(end - start), frame,
                                    [names[a] for a in align]))
        matches.sort(key=lambda m: (m[0], m[1], m[2].id))
        taken: dict[str, int] = {}  # property → end of its last kept match
        out: list[StateHit] = []
        for start, neg_len, frame, roles in matches:
            if taken.get(frame.property, -1) > start:
                continue
            taken[frame.property] = start - neg_len
            parts: dict[str, list[Token]] = {}
            for tok, role in zip(doc[start:start - neg_len], roles, strict=True):
                if role:
                    parts.setdefault(role, []).append(tok)
            out.append(self._hit(frame, parts))
        return sorted(out, key=lambda h: h.trigger)

    def _hit(self, frame: StateFrame, parts: dict[str, list[Token]]) -> StateHit:
        trigger = parts["trigger"][0]
        verbs = [*parts.get("be", []), trigger]
        subject = _text(parts.get("subject"))
        number = _text(parts.get("number"))
        if number is not None and number.lower() in self.phrases.shares:
            number = f"{self.phrases.shares[number.lower()]:g}"
        head = parts["subject"][-1] if "subject" in parts else None
        return StateHit(
            frame=frame, trigger=trigger.idx, subject=subject, holder=_text(parts.get("holder")),
            subject_is_name=any(not t.is_lower and t.lower_ != "the"
                                for t in parts.get("subject", [])),
            polarity="negative" if any(polarity(self.lex, frame, v) for v in verbs) else None,
            certainty=certainty(self.lex, verbs[0]),
            also=_conjuncts(head) if head is not None else (),
            value=_text(parts.get("value")), number=number, bound=_text(parts.get("bound")),
        )


_Requirement = tuple[str, frozenset[str]]  # (LOWER, LEMMA or ORTH, the values one token must have)


def _requirements(patterns: tuple[tuple[dict[str, Any], ...], ...]
                  ) -> list[frozenset[_Requirement]]:
    """What a sentence must hold for one of ``patterns`` to match in it: for each pattern, its
    tokens that must occur (no OP, or OP "+") with a LOWER, LEMMA or ORTH of a fixed string or
    an IN list, each as (attribute, values); a sentence with no token of those values for
    some requirement of every pattern has no match. Of the sets of requirements, only the
    minimal ones are kept (a pattern needing more than another adds nothing to the test):
    phrases.json's macros expand to over a thousand patterns a frame, but to a handful of
    minimal sets. An empty set is kept as such: such a frame is always run."""
    sets: set[frozenset[_Requirement]] = set()
    for pattern in patterns:
        required: set[_Requirement] = set()
        for el in pattern:
            if el.get("OP") not in (None, "+"):
                continue
            for attr in ("LOWER", "LEMMA", "ORTH"):
                value = el.get(attr)
                if isinstance(value, str):
                    required.add((attr, frozenset([value])))
                elif isinstance(value, dict) and set(value) == {"IN"}:
                    required.add((attr, frozenset(value["IN"])))
        sets.add(frozenset(required))
    return sorted((s for s in sets if not any(other < s for other in sets)), key=len)


@cache
def phrase_reader(phrases: Path, states: Path, nlp: Language) -> PhraseReader:
    """The reader of phrases.json for a loaded pipeline, built once: its Matchers take most of
    a second to build, and an extractor is made for every ingested article."""
    return PhraseReader(load_phrases(phrases), load_states(states), nlp)


def _text(tokens: list[Token] | None) -> str | None:
    if not tokens:
        return None
    return tokens[0].doc[tokens[0].i:tokens[-1].i + 1].text


def _conjuncts(name: Token) -> tuple[str, ...]:
    """The names coordinated with ``name`` in the parse ("Baghuz and Susa", "Sosa and
    Shifa'a"), without it."""
    root = name
    while root.dep_ == "conj" and root.head is not root:
        root = root.head
    group = [root, *(t for t in root.subtree if t.dep_ == "conj" and t.head.i in
                     {root.i, *(c.i for c in root.subtree if c.dep_ == "conj")})]
    return tuple(_phrase(t) for t in group if t.i != name.i and not t.is_lower)
