"""The document stage: an article's text and metadata, cleaned once, before anything indexes it.

HTML goes through trafilatura (main text without navigation, ads, related links and
comments; title, date, author and site name from the page's markup; nothing is fetched).
Headlines, sub-headings, figure captions and bylines are left out of the text: they are the
outlet's own packaging, never someone's statement, and a headline without a full stop would
run into the first sentence's parse. Embedded social-media posts (app.ingest.embeds) stay in
the text, one paragraph each at their place, with their offsets, so that the extractor can
attribute them to their author. (Sentences and tokens come from spaCy: app.ingest.nlp.)"""

from __future__ import annotations

import copy
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from trafilatura import bare_extraction
from trafilatura.metadata import extract_metadata
from trafilatura.utils import load_html

from app.ingest.embeds import EmbeddedPost, find_posts
from app.model.claims import CONTROL_CHARACTERS

# Elements whose text is never article text (reported as ``dropped``).
_DROP = {"script", "style", "noscript", "template", "iframe", "object", "svg", "head", "nav",
         "footer", "form", "button", "select", "textarea"}
_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
          "section", "article", "header", "figure", "figcaption", "table", "tr", "td", "th",
          "pre", "hr", "main", "aside", "dd", "dt"}
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# class, id, rel or itemprop words that mark a byline, a caption or a section label
_PACKAGING = re.compile(r"byline|author|caption|credit|photo-?info|kicker|eyebrow", re.I)
_INLINE = {"a", "span", "strong", "em", "b", "i", "small", "time"}
_BYLINE_LINE = re.compile(
    r"^(?:by|written by|reporting by|reported by|posted by|words by|photos? by|"
    r"(?:published|updated|last updated|posted)(?: on)?\b[:\s])", re.I)
_WS = re.compile(r"[ \t\r\f\v\u00a0]+")


def clean_text(text: str) -> str:
    """``text`` without control characters: C0 except tab, line feed and carriage return,
    DEL, C1, lone surrogates and U+FFFE/U+FFFF are removed (nothing else changes)."""
    return CONTROL_CHARACTERS.sub("", text)


@dataclass
class Document:
    """What an article gives the pipeline. ``text`` is the article's text (for HTML its main
    text, paragraphs separated by a blank line), control characters removed: every offset
    the pipeline reports indexes it. ``dropped`` lists the non-text elements an HTML page
    had (script, style, nav …); ``title``, ``headline`` (the first ``<h1>``), ``author``,
    ``published`` (``YYYY-MM-DD``) and ``site_name`` are None when the page does not say;
    ``posts`` are the embedded posts, with offsets into ``text``."""

    text: str
    dropped: list[str]
    title: str | None = None
    headline: str | None = None
    author: str | None = None
    published: str | None = None
    site_name: str | None = None
    posts: list[EmbeddedPost] = field(default_factory=list)


HtmlText = Document  # the name callers of html_to_text know


def document(text: str | None = None, html: str | None = None) -> Document:
    """The document of an article given as plain text (line endings normalised to ``\\n``)
    or as HTML (html_to_text), without control characters (clean_text) before anything
    takes an offset. (``POST /articles`` and ``claimgraph ingest`` already clean what they
    read, in ArticlePost; HTML character references such as ``&#1;`` are cleaned here.)"""
    if html is not None:
        return html_to_text(html)
    return Document(text=clean_text((text or "").replace("\r\n", "\n")), dropped=[])


def _norm(text: str | None) -> str:
    return re.sub(r"[\W_]+", " ", (text or "").casefold()).strip()


def _line(text: str) -> str:
    return _WS.sub(" ", clean_text(text)).strip()


def _load(html: str) -> Any:
    """The lxml tree of a page or a fragment (trafilatura rejects a bare one-block
    fragment such as ``<p>x</p>``, so fragments are wrapped)."""
    if not re.match(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype|html)\b", html, re.I | re.S):
        html = f"<html><body><div>{html}</div></body></html>"
    return load_html(html)


def _remove(el: Any) -> None:
    """Remove an element and keep its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _packaging(root: Any) -> list[Any]:
    """Headings, figures, captions and bylines: the outlet's packaging, not its text."""
    found: list[Any] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag in _HEADINGS or tag in ("figure", "figcaption", "address"):
            found.append(el)
            continue
        marks = " ".join(str(el.get(a) or "") for a in ("class", "id", "rel", "itemprop"))
        if not _PACKAGING.search(marks) or len(el.text_content()) > 300:
            continue
        parent = el.getparent()
        if tag in _INLINE and parent is not None and len(parent.text_content()) <= 300 and \
                parent.tag in ("p", "div", "span", "section", "header"):
            el = parent  # "By <a rel=author>Jane</a>, Example Wire": the whole byline
        found.append(el)
    return found


def _visible(root: Any) -> list[str]:
    """Fallback when trafilatura finds no main text (a short fragment): every visible
    block's text."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if tag in _DROP or not tag:
            return
        if tag in _BLOCK:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in _BLOCK:
            parts.append("\n")

    walk(root)
    return "".join(parts).split("\n")


def html_to_text(html: str) -> Document:
    """The main text and metadata of an HTML page or fragment (see Document). Scripts,
    styles, navigation, ads, related links, comments, headings, figures, captions and
    bylines are left out; each embedded post becomes one paragraph at its place. Never
    raises on malformed HTML: a page with no text gives ``text == ""``."""
    tree = _load(clean_text(html))
    if tree is None:
        return Document(text="", dropped=[])
    dropped = sorted({el.tag.lower() for el in tree.iter()
                      if isinstance(el.tag, str) and el.tag.lower() in _DROP})
    meta = extract_metadata(
        copy.deepcopy(tree), extensive=False,
        # the page's markup only: no date guessed from free text
        date_config={"original_date": True, "extensive_search": False},
    )
    h1 = next(iter(tree.iter("h1")), None)
    headline = _line(h1.text_content()) if h1 is not None else None
    posts = find_posts(tree)
    nonce = secrets.token_hex(6)
    markers: dict[str, EmbeddedPost] = {}
    for n, (el, post) in enumerate(posts):
        marker = f"cgembed{nonce}n{n}"
        markers[marker] = post
        p = el.makeelement("p", {})
        p.text, p.tail = marker, el.tail
        el.getparent().replace(el, p)
    # non-text elements go before trafilatura sees the page: on a page with little text
    # its fallback extractors would otherwise keep a menu
    for el in [*_packaging(tree), *(e for e in tree.iter() if isinstance(e.tag, str)
                                    and e.tag.lower() in _DROP - {"head"})]:
        _remove(el)
    fallback = copy.deepcopy(tree)
    extracted = bare_extraction(tree, include_comments=False, with_metadata=False)
    body = getattr(extracted, "text", None) or ""
    lines = body.split("\n") if body.strip() else _visible(fallback)

    title = _line(meta.title) if meta.title else None
    title = title or headline or None
    skip = {_norm(t) for t in (title, headline, meta.author) if t}
    paragraphs: list[str | EmbeddedPost] = []
    for raw in lines:
        # a marker is its own line, unless the extractor joined it with a neighbour
        for piece in re.split(f"(cgembed{nonce}n\\d+)", _line(raw)):
            line = piece.strip()
            if line in markers:
                post = markers[line]
                post.text = clean_text(post.text)
                if post.text:
                    paragraphs.append(post)
            elif line and _norm(line) not in skip and not (
                    _BYLINE_LINE.match(line) and len(line) <= 150):
                paragraphs.append(line)
    text, kept, pos = [], [], 0
    for para in paragraphs:
        if pos:
            text.append("\n\n")
            pos += 2
        chunk = para.text if isinstance(para, EmbeddedPost) else para
        if isinstance(para, EmbeddedPost):
            para.start, para.end = pos, pos + len(chunk)
            kept.append(para)
        text.append(chunk)
        pos += len(chunk)
    published = meta.date if meta.date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta.date) else None
    return Document(
        text="".join(text), dropped=dropped, title=title, headline=headline,
        author=_line(meta.author) if meta.author else None, published=published,
        site_name=_line(meta.sitename) if meta.sitename else None, posts=kept,
    )
