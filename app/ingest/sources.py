"""Who a source is: the person, role and organisation in a source noun phrase, resolved to
known entities, with pronouns and short names resolved to the nearest compatible speaker.

Read from the parse of the source span ("a spokesman for the Ukrainian military": role
spokesman, organisation Ukrainian military; "Wagner chief Yevgeny Prigozhin": person Yevgeny
Prigozhin, role chief, organisation Wagner; "Mustafa Bali, a spokesman for the SDF": person,
role and organisation from the apposition; "Rami Abdel Rahman, who heads the Observatory":
organisation from the relative clause). Names resolve through the Gazetteer (labels and
aliases of stored entities); an unknown name stays a new entity with its text as reference."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from app.ingest.cues import Lexicon
from app.ingest.gazetteer import Entity, Gazetteer
from app.ingest.nlp import entity_at, text_of

_PERSON_PRONOUNS = {"he", "she", "him", "her"}
_STATE_MEDIA = {"media", "television", "tv", "agency", "radio", "broadcaster", "outlets"}
_STATE_WORDS = {"state", "state-run", "state-owned", "official", "government-run", "news"}
_GROUP_PRONOUNS = {"they", "it", "we", "them"}
_ORG_ENTS = ("ORG", "NORP", "GPE", "FAC")
_LEADS = {"head", "lead", "run", "direct", "chair", "found", "command", "manage"}
_TITLES = {"mr", "mrs", "ms", "dr", "gen", "col", "lt", "maj", "capt", "sgt", "sen", "rep",
           "gov", "prof", "president", "general", "colonel", "commissioner", "minister",
           "senator", "governor", "mayor", "judge", "sir", "lord", "commander", "prime"}


@dataclass
class Speaker:
    """A resolved speaker: ``ref`` is a known entity id or, for a new name, the name itself;
    ``kind`` is person, org, group or unknown; ``org`` an entity id or name."""

    ref: str
    name: str
    kind: str
    role: str | None = None
    org: str | None = None


def _text(tokens: list[Token]) -> str:
    if not tokens:
        return ""
    return text_of(tokens[0].doc)[tokens[0].idx:tokens[-1].idx + len(tokens[-1])]


def _strip_det(tokens: list[Token]) -> list[Token]:
    while tokens and (tokens[0].dep_ in ("det", "poss", "case", "punct") and
                      tokens[0].pos_ in ("DET", "PRON", "PUNCT", "PART")):
        tokens = tokens[1:]
    while tokens and (tokens[-1].is_punct or tokens[-1].dep_ == "case"):
        tokens = tokens[:-1]  # "the campaign's" → the campaign
    return tokens


class SourceResolver:
    """Turns source spans into speakers for one article, keeping what was seen earlier."""

    def __init__(self, lexicon: Lexicon, gazetteer: Gazetteer) -> None:
        self.lex = lexicon
        self.gaz = gazetteer
        self.seen: list[Speaker] = []
        self.countries: list[str] = []  # the article's countries, most named first

    def note_countries(self, doc: Doc) -> None:
        """The countries the article names that the gazetteer knows a state medium of."""
        votes: dict[str, int] = {}
        for ent in doc.ents:
            if ent.label_ in ("GPE", "NORP"):
                known = self.gaz.country(ent.text)
                if known is not None and known.id in self.gaz.state_media:
                    votes[known.id] = votes.get(known.id, 0) + 1
        self.countries = sorted(votes, key=lambda k: -votes[k])

    def _state_media(self, head: Token) -> Speaker | None:
        """"state media", "Syrian state television": the state news agency of the country
        named in the phrase, else of the country the article is about, when the gazetteer
        says which (cg:stateMediaOf); None when it cannot say (never a guess)."""
        country = None
        for mod in head.children:
            if mod.dep_ in ("amod", "compound", "nmod") and mod.lower_ not in _STATE_WORDS:
                known = self.gaz.country(mod.text)
                if known is not None and known.id in self.gaz.state_media:
                    country = known.id
        country = country or (self.countries[0] if self.countries else None)
        agency = self.gaz.state_media.get(country) if country else None
        if agency is None:
            return None
        return Speaker(agency.id, agency.label, "org")

    # -- organisations -----------------------------------------------------------------------
    def _org(self, tokens: list[Token]) -> str | None:
        """An organisation named by these tokens, as an entity id if known."""
        tokens = _strip_det(tokens)
        if not tokens:
            return None
        name = _text(tokens)
        known = self.gaz.get(name)
        if known is not None:
            return known.org if known.kind == "person" else known.id
        # "SDF in Hajin", "the media center at SDF": the longest known name inside
        for size in range(len(tokens) - 1, 0, -1):
            for start in range(0, len(tokens) - size + 1):
                known = self.gaz.get(_text(tokens[start:start + size]))
                if known is not None and known.kind not in ("person", "place", "ambiguous"):
                    return known.id
        return name

    def _org_of(self, tok: Token) -> str | None:
        """The organisation a role or name hangs on: "for/of/with/at/from X", "X's", a
        proper-noun modifier ("an SDF spokesman"), an apposition or "who heads X"."""
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ in ("for", "of", "with", "at", "from", "in"):
                obj = next((g for g in c.children if g.dep_ == "pobj"), None)
                if obj is not None and (obj.pos_ == "PROPN" or obj.ent_type_ in _ORG_ENTS or
                                        c.lower_ != "in"):
                    return self._org([t for t in obj.subtree if t.dep_ != "relcl"])
            if c.dep_ == "poss" and c.pos_ != "PRON":
                return self._org(list(c.subtree))
            if c.dep_ == "relcl" and c.lemma_ in _LEADS:
                obj = next((g for g in c.children if g.dep_ == "dobj"), None)
                if obj is not None:
                    return self._org(list(obj.subtree))
        mods = [c for c in tok.children if c.dep_ in ("compound", "amod", "nmod")
                and c.i < tok.i and (c.pos_ == "PROPN" or c.ent_type_ in _ORG_ENTS)
                and c.lower_.rstrip(".") not in _TITLES]
        if mods:
            start = min(t.i for m in mods for t in m.subtree)
            toks = [t for t in tok.doc[start:tok.i] if t.lower_ not in self.lex.roles
                    and t.ent_type_ != "PERSON"]
            if toks:
                return self._org(toks)
        return None

    # -- one source phrase ------------------------------------------------------------------
    def resolve_all(self, doc: Doc, span: tuple[int, int] | None, head_i: int | None,
                    at: int) -> list[Speaker]:
        """The speakers of a source span: one, or one per conjunct of a coordinated source
        ("Bali and Ryan", "U.S. and local military officials")."""
        if span is None or head_i is None:
            return []
        head = doc[head_i]
        conj = [c for c in head.children if c.dep_ == "conj" and c.pos_ in ("PROPN", "NOUN")]
        if conj and head.pos_ in ("PROPN", "NOUN"):
            found = [self.resolve(doc, span, head.i, at, skip={t.i for c in conj
                                                                for t in c.subtree})]
            found += [self.resolve(doc, span, c.i, at) for c in conj]
            return [s for s in found if s is not None]
        mod = next((c for c in head.children if c.dep_ in ("amod", "compound", "nmod")
                    and any(g.dep_ == "conj" for g in c.children)), None)
        if mod is not None and head.lemma_.lower() in self.lex.roles:
            parts = [mod, *(g for g in mod.children if g.dep_ == "conj")]
            rest = [t for t in doc[max(t.i for t in mod.subtree) + 1:head.i + 1]]
            out: list[Speaker] = []
            for p in parts:
                name = _text([p, *rest]) if p.i < rest[0].i else _text(rest)
                phrase = f"{p.text} {_text(rest)}"
                known = self.gaz.get(phrase)
                if known is not None:
                    out.append(Speaker(known.id, known.label, _kind(known, "group"), None,
                                       known.org))
                else:
                    org = self._org([p]) if p.pos_ == "PROPN" else None
                    out.append(Speaker(phrase, phrase, "group", name, org))
            for sp in out:
                self._remember(sp)
            return out
        one = self.resolve(doc, span, head_i, at)
        return [one] if one is not None else []

    def resolve(self, doc: Doc, span: tuple[int, int] | None, head_i: int | None,
                at: int, skip: set[int] | None = None) -> Speaker | None:
        """The speaker of a source span whose head token is ``head_i``; None when unknown."""
        if span is None or head_i is None:
            return None
        head = doc[head_i]
        low = head.lower_
        if head.pos_ == "PRON" or low in _PERSON_PRONOUNS | _GROUP_PRONOUNS:
            return self._pronoun(low)
        if head.lemma_.lower() in self.lex.source_nouns:
            owner = next((c for c in head.children if c.dep_ == "poss"), None)
            if owner is None:
                prep = next((c for c in head.children if c.dep_ == "prep"
                             and c.lower_ in ("from", "by", "of")), None)
                owner = next((g for g in prep.children if g.dep_ == "pobj"), None) \
                    if prep is not None else None
            if owner is not None:
                return self.resolve(doc, span, owner.i, at)
            return None  # "according to a statement": whose is not said; never guessed
        speaker = self._phrase(doc, head, span, skip or set())
        if speaker is not None:
            self._remember(speaker)
        return speaker

    def _phrase(
        self, doc: Doc, head: Token, span: tuple[int, int], skip: set[int]
    ) -> Speaker | None:
        """Person, role and organisation of one source phrase (tokens in ``skip`` belong to
        another conjunct)."""
        if head.lower_ in _STATE_MEDIA and any(
                c.lower_ in _STATE_WORDS for c in head.children) and not any(
                c.pos_ == "PROPN" and self.gaz.country(c.text) is None for c in head.children
                if c.dep_ in ("compound", "nmod")):
            # "Syrian state media"; but "the group's Amaq news agency" names its agency
            return self._state_media(head)
        chars = doc.char_span(*span, alignment_mode="expand")
        ent = entity_at(head)
        person_ent = ent if ent is not None and ent.label_ == "PERSON" else None
        appos = next((c for c in head.children if c.dep_ == "appos"), None)
        role: str | None = None
        org: str | None = None
        if head.pos_ == "NOUN" and appos is not None and appos.pos_ == "PROPN":
            # "the Britain-based monitor Airwars": the name, not the description, says who
            # (a person named after a role is handled below, with the role)
            named = self._phrase(doc, appos, span, skip)
            if named is not None and (named.kind != "person" or
                                      head.lemma_.lower() not in self.lex.roles):
                return named
        whole = self.gaz.get(_text(_strip_det([t for t in head.subtree
                                               if t.dep_ not in ("appos", "relcl")])))
        if whole is not None and whole.kind not in ("place", "ambiguous", "person") and not (
                whole.kind == "source" and self._mention_kind(head) == "person"):
            return Speaker(whole.id, whole.label, _kind(whole, self._mention_kind(head)), None,
                           whole.org)
        mods = [c for c in head.children if c.dep_ not in ("det", "punct", "cc", "relcl")]
        if head.pos_ == "NOUN" and not mods and head.tag_ == "NN" and any(
                c.dep_ == "det" and c.lower_ == "the" for c in head.children):
            # "the monitor", "the ministry": the organisation named just before whose name
            # or description has that word ("the Syrian Observatory …, a UK-based war monitor")
            word = head.lower_
            for named_before in reversed(self.seen):
                if named_before.kind not in ("org", "group"):
                    continue
                names = [named_before.name.lower(), *self.gaz.labels(named_before.ref)]
                if any(word in n.split() for n in names):
                    return named_before
        if head.pos_ == "NOUN" and appos is not None and appos.pos_ == "PROPN" and (
                head.lemma_.lower() in self.lex.roles):
            # "the commander, Osman Adam,": the apposition names the person, the head is
            # the role
            named = self._phrase(doc, appos, span, skip)
            if named is not None and named.kind == "person":
                named.role = named.role or _text(_strip_det(
                    [t for t in head.subtree if t.i <= head.i]))
                named.org = named.org or self._org_of(head)
                return named
        if head.pos_ == "PROPN" and (person_ent is not None or self._looks_personal(head)):
            name_toks = self._name(head, person_ent)
            name = _text(name_toks)
            if len(name_toks) == 1:  # "Bali": a speaker named earlier in full
                earlier = next((s for s in reversed(self.seen) if s.kind == "person" and
                                s.name.split()[-1].lower() == name.lower()), None)
                if earlier is not None:
                    return earlier
            role_toks = [t for t in doc[min(t.i for t in head.subtree):name_toks[0].i]
                         if t.pos_ in ("NOUN", "PROPN") and t.lower_ in self.lex.roles | _TITLES]
            if role_toks:
                role = _text(role_toks)
            org = self._org_of(head)
            if appos is not None:
                role = role or _text(_strip_det(list(appos.subtree)))
                org = org or self._org_of(appos)
            known = self.gaz.get(name)
            if known is not None and known.kind not in ("place", "ambiguous"):
                return Speaker(known.id, known.label, _kind(known, "person"), role,
                               known.org or org)
            return Speaker(name, name, "person", role, org)
        base = _strip_det([t for t in (chars or doc[head.i:head.i + 1])
                           if t.i <= head.i or (t.dep_ in ("prep", "pobj", "compound")
                           and t.head.i == head.i)])
        base = [t for t in base if t.i <= head.i] if head.lower_ in self.lex.roles or \
            head.lemma_.lower() in self.lex.roles else base
        phrase_toks = _strip_det([t for t in head.subtree if t.dep_ not in ("appos", "relcl")
                                  and t.i not in skip and t.dep_ != "cc"
                                  and not any(a.dep_ in ("appos", "relcl") for a in t.ancestors
                                              if a.i != head.i and head in a.ancestors)])
        phrase = _text(phrase_toks) or head.text
        known = self.gaz.get(phrase)
        if known is not None and known.kind not in ("place", "ambiguous"):
            return Speaker(known.id, known.label, _kind(known, self._mention_kind(head)), None,
                           known.org)
        if head.lemma_.lower() in self.lex.roles or head.lower_ in self.lex.roles:
            role = _text(base) or head.text
            org = self._org_of(head)
            kind = "group" if head.tag_ in ("NNS", "NNPS") else "person"
            if org is not None and kind == "person":
                known_org = self.gaz.get(org) if org else None
                ref_org = known_org.id if known_org is not None else org
                # an unnamed spokesman speaks for the organisation
                return Speaker(phrase, phrase, "person", role, ref_org)
            return Speaker(phrase, phrase, kind, role, org)
        known = self.gaz.get(phrase) or self.gaz.get(_text(base))
        if known is not None and known.kind not in ("place", "ambiguous"):
            return Speaker(known.id, known.label, _kind(known, self._mention_kind(head)), None,
                           known.org)
        kind = "group" if head.tag_ in ("NNS", "NNPS") and head.pos_ == "NOUN" else "org"
        return Speaker(phrase, phrase, kind, None, self._org_of(head) if kind == "group"
                       else None)

    def _mention_kind(self, head: Token) -> str:
        """What a source phrase's head names, by its own words: a person (a personal name or
        a role: "the spokesman"), a group (a plural noun: "officials") or an organisation."""
        if head.pos_ == "PROPN" and (head.ent_type_ == "PERSON" or self._looks_personal(head)):
            return "person"
        if head.lemma_.lower() in self.lex.roles:
            return "group" if head.tag_ in ("NNS", "NNPS") else "person"
        return "group" if head.tag_ in ("NNS", "NNPS") and head.pos_ == "NOUN" else "org"

    def _looks_personal(self, head: Token) -> bool:
        return head.ent_type_ in ("", "PERSON") and head.tag_ == "NNP" and \
            not head.text.isupper() and head.ent_type_ != "ORG"

    def _name(self, head: Token, ent: Span | None) -> list[Token]:
        if ent is not None:
            toks = [t for t in ent if t.lower_.rstrip(".") not in _TITLES]
            return toks or list(ent)
        toks = [head]
        for t in reversed(list(head.doc[:head.i])):
            if t.dep_ == "compound" and t.head.i == head.i and t.pos_ == "PROPN" and \
                    t.lower_.rstrip(".") not in _TITLES and t.lower_ not in self.lex.roles:
                toks.insert(0, t)
            else:
                break
        return toks

    def _pronoun(self, low: str) -> Speaker | None:
        kinds = ("person",) if low in _PERSON_PRONOUNS else ("org", "group")
        return next((s for s in reversed(self.seen) if s.kind in kinds), None)

    def _remember(self, speaker: Speaker) -> None:
        if speaker in self.seen:
            self.seen.remove(speaker)
        self.seen.append(speaker)

    def note_person(self, name: str) -> None:
        """A person named in narration ("Trump held a rally") becomes a pronoun antecedent."""
        known = self.gaz.get(name)
        sp = (Speaker(known.id, known.label, _kind(known, "person"), None, known.org)
              if known is not None and known.kind == "person" else
              Speaker(name, name, "person"))
        if not any(s.kind == "person" and s.name.split()[-1] == name.split()[-1]
                   for s in self.seen[-1:]):
            self._remember(next((s for s in self.seen if s.name == sp.name), sp))


def _kind(e: Entity, mention: str) -> str:
    """The speaker kind of a known entity; for a source learnt from an earlier article,
    whose entity says only that it spoke (cg:Source), the kind this mention has ("Ukrainska
    Pravda" is an organisation, not a "he")."""
    if e.kind == "source":
        return mention
    return {"outlet": "org", "thing": "person"}.get(e.kind, e.kind)
