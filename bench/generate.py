"""Deterministic synthetic claims for the benchmark, in exactly the shape of the seed claims.

One named graph per claim holds its assertion; the claim's description (speakers, relay,
article, reporting verb, factuality, times as written) and its quotation (a TextQuoteSelector
and a TextPositionSelector into the article's ``schema:text``) sit in the default graph, as in
``graph_data/seed/voa-hajin-2018-12.trig``. Interval values are ``<claim#value-n>`` nodes with
``cg:lowerBound`` / ``cg:lowerInclusive`` / ``cg:upperBound`` / ``cg:upperInclusive``.

Every (subject, property) key has a hidden true value. Agreeing claims give values that
contain the truth, so they never contradict each other. A ``conflict_rate`` share of the
claims deliberately contradicts one earlier agreeing claim on the same key, by a speaker of a
different organisation (so the pair filter keeps the pair): a graded, value, numeric or
negation contradiction depending on the property.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from app.model.claims import ClaimIn

ENT = "https://w3id.org/claimgraph/id/entity/"
CLAIM = "https://w3id.org/claimgraph/id/claim/"
ART = "https://w3id.org/claimgraph/id/article/"

PREFIXES = """@prefix cg:     <https://w3id.org/claimgraph/ns#> .
@prefix cgv:    <https://w3id.org/claimgraph/vocab/> .
@prefix claim:  <https://w3id.org/claimgraph/id/claim/> .
@prefix ent:    <https://w3id.org/claimgraph/id/entity/> .
@prefix art:    <https://w3id.org/claimgraph/id/article/> .
@prefix prov:   <http://www.w3.org/ns/prov#> .
@prefix schema: <https://schema.org/> .
@prefix oa:     <http://www.w3.org/ns/oa#> .
@prefix skos:   <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
"""

CONCEPTS = {
    "fully-controlled": "cgv:FullyControlled",
    "partly-controlled": "cgv:PartlyControlled",
    "contested": "cgv:Contested",
    "ongoing": "cgv:FightingOngoing",
    "ended": "cgv:FightingEnded",
}
PROPERTIES = ("controlStatus", "fightingStatus", "killedCount")
VERBS = ("said", "told reporters", "added", "according to", "stated", "reported")
SYLLABLES = (
    "al",
    "ba",
    "dar",
    "el",
    "fa",
    "ha",
    "jin",
    "ka",
    "la",
    "ma",
    "na",
    "qa",
    "ra",
    "sa",
    "ta",
    "wa",
    "za",
    "ri",
    "mu",
    "shi",
    "ya",
    "de",
    "ko",
    "ne",
)
CONTEXT = 40


# --------------------------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Interval:
    """A closed, open or half-open interval; None is unbounded. ``grade`` for graded values."""

    lo: float | None
    hi: float | None
    lo_inc: bool = True
    hi_inc: bool = True
    grade: str | None = None

    def contains(self, x: float) -> bool:
        if self.lo is not None and (x < self.lo or (x == self.lo and not self.lo_inc)):
            return False
        return not (self.hi is not None and (x > self.hi or (x == self.hi and not self.hi_inc)))


Value = str | Interval  # a concept notation, an entity id, or an interval


@dataclass
class Statement:
    subject: str  # entity id
    prop: str  # local name in cg:
    value: Value


@dataclass
class Claim:
    id: str
    article: int
    speaker: str
    statements: list[Statement]
    key: tuple[str, str]
    polarity: str = "positive"
    certainty: str = "certain"
    verb: str = "said"
    direct: bool = False
    said_at: str = "not stated"
    quote: str = ""
    start: int = 0
    end: int = 0
    conflict_with: str | None = None  # the earlier claim it deliberately contradicts


@dataclass
class Article:
    index: int
    outlet: str
    published: dt.date
    claims: list[Claim] = field(default_factory=list)
    text: str = ""

    @property
    def id(self) -> str:
        return f"bench-a{self.index:07d}"

    @property
    def url(self) -> str:
        return f"https://bench.example.org/news/{self.index:07d}"


@dataclass
class Truth:
    """The hidden true value of a key."""

    share: float | None = None  # controlStatus: percent held by ``holder``
    holder: str | None = None
    fighting: str | None = None  # "ongoing" / "ended"
    killed: int | None = None


# --------------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------------
def _name(i: int, rng: random.Random, parts: int = 2) -> str:
    out = []
    n = i
    while True:
        out.append(SYLLABLES[n % len(SYLLABLES)])
        n //= len(SYLLABLES)
        if n == 0:
            break
    while len(out) < parts:
        out.append(rng.choice(SYLLABLES))
    return "".join(out).capitalize()


class Corpus:
    """N synthetic claims with their articles and entities, reproducible from ``seed``."""

    def __init__(
        self, n: int, *, conflict_rate: float = 0.05, seed: int = 42, claims_per_article: int = 5
    ) -> None:
        self.n = n
        self.conflict_rate = conflict_rate
        self.seed = seed
        rng = random.Random(seed)
        self.rng = rng
        n_places = max(4, n // 5)
        n_orgs = max(6, 20 + n // 1000)
        n_people = max(10, n // 25)
        n_outlets = max(3, min(200, 10 + n // 2000))
        # Entities: id -> (type, label, memberOf)
        self.places = [f"bench-place-{i}" for i in range(n_places)]
        self.orgs = [f"bench-org-{i}" for i in range(n_orgs)]
        self.people = [f"bench-person-{i}" for i in range(n_people)]
        self.outlets = [f"bench-outlet-{i}" for i in range(n_outlets)]
        self.labels: dict[str, str] = {}
        self.member_of: dict[str, str] = {}
        for i, e in enumerate(self.places):
            self.labels[e] = f"{_name(i, rng, 3)} {i}"
        for i, e in enumerate(self.orgs):
            self.labels[e] = f"{_name(i, rng)} Front {i}"
        for i, e in enumerate(self.people):
            self.labels[e] = f"{_name(i, rng)} {_name(i * 7 + 3, rng, 3)} {i}"
            if rng.random() < 0.6:
                self.member_of[e] = rng.choice(self.orgs)
        for i, e in enumerate(self.outlets):
            self.labels[e] = f"The {_name(i, rng)} Courier {i}"
        self.speakers = self.orgs + self.people
        # Primary property of each place: each key has a handful of claims.
        self.primary = {p: PROPERTIES[i % 3] for i, p in enumerate(self.places)}
        self.truth: dict[tuple[str, str], Truth] = {}
        self.agreeing: dict[tuple[str, str], list[Claim]] = {}
        self.claims: list[Claim] = []
        self.articles: list[Article] = []
        self.by_id: dict[str, Claim] = {}
        self._generate(claims_per_article)

    # -- sources -----------------------------------------------------------------------------
    def root(self, speaker: str) -> str:
        return self.member_of.get(speaker, speaker)

    def other_speaker(self, than: str) -> str:
        root = self.root(than)
        while True:
            s = self.rng.choice(self.speakers)
            if self.root(s) != root:
                return s

    # -- truth and values ----------------------------------------------------------------------
    def truth_of(self, key: tuple[str, str]) -> Truth:
        t = self.truth.get(key)
        if t is None:
            rng = self.rng
            t = Truth()
            if key[1] == "controlStatus":
                t.holder = rng.choice(self.orgs)
                t.share = 100.0 if rng.random() < 0.4 else float(rng.randrange(20, 95))
            elif key[1] == "fightingStatus":
                t.fighting = rng.choice(("ongoing", "ended"))
            else:
                t.killed = rng.randrange(10, 500)
            self.truth[key] = t
        return t

    def agreeing_statements(self, key: tuple[str, str]) -> list[Statement]:
        rng, t = self.rng, self.truth_of(key)
        place, prop = key
        if prop == "controlStatus":
            assert t.share is not None and t.holder is not None
            if t.share == 100:
                value: Value = "fully-controlled"
            else:
                r = rng.random()
                s = t.share
                if r < 0.25:
                    value = "contested"
                elif r < 0.6:
                    value = Interval(
                        max(0.0, s - rng.randrange(1, 15)), 100, False, False, "partly-controlled"
                    )
                else:
                    value = Interval(
                        max(0.0, s - rng.randrange(1, 10)),
                        min(99.0, s + rng.randrange(1, 10)),
                        True,
                        True,
                        "partly-controlled",
                    )
            sts = [Statement(place, prop, value)]
            if rng.random() < 0.8:
                sts.append(Statement(place, "controlledBy", t.holder))
            return sts
        if prop == "fightingStatus":
            assert t.fighting is not None
            return [Statement(place, prop, t.fighting)]
        assert t.killed is not None
        k = t.killed
        r = rng.random()
        if r < 0.5:
            value = Interval(k, k)
        elif r < 0.75:
            value = Interval(max(0, k - rng.randrange(0, 10)), None)
        else:
            value = Interval(max(0, k - rng.randrange(0, 20)), k + rng.randrange(0, 20))
        return [Statement(place, prop, value)]

    def conflicting(self, target: Claim) -> tuple[list[Statement], str]:
        """Statements that contradict ``target`` (an agreeing claim), and the polarity."""
        rng = self.rng
        st0 = target.statements[0]
        place, prop = target.key
        t = self.truth_of(target.key)
        if isinstance(st0.value, str) and st0.value in CONCEPTS and rng.random() < 0.2:
            # Negation: deny exactly the target's statement.
            return [Statement(place, prop, st0.value)], "negative"
        if prop == "controlStatus":
            assert t.holder is not None
            if st0.value == "fully-controlled":
                if rng.random() < 0.5:
                    # Another party holds a share: together more than the whole.
                    other = rng.choice([o for o in self.orgs if o != t.holder])
                    return [
                        Statement(
                            place,
                            prop,
                            Interval(rng.randrange(10, 60), 100, True, False, "partly-controlled"),
                        ),
                        Statement(place, "controlledBy", other),
                    ], "positive"
                return [
                    Statement(
                        place,
                        prop,
                        rng.choice(
                            (
                                "contested",
                                Interval(
                                    rng.randrange(5, 40),
                                    rng.randrange(50, 90),
                                    True,
                                    True,
                                    "partly-controlled",
                                ),
                            )
                        ),
                    ),
                    Statement(place, "controlledBy", t.holder),
                ], "positive"
            # Partly controlled or contested: "fully taken" cannot also hold.
            return [
                Statement(place, prop, "fully-controlled"),
                Statement(place, "controlledBy", t.holder),
            ], "positive"
        if prop == "fightingStatus":
            other = "ended" if st0.value == "ongoing" else "ongoing"
            return [Statement(place, prop, other)], "positive"
        iv = st0.value
        assert isinstance(iv, Interval)
        if iv.hi is not None:
            value = Interval(iv.hi * 2 + rng.randrange(5, 50), iv.hi * 2 + rng.randrange(50, 80))
            if rng.random() < 0.5:
                value = Interval(value.lo, value.lo)
        else:
            assert iv.lo is not None
            # "at least L" is contradicted by "at most" something below L.
            value = Interval(0, max(0, iv.lo - rng.randrange(1, 5)))
        return [Statement(place, prop, value)], "positive"

    # -- generation --------------------------------------------------------------------------
    def _generate(self, per_article: int) -> None:
        rng = self.rng
        used_keys: list[tuple[str, str]] = []
        used_set: set[tuple[str, str]] = set()
        start = dt.date(2018, 1, 1)
        article: Article | None = None
        for i in range(self.n):
            if article is None or len(article.claims) >= per_article:
                if article is not None:
                    self._write_article(article)
                idx = len(self.articles)
                article = Article(
                    idx, rng.choice(self.outlets), start + dt.timedelta(days=idx % 1500)
                )
                self.articles.append(article)
            cid = f"bench-c{i:07d}"
            claim: Claim
            if used_keys and rng.random() < self.conflict_rate:
                key = rng.choice(used_keys)
                target = rng.choice(self.agreeing[key])
                statements, polarity = self.conflicting(target)
                speaker = self.other_speaker(target.speaker)
                claim = Claim(
                    cid,
                    article.index,
                    speaker,
                    statements,
                    key,
                    polarity=polarity,
                    conflict_with=target.id,
                )
            else:
                place = rng.choice(self.places)
                prop = self.primary[place] if rng.random() < 0.85 else rng.choice(PROPERTIES)
                key = (place, prop)
                claim = Claim(
                    cid,
                    article.index,
                    rng.choice(self.speakers),
                    self.agreeing_statements(key),
                    key,
                    certainty="probable" if rng.random() < 0.1 else "certain",
                )
                self.agreeing.setdefault(key, []).append(claim)
                if key not in used_set:
                    used_set.add(key)
                    used_keys.append(key)
            claim.verb = rng.choice(VERBS)
            claim.direct = rng.random() < 0.3
            claim.said_at = (
                "not stated"
                if rng.random() < 0.7
                else rng.choice(("on Monday", "on Tuesday", "earlier Wednesday", "late Thursday"))
            )
            article.claims.append(claim)
            self.claims.append(claim)
            self.by_id[cid] = claim
        if article is not None:
            self._write_article(article)

    def phrase(self, claim: Claim) -> str:
        """The quoted words: what the claim says, in prose."""
        parts = []
        for st in claim.statements:
            place = self.labels[st.subject]
            v = st.value
            if st.prop == "controlledBy":
                continue
            holder = next(
                (
                    self.labels[s.value]
                    for s in claim.statements  # type: ignore[index]
                    if s.prop == "controlledBy"
                ),
                "the fighters",
            )
            if st.prop == "controlStatus":
                if v == "fully-controlled":
                    parts.append(f"{holder} had taken all of {place}")
                elif v == "contested":
                    parts.append(f"control of {place} was still contested")
                else:
                    assert isinstance(v, Interval)
                    if v.hi == 100 and not v.hi_inc:
                        parts.append(f"{holder} held more than {v.lo:g} percent of {place}")
                    else:
                        parts.append(
                            f"{holder} held between {v.lo:g} and {v.hi:g} percent of {place}"
                        )
            elif st.prop == "fightingStatus":
                parts.append(
                    f"fighting in {place} was {'still going on' if v == 'ongoing' else 'over'}"
                )
            else:
                assert isinstance(v, Interval)
                if v.lo == v.hi:
                    parts.append(f"{v.lo:g} people were killed in {place}")
                elif v.hi is None:
                    parts.append(f"at least {v.lo:g} people were killed in {place}")
                else:
                    parts.append(f"between {v.lo:g} and {v.hi:g} people were killed in {place}")
        text = " and ".join(parts)
        if claim.polarity == "negative":
            text = f"it is not true that {text}"
        return text

    def _write_article(self, article: Article) -> None:
        out = [
            f"Dispatch {article.index} from the front, filed by {self.labels[article.outlet]}.\n\n"
        ]
        pos = len(out[0])
        for c in article.claims:
            lead = f"{self.labels[c.speaker]} {c.verb} that "
            c.quote = self.phrase(c)
            c.start = pos + len(lead)
            c.end = c.start + len(c.quote)
            para = f"{lead}{c.quote}.\n\n"
            out.append(para)
            pos += len(para)
        out.append("More fighting was expected in the coming days.")
        article.text = "".join(out)
        assert all(article.text[c.start : c.end] == c.quote for c in article.claims)

    # -- serialisation -----------------------------------------------------------------------
    def entities_ttl(self) -> str:
        lines = [PREFIXES]
        for e in self.places:
            lines.append(f'ent:{e} a cg:Place ; skos:prefLabel "{_esc(self.labels[e])}"@en .')
        for e in self.orgs:
            lines.append(
                f'ent:{e} a cg:Organization ; skos:prefLabel "{_esc(self.labels[e])}"@en .'
            )
        for e in self.people:
            member = f" ; schema:memberOf ent:{self.member_of[e]}" if e in self.member_of else ""
            lines.append(
                f'ent:{e} a cg:Person ; skos:prefLabel "{_esc(self.labels[e])}"@en{member} .'
            )
        for e in self.outlets:
            lines.append(f'ent:{e} a cg:Outlet ; skos:prefLabel "{_esc(self.labels[e])}"@en .')
        return "\n".join(lines) + "\n"

    def article_trig(self, article: Article) -> str:
        out = [
            f"art:{article.id} a cg:Article ;\n"
            f"  schema:url <{article.url}> ;\n"
            f'  schema:headline "Dispatch {article.index}"@en ;\n'
            f"  schema:publisher ent:{article.outlet} ;\n"
            f'  schema:datePublished "{article.published.isoformat()}"^^xsd:date ;\n'
            f'  schema:inLanguage "en" ;\n'
            f'  schema:text "{_esc(article.text)}" .\n'
        ]
        for c in article.claims:
            out.append(self.claim_trig(c, article))
        return "\n".join(out)

    def claim_trig(self, c: Claim, article: Article) -> str:
        iri = CLAIM + c.id
        body = []
        for n, st in enumerate(c.statements, start=1):
            v = st.value
            if isinstance(v, Interval):
                node = f"<{iri}#value-{n}>"
                body.append(f"  ent:{st.subject} cg:{st.prop} {node} .")
                props = ["a cg:Interval"]
                if v.grade:
                    props.append(f"cg:gradeOf {CONCEPTS[v.grade]}")
                if v.lo is not None:
                    props.append(
                        f"cg:lowerBound {_num(v.lo)} ; cg:lowerInclusive {_bool(v.lo_inc)}"
                    )
                if v.hi is not None:
                    props.append(
                        f"cg:upperBound {_num(v.hi)} ; cg:upperInclusive {_bool(v.hi_inc)}"
                    )
                body.append(f"  {node} " + " ;\n    ".join(props) + " .")
            elif v in CONCEPTS:
                body.append(f"  ent:{st.subject} cg:{st.prop} {CONCEPTS[v]} .")
            else:
                body.append(f"  ent:{st.subject} cg:{st.prop} ent:{v} .")
        text = article.text
        prefix = text[max(0, c.start - CONTEXT) : c.start]
        suffix = text[c.end : c.end + CONTEXT]
        return (
            f"claim:{c.id} {{\n" + "\n".join(body) + "\n}\n\n"
            f"claim:{c.id} a cg:Claim ;\n"
            f"  prov:wasAttributedTo ent:{c.speaker} ;\n"
            f"  cg:relayedBy ent:{article.outlet} ;\n"
            f"  prov:wasDerivedFrom art:{article.id} ;\n"
            f'  cg:reportingVerb "{_esc(c.verb)}" ;\n'
            f"  cg:directQuote {_bool(c.direct)} ;\n"
            f"  cg:polarity cgv:{c.polarity.capitalize()} ;\n"
            f"  cg:certainty cgv:{c.certainty.capitalize()} ;\n"
            f'  cg:saidAt "{_esc(c.said_at)}" ;\n'
            f'  cg:holdsDuring "at the time of reporting" ;\n'
            f"  cg:quotation <{iri}#quote> .\n\n"
            f"<{iri}#quote> a oa:SpecificResource ;\n"
            f"  oa:hasSource art:{article.id} ;\n"
            f"  oa:hasSelector <{iri}#quote-text> ,\n"
            f"                 <{iri}#quote-position> .\n"
            f"<{iri}#quote-text> a oa:TextQuoteSelector ;\n"
            f'  oa:exact "{_esc(c.quote)}" ;\n'
            f'  oa:prefix "{_esc(prefix)}" ;\n'
            f'  oa:suffix "{_esc(suffix)}" .\n'
            f"<{iri}#quote-position> a oa:TextPositionSelector ;\n"
            f"  oa:start {c.start} ; oa:end {c.end} .\n"
        )

    def trig_batches(self, batch_size: int = 1000) -> Iterator[tuple[int, str]]:
        """(claims in batch, TriG text), whole articles per batch so each batch validates."""
        chunk: list[str] = []
        count = 0
        for article in self.articles:
            chunk.append(self.article_trig(article))
            count += len(article.claims)
            if count >= batch_size:
                yield count, PREFIXES + "\n" + "\n".join(chunk)
                chunk, count = [], 0
        if chunk:
            yield count, PREFIXES + "\n" + "\n".join(chunk)

    def trig(self) -> str:
        return "\n".join(text for _, text in self.trig_batches(10**9))

    # -- follow-up claims through the API model ----------------------------------------------
    def followups(self, n: int, seed: int = 7) -> list[tuple[ClaimIn, bool]]:
        """``n`` new claims on existing keys, alternately conflicting and agreeing, as ClaimIn.

        Even ones cite a new article (given with its text), odd ones an existing article by
        URL alone, quoting one of its sentences by offsets."""
        rng = random.Random(seed)
        saved, self.rng = self.rng, rng
        try:
            keys = sorted(self.agreeing)
            out: list[tuple[ClaimIn, bool]] = []
            for i in range(n):
                conflict = i % 2 == 0
                key = rng.choice(keys)
                target = rng.choice(self.agreeing[key])
                if conflict:
                    statements, polarity = self.conflicting(target)
                    speaker = self.other_speaker(target.speaker)
                else:
                    statements, polarity = self.agreeing_statements(key), "positive"
                    speaker = rng.choice(self.speakers)
                c = Claim(f"bench-f{seed}-{i:05d}", -1, speaker, statements, key, polarity=polarity)
                c.quote = self.phrase(c)
                payload: dict[str, Any] = {
                    "speakers": [speaker],
                    "reporting_verb": rng.choice(VERBS),
                    "polarity": polarity,
                    "statements": [
                        {"subject": st.subject, "property": st.prop, "value": _value_in(st.value)}
                        for st in statements
                    ],
                }
                if i % 4 < 2:
                    lead = f"{self.labels[speaker]} said that "
                    text = f"{lead}{c.quote}. Reporting continued later.\n"
                    payload["article"] = {
                        "url": f"https://bench.example.org/followup/{seed}/{i:05d}",
                        "title": f"Follow-up {i}",
                        "outlet": rng.choice(self.outlets),
                        "published": "2019-03-01",
                        "text": text,
                    }
                    payload["quote"] = {
                        "exact": c.quote,
                        "start": len(lead),
                        "end": len(lead) + len(c.quote),
                    }
                else:
                    art = self.articles[rng.randrange(len(self.articles))]
                    quoted = rng.choice(art.claims)
                    payload["article"] = {"url": art.url}
                    payload["quote"] = {
                        "exact": quoted.quote,
                        "start": quoted.start,
                        "end": quoted.end,
                    }
                out.append((ClaimIn.model_validate(payload), conflict))
            return out
        finally:
            self.rng = saved

    def stats(self) -> dict[str, int]:
        return {
            "claims": len(self.claims),
            "articles": len(self.articles),
            "places": len(self.places),
            "speakers": len(self.speakers),
            "keys": len(self.agreeing),
            "deliberate_conflicts": sum(1 for c in self.claims if c.conflict_with),
        }


def _value_in(v: Value) -> Any:
    if isinstance(v, Interval):
        d: dict[str, Any] = {}
        if v.lo is not None and v.lo == v.hi and v.lo_inc and v.hi_inc:
            d["exact"] = v.lo
        else:
            if v.lo is not None:
                d["min"], d["min_inclusive"] = v.lo, v.lo_inc
            if v.hi is not None:
                d["max"], d["max_inclusive"] = v.hi, v.hi_inc
        if v.grade:
            d["grade"] = v.grade
        return d
    return v


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _bool(b: bool) -> str:
    return "true" if b else "false"


def generate(n: int, conflict_rate: float = 0.05, seed: int = 42) -> Corpus:
    """The corpus for ``n`` claims."""
    return Corpus(n, conflict_rate=conflict_rate, seed=seed)


__all__ = ["Corpus", "generate"]
