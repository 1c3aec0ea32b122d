"""Embedded social-media posts in an article's HTML: the post's text, its author (name and
handle), where it was posted and when.

An embed is a statement of its author, not of the outlet that shows it (the outlet relays
it). Recognised shapes, as the platforms' embed code writes them:

- Twitter / X: ``<blockquote class="twitter-tweet"><p>text</p>&mdash; Name (@handle)
  <a href="https://twitter.com/handle/status/1">December 19, 2018</a></blockquote>``; also a
  blockquote without the class whose link is a ``twitter.com`` or ``x.com`` status URL.
- Bluesky: ``<blockquote class="bluesky-embed">`` with the same ``&mdash; Name (@handle)`` line.
- Instagram (captioned): ``<blockquote class="instagram-media">`` with the caption in a
  paragraph and "A post shared by Name (@handle) on <time datetime=…>".
- Facebook: ``<blockquote class="fb-xfbml-parse-ignore"><p>text</p>Posted by
  <a href="https://www.facebook.com/page/">Name</a> on <a …>date</a></blockquote>``.

No I/O: nothing is fetched; only the markup the article carries is read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_STATUS = re.compile(
    r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?P<handle>\w{1,30})/status(?:es)?/\d+",
    re.I,
)
_BYLINE = re.compile(
    r"[\u2014\u2013-]\s*(?P<name>[^()\n]*?)\s*\(\s*@(?P<handle>[\w.\-]{1,253})\s*\)")
_SHARED = re.compile(
    r"A post shared by\s*(?P<name>[^()\n]*?)\s*\(\s*@(?P<handle>[\w.]{1,30})\s*\)", re.I)
_MEDIA_LINK = re.compile(r"\s*(?:pic\.twitter\.com/\w+|https?://t\.co/\w+)\s*")
_WS = re.compile(r"[ \t\r\f\v\u00a0]+")


@dataclass
class EmbeddedPost:
    """One embedded post. ``text`` is the post's words (whitespace collapsed, media links
    such as ``pic.twitter.com/…`` removed); ``name`` and ``handle`` (without ``@``) name its
    author, either may be None; ``said_at`` is the date as the embed writes it and
    ``said_on`` that date when it can be read; ``start``/``end`` are the character offsets
    of ``text`` in the article text (set when the text is assembled, end exclusive)."""

    platform: str  # twitter | bluesky | instagram | facebook
    text: str
    name: str | None
    handle: str | None
    url: str | None
    said_at: str | None
    said_on: dt.date | None
    start: int = 0
    end: int = 0

    @property
    def author(self) -> str | None:
        """The author's display name: the name, else ``@handle``."""
        return self.name or (f"@{self.handle}" if self.handle else None)


def _classes(el: Any) -> set[str]:
    return set(str(el.get("class") or "").lower().split())


def _flat(text: str) -> str:
    lines = (_WS.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _text_of(el: Any) -> str:
    """An element's text with ``<br>`` as a line break."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node.tag, str) and node.tag.lower() == "br":
            parts.append("\n")
        elif node.text and isinstance(node.tag, str):
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return "".join(parts)


def parse_date(text: str | None, iso: str | None = None) -> dt.date | None:
    """The day an embed's date names: an ISO ``datetime`` attribute, else "December 19,
    2018", "Dec 19, 2018 at 2:00am PST", "19 December 2018"; None when none can be read."""
    if iso:
        try:
            return dt.date.fromisoformat(iso.strip()[:10])
        except ValueError:
            pass
    if not text:
        return None
    m = re.search(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})\b", text)
    day_first = re.search(r"\b(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b", text)
    if m:
        month, day, year = m.group(1), m.group(2), m.group(3)
    elif day_first:
        day, month, year = day_first.group(1), day_first.group(2), day_first.group(3)
    else:
        return None
    if month[:3].lower() not in _MONTHS:
        return None
    try:
        return dt.date(int(year), _MONTHS.index(month[:3].lower()) + 1, int(day))
    except ValueError:
        return None


def _links(el: Any) -> list[Any]:
    return [a for a in el.iter("a") if a.get("href")]


def _first_paragraph(el: Any, skip: re.Pattern[str] | None = None) -> str:
    for p in el.iter("p"):
        text = _flat(_text_of(p))
        if text and not (skip and skip.search(text)):
            return text
    return ""


def _post_text(text: str) -> str:
    return _flat(_MEDIA_LINK.sub(" ", text))


def _dash_post(el: Any, platform: str) -> EmbeddedPost:
    """Twitter, X and Bluesky: ``<p>text</p>&mdash; Name (@handle) <a>date</a>``."""
    text = _first_paragraph(el)
    rest = _flat(_text_of(el))
    if text and rest.startswith(text):
        rest = rest[len(text):]
    byline = _BYLINE.search(rest)
    links = _links(el)
    status = next((a for a in links if _STATUS.match(a.get("href", ""))), None)
    last = status if status is not None else (links[-1] if links else None)
    handle = byline.group("handle") if byline else None
    if handle is None and status is not None:
        found = _STATUS.match(status.get("href", ""))
        handle = found.group("handle") if found else None
    when = _flat(_text_of(last)) if last is not None else None
    return EmbeddedPost(
        platform=platform, text=_post_text(text),
        name=(byline.group("name") or None) if byline else None, handle=handle,
        # the status URL without its tracking query (?ref_src=twsrc%5Etfw)
        url=last.get("href").split("?")[0] if last is not None else None,
        said_at=when or None, said_on=parse_date(when),
    )


def _instagram(el: Any) -> EmbeddedPost:
    skip = re.compile(r"^(?:A post shared by|View this (?:post|profile) on Instagram)", re.I)
    text = _first_paragraph(el, skip)
    shared = _SHARED.search(_flat(_text_of(el)))
    time = next(iter(el.iter("time")), None)
    when = _flat(_text_of(time)) if time is not None else None
    return EmbeddedPost(
        platform="instagram", text=_post_text(text),
        name=(shared.group("name") or None) if shared else None,
        handle=shared.group("handle") if shared else None,
        url=str(el.get("data-instgrm-permalink") or "").split("?")[0] or None,
        said_at=when or None,
        said_on=parse_date(when, time.get("datetime") if time is not None else None),
    )


def _facebook(el: Any) -> EmbeddedPost:
    text = _first_paragraph(el)
    links = _links(el)
    author = links[0] if len(links) >= 2 else None
    handle = None
    if author is not None:
        m = re.match(r"^https?://(?:www\.)?facebook\.com/([\w.\-]+)/?", author.get("href", ""))
        handle = m.group(1) if m else None
    last = links[-1] if links else None
    when = _flat(_text_of(last)) if last is not None else None
    return EmbeddedPost(
        platform="facebook", text=_post_text(text),
        name=_flat(_text_of(author)) or None if author is not None else None, handle=handle,
        url=el.get("cite") or (last.get("href") if last is not None else None),
        said_at=when or None, said_on=parse_date(when),
    )


def post_of(el: Any) -> EmbeddedPost | None:
    """The post an element embeds (an lxml ``blockquote``), or None when it is not one of the
    recognised embed shapes (a plain pull quote stays article text)."""
    if not isinstance(el.tag, str) or el.tag.lower() != "blockquote":
        return None
    classes = _classes(el)
    if "instagram-media" in classes:
        return _instagram(el)
    if "fb-xfbml-parse-ignore" in classes or (
            el.getparent() is not None and "fb-post" in _classes(el.getparent())):
        return _facebook(el)
    if "bluesky-embed" in classes:
        return _dash_post(el, "bluesky")
    if classes & {"twitter-tweet", "twitter-tweet-rendered"} or any(
            _STATUS.match(a.get("href", "")) for a in _links(el)):
        return _dash_post(el, "twitter")
    return None


def find_posts(root: Any) -> list[tuple[Any, EmbeddedPost]]:
    """Every embedded post under an lxml tree, in document order, with its element (the
    blockquote, or a ``<figure>``/``fb-post`` wrapper around it)."""
    out: list[tuple[Any, EmbeddedPost]] = []
    for el in root.iter("blockquote"):
        if any(el is e or _inside(el, e) for e, _ in out):
            continue
        post = post_of(el)
        if post is None:
            continue
        wrapper = el
        parent = el.getparent()
        while parent is not None and isinstance(parent.tag, str) and (
                parent.tag.lower() == "figure" or "fb-post" in _classes(parent)):
            wrapper, parent = parent, parent.getparent()
        out.append((wrapper, post))
    return out


def _inside(el: Any, ancestor: Any) -> bool:
    parent = el.getparent()
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.getparent()
    return False
