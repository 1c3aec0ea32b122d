"""URLs as IRIs (RFC 3987): what a client sends becomes an IRI every RDF tool accepts.

RFC 3987 §2.2 allows, outside the host, only unreserved characters (ASCII letters, digits,
``-._~`` and the ``ucschar`` ranges of non-ASCII letters), ``%XX`` escapes, the sub-delims
``!$&'()*+,;=`` and ``:@/``, plus ``?`` in query and fragment and the private-use ranges
(``iprivate``) in the query only. Everything else (C0 and C1 controls, space,
``<>"{}|\\^`` and backtick, ``[]`` outside an IPv6 host, a second ``#``, non-characters such
as U+FFFE) is percent-encoded as UTF-8 (§3.1), and a ``%`` that does not start an escape
becomes ``%25``. Existing escapes are kept as they are, so encoding is idempotent and a URL
that is already a valid IRI comes back unchanged (but for its scheme, which is lowercased).
"""

from __future__ import annotations

import ipaddress
import re

SCHEMES = ("http", "https", "file")

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_PORT = re.compile(r"[0-9]*")
_IPV_FUTURE = re.compile(r"[vV][0-9A-Fa-f]+\.[A-Za-z0-9._~!$&'()*+,;=:-]+")
_SUB_DELIMS = "!$&'()*+,;="
# The C0 controls and space: stripped from both ends, as browsers do (WHATWG URL §4.4).
_BLANK = "".join(map(chr, range(0x21)))

_UCSCHAR = (
    (0xA0, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFEF),
    *((p << 16, (p << 16) + 0xFFFD) for p in range(1, 14)),  # planes 1-13, less U+xFFFE/F
    (0xE1000, 0xEFFFD),
)
_IPRIVATE = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))


def _in(ranges: tuple[tuple[int, int], ...], char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in ranges)


def _unreserved(char: str) -> bool:
    """RFC 3987 iunreserved: ALPHA / DIGIT / "-" / "." / "_" / "~" / ucschar."""
    if char < "\x80":
        return char.isalnum() or char in "-._~"
    return _in(_UCSCHAR, char)


# Which characters (beyond iunreserved) each part allows as they are.
_USERINFO = _SUB_DELIMS + ":"
_PATH = _SUB_DELIMS + ":@/"
_QUERY = _PATH + "?"
_FRAGMENT = _PATH + "?"


def _encode(text: str, allowed: str, *, private: bool = False) -> str:
    """``text`` with every character the part does not allow percent-encoded as UTF-8."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%" and _ESCAPE.match(text, i):
            out.append(text[i:i + 3])
            i += 3
            continue
        if _unreserved(char) or char in allowed or (private and _in(_IPRIVATE, char)):
            out.append(char)
        else:
            out.append("".join(f"%{b:02X}" for b in char.encode("utf-8")))
        i += 1
    return "".join(out)


def _valid_host(host: str) -> bool:
    """RFC 3987 ihost: an IP literal in brackets, or a reg-name (which covers IPv4)."""
    if host.startswith("[") and host.endswith("]"):
        inner = host[1:-1]
        if _IPV_FUTURE.fullmatch(inner):
            return True
        if "%" in inner:  # zone ids are not part of the IRI syntax
            return False
        try:
            ipaddress.IPv6Address(inner)
        except ValueError:
            return False
        return True
    return _encode(host, _SUB_DELIMS) == host


def _split_host_port(hostport: str) -> tuple[str, str | None]:
    if hostport.startswith("["):
        close = hostport.find("]")
        if close < 0:
            return hostport, None  # an unclosed bracket: not a valid host
        host, after = hostport[:close + 1], hostport[close + 1:]
        if after and not after.startswith(":"):
            return hostport, None
        return host, after[1:] if after else None
    host, colon, port = hostport.partition(":")
    return host, port if colon else None


def _authority(authority: str, scheme: str, url: str) -> str:
    userinfo, at, hostport = authority.rpartition("@")
    host, port = _split_host_port(hostport)
    if not host and scheme != "file":
        raise ValueError(f"{url!r} has no host")
    if not _valid_host(host):
        raise ValueError(f"{host!r} is not a valid host name (in {url!r})")
    if port is not None and not _PORT.fullmatch(port):
        raise ValueError(f"the port {port!r} is not a number (in {url!r})")
    user = _encode(userinfo, _USERINFO) + "@" if at else ""
    return user + host + (":" + port if port is not None else "")


def to_iri(url: str) -> str:
    """The article URL ``url`` as an RFC 3987 IRI, percent-encoding what an IRI may not hold.

    >>> to_iri("https://example.org/e/{{")
    'https://example.org/e/%7B%7B'
    >>> to_iri("https://example.org/a b|c?q=\\"x\\"#f#g")
    'https://example.org/a%20b%7Cc?q=%22x%22#f%23g'
    >>> to_iri("https://example.org/100%/caf%C3%A9/café")
    'https://example.org/100%25/caf%C3%A9/café'

    Surrounding spaces and controls are dropped. Raises ``ValueError`` for what cannot be a
    URL of an article at all: no ``scheme://``, a scheme other than http, https or file, no
    host (a file URL may have none), a malformed host or port, or unpaired surrogates.
    """
    text = url.strip(_BLANK)
    if any("\ud800" <= char <= "\udfff" for char in text):
        raise ValueError("the URL is not valid Unicode (it holds an unpaired surrogate)")
    match = _SCHEME.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not an absolute URL: it needs http://, https:// or file://")
    scheme = match.group()[:-1].lower()
    if scheme not in SCHEMES:
        raise ValueError(f"the scheme {scheme!r} is not accepted; use http, https or file")
    rest = text[match.end():]
    if not rest.startswith("//"):
        raise ValueError(f"{text!r} has no host: it must start with {scheme}://")
    rest = rest[2:]
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, rest = _authority(rest[:end], scheme, text), rest[end:]
    rest, hash_, fragment = rest.partition("#")
    path, question, query = rest.partition("?")
    if scheme == "file" and not path:
        raise ValueError(f"{text!r} has no path")
    iri = f"{scheme}://{authority}{_encode(path, _PATH)}"
    if question:
        iri += "?" + _encode(query, _QUERY, private=True)
    if hash_:
        iri += "#" + _encode(fragment, _FRAGMENT)
    return iri


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI (RFC 3987 ``IRI``, any scheme) as it stands."""
    match = _SCHEME.match(text)
    if match is None or any("\ud800" <= char <= "\udfff" for char in text):
        return False
    rest = text[match.end():]
    if rest.startswith("//"):
        rest = rest[2:]
        end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
        userinfo, _, hostport = rest[:end].rpartition("@")
        host, port = _split_host_port(hostport)
        if (
            _encode(userinfo, _USERINFO) != userinfo or not _valid_host(host)
            or (port is not None and not _PORT.fullmatch(port))
        ):
            return False
        rest = rest[end:]
    rest, _, fragment = rest.partition("#")
    path, _, query = rest.partition("?")
    return (
        _encode(path, _PATH) == path and _encode(query, _QUERY, private=True) == query
        and _encode(fragment, _FRAGMENT) == fragment
    )
