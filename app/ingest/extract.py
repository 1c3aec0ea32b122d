"""From article text to structured claims: attributions, resolved speakers, factuality, time,
and the frames that fit each content span. No I/O: names resolve through a Gazetteer."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from app.ingest.attribution import Attribution, attributions
from app.ingest.frames import FrameHit, FrameSet, interval, match_frames
from app.ingest.gazetteer import Entity, Gazetteer

_STATE = {"controlStatus", "controlledBy", "fightingStatus", "defeatStatus", "presentIn"}
_NOT_NAMES = {"so", "but", "this", "that", "the", "it", "there", "they", "we", "he", "she", "once",
              "when", "if", "and", "thousands", "hundreds", "dozens", "many", "some", "a", "an",
              "in", "on", "at", "as", "after", "before", "while", "file", "however", "local",
              "fierce", "heavy"}
_PLACE_ANAPHORS = re.compile(r"\bthe (?:town|city|village)\b")
_ORG_ROLE = re.compile(
    r"\b(?:head|spokes\w+|commander|chief|director|leader|official|member|minister|officer"
    r"|adviser|advisor|representative|envoy|coordinator|president|secretary|medic|doctor"
    r"|volunteer|worker|researcher|analyst)\b"
    r".*?\b(?:at|of|for|with|in|from) (?:the )?"
    r"(?P<org>[A-Z][\w.'\u2019-]*(?: [A-Z][\w.'\u2019-]*)*)"
)
_ORG_WORDS = re.compile(
    r"\b(?:Forces|Observatory|Ministry|Council|Agency|Army|Party|Front|Committee|Organization"
    r"|Organisation|Network|Coalition|Command|Group|Units|State|Office|Press|News|Times"
    r"|Institute|Center|Centre|Union|Crescent|Cross)\b"
)
_TITLED = re.compile(
    r"^(?:[Tt]he |[Aa]n? )?(?P<role>(?:[\w.'\u2019-]+ ){0,4}(?:spokes\w+|commander|official"
    r"|minister|head|chief|director|leader|medic|envoy|general|colonel)) "
    r"(?P<name>[A-Z][\w.'\u2019-]+(?: [A-Z][\w.'\u2019-]+)+)$"
)
_ROLE_OF = re.compile(
    r"(?:[Aa]n? |[Tt]he )?(?P<org>[A-Z][\w.'\u2019-]*(?: [A-Z][\w.'\u2019-]*)*|coalition) "
    r"(?P<role>spokes\w+|commander|official|source)"
)
_UNNAMED = re.compile(
    r"^(?:[Tt]he |[Aa]n? )?(?P<role>(?:[a-z]+ ){0,2}(?:spokes\w+|official|commander|source"
    r"|statement|representative)) (?:for|of|with|at|from) (?:the )?"
    r"(?:[\w.'\u2019]+-(?:led|backed|based) )?(?P<org>[A-Z].*)$"
)
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


@dataclass
class Speaker:
    """A resolved speaker: the reference the store resolves, and what the text says of them."""

    ref: str
    name: str
    kind: str
    role: str | None = None
    org: str | None = None


@dataclass
class Statement:
    """One extracted attributed statement, ready to become one or more claims."""

    speakers: list[Speaker]
    relays: list[str]
    verb: str
    cue: tuple[int, int]
    speaker_span: tuple[int, int]
    content: tuple[int, int]
    direct: bool
    polarity: str
    certainty: str
    said_at: str
    said_on: dt.date | None
    triples: list[dict[str, Any]] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)


def _date(published: str | None) -> dt.date | None:
    if published and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", published):
        try:
            return dt.date.fromisoformat(published[:10])
        except ValueError:
            return None
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
    m = re.search(r"([a-z]{3})[a-z]*\.? (\d{1,2})", text)
    if m and m.group(1) in _MONTHS:
        try:
            when = dt.date(day.year, _MONTHS.index(m.group(1)) + 1, int(m.group(2)))
        except ValueError:
            return None
        return when if when <= day else when.replace(year=day.year - 1)
    return None


class Extractor:
    """Runs attribution, resolution, factuality and frames over one article."""

    def __init__(self, frames: FrameSet, gazetteer: Gazetteer) -> None:
        self.frames = frames
        self.gaz = gazetteer
        self.wires = {w.lower() for w in frames.wires}
        self.place_names = gazetteer.places()

    # -- speakers ------------------------------------------------------------------------
    def _split(self, text: str) -> list[str]:
        text = re.sub(r"^(?:[Tt]he|[Aa]n?) ", "", text.strip())
        m = re.fullmatch(r"(\S+) and (\S+) (.+)", text)
        if m and not m.group(2)[0].isupper():
            return [f"{m.group(1)} {m.group(3)}", f"{m.group(2)} {m.group(3)}"]
        if m and m.group(3).split()[-1] in ("officials", "sources", "commanders"):
            return [f"{m.group(1)} {m.group(3)}", f"{m.group(2)} {m.group(3)}"]
        return [text]

    def _org_of_role(self, role: str | None) -> str | None:
        if not role:
            return None
        m = _ORG_ROLE.search(role)
        if m is None:
            return None
        org = m.group("org")
        words = org.split()
        for n in range(len(words), 0, -1):  # "SDF in Hajin" → the longest known prefix
            found = self.gaz.get(" ".join(words[:n]))
            if found is not None:
                return found.id
        return org

    def speakers(self, att: Attribution, seen: list[Speaker]) -> list[Speaker]:
        """Resolve the speaker text: known names and aliases, pronouns, short names."""
        raw = re.sub(r"\s+", " ", att.speaker_text.strip())
        if raw.endswith(".") and not re.search(r"(?:^|[\s.])[A-Z]\.$", raw):
            raw = raw[:-1]  # "said Mustafa Bali." - the sentence's full stop
        low = raw.lower()
        if low in ("he", "she"):
            found = next((s for s in reversed(seen) if s.kind == "person"), None)
            return [found] if found else []
        if low == "they":
            found = next((s for s in reversed(seen) if s.kind in ("group", "org")), None)
            return [found] if found else []
        raw = re.sub(r"^(?:[Tt]he )?(?:[\w.'\u2019]+-(?:based|backed|led|run|funded) )+", "", raw)
        out: list[Speaker] = []
        unnamed = _UNNAMED.match(raw)
        if unnamed:  # "a spokesman for the SDF" speaks for the SDF
            org = self.gaz.get(unnamed.group("org"))
            att.role = att.role or unnamed.group("role")
            if org is not None:
                return [Speaker(org.id, org.label, _speaker_kind(org), att.role, org.org)]
            name = unnamed.group("org")
            return [Speaker(name, name, "org", att.role)]
        role_of = _ROLE_OF.fullmatch(raw)
        org_known = self.gaz.get(role_of.group("org")) if role_of else None
        if role_of and org_known is not None:  # "an SDF commander" speaks for the SDF
            att.role = att.role or role_of.group("role")
            return [Speaker(org_known.id, org_known.label, _speaker_kind(org_known), att.role,
                            org_known.org)]
        titled = _TITLED.match(raw)
        if titled:  # "Coalition spokesman Sean Ryan", "SDF commander Adnan Afrin"
            raw = titled.group("name")
            att.role = att.role or titled.group("role")
        for name in self._split(raw):
            name = re.sub(
                r"^(?:Colonel|Col\.|General|Gen\.|Major|Maj\.|Lt\.|Capt\.|Captain|Commander|Mr\."
                r"|Mrs\.|Ms\.|Dr\.|Spokesman|Spokeswoman|Sgt\.) ", "", name)
            known = self.gaz.get(name) or self.gaz.get(raw)
            if known is not None and known.kind != "place":
                out.append(Speaker(known.id, known.label, _speaker_kind(known), att.role,
                                   known.org or self._org_of_role(att.role)))
                continue
            short = next((s for s in reversed(seen) if s.kind == "person"
                          and " " not in name and s.name.split()[-1] == name), None)
            if short is None and name.lower() in ("observatory", "monitor", "war monitor"):
                noun = name.split()[-1].lower()
                short = next((s for s in reversed(seen) if noun in
                              f"{s.role or ''} {s.name}".lower()), None) or next(
                    (s for s in reversed(seen) if s.kind == "org"), None)
            if short is not None:
                out.append(short)
                continue
            descr = re.search(r"\b(?:officials?|sources?|residents?|activists?|commanders?"
                              r"|witnesses|doctors|medics|leaders|analysts|authorities)$", name)
            if descr:
                owner = re.match(r"(?:[A-Z][\w.'\u2019-]*(?: |$))+", name)
                org_name = owner.group().strip() if owner else None
                org = self.gaz.get(org_name) if org_name else None
                org_ref = org.id if org else (org_name if org_name and " " in org_name else None)
                out.append(Speaker(name, name, "group", att.role, org_ref))
            else:
                kind = "org" if _ORG_WORDS.search(name) or name.isupper() else "person"
                out.append(Speaker(name, name, kind, att.role, self._org_of_role(att.role)))
        return out

    # -- entities in content ---------------------------------------------------------------
    def _entity(self, name: str, speaker: list[Speaker], place: str | None) -> str | None:
        name = re.sub(r"\s+", " ", name.strip(" []"))
        low = name.lower()
        if low in ("we", "it", "they"):  # the speaker's side: "we have liberated …"
            if low != "we" and not (speaker and speaker[0].kind in ("org", "group")):
                return None
            return speaker[0].org if speaker and speaker[0].org else (
                speaker[0].ref if speaker and speaker[0].kind in ("org", "group") else None)
        alias = self.frames.aliases.get(re.sub(r"^the ", "", low)) or self.frames.aliases.get(low)
        if alias:
            return alias
        if _PLACE_ANAPHORS.fullmatch(low):
            return place
        known = self.gaz.get(name)
        if known is not None:
            return known.id
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
        """Known places and place anaphors mentioned in a text, with their positions."""
        if self.place_names is None:
            return []
        found = []
        for m in self.place_names.finditer(text):
            ent = self.gaz.get(m.group())
            if ent is not None and ent.kind == "place":
                found.append((m.start(), ent.id))
        return found

    # -- frames ----------------------------------------------------------------------------
    def _triples(
        self, hit: FrameHit, speakers: list[Speaker], place: str | None
    ) -> list[dict[str, Any]]:
        f, g = hit.frame, hit.groups
        if f.is_count():
            value = interval(g, self.frames.bounds)
            if value is None:
                return []
            who = g.get("group")
            subject = self._entity(who, speakers, place) if who else None
            if subject is None:
                noun = g.get("noun", "people").lower()
                subject = self.frames.aliases.get(noun, noun)  # "militants" → the IS
            return [{"subject": subject, "property": f.prop, "value": value}]
        subjects: list[str | None] = []
        if "subject" in g:
            parts = re.split(r", (?:and )?| and ", g["subject"])
            subjects = [self._entity(p, speakers, place) for p in parts]
        elif f.subject_default == "context-place":
            subjects = [place]
        subjects_ok = [s for s in subjects if s]
        if not subjects_ok:
            return []
        out: list[dict[str, Any]] = []
        holder = self._entity(g["holder"], speakers, place) if "holder" in g else None
        for subject in subjects_ok:
            if f.grade:
                value = interval(g, self.frames.bounds)
                if value is None:
                    continue
                if value.get("exact") == 100:
                    out.append({"subject": subject, "property": f.prop,
                                "value": "fully-controlled"})
                else:
                    if "exact" in value:
                        value = {"min": value["exact"], "max": value["exact"]}
                    out.append({"subject": subject, "property": f.prop,
                                "value": {**value, "grade": f.grade}})
            elif f.value_group:
                obj = self._entity(g.get(f.value_group, ""), speakers, place)
                if obj is None or obj == subject:
                    continue
                out.append({"subject": subject, "property": f.prop, "value": obj})
            elif f.value:
                out.append({"subject": subject, "property": f.prop, "value": f.value})
            if holder and f.holder_property and out:
                out.append({"subject": subject, "property": f.holder_property, "value": holder})
        return out

    # -- the article -------------------------------------------------------------------------
    def extract(
        self, text: str, *, outlet: str | None = None, published: str | None = None
    ) -> list[Statement]:
        """Every attributed statement of the article, with its frames."""
        _, found = attributions(text)
        seen: list[Speaker] = []
        statements: list[Statement] = []
        places = self._places_in(text)
        for att in sorted(found, key=lambda a: (a.cue[0], a.content[0])):
            spk = self.speakers(att, seen)
            if not spk:
                continue
            relays: list[str] = []
            if att.relay_text and att.relay_text.lower() in self.wires:
                relays = [att.relay_text]
            if len(spk) == 1 and spk[0].name.lower() in self.wires:
                inner = self._wire_inner(text, att, seen)
                if inner is not None:
                    relays = [spk[0].name]
                    att, spk = inner
            for s in spk:
                if s not in seen:
                    seen.append(s)
            statements.append(self._statement(text, att, spk, relays, places, published))
        statements.sort(key=lambda s: s.content)
        return statements

    def _wire_inner(
        self, text: str, att: Attribution, seen: list[Speaker]
    ) -> tuple[Attribution, list[Speaker]] | None:
        """"SOHR said 14 were killed, Reuters reported": the wire relays, SOHR speaks."""
        from app.ingest.attribution import _SPEAKER_FIRST, _SPEAKER_LAST, _trim

        a, b = att.content
        m = _SPEAKER_FIRST.match(text[a:b]) or _SPEAKER_LAST.match(text[a:b])
        if m is None or not m.group("content"):
            return None
        spk_group = "spk" if m.group("spk") else "spk2"
        verb_group = "verb" if m.group("verb") else "verb2"
        content = _trim(text, a + m.start("content"), a + m.end("content"))
        groups = m.groupdict()
        inner = Attribution(
            speaker_text=m.group(spk_group),
            speaker_span=(a + m.start(spk_group), a + m.end(spk_group)),
            verb=m.group(verb_group), content=content, direct=False,
            cue=(a + min(m.start(spk_group), m.start(verb_group)),
                 a + max(m.end(spk_group), m.end(verb_group))),
            role=groups.get("app") or groups.get("app2"), said_at=groups.get("time"),
        )
        spk = self.speakers(inner, seen)
        return (inner, spk) if spk else None

    def _statement(
        self, text: str, att: Attribution, spk: list[Speaker], relays: list[str],
        places: list[tuple[int, str]], published: str | None,
    ) -> Statement:
        a, b = att.content
        content = text[a:b]
        polarity, certainty = "positive", "certain"
        for cue in self.frames.cues:
            if cue.clause_scope:
                continue
            target = att.verb if cue.on_verb else content
            if cue.pattern.search(target):
                if cue.polarity:
                    polarity = cue.polarity
                if cue.certainty and _weaker(cue.certainty, certainty):
                    certainty = cue.certainty
        inside = [(pos - a, pid) for pos, pid in places if a <= pos < b]
        before = [pid for pos, pid in places if pos < a]
        default_place = inside[0][1] if inside else (before[-1] if before else None)
        said_at = att.said_at or "not stated"
        st = Statement(
            speakers=spk, relays=relays, verb=att.verb, cue=att.cue,
            speaker_span=att.speaker_span, content=(a, b), direct=att.direct,
            polarity=polarity, certainty=certainty, said_at=said_at,
            said_on=anchor(att.said_at, published),
        )
        for hit in match_frames(self.frames, content):
            # an anaphor ("the town") is the last place named before it
            prior = [pid for pos, pid in inside if pos < hit.start]
            place = prior[-1] if prior else (before[-1] if before else default_place)
            if hit.frame.subject_default and "subject" not in hit.groups:
                place = default_place if inside else place
            triples = self._triples(hit, spk, place)
            if not triples:
                continue
            irrealis = self._irrealis(content, hit.start)
            hedge = "possible" if irrealis else None
            pol = hit.frame.polarity
            for t in triples:
                t["_certainty"] = hedge
                t["_polarity"] = pol
            st.triples += triples
            st.frames.append(hit.frame.id)
        return st

    def _irrealis(self, content: str, pos: int) -> bool:
        clause_start = max(content.rfind(",", 0, pos), content.rfind(";", 0, pos)) + 1
        clause = content[clause_start:pos]
        return any(c.clause_scope and c.pattern.search(clause) for c in self.frames.cues)


def _weaker(new: str, old: str) -> bool:
    order = ["certain", "probable", "possible"]
    return order.index(new) > order.index(old)


def _speaker_kind(e: Entity) -> str:
    return {"outlet": "org", "thing": "person"}.get(e.kind, e.kind)
