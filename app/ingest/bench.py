"""Ingest throughput: extraction alone, and extraction + validated store + detection."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from app.config import Settings
from app.detect.service import ClaimService
from app.ingest.extract import Extractor
from app.ingest.gazetteer import Gazetteer
from app.ingest.service import ArticlePost, IngestService
from app.store import open_store

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "graph_data" / "seed" / "voa-hajin-2018-12.txt"


def sample_article(n: int, size: int = 3000, *, distinct: bool = False) -> str:
    """The seed article (about 2,900 characters), made unique and padded to ``size``.

    ``distinct`` renames the town in each copy, so that copies do not all contradict each
    other (the cost of detection over a growing dispute is measured by ``make bench``)."""
    text = SEED.read_text(encoding="utf-8")
    if distinct:
        text = text.replace("Hajin", f"Hajin{n:03d}")
    tail = f"\n\nThis is copy number {n} of the benchmark article."
    pad = max(0, size - len(text) - len(tail))
    return text + tail + ("\n\nFiller." * (pad // 10 + 1))[:pad]


def bench_ingest(n_extract: int = 500, n_store: int = 20) -> dict[str, Any]:
    """Articles per second for extraction alone (in memory, no store) and for the whole
    pipeline into a fresh in-memory store (SHACL validation, atomic write, detection)."""
    settings = Settings(store="memory", seed=False, environment="test")
    extractor = Extractor.build(settings.ontology_dir,
                                Gazetteer.from_turtle(settings.ontology_dir / "entities.ttl"),
                                settings.nlp_model)
    texts = [sample_article(n) for n in range(n_extract)]
    extractor.extract(texts[0])  # warm-up: the model's first call allocates
    start = time.perf_counter()
    statements = sum(len(s) for s in extractor.extract_many(texts, published="2018-12"))
    extract_s = time.perf_counter() - start
    store = open_store("memory")
    claims_service = ClaimService(store, settings.ontology_dir)
    claims_service.bootstrap()
    try:
        service = IngestService(claims_service, nlp_model=settings.nlp_model)
        start = time.perf_counter()
        claims = 0
        for n in range(n_store):
            result = service.ingest(ArticlePost(
                url=f"https://example.org/bench/{n}", text=sample_article(n, distinct=True),
                outlet="VOA",
                published="2018-12",
            ))
            claims += result.new_claims
        store_s = time.perf_counter() - start
    finally:
        store.close()
    return {
        "chars": len(texts[0]),
        "extract_articles_per_s": n_extract / extract_s,
        "statements_per_article": statements / n_extract,
        "ingest_articles_per_s": n_store / store_s,
        "claims_per_article": claims / n_store,
    }
