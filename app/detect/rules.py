"""Load contradiction rules: SPARQL files under ontology/rules with a reviewer-facing header."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import URIRef

from app.model.vocab import CG

_HEADER = re.compile(r"^#\s*([a-z-]+):\s*(.*)$")


@dataclass(frozen=True)
class Rule:
    """One rule: its id, the contradiction type it yields, and the text a reviewer sees."""

    id: str
    kind: str
    type: URIRef | None
    title: str
    explanation: str
    query: str
    path: Path


def parse_rule(path: Path) -> Rule:
    """Parse one .rq file: `# key: value` lines, then free comment lines (the explanation)."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    prose: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match and not prose and match.group(1) in {"id", "type", "title", "kind"}:
            fields[match.group(1)] = match.group(2).strip()
        else:
            prose.append(line.lstrip("#").strip())
    missing = {"id", "title"} - fields.keys()
    if missing:
        raise ValueError(f"{path}: header lacks {sorted(missing)}")
    kind = fields.get("kind", "rule")
    rule_type = None
    if kind == "rule":
        if not fields.get("type", "").startswith("cg:"):
            raise ValueError(f"{path}: a rule needs '# type: cg:SomeContradiction'")
        rule_type = CG[fields["type"].removeprefix("cg:")]
    if not re.search(r"\bWHERE\s*\{", text, re.IGNORECASE):
        raise ValueError(f"{path}: the query needs an explicit 'WHERE {{'")
    explanation = " ".join(p for p in prose if p).replace(" - ", "\n- ")
    return Rule(
        id=fields["id"], kind=kind, type=rule_type, title=fields["title"],
        explanation=explanation, query=text, path=path,
    )


FILTER_KINDS = ("pair-filter", "same-source")


def load_rules(directory: Path) -> tuple[list[Rule], Rule, Rule]:
    """The contradiction rules, the pair filter and the same-source query, from ``directory``.

    Raises ValueError when a header is incomplete, ids repeat, or there is not exactly one
    file of each filter kind (``# kind: pair-filter``, ``# kind: same-source``)."""
    parsed = [parse_rule(p) for p in sorted(directory.glob("*.rq"))]
    rules = [r for r in parsed if r.kind == "rule"]
    filters: dict[str, Rule] = {}
    for kind in FILTER_KINDS:
        found = [r for r in parsed if r.kind == kind]
        if len(found) != 1:
            raise ValueError(f"{directory}: expected exactly one {kind} rule, found {len(found)}")
        filters[kind] = found[0]
    unknown = {r.kind for r in parsed} - {"rule", *FILTER_KINDS}
    if unknown:
        raise ValueError(f"{directory}: unknown rule kinds {sorted(unknown)}")
    ids = [r.id for r in parsed]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{directory}: duplicate rule ids")
    return rules, filters["pair-filter"], filters["same-source"]
