"""Articles: ingest a news article's text or HTML; its attributed claims are extracted,
stored and checked for contradictions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from app.analysis import reports
from app.api.auth import EditorDep
from app.api.deps import StateDep
from app.ingest.service import ArticlePost, IngestService

router = APIRouter(tags=["articles"])


@router.post("/articles", status_code=201)
def post_article(
    state: StateDep, _: EditorDep, article: ArticlePost, response: Response
) -> dict[str, Any]:
    """Extract attributed statements (speaker, relay, quote offsets, factuality, time, frames),
    store them as claims (SHACL-validated, atomic) and detect contradictions incrementally.

    201 for a new article or a new version of a stored URL; 200 when the same URL and text,
    or the same text under another URL, is already stored (nothing changes)."""
    result = IngestService(state.service, nlp_model=state.settings.nlp_model).ingest(article)
    if result.status == "unchanged":
        response.status_code = 200
    body = result.to_json()
    body["disputes"] = [reports.get_dispute(state.store, d) for d in result.disputes]
    return body
