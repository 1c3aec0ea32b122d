"""Factuality cues of statement contents (ontology/frames/factuality.json) on the parse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.ingest.extract import Extractor, Statement
from app.ingest.factuality import load_cues
from app.ingest.gazetteer import Gazetteer
from tests.conftest import ROOT

ONTOLOGY = ROOT / "ontology"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor.build(ONTOLOGY, Gazetteer.from_turtle(ONTOLOGY / "entities.ttl"))


def only(extractor: Extractor, text: str) -> Statement:
    [st] = extractor.extract(text)
    return st


@pytest.mark.parametrize(("text", "certainty", "polarity"), [
    # hedges, from the parse: the modal "may", not the month "May"
    ("The militants may have left the town, the ministry said.", "possible", "positive"),
    ("The militants left the town in May, the ministry said.", "certain", "positive"),
    ("It is still too early to say the town is captured, a commander said.", "possible",
     "positive"),
    ("It's unclear whether the bridge still stands, officials said.", "possible", "positive"),
    ("Senior leaders are believed to have slipped out of the town, officials said.",
     "probable", "positive"),
    ("The commander appeared to be in control of the airport, residents said.", "probable",
     "positive"),
    # denials in the content, with the contracted negation too
    ("Hajin has not yet been taken, the spokesman said.", "certain", "negative"),
    ("Hajin hasn't been taken, the spokesman said.", "certain", "negative"),
    ("It is not true that the town has fallen, the governor said.", "certain", "negative"),
    ("It will take some time before we can declare victory, the general said.", "certain",
     "negative"),
    ("Hajin has been taken, the spokesman said.", "certain", "positive"),
])
def test_content_cues(extractor: Extractor, text: str, certainty: str, polarity: str) -> None:
    st = only(extractor, text)
    assert (st.certainty, st.polarity) == (certainty, polarity)


def test_a_conditional_clause_hedges_only_the_frames_after_it(extractor: Extractor) -> None:
    st = only(extractor, "Once Hajin is liberated, the coalition will hand it over to local "
                         "councils, the spokesman said.")
    assert st.certainty == "certain"  # the statement is not hedged as a whole
    assert st.triples and {t.get("_certainty") for t in st.triples} == {"possible"}
    st = only(extractor, "Hajin is liberated, the spokesman said.")
    assert st.triples and {t.get("_certainty") for t in st.triples} == {None}


def test_malformed_cue_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "factuality.json"
    bad.write_text(json.dumps({"cues": [{"id": "x", "certainty": "sure", "patterns": [
        [{"LOWER": "maybe"}]]}]}), encoding="utf-8")
    with pytest.raises(ValueError, match="'x'"):
        load_cues(bad)


def test_the_cues_are_matcher_data_not_regular_expressions() -> None:
    ttl = (ONTOLOGY / "frames" / "frames.ttl").read_text(encoding="utf-8")
    assert "cgf:Cue" not in ttl
    ids = {c.id for c in load_cues(ONTOLOGY / "frames" / "factuality.json")}
    assert {"hedge-early", "hedge-modal", "hedge-probable", "neg-content"} <= ids
