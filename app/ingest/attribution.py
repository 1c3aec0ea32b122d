"""Attributions on the dependency parse: cue → content → source (the PARC 3.0 / PolNeAR model).

For every reporting cue of the lexicon (``ontology/attribution/cues.json``) found in a spaCy
``Doc`` this module finds

- the **cue**: the reporting verb with its auxiliaries and particle ("has said", "pointed
  out"), "according to", or the dash before a name under a quotation;
- the **content**: an adjacent quotation (before or after the cue, also one opening the next
  paragraph after "X said:"), else the verb's clausal complement (indirect speech, with any
  quoted fragment it holds: a mixed quotation), else the clause the cue interrupts
  ("The town, the ministry said, was retaken"), else a direct object for cues that take one
  ("confirmed the deaths of 40 civilians");
- the **source**: the whole noun phrase of the subject (inverted or not, with its
  apposition), the agent of a passive, the object of "according to", the subject of the verb
  a participle hangs on ("…, saying …"), or none for an agentless passive ("it was reported").

Offsets are character offsets into the parsed text. Speakers are resolved by
``app.ingest.sources``. Method after Pareti (PARC 3.0) and BBC R&D's Citron (cue, source,
content, coreference as separate steps); the rules here are our own."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from spacy.attrs import LEMMA
from spacy.tokens import Doc, Span, Token

from app.ingest import nlp
from app.ingest.cues import Lexicon, VerbCue, load_lexicon
from app.ingest.nlp import text_of
from app.ingest.quotes import Quote, find_quotes, paragraphs

CharSpan = tuple[int, int]
_PUNCT_EDGE = set(",.;:-\u2013\u2014 \n\t")
_QUOTE_CHARS = set("\"'\u201c\u201d\u2018\u2019`\u201e")
_CONTENT_DEPS = ("ccomp", "xcomp")
_SUBJ = ("nsubj", "csubj")
_HYPOTHETICAL = {"before", "until", "if", "once", "unless", "whether", "till"}
_WHERE = {"in", "near", "at", "around", "outside", "inside", "along", "across", "on", "from",
          "of", "between"}
# lower-case words inside a name ("Secretary of State", "Abu Bakr al-Baghdadi")
_CONNECTIVES = {"of", "for", "the", "and", "de", "del", "la", "al", "el", "bin", "ibn", "von",
                "van", "der", "da", "dos", "le"}


@dataclass
class Attribution:
    """One attribution. ``content`` has one span per paragraph of a quotation (else one);
    ``source`` is None for an agentless passive or a quotation continuing an earlier
    speaker's (then ``inherits`` is the index of that earlier attribution)."""

    cue: CharSpan | None
    cue_lemma: str
    content: tuple[CharSpan, ...]
    source: CharSpan | None
    kind: str = "indirect"  # direct | indirect | mixed | object ("denied the report")
    certainty: str = "certain"
    polarity: str = "positive"
    cue_kind: str = "speech"
    relay: CharSpan | None = None
    said_at: CharSpan | None = None  # the cue's time adjunct ("late on Tuesday")
    inherits: int | None = None
    speaker: str | None = None  # display name, filled in by app.ingest.sources
    source_head: int | None = None  # token index of the source's head word
    paragraph: int = 0
    # the source as written when it is a relative pronoun ("X, who said …": "who"); PARC
    # and PolNeAR mark that word as the source, claimgraph's speaker is its antecedent X
    source_surface: CharSpan | None = None

    @property
    def start(self) -> int:
        """Offset where the content starts."""
        return self.content[0][0]

    @property
    def end(self) -> int:
        """Offset where the content ends."""
        return self.content[-1][1]


def _chars(tokens: Iterable[Token]) -> CharSpan | None:
    toks = list(tokens)
    if not toks:
        return None
    return (min(t.idx for t in toks), max(t.idx + len(t) for t in toks))


def _trim(text: str, span: CharSpan, keep_quotes: bool = True) -> CharSpan | None:
    """Cut spaces and edge punctuation (quotation marks kept, or cut when unbalanced)."""
    a, b = span
    while a < b and (text[a] in _PUNCT_EDGE or (not keep_quotes and text[a] in _QUOTE_CHARS)):
        a += 1
    while a < b and (text[b - 1] in _PUNCT_EDGE or (not keep_quotes and
                                                     text[b - 1] in _QUOTE_CHARS)):
        b -= 1
    return (a, b) if a < b else None


def _runs(tokens: Sequence[Token]) -> list[list[Token]]:
    """Split token lists into runs of consecutive token indices."""
    out: list[list[Token]] = []
    for t in sorted(tokens, key=lambda t: t.i):
        if out and out[-1][-1].i + 1 == t.i:
            out[-1].append(t)
        else:
            out.append([t])
    return out


def _marked_clause(verb: Token, cue: VerbCue) -> Token | None:
    """The clause after the cue that one of its prepositions or marks opens ("called for
    all candidates to lay out …", "asked if he was bullied"), or None."""
    for c in verb.children:
        if c.dep_ in ("advcl", "xcomp", "ccomp") and c.i > verb.i and any(
                m.dep_ == "mark" and m.lower_ in (*cue.preps, *cue.marks) and m.i < c.i
                for m in c.children):
            return c
    return None


def _headline(span: Span) -> bool:
    """Whether words are in headline case ("Anger Appeals To 'Bad Angels'"), where the
    tagger reads verbs as proper nouns: three in four words capitalised, no figures."""
    words = [t for t in span if t.is_alpha]
    return len(words) >= 3 and not any(t.text[:1].isdigit() for t in span) and \
        sum(t.text[:1].isupper() for t in words) * 4 >= len(words) * 3


def _locative(prep: Token) -> bool:
    """Whether a preposition after the object says where ("showed burned-out vehicles near
    the bridge"): its object is a place or a noun, not a time, a channel or the audience."""
    obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
    return obj is not None and prep.lower_ in _WHERE and not any(
        t.ent_type_ in ("DATE", "TIME") for t in obj.subtree)


def _question(span: CharSpan, doc: Doc) -> bool:
    """Whether the content is an indirect question ("whether …", "if …", "how …")."""
    first = doc.char_span(span[0], span[1], alignment_mode="expand")
    return first is not None and len(first) > 0 and (
        first[0].lower_ in ("whether", "if") or first[0].tag_ in ("WDT", "WP", "WRB"))


class Attributor:
    """Finds attributions in parsed documents. Built once per process (it holds the lexicon
    and a Matcher over the model's vocabulary)."""

    def __init__(self, lexicon: Lexicon, nlp_vocab_owner: object) -> None:
        from spacy.language import Language

        assert isinstance(nlp_vocab_owner, Language)
        self.lex = lexicon
        self.matcher = lexicon.matcher(nlp_vocab_owner)

    @classmethod
    def from_dir(cls, ontology_dir: Path, nlp: object) -> Attributor:
        """From ``ontology_dir/attribution/cues.json``."""
        return cls(load_lexicon(ontology_dir / "attribution" / "cues.json"), nlp)


    # -- the document ---------------------------------------------------------------------
    def find(self, doc: Doc) -> list[Attribution]:
        """Every attribution in the document, ordered by content start."""
        text = text_of(doc)
        quotes = find_quotes(text)
        paras = paragraphs(text)
        found: list[Attribution] = []
        self._matches = [(doc[a:b], a, b) for _, a, b in self.matcher(doc)]
        # tokens inside a quotation, computed once (tested per token of every cue's clause)
        self._quoted = {i for q in quotes for a, b in q.spans
                        for span in [doc.char_span(a, b, alignment_mode="contract")]
                        if span is not None for i in range(span.start, span.end)}
        # tokens of "according to X" phrases: never part of another cue's content
        self._phrase_toks = {t.i for span, _, _ in self._matches for t in span.root.subtree}
        # only tokens whose lemma is a cue are looked at (one array read, no Token per word)
        lemmas = doc.to_array([LEMMA]).tolist()
        strings = doc.vocab.strings
        cue_ids = {lid for lid in set(lemmas) if strings[lid].lower() in self.lex.verbs}
        for i in (n for n, lid in enumerate(lemmas) if lid in cue_ids):
            tok = doc[i]
            cue = self.lex.verbs[tok.lemma_.lower()]
            if (tok.pos_ in ("VERB", "AUX") or (tok.pos_ == "NOUN" and any(
                    c.dep_ in ("nsubj", "ccomp") for c in tok.children))):
                # a cue the tagger read as a noun ("Diplomats doubt that …") still counts
                # when the parse gives it a subject or a clause
                att = self._verb(doc, tok, cue, quotes)
                if att is not None:
                    found.append(att)
        found += self._pattern_cues(doc, found)
        found += self._dash_cues(doc, quotes, found)
        found += self._label_cues(doc, paras, quotes, found)
        found = _same_source_nesting(doc, _dedupe(found))
        # "I think", "we welcome" inside a quotation are the quoted speaker's own words: set
        # aside until the quotation has its speaker (it may continue an earlier one)
        voiced = [a for a in found if _first_person_in_quote(doc, a, quotes)]
        found = [a for a in found if a not in voiced]
        found += self._continuations(doc, quotes, found, paras)
        found += _fold_voiced(voiced, found)
        for att in found:
            att.paragraph = next(
                (n for n, (a, b) in enumerate(paras) if a <= att.start < b + 1), 0)
        # sorting moves attributions: a continuation's ``inherits`` index is re-pointed at
        # its host's new position
        hosts = [found[a.inherits] if a.inherits is not None else None for a in found]
        order = sorted(range(len(found)), key=lambda n: (found[n].start, found[n].cue or (0, 0)))
        ordered = [found[n] for n in order]
        for n in order:
            host = hosts[n]
            if host is not None:
                found[n].inherits = next(i for i, a in enumerate(ordered) if a is host)
        return ordered

    # -- verb cues --------------------------------------------------------------------------
    def _verb(
        self, doc: Doc, verb: Token, cue: VerbCue, quotes: list[Quote]
    ) -> Attribution | None:
        if verb.dep_ in ("amod", "compound", "acl") and verb.tag_ == "VBN":
            return None  # "the reported deaths", "so-called"
        if any(c.dep_ == "neg" for c in verb.children) and cue.kind == "speech":
            return None  # "did not say" attributes nothing
        if any(c.dep_ == "mark" and c.lower_ in _HYPOTHETICAL for c in verb.children):
            return None  # "before they can declare …", "if he says …": nothing said yet
        text = text_of(doc)
        cue_span = self._cue_span(verb)
        source_tok, passive = self._source_token(verb)
        if source_tok is not None and source_tok.lower_ in ("that", "this") and \
                source_tok.i + 1 == verb.i and verb.i + 1 < len(doc) and \
                doc[verb.i + 1].text == ",":
            return None  # "That said, Cruz cannot win outright": a connective, not a report
        inner = [c for c in verb.children if c.dep_ in _CONTENT_DEPS]
        if any(c.i > verb.i for c in inner) and not any(
                c.i < verb.i and c.i in self._quoted for c in inner):
            # "Doubt has had an effect: 20 percent said they believe …": with a clause on each
            # side, the parser's left one is the sentence before a colon, the right one the
            # report; but a quotation before the cue is its content ('"…," Weiner said on the
            # podcast "Here's the Thing"')
            inner = [c for c in inner if c.i > verb.i] + [c for c in inner if c.i < verb.i]
        frame = self._frame(verb, inner, quotes)
        content: tuple[CharSpan, ...] | None = None
        kind = "indirect"
        adjacent = self._adjacent_quote(text, frame, quotes)
        takes_own = self._takes_own(verb, cue)
        if adjacent is not None and adjacent.start >= verb.idx and cue.object is True and \
                takes_own:
            # "touted his victories in Florida, 'the best'", "talked about continuing the
            # 'progress'": a quotation after the object of a cue whose object is its content
            # is part of that object, not the whole content
            adjacent = None
        clause = inner[0] if inner else None
        if clause is None:
            clause = self._that_clause(verb, through_object=not cue.object)
        if clause is not None and clause.dep_ == "xcomp" and cue.kind in ("speech",) and \
                not passive and not cue.object and \
                verb.lemma_ not in ("vow", "promise", "threaten", "pledge"):
            clause = None  # "said to be" is handled as a passive below; "asked to" is not speech
        if clause is not None:
            span = self._clause_span(doc, clause, verb, quotes)
            whole = next((q for q in quotes if span and q.covers(*span)), None)
            if span is not None and whole is not None and adjacent is whole:
                content, kind = whole.spans, "direct"
            elif span is not None:
                touched = [q for q in quotes if q.start < span[1] and span[0] < q.end]
                if touched:
                    span = (min(span[0], *(q.start for q in touched)),
                            max(span[1], *(q.end for q in touched)))
                    kind = "mixed"
                    if len(touched) == 1 and touched[0].start == span[0] and \
                            touched[0].end >= span[1]:
                        kind, content = "direct", touched[0].spans
                content = content or (span,)
        if content is None and adjacent is not None:
            content, kind = adjacent.spans, "direct"
        if content is None and cue.quote_only:
            return None
        if content is None and not takes_own and verb.dep_ == "conj" and self.lex.verbs.get(
                verb.head.lemma_) is None and not any(
                c.dep_ == "cc" and verb.head.i < c.i < verb.i for c in verb.head.children):
            # "Kurdish-led forces have captured Hajin, the Observatory said on Friday." parsed
            # as two coordinated clauses: the cue follows its content, and its subject is the
            # noun phrase before it (found below), not the first clause's subject
            content = self._interrupted(doc, verb, quotes)
            source_tok, passive = None, False
        if content is None and not takes_own and \
                verb.dep_ in ("parataxis", "ccomp", "advcl") and verb.head.i != verb.i:
            if self.lex.verbs.get(verb.head.lemma_) is None:
                content = self._interrupted(doc, verb, quotes)
            else:
                # "Airstrikes killed 20, the Observatory said, Reuters reported": both cues
                # share the complement; the outer one relays (see extract._unwrap_relays)
                outer = next((c for c in verb.head.children if c.dep_ == "ccomp"), None)
                span = self._clause_span(doc, outer, verb, quotes) if outer is not None \
                    else None
                content = (span,) if span is not None else None
        from_record = cue.records_object and source_tok is not None and \
            source_tok.lemma_.lower() in self.lex.records
        if content is None and (cue.object or from_record):
            # "confirmed the deaths of 40 civilians", "called Obama a failure", "satellite
            # images showed craters along the runway"
            obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
            pred = [t for c in verb.children if c.dep_ in ("oprd", "ccomp", "xcomp") and
                    obj is not None and c.i > obj.i for t in c.subtree]
            if obj is not None and (pred or cue.object is True or from_record):
                # "accused Sanders of being inactive", "blamed Obama for the deficit": the
                # cue's preposition after the object belongs to the content
                prep_toks = [t for c in verb.children if c.dep_ == "prep" and c.i > obj.i and
                             (c.lower_ in cue.preps or _locative(c)) for t in c.subtree]
                toks = list(obj.subtree) + pred + prep_toks
                span = _trim(text, _chars(toks) or (0, 0))
                content = (span,) if span else None
                kind = "object"
        if content is None and cue.preps:
            # "called for a ceasefire", "pointed to the polls"
            prep = next((c for c in verb.children if c.dep_ in ("prep", "prt") and
                         c.lower_ in cue.preps), None)
            obj = next((g for g in prep.children if g.dep_ in ("pobj", "pcomp")), None) \
                if prep is not None else None
            if obj is not None:
                # "called for both armies to pull back": the parser may hang the infinitive
                # after the preposition's object on the cue
                inf = [t for c in verb.children if c.dep_ in ("advcl", "xcomp") and
                       c.left_edge.i == obj.right_edge.i + 1 and c.left_edge.lower_ == "to"
                       for t in c.subtree]
                span = _trim(text, _chars([*obj.subtree, *inf]) or (0, 0))
                content = (span,) if span else None
                kind = "object"
            clause = _marked_clause(verb, cue) if obj is None else None
            if clause is not None:
                # "called for all candidates to lay out their plans": the preposition marks
                # an infinitive clause, which is the content without it
                span = _trim(text, _chars([t for t in clause.subtree if not (
                    t.dep_ == "mark" and t.head.i == clause.i and t.lower_ in cue.preps)])
                             or (0, 0))
                content = (span,) if span else None
                kind = "object"
        if not content or (kind != "object" and verb.tag_ == "VBN" and verb.dep_ == "advcl"
                           and verb.i < verb.head.i and not _question(content[0], doc)):
            # "Pressed on the timeline, the minister said …": only "said" reports; but "Asked
            # whether troops would stay, …" reports the (unnamed) questioner's question
            return None
        source = None
        head = None
        if source_tok is None and not passive and content[-1][1] <= verb.idx:
            # '"…," responded the campaign's finance director': the parser may read an
            # inverted subject as an object
            source_tok = next((c for c in verb.children if c.i > verb.i and c.dep_ in (
                "dobj", "attr", "npadvmod", "oprd", "dative", "appos")
                and c.pos_ in ("NOUN", "PROPN")), None)
        if source_tok is None and not passive:
            # "The strikes killed 14 civilians, the Observatory said.": the parser hung the
            # subject on the content (as an apposition); the noun phrase between the last
            # comma and the cue is the source
            found_np = self._np_before(doc, verb)
            if found_np is not None:
                source_tok, np_toks = found_np
                drop = {t.i for t in np_toks}
                content = tuple(s for r in _runs([t for t in doc[verb.sent.start:verb.i]
                                                  if t.i not in drop and any(
                                                      a <= t.idx < b for a, b in content)])
                                for s in [_trim(text, _chars(r) or (0, 0))] if s) or content
        if source_tok is None and not passive:
            source_tok = _fronted_apposition(verb)
        if source_tok is not None and (source_tok.lower_ in ("nobody", "none", "noone") or any(
                c.dep_ == "det" and c.lower_ == "no" for c in source_tok.children)):
            return None  # "No group claimed responsibility": nobody says anything
        if source_tok is not None and source_tok.lower_ == "you" and kind == "object":
            return None  # "Do you support X?": a pollster's question, not an attribution
        if source_tok is not None:
            source, head = self._np(doc, source_tok, content)
        elif not passive:
            return None  # no speaker and not an agentless passive: not an attribution
        if cue_span is None or any(_overlaps(cue_span, c) for c in content):
            return None
        relative = next((c for c in verb.children if c.dep_ in _SUBJ and
                         c.tag_ in ("WP", "WDT") and verb.dep_ == "relcl"), None)
        return Attribution(
            cue=cue_span, cue_lemma=cue.lemma, content=content, source=source, kind=kind,
            certainty=cue.certainty, polarity=cue.polarity or "positive", cue_kind=cue.kind,
            said_at=self._time(doc, verb), source_head=head,
            source_surface=_chars([relative]) if relative is not None else None,
        )

    @staticmethod
    def _takes_own(verb: Token, cue: VerbCue) -> bool:
        """Whether the cue has a content of its own that is not a clause, so it does not
        interrupt or follow the clause around it: a direct object ("Mark-Viverito accused
        Sanders of …", "offered his condolences"), the object of one of its prepositions
        ("called for a ceasefire"), or an infinitive marker ("went on TV to defend his staff
        shake-up"). "Hajin was taken, the Observatory said on Friday" has none of these."""
        for c in verb.children:
            if c.dep_ in ("dobj", "dative") and c.i > verb.i:
                return True
            if c.dep_ == "aux" and c.lower_ == "to" and c.i < verb.i:
                return True
            if c.dep_ == "prep" and c.lower_ in cue.preps and any(
                    g.dep_ in ("pobj", "pcomp") for g in c.children):
                return True
        return _marked_clause(verb, cue) is not None

    def _np_before(self, doc: Doc, verb: Token) -> tuple[Token, list[Token]] | None:
        """The noun phrase between the last comma and the cue, when it is one: its head
        and its tokens."""
        i = verb.i - 1
        toks: list[Token] = []
        while i >= verb.sent.start and doc[i].text not in (",", '"', "\u201d", "''"):
            toks.insert(0, doc[i])
            i -= 1
        if not toks or len(toks) > 12 or any(t.pos_ in ("VERB", "AUX") for t in toks):
            return None
        if not any(t.pos_ in ("NOUN", "PROPN", "PRON") for t in toks):
            return None
        ids = {t.i for t in toks}
        roots = [t for t in toks if t.head.i not in ids or t.head.i == t.i]
        head = next((t for t in roots if t.pos_ in ("NOUN", "PROPN", "PRON")), None)
        return (head, toks) if head is not None else None

    def _cue_span(self, verb: Token) -> CharSpan | None:
        toks = [verb]
        for c in verb.children:
            if c.dep_ in ("aux", "auxpass") and c.i < verb.i:
                toks.append(c)
            if c.dep_ == "prt" and c.i == verb.i + 1:
                toks.append(c)
        # keep only the run that ends at the verb ("has said", not "has also said")
        runs = _runs(toks)
        run = next(r for r in runs if verb in r)
        extra = [t for t in toks if t.i > verb.i and t.dep_ == "prt"]
        return _chars(sorted({*run, *extra}, key=lambda t: t.i))

    def _source_token(self, verb: Token) -> tuple[Token | None, bool]:
        """The token heading the source, and whether the cue is an agentless passive."""
        for c in verb.children:
            if c.dep_ in _SUBJ:
                if c.tag_ in ("WP", "WDT") and verb.dep_ == "relcl":
                    return verb.head, False  # "X, who said …"
                return c, False
        for c in verb.children:
            if c.dep_ == "agent":
                pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                return pobj, pobj is None
        if any(c.dep_ == "nsubjpass" for c in verb.children) or (verb.tag_ == "VBN" and any(
                c.dep_ == "auxpass" for c in verb.children)):
            return None, True
        if verb.tag_ == "VBN" and verb.dep_ == "advcl" and verb.i < verb.head.i:
            return None, True  # "Asked about the vote, the speaker …": she was asked
        if verb.dep_ == "pcomp" and verb.head.dep_ == "prep" and verb.head.head.i != verb.i:
            # "he is facing skepticism after saying …": the subject of the clause the
            # preposition hangs on
            host = verb.head.head
            subj = next((c for c in host.children if c.dep_ in ("nsubjpass", *_SUBJ)), None)
            if subj is not None and subj.dep_ == "nsubjpass":
                return subj, False  # "the mayor was criticized for saying …"
            return self._source_token(host)[0], False
        # "…, saying …", "and added …": the subject of the verb this one hangs on; for a
        # conjunct, of the nearest reporting verb above it ("said X had killed five and vowed")
        if verb.dep_ in ("conj", "advcl", "xcomp") and verb.head.i != verb.i:
            if verb.dep_ == "advcl" and verb.tag_ == "VBG" and verb.i > 0 and \
                    verb.doc[verb.i - 1].text == "," and \
                    self.lex.verbs.get(verb.head.lemma_) is None:
                # "Trump said that troops would begin leaving Syria, declaring that …": a
                # participle after the reported clause, which the parser hangs inside it, is
                # the reporting speaker's (not the troops')
                up = next((a for a in verb.ancestors if a.dep_ != "ccomp" and
                           self.lex.verbs.get(a.lemma_) is not None and any(
                               c.dep_ == "ccomp" and verb in c.subtree for c in a.children)),
                          None)
                if up is not None:
                    return self._source_token(up)[0], False
            if verb.dep_ == "conj":
                up = next((a for a in verb.ancestors
                           if self.lex.verbs.get(a.lemma_) is not None), None)
                if up is not None and up.i != verb.head.i:
                    return self._source_token(up)[0], False
            return self._source_token(verb.head)[0], False
        return None, False

    def _frame(self, verb: Token, inner: list[Token], quotes: list[Quote]) -> CharSpan:
        """The cue's own clause: the verb's subtree without its content and without quotes."""
        skip = {t.i for c in inner for t in c.subtree}
        toks = [t for t in verb.subtree if t.i not in skip and not t.is_punct
                and t.i not in self._quoted]
        toks = [t for t in toks if t.dep_ != "parataxis" or t.i == verb.i]
        run = next((r for r in _runs(toks) if verb in r), [verb])
        span = _chars(run)
        assert span is not None
        return span

    def _adjacent_quote(
        self, text: str, frame: CharSpan, quotes: list[Quote]
    ) -> Quote | None:
        """A quotation right before the cue's clause (only punctuation between) or right
        after it (after a comma or colon; a colon may end the paragraph)."""
        for q in quotes:
            if q.end <= frame[0]:
                gap = text[q.end:frame[0]]
                if "\n" not in gap and all(ch in " ,\u2013\u2014-" for ch in gap):
                    return q
            elif q.start >= frame[1]:
                gap = text[frame[1]:q.start]
                stripped = gap.strip()
                if stripped in ("", ",", ":", ",:") and ("\n" not in gap or stripped == ":"):
                    return q
                return None
        return None

    def _that_clause(self, verb: Token, through_object: bool = False) -> Token | None:
        """A "that" clause the parser hung elsewhere ("claimed in a statement that …",
        "had warned for years that …"): the clause verb after the verb's first "that"."""
        # not the clause of another cue below this one ("criticized for saying that …")
        other = {x.i for t in verb.subtree if t.i != verb.i and t.dep_ == "pcomp" and
                 self.lex.verbs.get(t.lemma_) is not None for x in t.subtree}
        for t in verb.subtree:
            if t.i > verb.i and t.i not in other and t.lower_ == "that" and t.dep_ == "mark" and \
                    t.head.i > t.i and t.head.dep_ in ("acl", "advcl", "relcl", "ccomp") and \
                    _via_adjuncts(t.head, verb, through_object):
                return t.head
        return None

    def _clause_span(
        self, doc: Doc, clause: Token, verb: Token, quotes: list[Quote]
    ) -> CharSpan | None:
        # a cue coordinated inside the clause ("said the strikes had killed five and vowed
        # that …") is its own attribution: its subtree is not this content
        own = {x.i for c in clause.children if c.dep_ == "conj" and
               _reports(self.lex.verbs.get(c.lemma_)) for x in c.subtree}
        own |= {c.i for c in clause.children if c.dep_ == "cc" and own and c.i < max(own)
                and c.i + 1 in own}
        # so is a reporting participle after a comma or "and" that the parser hung inside the
        # clause ("announced that he filed the statement, saying it set a benchmark"), and a
        # "while X said …" clause of another speaker
        for t in clause.subtree:
            if t.i <= verb.i or t.i in own or t.dep_ not in ("advcl", "conj") or \
                    self.lex.verbs.get(t.lemma_) is None:
                continue
            prev = doc[t.left_edge.i - 1] if t.left_edge.i > 0 else None
            participle = t.tag_ == "VBG" and t.left_edge.i == t.i and prev is not None and \
                prev.lower_ in (",", "and", "-", "\u2014", "\u2013")
            contrast = t.dep_ == "advcl" and any(
                c.dep_ == "mark" and c.lower_ in ("while", "whereas") for c in t.children) and \
                any(c.dep_ in _SUBJ for c in t.children)
            if participle or contrast:
                own |= {x.i for x in t.subtree}
                if participle and prev is not None and prev.lower_ == "and":
                    own.add(prev.i)  # "… mistrust - and arguing …": not "… mistrust - and"
        toks = [t for t in clause.subtree if t.i != verb.i and t.i not in own and
                (clause.dep_ not in ("acl", "advcl", "relcl") or t.i >= clause.left_edge.i)]
        if clause.dep_ in ("acl", "advcl", "relcl"):
            mark = next((c for c in clause.children if c.lower_ == "that"), None)
            toks = [t for t in toks if mark is None or t.i >= mark.i]
        first = min(t.i for t in toks) if toks else clause.i
        if clause.i > verb.i:
            # "said between 50 and 70 civilians were killed": a number the parser hung on the
            # verb belongs to the content
            gap = [c for c in verb.children if verb.i < c.i < first]
            for c in gap:
                sub = [t for t in c.subtree if t.i < first]
                if any(t.like_num or t.ent_type_ in ("CARDINAL", "QUANTITY", "PERCENT",
                                                     "MONEY") for t in sub):
                    toks += sub
        words = [t for t in toks if not t.is_punct]
        if len(words) < 2 and clause.i > verb.i:
            # a misparsed complement ("said IS fighters have left …" with IS read as a verb):
            # the rest of the sentence after the cue is the content
            toks = [t for t in verb.sent if t.i > verb.i]
        span = _chars(toks)
        return _trim(text_of(doc), span) if span else None

    def _interrupted(
        self, doc: Doc, verb: Token, quotes: list[Quote]
    ) -> tuple[CharSpan, ...] | None:
        """Content of a cue that interrupts or follows its clause: the head's subtree without
        the cue's own subtree ("The town, the ministry said, was retaken on Friday")."""
        own = {t.i for t in verb.subtree} | self._phrase_toks
        toks = [t for t in verb.head.subtree if t.i not in own]
        spans = []
        for run in _runs(toks):
            s = _chars(run)
            trimmed = _trim(text_of(doc), s) if s else None
            if trimmed is not None and any(not t.is_punct for t in run):
                spans.append(trimmed)
        if not spans:
            return None
        touched = [q for q in quotes if any(q.start < b and a < q.end for a, b in spans)]
        if len(touched) == 1 and len(spans) == 1:
            q = touched[0]
            if q.start <= spans[0][0] and spans[0][1] <= q.end:
                return q.spans
        return tuple(spans)

    def _np(
        self, doc: Doc, head: Token, content: tuple[CharSpan, ...]
    ) -> tuple[CharSpan | None, int]:
        """The source noun phrase: the head's subtree without any relative clause of the cue
        and without tokens inside the content; trailing commas cut."""
        toks = [t for t in head.subtree
                if not any(a <= t.idx < b for a, b in content)
                and not (t.dep_ == "relcl" and t.head.i == head.i and
                         self.lex.verbs.get(t.lemma_) is not None)]
        relcl = {x.i for t in head.children if t.dep_ == "relcl" and
                 self.lex.verbs.get(t.lemma_) is not None for x in t.subtree}
        toks = [t for t in toks if t.i not in relcl]
        runs = _runs(toks)
        run = next((r for r in runs if head in r), runs[0] if runs else [head])
        span = _chars(run)
        return (_trim(text_of(doc), span, keep_quotes=False) if span else None), head.i

    def _time(self, doc: Doc, verb: Token) -> CharSpan | None:
        """The cue's time adjunct: a DATE/TIME entity among the verb's own modifiers."""
        for c in verb.children:
            if c.dep_ in ("npadvmod", "prep", "advmod", "tmod", "obl"):
                ents = [t for t in c.subtree if t.ent_type_ in ("DATE", "TIME")]
                if ents:
                    return _chars(ents)
        return None

    # -- "according to X" and other multi-word cues ------------------------------------------
    def _pattern_cues(self, doc: Doc, found: list[Attribution]) -> list[Attribution]:
        out: list[Attribution] = []
        text = text_of(doc)
        for phrase, _start, end in self._matches:
            last = doc[end - 1]
            obj = next((c for c in last.children if c.dep_ == "pobj"), None)
            if obj is None:
                continue
            src_span = _chars(obj.subtree)
            cue_span = _chars(phrase)
            assert cue_span is not None
            anchor = phrase.root.head if phrase.root.head.i != phrase.root.i else phrase.root
            while anchor.pos_ not in ("VERB", "AUX") and anchor.head.i != anchor.i:
                anchor = anchor.head
            # "X said …, according to RIA": RIA relays an attribution of the same sentence
            # (unless the phrase sits inside that attribution's content: then it is nested)
            sent = phrase.root.sent
            host = next((a for a in found if a.cue and a.source and
                         sent.start_char <= a.cue[0] < sent.end_char and
                         not any(x <= cue_span[0] < y for x, y in a.content)), None)
            if host is not None:
                host.relay = src_span
                continue
            skip = {t.i for t in phrase.root.subtree} | {t.i for t in obj.subtree}
            clause = list(anchor.subtree) if anchor.head.i != anchor.i else list(anchor.sent)
            toks = [t for t in clause if t.i not in skip]
            spans = [s for r in _runs(toks) if any(not t.is_punct for t in r)
                     for s in [_trim(text, _chars(r) or (0, 0))] if s]
            if not spans:
                continue
            out.append(Attribution(
                cue=cue_span, cue_lemma="according", content=tuple(spans), source=src_span,
                source_head=obj.i,
            ))
        return out

    # -- "…" -Commissioner Jane Doe ------------------------------------------------------------
    def _dash_cues(
        self, doc: Doc, quotes: list[Quote], found: list[Attribution]
    ) -> list[Attribution]:
        text = text_of(doc)
        out: list[Attribution] = []
        used = {s for a in found for s in a.content}
        for q in quotes:
            if q.spans in [a.content for a in found] or q.spans[-1] in used:
                continue
            i = q.end
            while i < len(text) and text[i] in " \t":
                i += 1
            dash = next((d for d in self.lex.dashes if text.startswith(d, i)), None)
            if dash is None:
                continue
            j = i + len(dash)
            while j < len(text) and text[j] == " ":
                j += 1
            line_end = text.find("\n", j)
            line_end = len(text) if line_end < 0 else line_end
            name = doc.char_span(j, line_end, alignment_mode="expand")
            if name is None or not text[j:j + 1].isupper() or len(name) > 12:
                continue
            head = _first_noun(name)
            src = _trim(text, (j, line_end))
            out.append(Attribution(
                cue=(i, i + len(dash)), cue_lemma="dash", content=q.spans, source=src,
                kind="direct", source_head=head.i if head is not None else None,
            ))
        return out

    # -- Name: … (headlines and transcripts) -------------------------------------------------
    def _label_cues(
        self, doc: Doc, paras: list[tuple[int, int]], quotes: list[Quote],
        found: list[Attribution],
    ) -> list[Attribution]:
        """A paragraph opening with a name and a colon ("Sanders: Clinton email story has
        moved", "TAPPER: Do you regret it?"): the rest of the paragraph is the name's, when it
        has a verb or a quotation. The name is at most six capitalised words (connectives and
        role nouns may be lower case), or a noun of the lexicon's ``labels.source_nouns``
        alone ("Poll: …"). The tagger is not asked whether it is a name: before a colon it
        reads "Sanders" as a plural and "Kyiv" as an adjective. Section labels
        (``labels.not_sources``: "The Latest: …", "Q: …") are not names, nor is a line that
        another cue's content already spans ("Kyiv: three were killed, officials said")."""
        text = text_of(doc)
        out: list[Attribution] = []
        for a, b in paras:
            colon = text.find(":", a, min(b, a + 80))
            if colon <= a or text[a:colon].strip().lower() in self.lex.not_sources or any(
                    x <= colon < y for f in found for x, y in f.content):
                continue
            name = doc.char_span(a, colon, alignment_mode="expand")
            rest = _trim(text, (colon + 1, b))
            if name is None or not 0 < len(name) <= 6 or rest is None or not self._names(name):
                continue
            if any(f.cue is not None and f.source is not None and rest[0] <= f.cue[0] < rest[1]
                   and rest[0] <= f.source[0] < rest[1] for f in found):
                continue  # "ISLAMABAD: The government said …": a dateline before a report
            content = doc.char_span(rest[0], rest[1], alignment_mode="expand")
            if content is None or len(content) < 3 or not (
                    any(t.pos_ in ("VERB", "AUX") for t in content[1:]) or _headline(content)
                    or any(rest[0] <= q.start < rest[1] for q in quotes)):
                continue  # "Clinton: 547.", "Sanders: Win in a walk."
            whole = next((q for q in quotes if q.start == rest[0] and q.end >= rest[1]), None)
            out.append(Attribution(
                cue=(colon, colon + 1), cue_lemma="label",
                content=whole.spans if whole is not None else (rest,),
                source=_trim(text, (a, colon)), kind="direct" if whole else "indirect",
                source_head=name[-1].i,
            ))
        return out

    def _names(self, name: Span) -> bool:
        """Whether a paragraph's opening words before a colon name a source."""
        if len(name) == 1 and name[0].lemma_.lower() in self.lex.label_nouns:
            return True
        if not name[0].text[:1].isupper():
            return False
        if all(t.ent_type_ in ("GPE", "LOC") or t.is_punct for t in name):
            return False  # a dateline ("Islamabad: …"), not a speaker
        for t in name:
            if t.like_num or t.like_url or t.pos_ in ("PRON", "SYM") or t.tag_ in (
                    "VBD", "VBZ", "VBG", "MD"):
                return False
            if t.is_alpha and not t.text[:1].isupper() and t.lower_ not in _CONNECTIVES \
                    and t.lower_ not in self.lex.roles:
                return False
        return True

    # -- quotations that continue an earlier speaker ----------------------------------------------
    def _continuations(
        self, doc: Doc, quotes: list[Quote], found: list[Attribution],
        paras: list[tuple[int, int]],
    ) -> list[Attribution]:
        """A quotation with no cue of its own continues the speaker of the attribution just
        before it, when that attribution is in the same or the previous paragraph and no other
        person is named in between."""
        out: list[Attribution] = []
        ordered = sorted(found, key=lambda a: a.start)
        for q in quotes:
            if any(_overlaps((q.start, q.end), (a.start, a.end)) for a in found):
                continue
            if len(text_of(doc)[q.start:q.end].split()) < 3:
                continue  # a scare-quoted word or title, not a statement
            before = [a for a in ordered if a.end <= q.start and a.source_head is not None]
            if not before:
                continue
            prev = before[-1]
            # '"Q1," she said, adding that X. "Q2."': Q2 continues her quotation, not the
            # indirect report after it (same speaker)
            quoted = next((a for a in reversed(before) if a.kind in ("direct", "mixed") and
                           a.source_head == prev.source_head), None)
            if prev.kind not in ("direct", "mixed") and quoted is not None:
                prev = quoted
            if _in_cue_adjunct(doc, q, prev):
                continue  # 'said on the podcast "Here's the Thing"': a title, not more words
            para_q = next((n for n, (a, b) in enumerate(paras) if a <= q.start <= b), 0)
            para_p = next((n for n, (a, b) in enumerate(paras) if a <= prev.start <= b), 0)
            if para_q - para_p > 1:
                continue
            between = doc.char_span(prev.end, q.start, alignment_mode="expand")
            if between is not None and _names_other_person(between, doc, prev):
                continue
            out.append(Attribution(
                cue=None, cue_lemma="(continued)", content=q.spans, source=None, kind="direct",
                inherits=found.index(prev), source_head=prev.source_head,
            ))
        return out


def _reports(cue: VerbCue | None) -> bool:
    """Whether a verb of the lexicon reports on its own inside another report's clause: an
    attitude ("would do an about-face and support the deal") is part of the reported words."""
    return cue is not None and cue.kind != "attitude"


def _in_cue_adjunct(doc: Doc, quote: Quote, att: Attribution) -> bool:
    """Whether ``quote`` is a title or a name inside the cue's own sentence ('said on the
    podcast "Here's the Thing"'): after the cue in the same sentence, right after a word,
    not set off by punctuation as the rest of a split quotation is ('"We will win," he said,
    "and soon."') or a quotation after a sentence the parser did not end."""
    if att.cue is None or quote.start < att.cue[1]:
        return False
    if quote.start >= _cue_verb(doc, att).sent.end_char:
        return False
    before = text_of(doc)[:quote.start].rstrip()
    # "podcast" before it, not "said," / "said." nor a word of the content ('said the Taliban
    # "will soon be repelled"', a mixed quotation)
    return before[-1:].isalnum() and not any(x < len(before) <= y for x, y in att.content)


def _fronted_apposition(verb: Token) -> Token | None:
    """The subject the parser hung as an apposition on a fronted phrase: "In a statement to
    the Observer, her adviser, Jake Sullivan, said: …" (parsed as "the Observer, her adviser"):
    the outermost apposition ending right before the cue (a comma between), whose chain
    starts at the object of a preposition the cue itself governs."""
    doc = verb.doc
    i = verb.i - 1
    if i >= 0 and doc[i].text == ",":
        i -= 1
    if i < verb.sent.start:
        return None
    tok = doc[i]
    while tok.dep_ in ("compound", "amod", "nummod", "poss", "det", "flat") and tok.head.i > tok.i:
        tok = tok.head
    if tok.dep_ != "appos":
        return None
    while tok.head.dep_ == "appos":
        tok = tok.head
    anchor = tok.head
    up = [anchor, *anchor.ancestors]
    if anchor.dep_ != "pobj" or verb not in up or any(
            t.pos_ in ("VERB", "AUX") for t in up[:up.index(verb)]):
        return None
    return tok


def _via_adjuncts(clause: Token, verb: Token, through_object: bool = False) -> bool:
    """Whether ``clause`` hangs on ``verb`` through its adjuncts only: prepositional phrases
    and noun modifiers ("claimed in a statement that …", "warned for years that …"), not
    through another verb ("pushed the claim and argued that …") nor, for a cue whose object
    can be its content, through that object ("blasted Rubio for a bill that …"). The object
    of a cue that cannot take one as content is its addressee ("is telling customers at a
    diner that …"), and may be passed. Measured on a 200-article PolNeAR train sample:
    content-overlap precision .875 → .880, recall .614 → .615."""
    allowed = ("prep", "pobj", "npadvmod", "advmod", "pcomp", *(("dobj",) if through_object
                                                               else ()))
    tok = clause.head
    while tok.i != verb.i:
        if tok.dep_ not in allowed or \
                tok.pos_ in ("VERB", "AUX"):
            return False
        if tok.head.i == tok.i:
            return False
        tok = tok.head
    return True


def _overlaps(a: CharSpan, b: CharSpan) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _contains(outer: CharSpan, inner: CharSpan) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _first_noun(span: Span) -> Token | None:
    nouns = [t for t in span if t.pos_ in ("PROPN", "NOUN")]
    return nouns[-1] if nouns else None


def _names_other_person(between: Span, doc: Doc, prev: Attribution) -> bool:
    """True when a person other than prev's speaker is named in ``between``."""
    if prev.source_head is None:
        return False
    head = doc[prev.source_head]
    names = {t.lower_ for t in head.subtree}
    for ent in between.ents:
        if ent.label_ == "PERSON" and not any(t.lower_ in names for t in ent):
            return True
    return False


def _same_source_nesting(doc: Doc, found: list[Attribution]) -> list[Attribution]:
    """'He said he believes X', 'she wants to see X': a cue inside another attribution's
    content whose source is absent or a pronoun is the same speaker's, and PARC annotates
    one attribution; a cognition cue lowers the outer one's certainty instead. An attitude,
    a belief, an intention or a piece of evidence reported inside someone's words ("X said
    Sanders has pushed Clinton to …", "said allies wanted to know if …", "said polls show
    …") is part of those words, not an attribution of its own; a belief, intention or piece
    of evidence only when it follows the outer cue ("The coalition believes X, officials
    said" keeps the coalition's belief). Measured on PolNeAR train (840 articles): nested
    cues of those three kinds matched an annotated attribution 13 times in 110."""
    out = []
    for b in found:
        outer = next((a for a in found if a is not b and b.cue is not None and
                      a.start <= b.cue[0] < a.end and any(
                          x <= b.cue[0] and b.cue[1] <= y for x, y in a.content)), None)
        own = b.source is None or (
            b.source_head is not None and doc[b.source_head].pos_ == "PRON" and
            doc[b.source_head].lower_ not in ("it", "that", "this")) or (
            # "Cook declined to say whether …": the complement of a cue with the same subject
            # token (not a participle after the content: "…, declaring that …" is its own)
            outer is not None and b.source_head is not None and
            b.source_head == outer.source_head and _cue_verb(doc, b).dep_ == "xcomp")
        # folded only after the outer cue ("said allies wanted …"): in "The coalition believes
        # X, two officials said" the belief is the coalition's, relayed
        same = own or b.cue_kind in ("attitude", "evidential") or (
            b.cue_kind in _HELD_KINDS and outer is not None and outer.cue is not None and
            b.cue is not None and outer.cue[0] < b.cue[0])
        if outer is not None and same and b.inherits is None:
            # only the speaker's own hedge ("he said he believes") hedges the outer content;
            # "said allies wanted to know" reports someone else's wish as certain
            if own:
                _hedge(outer, b.certainty)
            continue
        out.append(b)
    return out


_ORDER = ["certain", "probable", "possible"]


def _hedge(att: Attribution, certainty: str) -> None:
    """Lower ``att``'s certainty to ``certainty`` when that is weaker (FactBank order)."""
    if _ORDER.index(certainty) > _ORDER.index(att.certainty):
        att.certainty = certainty


def _cue_verb(doc: Doc, att: Attribution) -> Token:
    """The last token of the attribution's cue (its verb for a verb cue)."""
    assert att.cue is not None
    span = doc.char_span(*att.cue, alignment_mode="expand")
    assert span is not None
    return span[-1]


_HELD_KINDS = ("cognition", "intention", "evidence")
_FIRST_PERSON = {"i", "we"}


def _first_person_in_quote(doc: Doc, att: Attribution, quotes: list[Quote]) -> bool:
    """Whether ``att`` is a first-person cue inside a quotation ("…, and I think we will
    win," she said)."""
    return att.cue is not None and att.source_head is not None and \
        doc[att.source_head].lower_ in _FIRST_PERSON and \
        any(q.start <= att.cue[0] < q.end for q in quotes)


def _fold_voiced(voiced: list[Attribution], found: list[Attribution]) -> list[Attribution]:
    """First-person cues inside quotations, once the quotations have their speakers: one whose
    cue lies in another attribution's content is part of it (PARC and PolNeAR annotate the
    outer attribution only; measured on a 200-article PolNeAR train sample, none of 13 such
    cues was annotated) and only lowers its certainty ("I think" → probable); one in an
    unattributed quotation stands. Returns the ones that stand."""
    out = []
    for b in voiced:
        assert b.cue is not None
        cue_at = b.cue[0]
        outer = next((a for a in found if any(x <= cue_at < y for x, y in a.content)), None)
        if outer is None:
            out.append(b)
        else:
            _hedge(outer, b.certainty)
    return out


def _dedupe(found: list[Attribution]) -> list[Attribution]:
    """One attribution per (cue, content): a cue seen twice through two routes counts once."""
    seen: set[tuple[CharSpan | None, tuple[CharSpan, ...]]] = set()
    out = []
    for a in found:
        key = (a.cue, a.content)
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out


@cache
def attributor(ontology_dir: Path, model: str) -> Attributor:
    """The attributor for a cue file and a spaCy model, built once per process."""
    return Attributor.from_dir(ontology_dir, nlp.load(model))


def attribute(
    texts: Sequence[str], model: str = nlp.DEFAULT_MODEL, ontology_dir: Path | None = None
) -> list[list[Attribution]]:
    """Attributions of each text (parsed in batches with ``nlp.pipe``), with each source's
    display name resolved against an empty gazetteer. The entry point for scorers."""
    from app.ingest.gazetteer import Gazetteer
    from app.ingest.sources import SourceResolver

    folder = ontology_dir or Path(__file__).resolve().parents[2] / "ontology"
    att = attributor(folder, model)
    out = []
    for doc in nlp.parse(texts, model):
        found = att.find(doc)
        resolver = SourceResolver(att.lex, Gazetteer())
        for a in sorted(found, key=lambda a: a.cue[0] if a.cue else a.start):
            if a.inherits is not None:
                a.speaker = found[a.inherits].speaker
                continue
            sp = resolver.resolve(doc, a.source, a.source_head, a.start)
            a.speaker = sp.name if sp is not None else None
        out.append(parc_view(found))
    return out


def parc_view(found: list[Attribution]) -> list[Attribution]:
    """The attributions as PARC/PolNeAR annotate them. A quotation that continues a speaker
    with no cue of its own is a claimgraph statement (its speaker is inherited); PARC has no
    attribution without a cue, and adds such a quotation to the content of the speaker's
    attribution (``"…," Butz said. "But even so …"``), in the same paragraph or a later one
    (PolNeAR annotates a quotation run over paragraphs as one content; on a 200-article train
    sample this matched 3 more attributions and lost none). A relative pronoun that is the
    source is the source span ("who" in "X, who said …")."""
    out = [replace(a, source=a.source_surface or a.source) for a in found]
    for a in out:
        if a.inherits is not None:
            host = out[a.inherits]
            if host.inherits is None:
                host.content = tuple(sorted({*host.content, *a.content}))
    return [a for a in out if a.inherits is None]
