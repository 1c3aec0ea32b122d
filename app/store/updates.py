"""Read a SPARQL 1.1 Update request: which graphs it may write and which data it carries.

The write service uses this plan to keep claims safe: claims change only through data that is
validated, and graph-level or pattern-based operations may only write reference graphs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pyparsing import ParseException, ParseResults
from rdflib import URIRef, Variable
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

from app.model.errors import BadQuery
from app.store.base import Quad

DEFAULT = "DEFAULT"
EVERY = "ALL"  # a target that stands for every graph (CLEAR ALL, GRAPH ?g …)


@dataclass
class UpdatePlan:
    """What one update request does, as far as safety checks need to know."""

    operations: list[str] = field(default_factory=list)
    inserted: list[Quad] = field(default_factory=list)
    deleted: list[Quad] = field(default_factory=list)
    # graphs written by operations other than INSERT DATA / DELETE DATA
    written: set[str] = field(default_factory=set)
    uses_dataset_clauses: bool = False
    loads_urls: bool = False


def _graph_name(value: Any) -> str:
    if isinstance(value, URIRef):
        return str(value)
    if isinstance(value, Variable):
        return EVERY
    text = str(value).upper()
    if text in ("DEFAULT", "DEFAULTGRAPH"):
        return DEFAULT
    return EVERY  # ALL, NAMED


def _field(value: Any, name: str) -> Any:
    """A field of an rdflib algebra node (CompValue.get has other semantics)."""
    return dict.get(value, name) if isinstance(value, dict) else None


def _template_targets(clause: Any, with_graph: Any) -> set[str]:
    targets: set[str] = set()
    if clause is None:
        return targets
    if _field(clause, "triples"):
        targets.add(str(with_graph) if with_graph is not None else DEFAULT)
    for graph in (_field(clause, "quads") or {}):
        targets.add(_graph_name(graph))
    return targets


def plan_update(text: str, base_iri: str | None = None) -> UpdatePlan:
    """Parse an update request; raise BadQuery on a syntax error."""
    try:
        parsed = translateUpdate(parseUpdate(text), base=base_iri)
    except (ParseException, Exception) as exc:  # rdflib raises several types on bad input
        raise BadQuery(f"SPARQL Update syntax error: {exc}") from exc
    plan = UpdatePlan()
    for op in parsed.algebra:
        name = op.name
        plan.operations.append(name)
        if name in ("InsertData", "DeleteData"):
            target = plan.inserted if name == "InsertData" else plan.deleted
            target.extend((s, p, o, None) for s, p, o in _field(op, "triples") or [])
            for graph, triples in (_field(op, "quads") or {}).items():
                target.extend((s, p, o, URIRef(graph)) for s, p, o in triples)
        elif name == "Modify":
            if _field(op, "using"):
                plan.uses_dataset_clauses = True
            plan.written |= _template_targets(_field(op, "delete"), _field(op, "withClause"))
            plan.written |= _template_targets(_field(op, "insert"), _field(op, "withClause"))
        elif name == "DeleteWhere":
            plan.written |= _template_targets(op, None)
        elif name in ("Clear", "Drop", "Create"):
            plan.written.add(_graph_name(_field(op, "graphiri")))
        elif name == "Load":
            plan.loads_urls = True
        elif name in ("Add", "Copy", "Move"):
            source, destination = _field(op, "graph")
            plan.written.add(_graph_name(destination))
            if name == "Move":
                plan.written.add(_graph_name(source))
        else:
            plan.written.add(EVERY)
    return plan


_SERVICE = re.compile(r"service", re.IGNORECASE)


def calls_remote_service(query: str) -> bool:
    """True when a query uses SERVICE (federation), which would make this server fetch URLs
    on the caller's behalf. Queries that do not even contain the word skip the parse; a query
    rdflib cannot parse but that mentions the word is treated as using it."""
    if not _SERVICE.search(query):
        return False
    try:
        tree = parseQuery(query)
    except Exception:  # rdflib's grammar is stricter than Oxigraph's: refuse to be safe
        return True
    return _has_service(tree)


def _has_service(node: Any) -> bool:
    if getattr(node, "name", None) == "ServiceGraphPattern":
        return True
    if isinstance(node, dict):
        return any(_has_service(v) for v in node.values())
    if isinstance(node, ParseResults | list | tuple):
        return any(_has_service(v) for v in node)
    return False
