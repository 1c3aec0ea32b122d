"""Extraction throughput with spaCy, and one article end to end through ``POST /articles``.

Extraction is measured on one core (spaCy's ``nlp.pipe`` in one process) on 3,000-character
articles (the seed article made unique and padded), as the median of several rounds, next to
the goal of 20 articles/s from the issue "Attribution that holds up on real news". The end to
end time is one ``POST /articles`` through the ASGI app in process (HTTP parsing, auth,
extraction, SHACL validation, the atomic write and incremental detection), median of n."""

from __future__ import annotations

import statistics
import time
from typing import Any

GOAL_ARTICLES_PER_S = 20.0


def run(rounds: int = 5, per_round: int = 20, posts: int = 7) -> dict[str, Any]:
    """Figures as a dict: extraction articles/s (median and every round), the ratio to the
    goal, statements per article, and POST /articles p50/max in milliseconds."""
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.ingest.bench import sample_article
    from app.ingest.extract import Extractor
    from app.ingest.gazetteer import Gazetteer
    from app.main import build_state, create_app
    from app.model.reviews import Role
    from app.review.service import review_service

    settings = Settings(store="memory", seed=False, environment="test")
    extractor = Extractor.build(settings.ontology_dir,
                                Gazetteer.from_turtle(settings.ontology_dir / "entities.ttl"),
                                settings.nlp_model)
    extractor.extract(sample_article(0))  # warm-up
    speeds, statements = [], 0
    for r in range(rounds):
        texts = [sample_article(r * per_round + n) for n in range(per_round)]
        t0 = time.perf_counter()
        out = extractor.extract_many(texts, published="2018-12")
        speeds.append(per_round / (time.perf_counter() - t0))
        statements += sum(len(s) for s in out)
    t0 = time.perf_counter()
    docs = list(extractor.nlp.pipe(sample_article(900 + n) for n in range(per_round)))
    parse_speed = per_round / (time.perf_counter() - t0)
    state = build_state(settings)
    times = []
    try:
        token = review_service(state.store, settings).tokens.create("bench", Role.editor)
        with TestClient(create_app(settings, state=state)) as client:
            for n in range(posts):
                body = {"url": f"https://example.org/bench/post-{n}",
                        "text": sample_article(500 + n, distinct=True), "published": "2018-12-14"}
                t0 = time.perf_counter()
                res = client.post("/articles", json=body,
                                  headers={"authorization": f"Bearer {token}"})
                times.append((time.perf_counter() - t0) * 1000)
                if res.status_code != 201:
                    raise RuntimeError(f"POST /articles answered {res.status_code}: {res.text}")
    finally:
        state.store.close()
    median = statistics.median(speeds)
    return {
        "chars_per_article": len(sample_article(0)),
        "extract_articles_per_s_median": round(median, 2),
        "extract_articles_per_s_rounds": [round(s, 2) for s in speeds],
        "parse_only_articles_per_s": round(parse_speed, 2),
        "goal_articles_per_s": GOAL_ARTICLES_PER_S,
        "ratio_to_goal": round(median / GOAL_ARTICLES_PER_S, 2),
        "statements_per_article": round(statements / (rounds * per_round), 1),
        "post_articles_ms_p50": round(statistics.median(times), 1),
        "post_articles_ms_max": round(max(times), 1),
        "docs_parsed": len(docs),
    }


def report(fig: dict[str, Any]) -> str:
    """The figures as lines for the bench printout."""
    return (
        f"extraction (spaCy, one process, {fig['chars_per_article']}-char articles): "
        f"median {fig['extract_articles_per_s_median']} articles/s "
        f"(rounds {fig['extract_articles_per_s_rounds']}); parse alone "
        f"{fig['parse_only_articles_per_s']}/s; goal {fig['goal_articles_per_s']}/s, ratio "
        f"{fig['ratio_to_goal']}; {fig['statements_per_article']} statements/article\n"
        f"POST /articles end to end (in-process ASGI, validated write and detection): "
        f"p50 {fig['post_articles_ms_p50']} ms, max {fig['post_articles_ms_max']} ms"
    )


if __name__ == "__main__":
    print(report(run()))
