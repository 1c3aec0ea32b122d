"""Count claims read from the dependency parse, with the event they count.

A count is only comparable with another count of the same event. So besides the figure
(an exact number, bounds or a range) a count carries what the text says of its event:

- the **group** counted, as a class: "people", "residents" and "civilians" are one class;
  fighters, militants or soldiers count an armed group (named by the modifier, "SDF
  fighters", else resolved from the article's context by the extractor);
- the **place** ("in the village", "near Mosul", "residents of Hajin");
- the **event**: its kind ("strike", "crash", "explosion") and **scope**: one event ("in the
  blast", "the strike on Friday") or a cumulative total ("in the battle for Hajin", "coalition
  strikes in Syria", "since September", "in total", "this year");
- the **time** words of the event ("on Friday", "last week", "since September 10"), anchored
  to the publication date by the extractor.

The trigger shapes are spaCy ``DependencyMatcher`` patterns in ``ontology/frames/counts.json``;
this module only reads what hangs on a match."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy
from spacy.attrs import DEP, POS
from spacy.language import Language
from spacy.matcher import DependencyMatcher
from spacy.symbols import PROPN
from spacy.tokens import Doc, Token

from app.ingest.frames import Bound, interval
from app.ingest.states import sentence_matches

_PLACE_NOUNS = {"village", "town", "city", "area", "district", "province", "region", "camp",
                "neighbourhood", "neighborhood", "hospital", "market", "school", "mosque",
                "capital", "country", "border", "outskirts", "compound", "base", "airport"}
_PLACE_PREPS = {"in", "near", "at", "around", "outside", "inside", "of", "for", "across", "on"}


@dataclass(frozen=True)
class CountLexicon:
    """Everything in counts.json."""

    verbs: dict[str, str]
    adjectives: dict[str, str]
    tolls: dict[str, str]
    patterns: dict[str, list[dict[str, Any]]]
    groups: dict[str, str]  # noun lemma -> class
    armed: frozenset[str]
    events: dict[str, str]
    campaigns: frozenset[str]
    cumulative: tuple[str, ...]
    phrasal: dict[str, str] = field(default_factory=dict)  # "lay down" -> surrenderedCount
    limits: dict[str, str] = field(default_factory=dict)  # "exceed" -> "over"
    zero: frozenset[str] = frozenset()
    event_clauses: frozenset[str] = frozenset()  # "when" of "killed when a bus collided"

    def matcher(self, nlp: Language) -> DependencyMatcher:
        """A DependencyMatcher over the count patterns, keyed by pattern id."""
        m = DependencyMatcher(nlp.vocab)
        for pid, pattern in self.patterns.items():
            m.add(pid, [pattern])
        return m


@cache
def load_counts(path: Path) -> CountLexicon:
    """Read counts.json (cached per path)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    groups = {noun: cls for cls, nouns in data["groups"].items() for noun in nouns}
    return CountLexicon(
        verbs=data["verbs"], adjectives=data["adjectives"], tolls=data["tolls"],
        patterns={p["id"]: p["pattern"] for p in data["patterns"]}, groups=groups,
        armed=frozenset(data["armed"]), events=data["events"],
        campaigns=frozenset(data["campaigns"]), cumulative=tuple(data["cumulative"]),
        phrasal=data.get("phrasal", {}), limits=data.get("limits", {}),
        zero=frozenset(data.get("zero", [])),
        event_clauses=frozenset(data.get("event_clauses", ())),
    )


@dataclass
class CountHit:
    """One count in the text: offsets are character offsets into the document."""

    property: str
    value: dict[str, Any]
    start: int
    end: int
    group: str  # people | children | women | armed | unknown
    victims: str | None = None
    armed_org: str | None = None  # the modifier naming the armed group ("SDF")
    place: str | None = None
    event_kind: str | None = None
    scope: str | None = None  # single | cumulative | None (not stated)
    time_text: str | None = None
    since: bool = False
    negated: bool = False
    reasons: list[str] = field(default_factory=list)


class CountReader:
    """Finds counts in a parsed document."""

    def __init__(self, lexicon: CountLexicon, nlp: Language, bounds: dict[str, Bound]) -> None:
        self.lex = lexicon
        self.matcher = lexicon.matcher(nlp)
        self.bounds = bounds

    def find(self, doc: Doc) -> list[CountHit]:
        """Every count in the document, one per figure (the first pattern that fits wins)."""
        hits: dict[int, CountHit] = {}
        for match_id, token_ids in sorted(sentence_matches(self.matcher, doc),
                                          key=lambda m: m[1]):
            pid = doc.vocab.strings[match_id]
            names = [p["RIGHT_ID"] for p in self.lex.patterns[pid]]
            found = {name: doc[i] for name, i in zip(names, token_ids, strict=True)}
            number, trigger = found["number"], found["trigger"]
            if number.i in hits:
                continue
            prop = self._property(pid, trigger)
            if prop is None:
                continue
            hit = self._hit(doc, prop, number, trigger, found.get("victims"), found.get("verb"))
            if hit is not None:
                hits[number.i] = hit
        return sorted(hits.values(), key=lambda h: h.start)

    def _property(self, pid: str, trigger: Token) -> str | None:
        lemma = trigger.lemma_.lower()
        if pid in ("toll", "toll-direct", "toll-limit", "toll-limit-object"):
            prop = self.lex.tolls.get(lemma)
            if prop == "of-verb":  # "the number of civilians killed": the verb says what
                verb = next((v for c in trigger.children if c.dep_ == "prep" and
                             c.lower_ == "of" for g in c.children if g.dep_ == "pobj"
                             for v in g.children if v.dep_ in ("acl", "relcl")), None)
                return self.lex.verbs.get(verb.lemma_.lower()) if verb is not None else None
            return prop
        if pid in ("adjective", "received-wounded"):
            return self.lex.adjectives.get(trigger.lower_) or self.lex.verbs.get(lemma)
        prt = next((c.lower_ for c in trigger.children if c.dep_ == "prt" or (
            c.dep_ == "prep" and c.lower_ == "out")), None)  # "brought 156 civilians out of"
        if prt is not None and f"{lemma} {prt}" in self.lex.phrasal:
            return self.lex.phrasal[f"{lemma} {prt}"]  # "laid down their arms"
        return self.lex.verbs.get(lemma)

    def _nought(self, number: Token) -> bool:
        """Whether a count is nought: "no civilians", "not a single person", "not one of
        them", "none"."""
        low = number.lower_
        if low not in self.lex.zero:
            return False
        if low in ("no", "none", "nobody", "noone"):
            return True
        scope = [number, *number.children, number.head, *number.head.children]
        return any(t.dep_ == "neg" or t.lower_ in ("not", "no") for t in scope)

    def _value(self, number: Token) -> dict[str, Any] | None:
        if self._nought(number):
            return {"exact": 0.0}
        if number.lower_ in ("dozens", "scores", "hundreds", "thousands"):
            return interval({"number": number.text}, self.bounds)  # a lower bound
        conj = next((c for c in number.children if c.dep_ == "conj" and c.like_num), None)
        if conj is not None and any(t.lower_ == "between" for t in
                                    number.doc[max(0, number.i - 2):number.i]):
            return interval({"min": number.text, "max": conj.text}, self.bounds)
        left = [t for t in number.subtree if t.i < number.i and t.dep_ in (
            "advmod", "quantmod", "amod", "prep", "pobj", "cc") and t.lower_ != "between"]
        bound = " ".join(t.lower_ for t in sorted(left, key=lambda t: t.i))
        if not bound:  # "at least" is sometimes hung on the noun, not the number
            prev = number.doc[max(0, number.i - 3):number.i]
            for n in range(len(prev)):
                if prev[n:].text.lower() in self.bounds:
                    bound = prev[n:].text.lower()
                    break
        return interval({"number": number.text, "bound": bound}, self.bounds)

    def _hit(self, doc: Doc, prop: str, number: Token, trigger: Token,
             victims: Token | None, verb: Token | None) -> CountHit | None:
        value = self._value(number)
        if value is None:
            return None
        if victims is None and number.i + 2 < len(doc) and doc[number.i + 1].lower_ == "of":
            victims = next((c for c in doc[number.i + 1].children if c.dep_ == "pobj"), None)
        counted_by = None  # "the number of civilians killed throughout the operation"
        if victims is None and trigger.lemma_.lower() in self.lex.tolls:
            victims = next((g for c in trigger.children if c.dep_ == "prep" and
                            c.lower_ == "of" for g in c.children if g.dep_ == "pobj"), None)
            counted_by = next((c for c in victims.children if c.dep_ in ("acl", "relcl")),
                              None) if victims is not None else None
        head = verb if verb is not None else trigger
        tokens = list(head.subtree)
        negated = any(c.dep_ == "neg" for c in head.children)
        limit = self.lex.limits.get(head.lemma_.lower()) if verb is not None else None
        if limit == "over" and "exact" in value:
            # "the toll does not exceed 61": at most 61, asserted; "exceeded 100": over 100
            value = {"max": value["exact"], "max_inclusive": True} if negated else \
                {"min": value["exact"], "min_inclusive": False}
            negated = False
        if value.get("exact") == 0:
            negated = False  # "not a single person died": a count of nought, asserted
        hit = CountHit(
            property=prop, value=value, start=min(t.idx for t in tokens),
            end=max(t.idx + len(t) for t in tokens), group="unknown", negated=negated,
        )
        if victims is not None and victims.i != number.i:
            self._group(hit, victims)
        elif prop in ("killedCount", "woundedCount"):
            hit.group = "people"  # "at least 14 were killed", "the toll rose to 52"
        # "the death toll from the strike does not exceed 61": the toll noun's own phrases too
        where = [head, *(t for t in (victims, counted_by) if t is not None),
                 *([trigger] if trigger.i != head.i else [])]
        if prop == "fledCount" and victims is not None:
            # "more than 400,000 people had fled western Mosul": the object of a verb of
            # flight is where they fled from
            fled_from = next((c for c in head.children if c.dep_ == "dobj" and c.i != victims.i
                              and (c.pos_ == "PROPN" or c.ent_type_ in ("GPE", "LOC", "FAC"))),
                             None)
            hit.place = _named_place(fled_from) if fled_from is not None else None
        # "IS launched a counterattack near Baghuz on Tuesday, killing 14 SDF fighters": a
        # participle of result takes its event, place and time from the clause it ends
        result_of = head.head if head.tag_ == "VBG" and head.dep_ in ("advcl", "xcomp") and \
            head.head.i < head.i and head.head.pos_ in ("VERB", "AUX") else None
        if result_of is not None:
            where.append(result_of)
            verb_kind = self.lex.events.get(result_of.lemma_.lower())
            if verb_kind is not None:  # "ambushed a convoy …, killing nine"
                hit.event_kind, hit.scope = verb_kind, "single"
            # where the target was: "ambushed a convoy near Kidal" (not "positions of X")
            where += [g for c in result_of.children if c.dep_ == "dobj"
                      for g in c.children if g.dep_ == "prep" and g.lower_ != "of"]
        # "eleven people were killed and nine injured when a minibus collided with a tanker
        # near Mosul": a clause telling the event, on the verb or on one coordinated with it,
        # gives the kind (its verb) and the place (its prepositions)
        clause = self._event_clause(head)
        if clause is not None:
            where.append(clause)
            where += [g for c in clause.children if c.dep_ == "dobj"  # "attacked a post in X"
                      for g in c.children if g.dep_ == "prep" and g.lower_ != "of"]
            clause_kind = self.lex.events.get(clause.lemma_.lower())
            if clause_kind is not None and hit.event_kind is None:
                hit.event_kind, hit.scope = clause_kind, "single"
        # "a coalition strike on Friday killed 26", "the blast left 40 dead": the event is
        # the subject of the verb (or of the verb the adjective hangs on), or the object of
        # the clause a participle of result ends ("launched a counterattack")
        for verb_tok in (head, head.head):
            for c in verb_tok.children:
                event_role = ("nsubj", "nsubjpass", "dobj") if result_of is not None and \
                    verb_tok.i == result_of.i else (
                    "nsubj", "nsubjpass")
                if c.dep_ in event_role and (
                        c.lemma_.lower() in self.lex.events or
                        c.lemma_.lower() in self.lex.campaigns):
                    hit.event_kind = self.lex.events.get(c.lemma_.lower())
                    if c.lemma_.lower() in self.lex.campaigns:
                        hit.scope = "cumulative"  # a campaign: no event kind of its own
                    elif c.tag_ not in ("NNS", "NNPS"):
                        hit.scope = "single"
                    where.append(c)
                    where += [g for g in c.children if g.dep_ == "prep"]
        self._event(hit, where, head)
        return hit

    def _event_clause(self, head: Token) -> Token | None:
        """The verb of a clause marked "when", "as" or "after" (``lex.event_clauses``) on
        ``head`` or on a verb coordinated with it, else None."""
        verbs = [head, *(c for c in head.children if c.dep_ == "conj")]
        if head.dep_ == "conj":
            verbs.append(head.head)
        for verb in verbs:
            for c in verb.children:
                if c.dep_ == "advcl" and any(m.dep_ in ("mark", "advmod") and
                                             m.lower_ in self.lex.event_clauses
                                             for m in c.children):
                    return c
        return None

    def _group(self, hit: CountHit, victims: Token) -> None:
        lemma = victims.lemma_.lower()
        hit.victims = victims.text
        if victims.pos_ == "PRON":
            # "not one of them surrendered": those who surrender or are captured are an
            # armed group's (resolved in the article's context); anyone else is not guessed
            hit.group = "armed" if hit.property in ("surrenderedCount", "capturedCount") \
                else "unknown"
            return
        if lemma in self.lex.armed:
            hit.group = "armed"
            mods = [c for c in victims.children if c.dep_ in ("compound", "amod", "nmod", "poss")
                    and (c.pos_ == "PROPN" or c.ent_type_ in ("ORG", "NORP", "GPE"))]
            if mods:
                toks = sorted({t for m in mods for t in m.subtree if t.dep_ != "case"},
                              key=lambda t: t.i)
                hit.armed_org = victims.doc[toks[0].i:toks[-1].i + 1].text
            else:  # "members of the security forces"
                of = next((c for c in victims.children if c.dep_ == "prep" and
                           c.lower_ == "of"), None)
                obj = next((g for g in of.children if g.dep_ == "pobj"), None) \
                    if of is not None else None
                if obj is not None:
                    toks = [t for t in obj.subtree if t.dep_ not in ("det", "relcl")
                            and t.i <= obj.i]
                    hit.armed_org = victims.doc[toks[0].i:obj.i + 1].text if toks else None
        else:
            hit.group = self.lex.groups.get(lemma, lemma)

    def _event(self, hit: CountHit, where: list[Token], head: Token) -> None:
        """Place, event kind, scope and time from the prepositions around the count."""
        seen: set[int] = set()
        queue = [w for w in where if w.dep_ == "prep"]
        queue += [c for w in where for c in w.children if c.dep_ in ("prep", "agent")]
        while queue:
            prep = queue.pop(0)
            if prep.i in seen:
                continue
            seen.add(prep.i)
            for obj in (c for c in prep.children if c.dep_ in ("pobj", "pcomp")):
                lemma = obj.lemma_.lower()
                if lemma in self.lex.events:
                    hit.event_kind = self.lex.events[lemma]
                    # "in the blast" is one event; "the airstrikes on Baghuz" may be one night's
                    # raid or a campaign: a plural leaves the scope unstated
                    if hit.scope is None and obj.tag_ not in ("NNS", "NNPS"):
                        hit.scope = "single"
                    queue += [c for c in obj.children if c.dep_ == "prep"]
                elif lemma in self.lex.campaigns:
                    # "in the battle for Mosul", "throughout the operation": a total over a
                    # campaign, whatever word names it (no event kind of its own)
                    hit.scope = "cumulative"
                    queue += [c for c in obj.children if c.dep_ == "prep"]
                elif obj.ent_type_ in ("DATE", "TIME"):
                    hit.time_text = _ent_text(obj)
                    hit.since = prep.lower_ == "since"
                elif prep.lower_ in _PLACE_PREPS and hit.place is None and (
                        obj.ent_type_ in ("GPE", "LOC", "FAC") or lemma in _PLACE_NOUNS
                        or (obj.pos_ == "PROPN" and not obj.text.isupper())):
                    named = _named_place(obj)
                    if named is not None:
                        hit.place = named
                    # else a bare "a crowded market": no place of its own; a named one may
                    # follow ("in Baghdad's Sadr City district"), or the context's is used
                    queue += [c for c in obj.children if c.dep_ == "prep"]
                elif prep.lower_ in ("on", "at", "near", "with") and obj.pos_ == "NOUN":
                    # "a strike on a house in the town of Hays": the target, then its place
                    # ("collided with a tanker on a highway near Mosul": what it hit, then
                    # where; not "positions of the SDF": whose target, not where)
                    queue += [c for c in obj.children if c.dep_ == "prep" and c.lower_ != "of"]
        for t in head.subtree:
            if t.ent_type_ in ("DATE", "TIME") and hit.time_text is None and \
                    t.dep_ in ("npadvmod", "pobj", "tmod", "nummod", "compound"):
                hit.time_text = _ent_text(t)
        if hit.time_text is None and head.tag_ == "VBG" and head.dep_ in ("advcl", "xcomp"):
            # "the strike hit Qatabir on Thursday, killing 12": the day of the clause it ends
            parent = head.head
            for c in parent.children:
                if c.i == head.i or hit.time_text is not None:
                    continue
                toks = [c, *(g for g in c.children if g.dep_ == "pobj")] if c.dep_ == "prep" \
                    else [c]
                for t in toks:
                    if t.ent_type_ in ("DATE", "TIME") and t.dep_ in ("npadvmod", "pobj", "tmod"):
                        hit.time_text = _ent_text(t)
                        break
        sent = head.sent.text.lower()
        if any(f" {w} " in f" {sent} " for w in self.lex.cumulative):
            hit.scope = "cumulative"
        if hit.since:
            hit.scope = "cumulative"


def place_mentions(doc: Doc) -> list[tuple[int, str]]:
    """(offset, name) of places the text names: GPE/LOC/FAC entities, and the proper noun of
    "the village of Baghuz" (which the small model often does not tag)."""
    # a dateline ("GAZA CITY —", in capitals) says where the report was filed, not where the
    # event was: it is left out
    # nor a place that only qualifies someone ("Russia's Wagner group", "Ukrainian troops",
    # "the Iraqi army"): a possessive or a modifier of a noun that is not itself a place
    out = [(e.start_char, e.text) for e in doc.ents if e.label_ in ("GPE", "LOC", "FAC")
           and not e.text.isupper() and not _qualifier(e.root)]
    # the proper-noun objects, found in one array of the document's tags (no Token made for
    # each of its words)
    tags = doc.to_array([POS, DEP])
    objects = numpy.flatnonzero((tags[:, 0] == PROPN) & (tags[:, 1] == doc.vocab.strings["pobj"]))
    for i in objects.tolist():
        tok = doc[i]
        if tok.head.lower_ == "of" and \
                tok.head.head.lemma_.lower() in _PLACE_NOUNS and not tok.ent_type_:
            start = min(t.i for t in tok.subtree if t.i <= tok.i)
            out.append((doc[start].idx, doc[start:tok.i + 1].text))
    return sorted(out)


def _qualifier(root: Token) -> bool:
    """A place name used as a qualifier: possessive, or an adjective/compound on a noun that
    is not a place word ("Ukrainian troops", but not "Raqqa province")."""
    if root.dep_ == "poss" or root.tag_ == "JJ":
        return True
    return root.dep_ in ("compound", "amod", "nmod") and root.head.pos_ in ("NOUN", "PROPN") \
        and root.head.lemma_.lower() not in _PLACE_NOUNS and root.head.ent_type_ not in (
            "GPE", "LOC", "FAC")


def _named_place(obj: Token) -> str | None:
    """The place a locative object names, or None for a bare common noun ("a market"): a
    proper noun or place entity, "the town of Hays", or the proper-noun compound of a place
    noun ("Sadr City" of "Baghdad's Sadr City district")."""
    if obj.pos_ == "PROPN" or obj.ent_type_ in ("GPE", "LOC", "FAC"):
        return _place_phrase(obj)
    of = next((c for c in obj.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    if of is not None and any(g.dep_ == "pobj" and g.pos_ == "PROPN" for g in of.children):
        return _place_phrase(obj)
    names = [c for c in obj.children if c.dep_ == "compound" and c.pos_ == "PROPN"]
    if names:
        toks = sorted({t for c in names for t in c.subtree}, key=lambda t: t.i)
        return obj.doc[toks[0].i:toks[-1].i + 1].text
    return None


def _place_phrase(obj: Token) -> str:
    """The place's noun phrase: its modifiers and head, and "of X" ("the village of Baghuz"),
    without appositions or relative clauses."""
    doc = obj.doc
    start = min([obj.i, *(t.i for c in obj.children if c.i < obj.i for t in c.subtree)])
    end = obj.i
    of = next((c for c in obj.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    pobj = next((g for g in of.children if g.dep_ == "pobj"), None) if of is not None else None
    if pobj is not None and pobj.pos_ == "PROPN":
        end = pobj.i
    return doc[start:end + 1].text


def _ent_text(tok: Token) -> str:
    from app.ingest.nlp import entity_at

    ent = entity_at(tok)
    return ent.text if ent is not None else tok.text
