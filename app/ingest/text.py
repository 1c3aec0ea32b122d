"""Plain text from HTML. (Sentences and tokens come from spaCy: app.ingest.nlp.)"""

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
