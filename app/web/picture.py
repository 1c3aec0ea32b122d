"""A picture of a dispute: sources, claims and contradiction edges, laid out from the graph.

The graph is a networkx graph (speaker - claim attribution edges, claim - claim contradiction
edges). Sources sit in the left column, claims in the right one, each ordered by a breadth-first
walk of the graph so attributed claims sit near their speaker; contradictions are arcs between
claims. The result is numbers and labels only: the template draws it, escaping every label."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx

WIDTH = 800
ROW = 64
MARGIN = 40
SOURCE_X = 240
CLAIM_X = 580


def _short(text: str, size: int = 34) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def dispute_picture(
    claims: Sequence[dict[str, Any]], contradictions: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """Node positions and edges (as plain numbers and strings) for the dispute's SVG."""
    g: nx.Graph[tuple[str, str]] = nx.Graph()
    for c in claims:
        g.add_node(("claim", c["id"]), label=f"{c['letter']}: {_short(c['quote']['exact'], 40)}",
                   letter=c["letter"])
        for sp in c["speakers"]:
            g.add_node(("source", sp["id"]), label=_short(sp["label"], 30))
            g.add_edge(("source", sp["id"]), ("claim", c["id"]), kind="said")
    for k in contradictions:
        a, b = (("claim", s["id"]) for s in k["between"])
        g.add_edge(a, b, kind="contradicts", type=k["type"])
    order: list[tuple[str, str]] = []
    for component in sorted(nx.connected_components(g), key=lambda n: sorted(n)):
        root = min(component)
        order.extend(nx.bfs_tree(g, root, sort_neighbors=sorted).nodes)
    rows = {"source": 0, "claim": 0}
    pos: dict[tuple[str, str], tuple[int, int]] = {}
    for node in order:
        kind = node[0]
        pos[node] = (SOURCE_X if kind == "source" else CLAIM_X, MARGIN + ROW * rows[kind])
        rows[kind] += 1
    height = MARGIN * 2 + ROW * max(max(rows.values()) - 1, 0)
    nodes = [
        {"kind": n[0], "id": n[1], "label": g.nodes[n]["label"], "x": x, "y": y,
         "href": f"/ui/{'claims' if n[0] == 'claim' else 'sources'}/{n[1]}"}
        for n, (x, y) in pos.items()
    ]
    edges = []
    for u, v, data in sorted(g.edges(data=True), key=lambda e: (e[2]["kind"], e[0], e[1])):
        if u[0] == "claim" and v[0] == "source":
            u, v = v, u
        (x1, y1), (x2, y2) = pos[u], pos[v]
        if data["kind"] == "said":
            path = f"M{x1 + 8},{y1} L{x2 - 8},{y2}"
            mid = ((x1 + x2) // 2, (y1 + y2) // 2)
        else:
            bulge = CLAIM_X + 60 + abs(y2 - y1) // 3
            path = f"M{x1 + 8},{y1} Q{bulge},{(y1 + y2) // 2} {x2 + 8},{y2}"
            # the curve's furthest point is at t = 1/2: (x1 + 2 bulge + x2) / 4
            mid = ((x1 + 2 * bulge + x2) // 4 + 8, (y1 + y2) // 2 + 4)
        edges.append({"kind": data["kind"], "type": data.get("type"), "path": path,
                      "label_x": mid[0], "label_y": mid[1],
                      "source": u[1], "target": v[1]})
    return {"width": WIDTH, "height": max(height, 2 * MARGIN), "nodes": nodes,
            "edges": edges}
