"""Group contradictions into disputes: the connected components of the claim graph whose
edges are contradictions."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx


@dataclass(frozen=True)
class Edge:
    """One contradiction between two claims, with the dispute it is in (if any yet)."""

    contradiction: str
    claim_a: str
    claim_b: str
    dispute: str | None = None
    dispute_created: str | None = None


@dataclass
class Grouping:
    """The outcome: every contradiction's dispute, new disputes, and merged-away disputes."""

    assignment: dict[str, str] = field(default_factory=dict)
    new_disputes: set[str] = field(default_factory=set)
    merged: dict[str, str] = field(default_factory=dict)


def dispute_id_for(contradiction_id: str) -> str:
    """A new dispute's stable id, derived from the contradiction that founded it."""
    return "d-" + hashlib.sha256(contradiction_id.encode()).hexdigest()[:16]


def group(edges: Iterable[Edge]) -> Grouping:
    """Assign each contradiction to a dispute.

    A component with no dispute yet gets a new one; a component that spans several existing
    disputes keeps the oldest (then smallest id) and records the others as merged into it, so
    ids that reviewers already refer to stay reachable.
    """
    graph: nx.MultiGraph[str] = nx.MultiGraph()
    for edge in edges:
        graph.add_edge(edge.claim_a, edge.claim_b, key=edge.contradiction, edge=edge)
    out = Grouping()
    for component in nx.connected_components(graph):
        sub = graph.subgraph(component)
        members: list[Edge] = [data["edge"] for _, _, data in sub.edges(data=True)]
        existing = {
            (e.dispute_created or "", e.dispute) for e in members if e.dispute is not None
        }
        if existing:
            keep = min(existing)[1]
            assert keep is not None
            for _, other in existing:
                if other is not None and other != keep:
                    out.merged[other] = keep
        else:
            keep = dispute_id_for(min(e.contradiction for e in members))
            out.new_disputes.add(keep)
        for e in members:
            out.assignment[e.contradiction] = keep
    return out
