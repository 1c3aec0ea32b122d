"""From article text to structured claims: the spaCy parse → attributions (source, cue,
content spans) → resolved speakers → factuality, time and the frames that fit each content
span. No I/O: names resolve through a Gazetteer."""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy
from spacy.attrs import LEMMA
from spacy.language import Language
from spacy.tokens import Doc

from app.ingest import nlp
from app.ingest.attribution import Attribution, Attributor, attributor
from app.ingest.counts import CountHit, CountReader, load_counts, place_mentions
from app.ingest.embeds import EmbeddedPost
from app.ingest.factuality import CueHit, FactualityReader, cues_within
from app.ingest.frames import FrameSet, interval, load_frames
from app.ingest.gazetteer import Entity, Gazetteer
from app.ingest.sources import SourceResolver, Speaker
from app.ingest.states import StateHit, StateReader, load_states, phrase_reader

_STATE = {"controlStatus", "controlledBy", "fightingStatus", "defeatStatus", "presentIn"}
_NOT_NAMES = {"so", "but", "this", "that", "the", "it", "there", "they", "we", "he", "she", "once",
              "when", "if", "and", "thousands", "hundreds", "dozens", "many", "some", "a", "an",
              "in", "on", "at", "as", "after", "before", "while", "file", "however", "local",
              "fierce", "heavy"}
_PLACE_ANAPHORS = frozenset({"the town", "the city", "the village"})  # the last place named
_ONTOLOGY = Path(__file__).resolve().parents[2] / "ontology"
_PLACE_WORDS = {"district", "province", "village", "town", "city", "region", "governorate",
                "county", "area", "valley", "neighbourhood", "neighborhood", "camp", "airport"}
# words for an armed group that name none: resolved in the article's context, never globally
_GENERIC_GROUPS = {"militants", "jihadists", "insurgents", "extremists", "group", "terrorists",
                   "rebels", "fighters", "enemy", "terror group", "jihadist group",
                   "militant group", "occupiers", "invaders", "their"}
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


@dataclass
class Statement:
    """One extracted attributed statement, ready to become one or more claims."""

    speakers: list[Speaker]
    relays: list[str]
    verb: str
    cue: tuple[int, int] | None
    speaker_span: tuple[int, int] | None
    content: tuple[int, int]
    direct: bool
    polarity: str
    certainty: str
    said_at: str
    said_on: dt.date | None
    triples: list[dict[str, Any]] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)
    content_spans: tuple[tuple[int, int], ...] = ()
    kind: str = "indirect"
    relay_span: tuple[int, int] | None = None
    cue_kind: str = "speech"
    cue_polarity: str = "positive"  # "negative" for a denying cue ("denied that …")
    post: EmbeddedPost | None = None  # the embedded post this statement is, if any

    @property
    def propositional(self) -> bool:
        """True when the content can be a claim: a clause or a quotation, or the object of a
        cue that reports one ("confirmed the deaths of 40 civilians"), not an attitude
        towards a thing ("criticized the judge")."""
        return not (self.kind == "object" and self.cue_kind == "attitude")


def _date(published: str | None) -> dt.date | None:
    if published and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", published):
        try:
            day = dt.date.fromisoformat(published[:10])
        except ValueError:
            return None
        # no news before 1800: anchoring arithmetic on year 1 would overflow
        return day if day.year >= 1800 else None
    return None


def anchor(said_at: str | None, published: str | None) -> dt.date | None:
    """The date a time expression names, anchored to a full publication date; else None."""
    day = _date(published)
    if day is None or not said_at:
        return None
    text = said_at.lower()
    if text in ("today", "earlier") or text.startswith("earlier today"):
        return day
    if text == "yesterday":
        return day - dt.timedelta(days=1)
    for n, name in enumerate(_WEEKDAYS):
        if name in text:
            back = (day.weekday() - n) % 7
            if text.startswith("last ") and back == 0:
                back = 7
            return day - dt.timedelta(days=back)
    m = re.search(r"([a-z]{3})[a-z]*\.? (\d{1,2})(?!\d)", text)
    if m and m.group(1) in _MONTHS:
        try:
            when = dt.date(day.year, _MONTHS.index(m.group(1)) + 1, int(m.group(2)))
            return when if when <= day else when.replace(year=day.year - 1)
        except ValueError:  # "Feb. 29" of a year that has none
            return None
    return None


class Extractor:
    """Runs the parse, attribution, speaker resolution, factuality and frames over articles.
    ``nlp`` is the loaded spaCy pipeline (app.ingest.nlp.load) and ``attributor`` the cue
    lexicon bound to it; both are built once per process."""

    def __init__(
        self, frames: FrameSet, gazetteer: Gazetteer, nlp: Language, attributor: Attributor,
        counts: CountReader | None = None,
    ) -> None:
        self.frames = frames
        self.gaz = gazetteer
        self.nlp = nlp
        self.attributor = attributor
        self.counts = counts or CountReader(
            load_counts(_ONTOLOGY / "frames" / "counts.json"), nlp, frames.bounds)
        self.states = StateReader(load_states(_ONTOLOGY / "frames" / "states.json"), nlp)
        self.factuality = FactualityReader.load(_ONTOLOGY / "frames" / "factuality.json", nlp)
        self.phrases = phrase_reader(_ONTOLOGY / "frames" / "phrases.json",
                                     _ONTOLOGY / "frames" / "states.json", nlp)
        self.wires = {w.lower() for w in frames.wires}
        self.place_names = gazetteer.places()

    # -- entities in content ---------------------------------------------------------------
    def _entity(self, name: str, speaker: list[Speaker], place: str | None) -> str | None:
        name = re.sub(r"\s+", " ", name.strip(" []"))
        low = name.lower()
        if low == "our" or re.fullmatch(r"our (?:forces|fighters|troops|units|army|men)", low):
            low = "we"  # a post's or quotation's first person: the speaker's side
        if low in ("we", "it", "they"):  # the speaker's side: "we have liberated …"
            if low != "we" and not (speaker and speaker[0].kind in ("org", "group")):
                return None
            return speaker[0].org if speaker and speaker[0].org else (
                speaker[0].ref if speaker and speaker[0].kind in ("org", "group") else None)
        alias = self.frames.aliases.get(re.sub(r"^the ", "", low)) or self.frames.aliases.get(low)
        if alias:
            return alias
        if low in _PLACE_ANAPHORS:
            return place
        known = self.gaz.get(name)
        if known is not None:
            return known.id
        words = name.split()
        if len(words) > 1 and (words[-1].lower().rstrip("s") in self.counts.lex.armed or
                               words[-1].lower() in _UNITS):
            # "Taliban fighters", "IS militants": the group their modifier names; "the Azov
            # regiment" is Azov
            return self._entity(" ".join(words[:-1]), speaker, place)
        bare = re.sub(r"^(?:the|The) ", "", name)
        bare = re.sub(r"^(?:town|city|village|area|province|district) of ", "", bare)
        bare = re.sub(r"(?:'s|\u2019s)$", "", bare)
        known = self.gaz.get(bare)
        if known is not None:
            return known.id
        if not bare or bare.split()[0].lower() in _NOT_NAMES or not bare[0].isupper():
            return None
        return bare

    def _places_in(self, text: str) -> list[tuple[int, str]]:
        """Known places mentioned in a text, with their positions; not countries, which are
        never what "the town" or "the city" refers back to ("Russia's Wagner group … fighting
        goes on in the city")."""
        if self.place_names is None:
            return []
        countries = {e.id for e in self.gaz.demonyms.values()}
        found = []
        for m in self.place_names.finditer(text):
            ent = self.gaz.get(m.group())
            if ent is not None and ent.kind == "place" and ent.id not in countries:
                found.append((m.start(), ent.id))
        return found

    @classmethod
    def build(
        cls, ontology_dir: Path, gazetteer: Gazetteer, model: str = nlp.DEFAULT_MODEL
    ) -> Extractor:
        """The extractor over an ontology folder's frames and cue lexicon, with the spaCy
        model ``model`` (loaded once per process)."""
        frames = load_frames(ontology_dir / "frames")
        language = nlp.load(model)
        return cls(frames, gazetteer, language, attributor(ontology_dir, model),
                   CountReader(load_counts(ontology_dir / "frames" / "counts.json"), language,
                               frames.bounds))

    # -- the article -------------------------------------------------------------------------
    def extract_many(
        self, texts: list[str], *, published: str | None = None, batch_size: int = 16
    ) -> list[list[Statement]]:
        """Statements of many articles, parsed in batches with ``nlp.pipe``."""
        return [self.extract_doc(doc, published=published)
                for doc in self.nlp.pipe(texts, batch_size=batch_size)]

    def extract(
        self, text: str, *, outlet: str | None = None, published: str | None = None,
        posts: Sequence[EmbeddedPost] = (),
    ) -> list[Statement]:
        """Every attributed statement of the article, with its frames; ``posts`` are the
        embedded posts whose ``start``/``end`` offsets index ``text`` (see extract_doc)."""
        return self.extract_doc(self.nlp(text), outlet=outlet, published=published, posts=posts)

    def extract_doc(
        self, doc: Doc, *, outlet: str | None = None, published: str | None = None,
        posts: Sequence[EmbeddedPost] = (),
    ) -> list[Statement]:
        """Every attributed statement of a parsed article, with its frames. Statements whose
        speaker cannot be resolved (an unresolved "he", an agentless passive) are kept with
        no speaker; the claim step skips them rather than guess. Each embedded post is a
        direct statement of its author (one per sentence, said on the post's date); an
        attribution the parser finds inside or across a post is replaced by it."""
        text = nlp.text_of(doc)
        found = self.attributor.find(doc)
        resolver = SourceResolver(self.attributor.lex, self.gaz)
        resolver.note_countries(doc)
        places = self._places_in(text)
        speakers: dict[int, list[Speaker]] = {}
        persons = [e for e in doc.ents if e.label_ == "PERSON" and e.root.dep_ == "nsubj"]
        order = sorted(range(len(found)), key=lambda n: _cue_pos(found[n]))
        for n in order:
            att = found[n]
            pos = _cue_pos(att)
            while persons and persons[0].start_char < pos:
                ent = persons.pop(0)
                if not any(a.source and a.source[0] <= ent.start_char < a.source[1]
                           for a in found):
                    resolver.note_person(ent.text)
            if att.inherits is not None:
                speakers[n] = speakers.get(att.inherits, [])
                continue
            speakers[n] = resolver.resolve_all(doc, att.source, att.source_head, pos)
        counts = self.counts.find(doc)
        armed = self._context_armed_group(doc)
        # places the article is about, for "the city" and for counts with no place of their
        # own: known places and places the model names (GPE, LOC, FAC), but not a country
        # and not a place inside a speaker's name ("Iraq's interior ministry")
        countries = {e.id for e in self.gaz.demonyms.values()}
        mentions = place_mentions(doc)
        in_source = [a.source for a in found if a.source is not None]
        count_places = sorted(
            (pos, ref) for pos, ref in {*places, *(
                (pos, ref) for pos, name in mentions
                if (self.gaz.get(name) or _PLACE).kind == "place"  # not a known organisation
                for ref in [self._entity(name, [], None)] if ref)}
            if ref not in countries and not any(x <= pos < y for x, y in in_source))
        sentences = [(x.start_char, x.end_char) for x in doc.sents]
        cue_hits = self.factuality.find(doc)
        statements = [
            self._statement(text, part, speakers[n], self._relays(text, att), published,
                            cue_hits)
            for n, att in enumerate(found) for part in _sentences(text, sentences, att)
        ]
        if posts:
            statements = [st for st in statements if not _in_post(st, posts)]
            statements += self._post_statements(text, posts, sentences, published, cue_hits)
        sites = self._site_mentions(doc)
        states = self.states.find(doc)
        place_names = {name.lower() for _, name in mentions}
        # a name a control frame treats as a place ("taken full control of Bakhmut") is a
        # place for the rest of the article ("fighting goes on in the city")
        for hit in states:
            if hit.subject and hit.subject_is_name and hit.frame.subject_kind != "group":
                ref = self._entity(hit.subject, [], None)
                if ref and ref not in countries:
                    count_places.append((hit.trigger, ref))
                    place_names.add(hit.subject.lower())
        count_places.sort()
        states = sorted(states + self.phrases.find(doc), key=lambda h: h.trigger)
        for st in statements:
            self._add_states(st, states, armed, count_places, place_names, places, sites)
            self._add_counts(st, counts, armed, count_places, published, text)
        return self._unwrap_relays(statements)

    def _site_mentions(self, doc: Doc) -> list[tuple[int, str, str]]:
        """(offset, site noun, name) of every site the article names ("the Illich plant"),
        in order: what an unnamed "the plant" later refers back to."""
        out = []
        lemmas = doc.to_array(LEMMA)  # one array read, no Token made for every word
        strings = doc.vocab.strings
        site_ids = [i for i in numpy.unique(lemmas).tolist()
                    if strings[i].lower() in self.states.lex.sites]
        for i in numpy.flatnonzero(numpy.isin(lemmas, site_ids)).tolist():
            tok = doc[i]
            if tok.pos_ != "NOUN":
                continue
            toks = [t for t in tok.subtree if t.i <= tok.i or (
                t.dep_ in ("prep", "pobj", "compound") and t.head.i in (tok.i, *(
                    c.i for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"))
                and (t.dep_ != "prep" or t.lower_ == "of"))]
            named = _site_name(" ".join(t.text for t in toks), self.states.lex.sites)
            if named is not None and named[1] is not None:
                out.append((tok.idx, named[0], named[1]))
        return out

    def _post_author(self, post: EmbeddedPost) -> Speaker | None:
        """The author of an embedded post: a known entity when its name or ``@handle`` is
        one, else a new person named by the post (its handle when it gives no name)."""
        for name in (post.name, f"@{post.handle}" if post.handle else None):
            known = self.gaz.get(name) if name else None
            if known is not None and known.kind != "place":
                return Speaker(ref=known.id, name=known.label, kind=known.kind, org=known.org)
        name = post.author
        return Speaker(ref=name, name=name, kind="person") if name else None

    def _post_statements(
        self, text: str, posts: Sequence[EmbeddedPost], sentences: list[tuple[int, int]],
        published: str | None, cue_hits: list[CueHit],
    ) -> list[Statement]:
        """The statements of embedded posts: the post's words, verbatim, one statement per
        sentence, its author the speaker (the outlet showing it is only the relay)."""
        out = []
        for post in posts:
            author = self._post_author(post)
            att = Attribution(cue=None, cue_lemma="posted", content=((post.start, post.end),),
                              source=None, kind="direct")
            for part in _sentences(text, sentences, att):
                st = self._statement(text, part, [author] if author else [], [], published,
                                     cue_hits)
                st.said_at = post.said_at or "not stated"
                st.said_on = post.said_on
                st.post = post
                out.append(st)
        return out

    def _relays(self, text: str, att: Attribution) -> list[str]:
        if att.relay is None:
            return []
        name = re.sub(r"^(?:the|The) ", "", text[att.relay[0]:att.relay[1]])
        known = self.gaz.get(name)
        return [known.label if known is not None else name]

    def _is_outlet(self, speaker: Speaker) -> bool:
        """A wire, a news agency or a known outlet: it relays what others say."""
        name = re.sub(r"^the ", "", speaker.name.lower())
        if name in self.wires or name.endswith("news agency"):
            return True
        if re.sub(r" news agency$", "", name) in self.wires:
            return True
        return any((self.gaz.get(n) or _NONE).kind == "outlet"
                   for n in (speaker.name, speaker.ref))

    def _unwrap_relays(self, statements: list[Statement]) -> list[Statement]:
        """"Reuters reported that SOHR said 14 were killed": a wire or outlet whose content
        holds another attribution relays it; it does not claim it."""
        out = []
        for st in statements:
            outlet = bool(st.speakers) and all(self._is_outlet(s) for s in st.speakers)
            inner = [o for o in statements if o is not st and o.speakers and
                     st.content[0] <= o.content[0] and o.content[1] <= st.content[1]]
            if outlet and inner:
                for o in inner:
                    o.relays = [*o.relays, *(s.name for s in st.speakers)]
                continue
            out.append(st)
        out.sort(key=lambda s: s.content)
        return out

    def _statement(
        self, text: str, att: Attribution, spk: list[Speaker], relays: list[str],
        published: str | None, cue_hits: list[CueHit],
    ) -> Statement:
        # the claim quotes the content without its enclosing quotation marks and edge
        # punctuation; the PARC spans (content_spans) keep them
        a, b = _inner(text, att.start, att.end, mixed=att.kind == "mixed")
        verb = text[att.cue[0]:att.cue[1]] if att.cue else att.cue_lemma
        polarity, certainty = att.polarity, att.certainty
        hits = cues_within(cue_hits, att.content, a, b)
        for cue_hit in hits:
            cue = cue_hit.cue
            if cue.polarity:
                polarity = cue.polarity
            if cue.certainty and _weaker(cue.certainty, certainty):
                certainty = cue.certainty
        when = text[att.said_at[0]:att.said_at[1]] if att.said_at else None
        return Statement(
            speakers=spk, relays=relays, verb=verb, cue=att.cue,
            speaker_span=att.source_surface or att.source, content=(a, b),
            direct=att.kind == "direct",
            polarity=polarity, certainty=certainty, said_at=when or "not stated",
            said_on=anchor(when, published), content_spans=att.content, kind=att.kind,
            relay_span=att.relay, cue_kind=att.cue_kind, cue_polarity=att.polarity,
        )

    # -- counts and their events -------------------------------------------------------------
    def _context_armed_group(self, doc: Doc) -> str | None:
        """The armed group the article is about, for "the militants" and "fighters" with no
        name: the group most often named as the modifier of an armed noun ("Taliban
        fighters", "IS militants") in this article. Never a global alias; None when the
        article names none."""
        votes: dict[str, int] = {}
        # the armed nouns, found in one array of the document's lemma ids (no Token made for
        # each of its words)
        lemmas = doc.to_array(LEMMA)
        strings = doc.vocab.strings
        armed = [i for i in numpy.unique(lemmas).tolist()
                 if strings[i].lower() in self.counts.lex.armed]
        for i in numpy.flatnonzero(numpy.isin(lemmas, armed)).tolist():
            for c in doc[i].children:
                if c.dep_ in ("compound", "amod", "nmod") and c.pos_ == "PROPN":
                    ref = self._entity(c.text, [], None)
                    if ref:
                        votes[ref] = votes.get(ref, 0) + 1
        return max(votes, key=lambda k: votes[k]) if votes else None

    def _add_counts(
        self, st: Statement, counts: list[CountHit], armed: str | None,
        places: list[tuple[int, str]], published: str | None, text: str,
    ) -> None:
        """Count statements of the counts inside the statement's content."""
        b = st.content[1]
        context = [pid for pos, pid in places if pos < b]
        place_ctx = context[-1] if context else None
        for hit in counts:
            if not any(x <= hit.start < y for x, y in st.content_spans or (st.content,)):
                continue
            if hit.group == "armed":
                if hit.armed_org:
                    # a named group ("members of the security forces") is that group, or no
                    # one: never the article's armed group by default
                    subject = self._group_ref(hit.armed_org, st.speakers, armed)
                else:
                    subject = armed
                if subject is None:
                    continue  # "militants" in an article that names no group: not guessed
            elif hit.group == "unknown":
                continue
            else:
                subject = hit.group
            event: dict[str, Any] = {}
            # no place of its own ("the strikes killed 14"): the last known place the
            # article named before the count
            # within this paragraph or the one before it
            floor = text.rfind("\n\n", 0, max(0, text.rfind("\n\n", 0, hit.start)))
            before = [pid for pos, pid in places if floor < pos < hit.start]
            where = self._entity(_without_direction(hit.place), st.speakers, place_ctx) \
                if hit.place else (
                before[-1] if before else None)
            if where:
                event["place"] = where
            if hit.event_kind:
                event["kind"] = hit.event_kind
            if hit.scope:
                event["scope"] = hit.scope
            day = anchor(hit.time_text, published) if hit.time_text else None
            if day is not None and hit.since:  # "since September 10": to publication
                event["start"] = day
                end = anchor("today", published)
                if end is not None:
                    event["end"] = end
            elif day is not None and hit.scope == "cumulative":
                event["end"] = day  # "the toll rose to 148 on Monday": a total as of Monday
            elif day is not None:
                event["start"] = event["end"] = day
            negative = hit.negated != (st.cue_polarity == "negative")
            triple: dict[str, Any] = {"subject": subject, "property": hit.property,
                                      "value": hit.value, "_certainty": None,
                                      "_polarity": "negative" if negative else "positive"}
            if event:
                triple["event"] = event
            st.triples.append(triple)
            if "count" not in st.frames:
                st.frames.append("count")

    # -- states read from the parse -----------------------------------------------------------
    def _part(self, phrase: str, ctx: str | None) -> str | None:
        """The part of a place a direction names, as "<direction> <place>": "western Mosul",
        "the western half of the city" (of the article's place ``ctx``) and "the west of
        Mosul" are all "western Mosul". None when the phrase names no such part."""
        words = phrase.split()
        if words and words[0].lower() == "the":
            words = words[1:]
        if len(words) < 2 or words[0] not in _DIRECTIONS:
            return None  # lower case only: "North Korea" and "the West Bank" are names
        direction = _DIRECTION_ADJ.get(words[0].lower(), words[0].lower())
        rest = words[1:]
        if rest[0].lower() in ("half", "part", "side", "sector") and len(rest) > 2 and \
                rest[1].lower() == "of":
            rest = rest[2:]
        elif not rest[0][:1].isupper():
            return None
        whole = " ".join(rest)
        if whole.lower() in _PLACE_ANAPHORS:
            if ctx is None:
                return None
            known = self.gaz.get(ctx)
            whole = known.label if known is not None else ctx
        else:
            known = self.gaz.get(whole)
            whole = known.label if known is not None else whole
        return f"{direction} {whole}"

    def _site(self, phrase: str, at: int, ctx: str | None,
              sites: list[tuple[int, str, str]]) -> str | None:
        """The site a phrase headed by a site noun names ("the Illich metallurgical plant"
        and "the Illich plant": "Illich plant"; "the trade port of Mariupol": "Mariupol
        port"), or the site an unnamed one refers back to ("the port": the last port the
        article named before ``at``, else the port of the place it is about, ``ctx``). None
        when the phrase is not headed by a site noun, or nothing names the site."""
        named = _site_name(phrase, self.states.lex.sites)
        if named is None:
            return None
        head, name = named
        if name is None:
            earlier = [n for pos, h, n in sites if h == head and pos < at]
            if earlier:
                return earlier[-1]
            if ctx is None:
                return None
            place = self.gaz.get(ctx)
            name = f"{place.label if place is not None else ctx} {head}"
        known = self.gaz.get(name)
        return known.id if known is not None else name

    def _place_ref(
        self, phrase: str, speakers: list[Speaker], ctx: str | None, place_names: set[str],
        name: bool = False, at: int = -1, sites: list[tuple[int, str, str]] | None = None,
    ) -> str | None:
        """A place for a control frame's subject, or None when the phrase names no place
        ("captured 40 soldiers" is a count, not control of a place). A site ("the port")
        is resolved as of offset ``at``."""
        low = " ".join(phrase.lower().split())
        if low in _PLACE_ANAPHORS:
            return ctx
        part = self._part(phrase, ctx)
        if part is not None:
            return part
        site = self._site(phrase, at, ctx, sites or []) if self.states.lex.sites else None
        if site is not None:
            return site
        known = self.gaz.get(phrase) or self.gaz.get(re.sub(
            r"^(?:the )?(?:town|city|village|district|province) of ", "", phrase, flags=re.I))
        if known is not None:
            return known.id if known.kind == "place" else None
        words = low.split()
        if name or low in place_names or (words and words[-1] in _PLACE_WORDS) or \
                re.sub(r"^the ", "", low) in place_names:
            return self._entity(phrase, speakers, ctx)
        return None

    def _group_ref(self, phrase: str, speakers: list[Speaker], armed: str | None) -> str | None:
        """A group: generic words ("the militants") resolve in the article's context only."""
        if re.sub(r"^the ", "", phrase.lower()) in _GENERIC_GROUPS:
            return armed
        return self._entity(phrase, speakers, None)

    def _add_states(
        self, st: Statement, states: list[StateHit], armed: str | None,
        places: list[tuple[int, str]], place_names: set[str],
        known: list[tuple[int, str]], sites: list[tuple[int, str, str]] | None = None,
    ) -> None:
        """State statements (control, fighting, defeat, shares, presence, support) of the
        frames whose trigger lies inside the content. ``sites`` are the sites the article
        names ((offset, noun, name)). ``places`` are the places the article
        names, ``known`` those the gazetteer knows ((offset, entity id), by offset)."""
        a, b = st.content
        inside = [pid for pos, pid in places if a <= pos < b]
        before = [pid for pos, pid in places if pos < a]
        ctx = inside[0] if inside else (before[-1] if before else None)
        found: list[dict[str, Any]] = []
        for hit in states:
            if not any(x <= hit.trigger < y for x, y in st.content_spans or (st.content,)):
                continue
            frame = hit.frame
            subjects: list[str | None]
            if frame.subject_kind == "context-place" and hit.subject is None and \
                    hit.against_group:
                continue  # "the fight against ISIS in Iraq and Syria continues": no place
            if frame.subject_kind == "context-place" and hit.subject is None:
                # the last place named before it: one the gazetteer knows first ("Hajin",
                # not "the Euphrates" of "the eastern bank of the Euphrates")
                prior = [pid for pos, pid in known if pos < hit.trigger] or \
                    [pid for pos, pid in places if pos < hit.trigger]
                subjects = [prior[-1] if prior else ctx]
            elif frame.subject_kind in ("place", "context-place"):
                subjects = [self._place_ref(hit.subject or "", st.speakers, ctx, place_names,
                                            name=hit.subject_is_name, at=hit.trigger,
                                            sites=sites)]
                subjects += [self._place_ref(p, st.speakers, ctx, place_names, name=True,
                                             at=hit.trigger, sites=sites) for p in hit.also]
            else:
                subjects = [self._group_ref(hit.subject or "", st.speakers, armed)]
            # the parse decides: a denying cue ("denied that …") flips the frame's polarity;
            # the statement-wide factuality cues do not apply. A frame with a denied value
            # asserts it when denied ("IS has not been defeated": not-defeated)
            denied = hit.polarity == "negative" and frame.denied_value is not None
            negative = (hit.polarity == "negative" and not denied) != (
                st.cue_polarity == "negative")
            extra = {"_polarity": "negative" if negative else "positive",
                     "_certainty": hit.certainty}
            holder = self._group_ref(hit.holder, st.speakers, armed) if hit.holder else None
            used = False
            for subject in dict.fromkeys(s for s in subjects if s):
                value = frame.denied_value if denied else self._state_value(
                    hit, subject, st.speakers, ctx, armed, place_names)
                if value is None:
                    continue
                found.append({"subject": subject, "property": frame.property,
                              "value": value, **extra})
                if frame.holder_property and holder and holder != subject:
                    found.append({"subject": subject, "property": frame.holder_property,
                                  "value": holder, **extra})
                used = True
            if used:
                st.frames.append(frame.id)
        st.triples += found

    def _state_value(
        self, hit: StateHit, subject: str, speakers: list[Speaker], ctx: str | None,
        armed: str | None, place_names: set[str],
    ) -> Any:
        """The value of a state: the frame's own, a share's interval ("more than 60 percent":
        min 60, exclusive; 100 percent is full control) or the place or group a presence or
        support frame points to; None when it cannot be read."""
        frame = hit.frame
        if frame.grade:
            share = interval({"number": hit.number or "", "bound": hit.bound or ""},
                             self.frames.bounds)
            if share is None:
                return None
            if share.get("exact") == 100:
                return "fully-controlled"
            if "exact" in share:
                share = {"min": share["exact"], "max": share["exact"]}
            return {**share, "grade": frame.grade}
        if frame.value_kind:
            phrase = hit.value or ""
            obj = (self._place_ref(phrase, speakers, ctx, place_names, name=True)
                   if frame.value_kind == "place" else self._group_ref(phrase, speakers, armed))
            return obj if obj != subject else None
        return frame.value


def _site_name(phrase: str, sites: frozenset[str]) -> tuple[str, str | None] | None:
    """(kind, name) of a phrase headed by a site noun: the kind is the noun with its
    direction words, the name its capitalised words, those of its "of X" first, then the kind
    ("the trade port of Mariupol": ("port", "Mariupol port"); "the left bank of Mosul":
    ("left bank", "Mosul left bank")), None as the name when nothing names it ("the left
    bank"). None when the phrase is not headed by a site noun."""
    words = phrase.replace("\u2019s", "").replace("'s", "").split()
    lows = [w.lower() for w in words]
    owner: list[str] = []
    if "of" in lows:
        cut = lows.index("of")
        owner, words, lows = words[cut + 1:], words[:cut], lows[:cut]
    if not words:
        return None
    head = lows[-1]
    head = head if head in sites else head[:-1] if head.endswith("s") and head[:-1] in sites \
        else ""
    if not head:
        return None
    def caps(ws: list[str]) -> list[str]:
        return [w for w in ws if any(ch.isupper() for ch in w) and w.lower() not in ("the", "a")]
    names = caps(owner) + caps(words[:-1])
    directions = [w.lower() for w in words[:-1] if w.lower() in _DIRECTIONS | {"left", "right"}]
    if not names:
        return " ".join([*directions, head]), None
    return " ".join([*directions, head]), " ".join([*names, *directions, head])


_UNITS = {"regiment", "brigade", "battalion", "militia", "division"}
_DIRECTION_ADJ = {"east": "eastern", "west": "western", "north": "northern", "south": "southern"}
_DIRECTIONS = {"north", "south", "east", "west", "northern", "southern", "eastern", "western",
               "central", "northeastern", "northwestern", "southeastern", "southwestern",
               "north-eastern", "north-western", "south-eastern", "south-western", "northeast",
               "northwest", "southeast", "southwest", "greater", "downtown"}


def _without_direction(place: str) -> str:
    """A count's place without the part of it a direction names ("eastern Aleppo" is
    Aleppo): counts of one city's halves are still counts of events in that city."""
    words = place.split()
    while len(words) > 1 and words[0] in _DIRECTIONS:  # not "North Korea", a name
        words = words[1:]
    return " ".join(words)


def _weaker(new: str, old: str) -> bool:
    order = ["certain", "probable", "possible"]
    return order.index(new) > order.index(old)


_EDGE = set(" \n\t,.;:\"'\u201c\u201d\u2018\u2019`")


def _inner(text: str, a: int, b: int, mixed: bool = False) -> tuple[int, int]:
    """The span without edge quotation marks, spaces and punctuation (kept when a mark
    would be left unbalanced inside, as in a mixed quotation)."""
    x, y = a, b
    while x < y and text[x] in _EDGE:
        x += 1
    while y > x and text[y - 1] in _EDGE:
        y -= 1
    if y <= x:
        return a, b
    if mixed and text[y:b].strip(" .,;:") and text[a:x].strip(" .,;:") == "":
        # a mixed quote ending in a quoted fragment keeps its closing mark: 'is "just not true."'
        return x, b
    return x, y


def _sentences(
    text: str, sentences: list[tuple[int, int]], att: Attribution
) -> list[Attribution]:
    """A quotation of several sentences makes one statement per sentence: each is its own
    assertion, and a hedge in one ("It's still early to say …") does not weaken the next."""
    if att.kind != "direct":
        return [att]
    parts: list[tuple[int, int]] = []
    for a, b in att.content:
        first = bisect.bisect_right(sentences, (a, len(text) + 1)) - 1
        for s_start, s_end in sentences[max(first, 0):]:
            if s_start >= b:
                break
            x, y = max(a, s_start), min(b, s_end)
            if x < y and re.search(r"\w", text[x:y]):
                parts.append((x, y))
    if len(parts) < 2:
        return [att]
    return [replace(att, content=(p,)) for p in parts]


def _in_post(st: Statement, posts: Sequence[EmbeddedPost]) -> bool:
    """True when a statement's content or cue touches an embedded post."""
    spans = [*(st.content_spans or (st.content,)), *([st.cue] if st.cue else [])]
    return any(a < p.end and p.start < b for a, b in spans for p in posts)


def _cue_pos(att: Attribution) -> int:
    return att.cue[0] if att.cue else att.start


_NONE = Entity("", "", "none")
_PLACE = Entity("", "", "place")
