"""Bounds on uploaded RDF, checked before a document reaches the parser.

Oxigraph's parsers are fast and strict but trust their input's shape: an RDF/XML document of
nested internal entities (577 bytes, 8 levels x 10) expands to gigabytes in memory, and a
JSON-LD body nested a few thousand objects deep overflows the native stack (SIGSEGV), which
no ``except`` can catch. Both are refused here with :class:`PayloadTooComplex` (HTTP 413)
or :class:`DomainError` (400), naming the limit.
"""

from __future__ import annotations

import json
import xml.parsers.expat as expat
from typing import Any

from app.model.errors import DomainError, PayloadTooLarge

# Characters an RDF/XML document may expand to (text and attribute values, entities
# expanded). Namespace entities (&rdf; &xsd;) multiply a document by ~10 at most.
MAX_XML_EXPANDED_CHARS = 16 * 1024 * 1024
# Nesting of JSON objects and arrays in a JSON-LD body. Published JSON-LD (schema.org,
# ClaimReview, Wikidata exports) stays under 20; the native parser crashes near 4,000.
MAX_JSON_DEPTH = 100


class PayloadTooComplex(PayloadTooLarge):
    """The document expands or nests beyond a limit (HTTP 413)."""


class _TooLarge(Exception):
    pass


def check_rdf_xml(data: bytes, max_chars: int = MAX_XML_EXPANDED_CHARS) -> None:
    """Refuse an XML document whose entity-expanded text exceeds ``max_chars`` characters
    (entity expansion attacks: "billion laughs", quadratic blow-up), or which declares
    external entities. Uses the standard library's expat, whose own amplification guard
    (expat >= 2.4) also stops runaway expansion inside a single attribute value.

    Raises PayloadTooComplex (413) or DomainError (400: not well-formed XML, or an
    external entity)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    total = 0

    def count(n: int) -> None:
        nonlocal total
        total += n
        if total > max_chars:
            raise _TooLarge

    def on_text(text: str) -> None:
        count(len(text))

    def on_start(_name: str, attrs: dict[str, str]) -> None:
        count(sum(len(k) + len(v) for k, v in attrs.items()))

    def on_entity(name: str, _is_param: int, _value: str | None, _base: str | None,
                  system_id: str | None, _public_id: str | None, _notation: str | None
                  ) -> None:
        if system_id is not None:
            raise DomainError(
                f"the RDF/XML body declares an external entity ({name!r}); external "
                "entities are not read")

    parser.CharacterDataHandler = on_text
    parser.StartElementHandler = on_start
    parser.EntityDeclHandler = on_entity
    try:
        parser.Parse(data, True)
    except _TooLarge:
        raise PayloadTooComplex(
            f"the RDF/XML body expands to more than {max_chars:,} characters "
            "(nested or repeated entities); refused") from None
    except expat.ExpatError as exc:
        if "amplification" in str(exc):
            raise PayloadTooComplex(
                "the RDF/XML body's entities expand too much (input amplification limit "
                "exceeded); refused") from None
        raise DomainError(f"the RDF/XML body is not well-formed XML: {exc}") from None


def _depth(value: Any) -> int:
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item)
    return deepest


def check_json(data: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse a JSON(-LD) body and refuse it when objects and arrays nest deeper than
    ``max_depth``; returns the parsed value. Raises DomainError (400) for a body that is
    not JSON, PayloadTooComplex (413) for one nested too deep."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise PayloadTooComplex(
            f"the JSON-LD body nests deeper than {max_depth} levels; refused") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DomainError(f"the JSON-LD body is not JSON: {exc}") from None
    if _depth(value) > max_depth:
        raise PayloadTooComplex(
            f"the JSON-LD body nests deeper than {max_depth} levels; refused")
    return value
