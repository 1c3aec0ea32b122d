"""Who said what: direct quotes and reported speech, with speaker, verb, cue and content spans.

Rule-based and English-only. Every span is a pair of 0-based offsets into the article text,
end exclusive, so ``text[start:end]`` is the span."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.ingest.text import Span, sentences

_TITLE = (r"(?:(?:Colonel|Col\.|General|Gen\.|Maj\. Gen\.|Brig\. Gen\.|Lt\. Gen\.|Major|Maj\."
          r"|Lt\.|Capt\.|Captain|Commander|Mr\.|Mrs\.|Ms\.|Dr\.|President|Prime Minister"
          r"|Minister|Spokesman|Spokeswoman|Sheikh|Sgt\.) )")
_NAMEWORD = r"[A-Z][\w.'\u2019-]*"
_NAME = rf"{_NAMEWORD}(?:(?: (?:for|of|al|el|the|de|bin|ibn))? {_NAMEWORD}){{0,6}}"
_MOD = (r"(?:U\.S\.|U\.S\.-led|U\.N\.|[A-Z][\w.'\u2019-]*|local|military|senior|top|security"
        r"|government"
        r"|coalition|opposition|rebel|medical|hospital|health|defen[cs]e|police|intelligence"
        r"|Kurdish|Syrian|Iraqi|Turkish|Russian|American|Western|regional|rights|war|and)")
_HEAD = (r"(?:officials?|spokes(?:man|woman|person)|sources?|residents?|activists?|commanders?"
         r"|monitor|[Oo]bservatory|witness(?:es)?|[Mm]inistry|doctors?|medics?|officers?"
         r"|leaders?|analysts?|diplomats?|authorities|agency|[Cc]ommand|statement|reporters?"
         r"|coalition|army|military|government)")
_OF_ORG = (r"(?: (?:for|of|with|at|from) (?:the )?(?:[\w.'\u2019]+-(?:led|backed|based) )?"
           r"[A-Z][\w.'\u2019-]*(?: (?:for )?[A-Z][\w.'\u2019-]*){0,4})?")
_DESCR = rf"(?:(?:[Tt]he|[Aa]n?) )?(?:{_MOD} ){{0,5}}{_HEAD}{_OF_ORG}"
_PRONOUN = r"(?:[Hh]e|[Ss]he|[Tt]hey)"
SPEAKER = rf"(?:{_PRONOUN}|(?:{_DESCR} )?(?:[Tt]he )?{_TITLE}?{_NAME}|{_DESCR})"
VERBS = (r"(?:(?:had|has|have|also|later|earlier|previously) )?(?:said|says|say|told|tells|added"
         r"|adds|stated|announced|reported|claimed|confirmed|denied|denies|insisted|noted"
         r"|explained|warned|estimated|wrote|tweeted|declared|acknowledged|maintained|argued"
         r"|asserted|alleged|rejected|dismissed|admitted|stressed)")
_OBJ = (r"(?:(?<=told )|(?<=tells ))(?!(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)"
        r"(?:VOA|reporters|journalists|AFP|Reuters|the Associated Press|AP|state media|state TV"
        r"|the BBC|CNN|[A-Z][\w.'\u2019-]+(?: [A-Z][\w.'\u2019-]+)?)")
_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
TIME = (rf"(?:(?:earlier |late |later |on |last |this )?{_DAY}(?: (?:morning|afternoon|evening|"
        rf"night))?|(?:on )?{_MONTH} \d{{1,2}}|yesterday|today|earlier this week|last week"
        rf"|earlier)")
_APPOS = r", (?P<app>[^,\"“”]{2,160}?),"

_MEDIUM = (r"(?: (?:on|in a post on|in a statement on) (?:Twitter|Facebook|Telegram|X|state TV)"
           r"| in a (?:written )?statement| by (?:phone|telephone))?")
# "Bali said (that) …", "SDF officials told VOA Wednesday that …"
_SPEAKER_FIRST = re.compile(
    rf"^(?:(?:On |Earlier |Late |Later )?(?:{TIME}),? |(?:Speaking|Talking) to [^,]{{2,60}}, "
    rf"|In a (?:written )?statement, )?(?P<spk>{SPEAKER})(?:{_APPOS})? "
    rf"(?P<verb>{VERBS})(?: (?P<obj>{_OBJ}))?(?: (?P<time>{TIME}))?{_MEDIUM}"
    rf"(?: (?:that|on \w+ that))?[,:]? (?P<content>.+)$"
)
# "…, Bali said." / "…, said Bali."
_SPEAKER_LAST = re.compile(
    rf"^(?P<content>.+?),[\"”]? (?:(?P<spk>{SPEAKER})(?:{_APPOS})? (?P<verb>{VERBS})"
    rf"(?: (?P<obj>{_OBJ}))?(?: (?P<time>{TIME}))?{_MEDIUM}|(?P<verb2>said|says|added|told \w+) "
    rf"(?P<spk2>{SPEAKER})(?:, (?P<app2>[^.]+?))?)(?P<tail>[,;] .*)?[.!]?$"
)
_ACCORDING_LAST = re.compile(
    r"^(?P<content>.+?),? according to (?P<spk>[^,]+?)(?:, (?P<app>.+?))?[.!]?$"
)
_ACCORDING_FIRST = re.compile(
    r"^According to (?P<spk>[^,]+?)(?:, (?P<app>[^,]+))?, (?P<content>.+)$"
)
# around a direct quote
_QUOTE_AFTER = re.compile(
    rf"^,? ?(?:(?P<spk>{SPEAKER})(?:{_APPOS})? (?P<verb>{VERBS})(?: (?P<obj>{_OBJ}))?"
    rf"(?: (?P<time>{TIME}))?{_MEDIUM}|(?P<verb2>said|says|added|adds|told \w+) (?P<spk2>{SPEAKER})"
    rf"(?:, (?P<app2>[^.]+?))?)(?:[,.;] ?.*)?$"
)
_QUOTE_BEFORE = re.compile(
    rf"(?:^|[,.;] |^[,\s]+)(?P<spk>{SPEAKER})(?:{_APPOS})? (?P<verb>{VERBS})(?: (?P<obj>{_OBJ}))?"
    rf"(?: (?P<time>{TIME}))?(?: that)?[,:]? ?$"
)
_CLAUSE_SPLIT = re.compile(r", but |; but |; |, while ")
_QUOTE_CHARS = re.compile(r"[\"“”]")


@dataclass
class Attribution:
    """One attributed statement, before speakers are resolved."""

    speaker_text: str
    speaker_span: tuple[int, int]
    verb: str
    cue: tuple[int, int]
    content: tuple[int, int]
    direct: bool
    role: str | None = None
    said_at: str | None = None
    relay_text: str | None = None
    inherited: bool = False
    sentences: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Quote:
    """The inside of a pair of quotation marks; ``open_end`` when the quote runs on into the
    next paragraph (news style: no closing mark, the next paragraph opens with a new one)."""

    start: int
    end: int
    paragraph: int
    open_end: bool = False
    leads: bool = False  # the quotation opens its paragraph


def find_quotes(text: str, sents: list[Span]) -> list[Quote]:
    """Quotations, paragraph by paragraph (straight or curly marks)."""
    quotes: list[Quote] = []
    by_para: dict[int, tuple[int, int]] = {}
    for s in sents:
        a, b = by_para.get(s.paragraph, (s.start, s.end))
        by_para[s.paragraph] = (min(a, s.start), max(b, s.end))
    for para, (a, b) in sorted(by_para.items()):
        opened: int | None = None
        for m in _QUOTE_CHARS.finditer(text, a, b):
            ch = m.group()
            if opened is None and ch != "”":
                opened = m.end()
            elif opened is not None and ch != "“":
                if m.start() > opened:
                    quotes.append(Quote(opened, m.start(), para, leads=opened - 1 == a))
                opened = None
        if opened is not None and b > opened:
            quotes.append(Quote(opened, b, para, open_end=True, leads=opened - 1 == a))
    return quotes


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop surrounding spaces, quotation marks and final punctuation from a span."""
    while start < end and (text[start].isspace() or text[start] in "\"“”'"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in "\"“”,.;:!?"):
        end -= 1
    return start, end


def _sentence_of(sents: list[Span], pos: int) -> Span:
    for s in sents:
        if s.start <= pos < s.end:
            return s
    return sents[-1]


def _clauses(text: str, s: Span) -> list[tuple[int, int]]:
    out, start = [], s.start
    for m in _CLAUSE_SPLIT.finditer(text, s.start, s.end):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, s.end))
    return out


def _attr_from(
    m: re.Match[str], base: int, content: tuple[int, int] | None, direct: bool
) -> Attribution:
    spk = "spk" if m.group("spk") else "spk2"
    verb = "verb" if m.groupdict().get("verb") else "verb2"
    app = m.groupdict().get("app") or m.groupdict().get("app2")
    verb_text = m.group(verb)
    obj = m.groupdict().get("obj")
    if obj and verb_text.endswith(("told", "tells")):
        verb_text = f"{verb_text} {obj}"
    said_at = m.groupdict().get("time")
    cue_start = base + m.start(spk)
    cue_end = base + (m.end("obj") if obj else m.end(verb))
    return Attribution(
        speaker_text=m.group(spk), speaker_span=(base + m.start(spk), base + m.end(spk)),
        verb=verb_text,
        cue=(min(cue_start, base + m.start(verb)), max(cue_end, base + m.end(verb))),
        content=content or (0, 0), direct=direct, role=app.strip() if app else None,
        said_at=said_at,
    )


def reported_speech(text: str, s: Span) -> list[Attribution]:
    """Indirect speech in one sentence (which holds no quotation marks)."""
    out: list[Attribution] = []
    for a, b in _clauses(text, s):
        clause = text[a:b]
        m = _SPEAKER_FIRST.match(clause) or _ACCORDING_FIRST.match(clause)
        if m is None:
            m = _ACCORDING_LAST.match(clause) or _SPEAKER_LAST.match(clause)
        if m is None:
            continue
        content = _trim(text, a + m.start("content"), a + m.end("content"))
        if content[1] - content[0] < 8:
            continue
        if m.re is _ACCORDING_LAST or m.re is _ACCORDING_FIRST:
            att = Attribution(
                speaker_text=m.group("spk").strip(),
                speaker_span=(a + m.start("spk"), a + m.end("spk")),
                verb="according to",
                cue=(a + m.start("spk") - len("according to "), a + m.end("spk")),
                content=content, direct=False, role=m.group("app"),
            )
            if m.re is _ACCORDING_FIRST:
                att.cue = (a, a + m.end("spk"))
        else:
            att = _attr_from(m, a, content, direct=False)
            tail = m.groupdict().get("tail")
            wire = re.match(
                r"[,;] (?P<w>[A-Z][\w.-]*(?: [A-Z][\w.-]*){0,2}) (?:reported|said)", tail or ""
            )
            if wire:  # "…, the Observatory said, Reuters reported."
                att.relay_text = wire.group("w")
        # "rejected claims that …", "denied reports that …"
        lead = re.match(
            r"(?:the |a )?(?:claims?|reports?|allegations?|suggestions?|accounts?) that ",
            text[content[0]:content[1]]
        )
        if lead:
            att.content = (content[0] + lead.end(), content[1])
        out.append(att)
    return out


def direct_quotes(text: str, sents: list[Span], quotes: list[Quote]) -> list[Attribution | None]:
    """For each quote, its own attribution if the sentence gives one ("…," he said)."""
    out: list[Attribution | None] = []
    for n, q in enumerate(quotes):
        att: Attribution | None = None
        if not q.open_end:
            close = _sentence_of(sents, q.end)
            after_end = close.end
            nxt = quotes[n + 1] if n + 1 < len(quotes) else None
            if nxt is not None and nxt.paragraph == q.paragraph and nxt.start - 1 < after_end:
                after_end = nxt.start - 1
            after = text[q.end + 1:after_end]
            m = _QUOTE_AFTER.match(after)
            if m:
                att = _attr_from(m, q.end + 1, None, direct=True)
        if att is None:
            opening = _sentence_of(sents, max(q.start - 1, 0))
            begin = opening.start
            prev = quotes[n - 1] if n > 0 else None
            if prev is not None and prev.paragraph == q.paragraph and prev.end + 1 > begin:
                begin = prev.end + 1
            before = text[begin:q.start - 1]
            m = _QUOTE_BEFORE.search(before)
            if m:
                att = _attr_from(m, begin, None, direct=True)
        if att is not None:
            att.content = (q.start, q.end)
        out.append(att)
    return out


def inherit(quotes: list[Quote], own: list[Attribution | None]) -> list[Attribution | None]:
    """Quotes without their own attribution take the nearest one that covers them: the quote
    they continue (across a paragraph), another quote of the same paragraph, or the quote of
    the previous paragraph when this paragraph is nothing but a quotation."""
    out = list(own)
    for _ in range(2):
        for n, q in enumerate(quotes):
            if out[n] is not None:
                continue
            source: Attribution | None = None
            prev = quotes[n - 1] if n > 0 else None
            if prev is not None and prev.open_end and out[n - 1] is not None:
                source = out[n - 1]
            if source is None:
                same = [out[k] for k, o in enumerate(quotes)
                        if o.paragraph == q.paragraph and k != n]
                source = next((s for s in same if s is not None and not s.inherited), None)
            nxt = quotes[n + 1] if n + 1 < len(quotes) else None
            if source is None and q.open_end and nxt is not None and out[n + 1] is not None:
                source = out[n + 1]  # a quote running on into the next paragraph
            follows = prev is not None and prev.paragraph == q.paragraph - 1
            if source is None and q.leads and follows:
                source = out[n - 1]
            if source is not None:
                out[n] = Attribution(
                    speaker_text=source.speaker_text, speaker_span=source.speaker_span,
                    verb=source.verb, cue=source.cue, content=(q.start, q.end), direct=True,
                    role=source.role, said_at=source.said_at, inherited=True,
                )
    return out


def attributions(text: str) -> tuple[list[Span], list[Attribution]]:
    """Every attributed statement of an article, in text order. Direct quotes are split into
    their sentences (each sentence is one statement, so a hedge stays with its sentence)."""
    sents = sentences(text)
    if not sents:
        return sents, []
    quotes = find_quotes(text, sents)
    found = inherit(quotes, direct_quotes(text, sents, quotes))
    out: list[Attribution] = []
    for q, att in zip(quotes, found, strict=True):
        if att is None:
            continue
        for s in sents:
            a, b = _trim(text, max(s.start, q.start), min(s.end, q.end))
            if b - a >= 8 and a < q.end and b > q.start:
                part = Attribution(**{**att.__dict__, "content": (a, b), "sentences": []})
                out.append(part)
    quoted = [(q.start - 1, q.end + 1) for q in quotes]
    for s in sents:
        if any(a < s.end and b > s.start for a, b in quoted):
            continue
        out.extend(reported_speech(text, s))
    out.sort(key=lambda a: a.content)
    return sents, out
