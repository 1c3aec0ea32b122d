"""HTTP content negotiation with q-values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.model.errors import NotAcceptable


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their q-values, best first (stable for equal q)."""
    if not header:
        return [("*/*", 1.0)]
    ranges: list[tuple[str, float, int]] = []
    for index, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        ranges.append((media, q, index))
    ranges.sort(key=lambda r: (-r[1], -_specificity(r[0]), r[2]))
    return [(m, q) for m, q, _ in ranges]


def _specificity(media: str) -> int:
    if media == "*/*":
        return 0
    return 1 if media.endswith("/*") else 2


def choose(
    header: str | None, offered: Sequence[str], aliases: Mapping[str, str] | None = None
) -> str:
    """The offered type the client prefers most; the first offered one for */*.

    ``aliases`` maps other names of an offered type to it (``text/n3`` → ``text/turtle``):
    the answer then carries the offered, registered type."""
    for media, q in parse_accept(header):
        if q <= 0:
            continue
        if media == "*/*":
            return offered[0]
        if media.endswith("/*"):
            major = media[:-1]
            for o in offered:
                if o.startswith(major):
                    return o
            continue
        if media in offered:
            return media
        if aliases and aliases.get(media) in offered:
            return aliases[media]
    raise NotAcceptable(
        f"none of the requested formats ({header}) is available here", available=list(offered)
    )
