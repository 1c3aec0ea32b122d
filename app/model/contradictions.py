"""Domain types for contradictions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

from rdflib import URIRef

from app.model.vocab import CONTRADICTION, RULE


def contradiction_id(rule_id: str, claim_a: str, claim_b: str) -> str:
    """Stable id from the rule and the sorted claim IRIs: re-detection never duplicates."""
    first, second = sorted((claim_a, claim_b))
    return "k-" + hashlib.sha256(f"{rule_id}|{first}|{second}".encode()).hexdigest()[:16]


@dataclass
class Finding:
    """A contradiction found by a rule, before it is stored."""

    rule_id: str
    type: URIRef
    claim_a: URIRef
    claim_b: URIRef
    subjects: set[URIRef] = field(default_factory=set)
    properties: set[URIRef] = field(default_factory=set)
    confidence: str = "high"  # "low" when the rule is unsure both claims are about one thing
    reason: str | None = None  # why the confidence is low, in words

    @cached_property
    def id(self) -> str:
        """The contradiction's local id (its rule and claims never change once found)."""
        return contradiction_id(self.rule_id, str(self.claim_a), str(self.claim_b))

    @cached_property
    def iri(self) -> URIRef:
        """The contradiction's IRI."""
        return CONTRADICTION[self.id]

    @property
    def rule_iri(self) -> URIRef:
        """The IRI of the rule that found it."""
        return RULE[self.rule_id]


@dataclass(frozen=True)
class Supersession:
    """A later claim that replaces an earlier one (times do not overlap)."""

    later: URIRef
    earlier: URIRef
