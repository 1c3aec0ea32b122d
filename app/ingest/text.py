"""Plain text from HTML, and sentences with their character offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Elements whose text is never article text.
_DROP = {"script", "style", "noscript", "template", "iframe", "object", "svg", "head", "nav",
         "footer", "form", "button", "select", "textarea"}
# Elements that end a paragraph.
_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
          "section", "article", "header", "figure", "figcaption", "table", "tr", "td", "th",
          "pre", "hr", "main", "aside", "dd", "dt"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "source", "area", "base", "col"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropping = 0
        self.dropped: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self.dropped.add(tag)
            if tag not in _VOID:
                self.dropping += 1
        elif tag in _BLOCK and not self.dropping:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK and not self.dropping:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self.dropping = max(0, self.dropping - 1)
        elif tag in _BLOCK and not self.dropping:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.parts.append(data)


@dataclass
class HtmlText:
    """Text extracted from HTML, and the elements that were dropped (script, style …)."""

    text: str
    dropped: list[str]
    title: str | None = None


def html_to_text(html: str) -> HtmlText:
    """Visible text of an HTML document: scripts, styles and forms dropped, tags removed,
    whitespace collapsed within paragraphs, paragraphs separated by a blank line."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    raw = "".join(parser.parts)
    paragraphs = [re.sub(r"[ \t\r\f\v\u00a0]+", " ", p).strip() for p in re.split(r"\n\s*\n", raw)]
    text = "\n\n".join(" ".join(line.strip() for line in p.split("\n") if line.strip())
                       for p in paragraphs if p)
    title_match = re.search(r"<title[^>]*>(.*?)</title>", html, re.IGNORECASE | re.DOTALL)
    title = re.sub(r"\s+", " ", title_match.group(1)).strip() if title_match else None
    return HtmlText(text=text, dropped=sorted(parser.dropped), title=title or None)


@dataclass(frozen=True)
class Span:
    """A stretch of the article text: [start, end) offsets and the paragraph it is in."""

    start: int
    end: int
    paragraph: int


_ABBREV = {"u.s", "u.n", "u.k", "mr", "mrs", "ms", "dr", "col", "gen", "lt", "sgt", "maj",
           "capt", "brig", "sen", "rep", "gov", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
           "sep", "sept", "oct", "nov", "dec", "no", "st", "vs", "e.g", "i.e", "a.m", "p.m",
           "inc", "ltd", "co", "corp", "jr", "sr", "adm", "cpl", "pvt", "prof"}
_BOUNDARY = re.compile(r"[.!?]+[\"”\u2019')\]]*(?=\s+[\"“\u2018(\[]?[A-Z0-9])")


def paragraphs(text: str) -> list[Span]:
    """Non-empty lines of the text (news text puts one paragraph on a line)."""
    spans = []
    for n, m in enumerate(re.finditer(r"[^\n]+", text)):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append(Span(start, end, n))
    return spans


def sentences(text: str) -> list[Span]:
    """Sentences with offsets. A line break always ends a sentence; abbreviations such as
    "U.S." or "Col." and single initials do not."""
    out: list[Span] = []
    for para in paragraphs(text):
        start = para.start
        chunk = text[para.start:para.end]
        for m in _BOUNDARY.finditer(chunk):
            end = para.start + m.end()
            word = re.search(r"([\w.]+)[.!?]*[\"”\u2019')\]]*$", text[start:end])
            token = word.group(1).rstrip(".").lower() if word else ""
            if text[para.start + m.start()] == "." and (
                token in _ABBREV or (len(token) == 1 and token.isalpha())
            ):
                continue
            out.append(Span(start, end, para.paragraph))
            start = end
            while start < para.end and text[start].isspace():
                start += 1
        if start < para.end:
            out.append(Span(start, para.end, para.paragraph))
    return out
