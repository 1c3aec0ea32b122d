"""The pages' view of the review workflow (app.review.service), kept in one place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError

from app.model.errors import DomainError
from app.model.reviews import ReviewIn, Role
from app.review.service import review_service
from app.web.deps import WebState

MOVE_LABELS = {
    "in-review": "In review: start reviewing",
    "resolved": "Resolved: record the verdict below",
    "dismissed": "Dismissed: not worth a verdict (a verdict is optional)",
    "open": "Open: reopen",
}
"""The moves a form offers, in this order (resolving an open dispute is one step)."""


def review_panel(state: WebState, dispute_id: str, letters: Mapping[str, str]) -> dict[str, Any]:
    """What the verdict form and the history need for one dispute (``letters``: claim id →
    the letter the page shows it under)."""
    service = review_service(state.store, state.settings)
    panel = service.panel(dispute_id)
    sides = panel.get("sides") or {}
    history = [_entry(h, letters) for h in service.history(dispute_id)]
    history.reverse()  # newest first on the page
    return {
        "available": True,
        "status": panel["status"],
        "version": panel["version"],
        "etag": panel["etag"],
        "moves": [{"value": m, "label": MOVE_LABELS.get(m, m)}
                  for m in sorted(panel["allowed"], key=_move_order)],
        "sides": {k: [{"id": c, "letter": letters.get(c, c)} for c in v]
                  for k, v in sides.items()},
        "outcomes": panel["outcomes"],
        "ratings": panel["ratings"],
        "current": _verdict(panel.get("verdict"), letters),
        "history": history,
        "fact_checks": [
            {**f, "letter": letters.get(f["claim"], f["claim"])} for f in panel["fact_checks"]
        ],
    }


def _move_order(move: str) -> int:
    order = list(MOVE_LABELS)
    return order.index(move) if move in order else len(order)


def _verdict(v: Mapping[str, Any] | None, letters: Mapping[str, str]) -> dict[str, Any] | None:
    if not v or not v.get("outcome"):
        return None
    return {
        "outcome": v["outcome"], "outcome_label": v.get("outcome_label") or v["outcome"],
        "rationale": v.get("rationale"), "evidence": list(v.get("evidence") or []),
        "superseded": bool(v.get("superseded_by")),
        "ratings": [{"claim": r["claim"], "letter": letters.get(r["claim"], r["claim"]),
                     "label": r.get("label"), "rating": r.get("rating")}
                    for r in v.get("ratings") or []],
    }


def _entry(h: Mapping[str, Any], letters: Mapping[str, str]) -> dict[str, Any]:
    return {
        "id": h["id"], "version": h["version"], "reviewer": h["reviewer"]["name"],
        "at": h["ended"], "from": h["from"], "to": h["to"], "note": h.get("note"),
        "verdict": _verdict(h.get("verdict"), letters),
    }


def sides(state: WebState, dispute_id: str) -> tuple[list[str], list[str]] | None:
    """Claim ids on side A and side B of a dispute, as verdicts name them; None if it has
    no two sides."""
    return review_service(state.store, state.settings).sides(dispute_id)


def verdicts_for(state: WebState, dispute_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The verdicts recorded so far on these disputes (current and superseded), newest first."""
    service = review_service(state.store, state.settings)
    out = []
    for d in dispute_ids:
        for h in service.history(d):
            verdict = _verdict(h.get("verdict"), {})
            if verdict is not None:
                out.append({"dispute": d, "at": h["ended"], "reviewer": h["reviewer"]["name"],
                            "to": h["to"], **verdict})
    out.sort(key=lambda v: str(v["at"]), reverse=True)
    return out


def review_from_form(fields: Mapping[str, list[str]]) -> tuple[str | None, ReviewIn]:
    """The token and the review action a verdict form describes (ValidationError if bad)."""

    def one(name: str) -> str:
        values = fields.get(name) or [""]
        return values[0].strip()

    outcome = one("outcome")
    rationale = one("rationale")
    note = one("note") or None
    verdict: dict[str, Any] | None = None
    if outcome:
        ratings = [
            {"claim": key.removeprefix("rating:"), "rating": values[0]}
            for key, values in fields.items()
            if key.startswith("rating:") and values and values[0]
        ]
        evidence = [u.strip() for u in one("evidence").splitlines() if u.strip()]
        verdict = {"outcome": outcome, "rationale": rationale, "evidence": evidence,
                   "ratings": ratings}
    elif rationale:
        note = "\n\n".join(p for p in (note, rationale) if p)
    version = one("version")
    review = ReviewIn.model_validate({
        "status": one("status"), "verdict": verdict, "note": note,
        "version": int(version) if version.isdigit() else None,
    })
    return one("token") or None, review


def submit_form(state: WebState, dispute_id: str, fields: Mapping[str, list[str]]) -> str:
    """Record a review from the verdict form; the outcome as a query string for the redirect
    (``ok=…`` or ``error=…``), so the dispute page can say what happened."""
    service = review_service(state.store, state.settings)
    try:
        token, review = review_from_form(fields)
        reviewer = service.authenticate(token, Role.reviewer)
        entry = service.submit(dispute_id, review, reviewer)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = first.get("msg", "invalid input")
        return urlencode({"error": f"{where}: {message}" if where else message})
    except DomainError as exc:
        return urlencode({"error": f"{exc.status_code}: {exc.message}"})
    moved = f"{entry['from']} → {entry['to']}"
    return urlencode({"ok": f"Recorded by {entry['reviewer']['name']}: {moved}."})
