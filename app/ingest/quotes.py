"""Quotations in article text: where each one opens and closes, in character offsets.

A quotation may run over several paragraphs: by newspaper convention a paragraph that ends
inside a quotation leaves it unclosed and the next paragraph reopens it with a quotation mark.
Such a quotation is one ``Quote`` with one span per paragraph. Marks understood: straight
double quotes, curly double quotes, two apostrophes ('' as both marks) and the ``…'' pair."""

from __future__ import annotations

from dataclasses import dataclass

_OPEN = ("\u201c", "``", "\u201e")
_CLOSE = ("\u201d",)
_EITHER = ('"', "''")
_FIRST_CHARS = tuple({m[0] for m in (*_OPEN, *_CLOSE, *_EITHER)})


@dataclass(frozen=True)
class Quote:
    """One quotation: its spans (one per paragraph, each including its marks); offsets are
    Python string indices, end exclusive."""

    spans: tuple[tuple[int, int], ...]

    @property
    def start(self) -> int:
        """Offset of the first opening mark."""
        return self.spans[0][0]

    @property
    def end(self) -> int:
        """Offset just after the last closing mark (or paragraph end if never closed)."""
        return self.spans[-1][1]

    def covers(self, start: int, end: int) -> bool:
        """True when [start, end) lies inside one of the quotation's spans."""
        return any(a <= start and end <= b for a, b in self.spans)


def _mark(text: str, i: int) -> tuple[str, int] | None:
    """('open' | 'close' | 'either', length) of a quotation mark at i, else None."""
    for kind, marks in (("open", _OPEN), ("close", _CLOSE), ("either", _EITHER)):
        for m in marks:
            if text.startswith(m, i):
                if m == "''" and text.startswith("'''", i):
                    continue
                return kind, len(m)
    return None


def _next_candidate(text: str, i: int, end: int) -> int:
    """The first offset in [i, end) holding the first character of a quotation mark, else
    ``end`` (a jump over plain text, instead of testing every character)."""
    hits = [at for c in _FIRST_CHARS if (at := text.find(c, i, end)) >= 0]
    return min(hits) if hits else end


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: text between line breaks, leading/trailing space cut."""
    out = []
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            out.append((start, end))
    return out


def find_quotes(text: str) -> list[Quote]:
    """Every quotation in the text, in order. An unclosed quotation ends at its paragraph's
    end, and continues into the next paragraph when that paragraph opens with a mark."""
    quotes: list[Quote] = []
    pending: list[tuple[int, int]] = []  # spans of a quotation continuing over paragraphs
    paras = paragraphs(text)
    for n, (p_start, p_end) in enumerate(paras):
        i = p_start
        open_at: int | None = None
        while i < p_end:
            i = _next_candidate(text, i, p_end)
            found = _mark(text, i) if i < p_end else None
            if found is None:
                i += 1
                continue
            kind, length = found
            if open_at is None and kind in ("open", "either"):
                if pending and i != p_start:  # the continuation did not reopen at the start
                    quotes.append(Quote(tuple(pending)))
                    pending = []
                open_at = i
            elif open_at is not None and kind in ("close", "either"):
                quotes.append(Quote((*pending, (open_at, i + length))))
                pending, open_at = [], None
            i += length
        if pending and open_at is None:
            quotes.append(Quote(tuple(pending)))
            pending = []
        if open_at is not None:
            pending.append((open_at, p_end))
            nxt = paras[n + 1][0] if n + 1 < len(paras) else None
            if nxt is None or _mark(text, nxt) is None:
                quotes.append(Quote(tuple(pending)))
                pending = []
    if pending:
        quotes.append(Quote(tuple(pending)))
    return quotes
