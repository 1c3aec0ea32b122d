"""The cheaper ways of running the frame matchers give what the plain ways gave: the
DependencyMatcher run once per run of sentences (states.sentence_matches) against a call per
sentence, and the phrase frames' requirement test (a sentence no pattern can match is not
searched) against searching every sentence with a needed word."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from spacy.matcher import DependencyMatcher
from spacy.tokens import Doc

from app.ingest.bench import sample_article
from app.ingest.extract import Extractor
from app.ingest.gazetteer import Gazetteer
from app.ingest.states import MAX_SENTENCE_TOKENS, PhraseReader, sentence_matches
from tests.conftest import ARTICLE_TEXT, ROOT

_LONG = "The ministry said that " + " and ".join(
    f"fighters held village number {k}" for k in range(40)) + "."
_PHRASES = [
    "More than 60 percent of the town of Hajin is now under the control of IS, officials said.",
    "Half of Raqqa was held by the SDF. About a third of the city of Mosul remains under IS "
    "control.",
    "The army said it has captured 70 percent of Bakhmut. Wagner said it controls half of "
    "Soledar.",
    "Fighting is still going on in Bakhmut, the ministry said. Hajin remains contested.",
    "IS fighters are still hiding in the village of Baghuz, residents said. Coalition air "
    "strikes have been crucial as we advance, Bali said.",
    "Tal Afar is now completely free of Daesh, the general said.",
]


def _texts() -> list[str]:
    paragraphs = ARTICLE_TEXT.split("\n\n")
    passages = sorted((ROOT / "eval" / "attribution" / "passages").glob("*.json"))
    return [
        ARTICLE_TEXT, sample_article(3),
        "\n\n".join([*paragraphs[:3], _LONG, *paragraphs[3:]]),  # a long sentence inside
        f"{_LONG}\n\n{ARTICLE_TEXT}\n\n{_LONG}",  # … and at both ends
        _LONG, *_PHRASES,
        *(json.loads(p.read_text(encoding="utf-8"))["text"] for p in passages),
    ]


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor.build(ROOT / "ontology",
                           Gazetteer.from_turtle(ROOT / "ontology" / "entities.ttl"))


@pytest.fixture(scope="module")
def docs(extractor: Extractor) -> list[Doc]:
    return list(extractor.nlp.pipe(_texts()))


def _per_sentence(matcher: DependencyMatcher, doc: Doc) -> list[tuple[int, list[int]]]:
    out: list[tuple[int, list[int]]] = []
    for sent in doc.sents:
        if len(sent) <= MAX_SENTENCE_TOKENS:
            out += [(mid, [sent.start + i for i in ids]) for mid, ids in matcher(sent)]
    return out


def _phrases_every_sentence(reader: PhraseReader, doc: Doc) -> list[tuple[Any, ...]]:
    """PhraseReader.find's matches, searching each sentence with a needed word."""
    found = []
    for sent in doc.sents:
        words = {t.lower_ for t in sent} | {t.lemma_ for t in sent}
        for frame, matcher in reader.matchers:
            if frame.needs and not frame.needs & words:
                continue
            matches = cast(list[tuple[int, int, int, list[int]]],
                           matcher(sent, with_alignments=True))
            found += [(frame.id, sent.start + s, sent.start + e, align)
                      for _, s, e, align in matches]
    return found


def test_one_call_per_run_of_sentences_finds_what_a_call_per_sentence_found(
    extractor: Extractor, docs: list[Doc]
) -> None:
    assert any(len(s) > MAX_SENTENCE_TOKENS for d in docs for s in d.sents)
    total = 0
    for doc in docs:
        for matcher in (extractor.states.matcher, extractor.counts.matcher):
            expected = _per_sentence(matcher, doc)
            assert sentence_matches(matcher, doc) == expected
            total += len(expected)
    assert total > 50


def test_the_requirement_test_skips_no_sentence_with_a_phrase_match(
    extractor: Extractor, docs: list[Doc]
) -> None:
    reader = extractor.phrases
    seen: set[str] = set()
    for doc in docs:
        for frame_id, start, _, _ in _phrases_every_sentence(reader, doc):
            seen.add(frame_id)
            sent = doc[start].sent
            values = {"LOWER": {t.lower_ for t in sent}, "LEMMA": {t.lemma_ for t in sent},
                      "ORTH": {t.text for t in sent}}
            assert any(all(values[a] & allowed for a, allowed in required)
                       for required in reader.requires[frame_id]), (frame_id, sent.text)
    assert seen == {f.id for f in reader.phrases.frames}
    # and the requirements do spare calls: the seed article has sentences with a needed word
    # where no pattern can match
    doc = docs[0]
    spared = 0
    for sent in doc.sents:
        words = {t.lower_ for t in sent} | {t.lemma_ for t in sent}
        values = {"LOWER": {t.lower_ for t in sent}, "LEMMA": {t.lemma_ for t in sent},
                  "ORTH": {t.text for t in sent}}
        spared += sum(
            1 for frame, _ in reader.matchers if (not frame.needs or frame.needs & words)
            and not any(all(values[a] & allowed for a, allowed in required)
                        for required in reader.requires[frame.id]))
    assert spared > 0
