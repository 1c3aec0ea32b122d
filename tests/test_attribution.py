"""Attribution on the parse: each input of the issue "Attribution that holds up on real news"
as a test with the right value, plus further sentences of the same kinds (written here, not
taken from the rules' development passages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.ingest.attribution import attribute
from app.ingest.extract import Extractor, Statement
from app.ingest.gazetteer import Gazetteer
from app.ingest.nlp import ModelMissing, check_model
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor.build(ROOT / "ontology", Gazetteer.from_turtle(ROOT / "ontology" / "entities.ttl"))


def only(extractor: Extractor, text: str) -> Statement:
    found = extractor.extract(text)
    assert len(found) == 1, [text[s.content[0]:s.content[1]] for s in found]
    return found[0]


def cut(text: str, span: tuple[int, int] | None) -> str | None:
    return None if span is None else text[span[0]:span[1]]


def cues_and_contents(text: str) -> list[tuple[str | None, list[str | None]]]:
    """Each attribution of ``text`` (the scorer's entry point) as (cue, content pieces)."""
    [found] = attribute([text])
    return [(cut(text, a.cue), [cut(text, s) for s in a.content]) for a in found]


def sources_and_contents(text: str) -> list[tuple[str | None, list[str | None]]]:
    """Each attribution of ``text`` as (source, content pieces)."""
    [found] = attribute([text])
    return [(cut(text, a.source), [cut(text, s) for s in a.content]) for a in found]


# -- speaker after a quotation, inverted, after a dash ---------------------------------------
@pytest.mark.parametrize(("text", "source", "cue", "content"), [
    ('"Fighting is still going on in the town," the minister said.',
     "the minister", "said", "Fighting is still going on in the town"),
    ('"Our units hold the bridge," a police commander told reporters on Sunday.',
     "a police commander", "told", "Our units hold the bridge"),
    ('"Hajin has not fallen," countered an SDF spokesman.',
     "an SDF spokesman", "countered", "Hajin has not fallen"),
    ('"The vote is rigged," insisted the opposition leader.',
     "the opposition leader", "insisted", "The vote is rigged"),
])
def test_quote_then_speaker(extractor: Extractor, text: str, source: str, cue: str,
                            content: str) -> None:
    st = only(extractor, text)
    assert cut(text, st.speaker_span) == source
    assert cut(text, st.cue) == cue
    assert cut(text, st.content) == content
    assert st.direct


def test_countered_spokesman_speaks_for_sdf_and_content_is_negated(extractor: Extractor) -> None:
    text = '"Hajin has not fallen," countered an SDF spokesman.'
    st = only(extractor, text)
    assert st.speakers[0].org == "sdf" and st.speakers[0].role == "SDF spokesman"
    assert st.polarity == "negative"


@pytest.mark.parametrize(("text", "source"), [
    ('"The nominee is a true expert." -Commissioner Jane Doe', "Commissioner Jane Doe"),
    ('"We will rebuild every school." \u2014 Governor Maria Lopez', "Governor Maria Lopez"),
])
def test_quote_then_dash_and_name(extractor: Extractor, text: str, source: str) -> None:
    st = only(extractor, text)
    assert cut(text, st.speaker_span) == source
    assert st.speakers[0].kind == "person"
    assert st.speakers[0].name == source.split(" ", 1)[1]


# -- nested attribution: the wire relays ------------------------------------------------------
@pytest.mark.parametrize(("text", "speaker", "relay"), [
    ("Wagner fighters took control of Soledar, Prigozhin said late on Tuesday, according to "
     "the RIA news agency.", "Prigozhin", "RIA news agency"),
    ("The army shot down six drones overnight, the governor said, according to TASS.",
     "governor", "TASS"),
])
def test_speaker_is_not_the_relay(extractor: Extractor, text: str, speaker: str,
                                  relay: str) -> None:
    st = only(extractor, text)
    assert speaker in st.speakers[0].name
    assert st.relays == [relay]
    assert "according" not in cut(text, st.content)  # type: ignore[operator]


# -- whole noun phrases with role and organisation -------------------------------------------
def test_spokesman_for_an_organisation(extractor: Extractor) -> None:
    text = "A spokesman for the Ukrainian military said fighting was still ongoing in Soledar."
    st = only(extractor, text)
    assert cut(text, st.speaker_span) == "A spokesman for the Ukrainian military"
    assert st.speakers[0].role == "spokesman" and st.speakers[0].org == "Ukrainian military"
    assert cut(text, st.content) == "fighting was still ongoing in Soledar"


def test_trailing_statement_and_day(extractor: Extractor) -> None:
    text = ("Bala Murghab district has not fallen to Taliban militants, the Afghan Ministry of "
            "Defense said in a statement on Saturday.")
    st = only(extractor, text)
    assert cut(text, st.speaker_span) == "the Afghan Ministry of Defense"
    assert cut(text, st.content) == "Bala Murghab district has not fallen to Taliban militants"
    assert st.said_at == "Saturday"


@pytest.mark.parametrize(("text", "content"), [
    ('"The media isn\'t only against me, it\'s against all of you," Trump told cheering '
     "supporters in a Florida town.", "The media isn't only against me, it's against all of you"),
    ('"We have massive crowds \u2026 you\'re not reporting it," Trump said to cheers.',
     "We have massive crowds \u2026 you're not reporting it"),
    ('"Nobody wants this war," the senator said flatly.', "Nobody wants this war"),
])
def test_trailing_audience_or_manner(extractor: Extractor, text: str, content: str) -> None:
    st = only(extractor, text)
    assert cut(text, st.content) == content
    assert st.speakers[0].name in ("Trump", "senator")


def test_mixed_quote(extractor: Extractor) -> None:
    text = 'Obama said Tuesday the version Republicans describe is "just not true."'
    st = only(extractor, text)
    assert st.kind == "mixed" and st.speakers[0].name == "Obama"
    assert cut(text, st.content) == 'the version Republicans describe is "just not true."'
    assert st.said_at == "Tuesday"


def test_new_speaker_in_a_new_paragraph_is_not_inherited(extractor: Extractor) -> None:
    text = ('Senator Ann Walsh said the bill would pass.\n\n"It has the votes," she added.\n\n'
            '"That is wishful thinking," responded the campaign\'s finance director.')
    found = extractor.extract(text)
    assert [s.speakers[0].name for s in found] == [
        "Ann Walsh", "Ann Walsh", "campaign's finance director"]
    assert found[2].speakers[0].org == "campaign"


def test_quote_after_colon_opens_the_next_paragraph(extractor: Extractor) -> None:
    text = ("The commander was blunt.\n\nColonel Omar Haddad said:\n\n"
            '"We have lost the airport. The enemy holds the runway."')
    found = extractor.extract(text)
    # one statement per sentence of the quotation, both his
    assert [s.speakers[0].name for s in found] == ["Omar Haddad"] * 2
    assert [cut(text, s.content) for s in found] == [
        "We have lost the airport", "The enemy holds the runway"]


def test_parenthetical_attribution(extractor: Extractor) -> None:
    text = "The town, the ministry said, was retaken on Friday."
    st = only(extractor, text)
    assert [cut(text, s) for s in st.content_spans] == ["The town", "was retaken on Friday"]


def test_two_apostrophe_quotes_and_fronted_adjunct(extractor: Extractor) -> None:
    text = ("In a TV interview on Monday, the mayor said the water supply was safe. "
            "''We tested it twice,'' she said.")
    found = extractor.extract(text)
    assert [cut(text, s.content) for s in found] == [
        "the water supply was safe", "We tested it twice"]
    assert found[1].speakers == found[0].speakers


def test_cognition_is_probable_and_agentless_passive_has_no_speaker(
    extractor: Extractor,
) -> None:
    text = ("Officials believe the toll will rise. It was reported that dozens of fighters "
            "had surrendered.")
    first, second = extractor.extract(text)
    assert first.certainty == "probable" and first.speakers[0].kind == "group"
    assert second.speakers == [] and second.speaker_span is None
    assert cut(text, second.content) == "that dozens of fighters had surrendered"


def test_pronoun_resolves_to_the_nearest_person(extractor: Extractor) -> None:
    text = ("Kino Gabriel, a spokesman for the SDF, said the push continued. "
            '"Our fighters are in the town," he said.')
    found = extractor.extract(text)
    assert [s.speakers[0].name for s in found] == ["Kino Gabriel"] * 2
    assert found[0].speakers[0].org == "sdf"


def test_unresolved_pronoun_gives_no_speaker(extractor: Extractor) -> None:
    st = only(extractor, "He said the bridge was destroyed.")
    assert st.speakers == []


def test_plain_narration_is_not_attributed(extractor: Extractor) -> None:
    text = ("BEIRUT (Example Wire) \u2014 Heavy rain fell on the city on Monday. The market "
            "reopened after the storm, and traffic returned to the main road.")
    assert extractor.extract(text) == []


def test_scorer_entry_point_gives_parc_spans() -> None:
    text = '"We hold the bridge," said Colonel Ana Petrova.\n\n"They will not cross it."'
    [found] = attribute([text])
    assert len(found) == 1
    a = found[0]
    assert cut(text, a.source) == "Colonel Ana Petrova" and cut(text, a.cue) == "said"
    # the uncued quotation in the next paragraph is no PARC attribution of its own: it
    # continues the speaker's content, as PolNeAR annotates a quotation run over paragraphs
    assert [cut(text, s) for s in a.content] == ['"We hold the bridge,"',
                                                 '"They will not cross it."']


def test_missing_model_is_a_clear_error() -> None:
    with pytest.raises(ModelMissing, match="CLAIMGRAPH_NLP_MODEL") as err:
        check_model("en_core_web_nonexistent")
    assert "pip install" in str(err.value)


def test_the_loaded_model_uses_the_chosen_matrix_multiply() -> None:
    """The choice between BLIS and NumPy's BLAS is made before the model is built, with
    NumPy's BLAS on one thread, and the model's layers use it."""
    from threadpoolctl import threadpool_info

    from app.ingest import nlp as nlp_mod

    model = nlp_mod.load()
    assert all(p["num_threads"] == 1 for p in threadpool_info() if p["user_api"] == "blas")
    chosen = nlp_mod._choose_gemm()
    assert chosen in ("blis", "numpy")
    assert model.get_pipe("tok2vec").model.ops.use_blis == (chosen == "blis")


def test_cue_lexicon_is_data() -> None:
    import json

    lexicon = json.loads((Path(ROOT) / "ontology" / "attribution" / "cues.json").read_text())
    for lemma in ("say", "tell", "counter", "respond", "tweet", "estimate", "believe"):
        assert lemma in lexicon["verbs"]


def test_serve_refuses_to_start_without_the_model(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    monkeypatch.setenv("CLAIMGRAPH_NLP_MODEL", "en_core_web_nonexistent")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "CLAIMGRAPH_NLP_MODEL" in err and "Traceback" not in err


def test_coordinated_parse_of_a_trailing_cue(extractor: Extractor) -> None:
    # the small model parses "…, the Observatory said" here as a second clause of "captured"
    text = ("BEIRUT (Example Wire) \u2014 Kurdish-led forces have captured the town of Hajin, "
            "the Syrian Observatory for Human Rights said on Friday.")
    st = only(extractor, text)
    assert [s.ref for s in st.speakers] == ["sohr"] and st.speakers[0].org is None
    assert cut(text, st.content) == "Kurdish-led forces have captured the town of Hajin"
    assert ("hajin", "controlStatus", "fully-controlled") in {
        (t["subject"], t["property"], t["value"]) for t in st.triples}


def test_an_anaphor_never_resolves_to_a_speaker(extractor: Extractor) -> None:
    text = ("The Syrian Observatory for Human Rights said fighters were advancing.\n\n"
            "Mustafa Bali, a spokesman for the SDF, denied that the town had fallen.")
    subjects = {t["subject"] for st in extractor.extract(text) for t in st.triples}
    assert "sohr" not in subjects


def test_an_ownerless_statement_is_no_speaker(extractor: Extractor) -> None:
    st = only(extractor, "Fighting continued in the east, according to a statement.")
    assert st.speakers == []


def test_the_monitor_is_the_monitor_named_before(extractor: Extractor) -> None:
    text = ("The Syrian Observatory for Human Rights, a Britain-based war monitor, said 40 "
            "people were killed.\n\nThe monitor also reported that the jihadists had "
            "recaptured the village.")
    assert [s.speakers[0].ref for s in extractor.extract(text)] == ["sohr", "sohr"]


def test_continuation_keeps_its_speaker_after_sorting(extractor: Extractor) -> None:
    text = ('The Observatory said the village was retaken.\n\n"It is not true," said Kino '
            'Gabriel, an SDF spokesman. "Our forces remain in full control of the village."')
    found = extractor.extract(text)
    assert [s.speakers[0].name for s in found] == [
        "Syrian Observatory for Human Rights", "Kino Gabriel", "Kino Gabriel"]


@pytest.mark.parametrize(("text", "name"), [
    ("The plan was backed by Senator Jane Roe, who said it would pass easily.", "Jane Roe"),
    ("Reporters reached Ahmed Karimi, who said the road to the district was open again.",
     "Ahmed Karimi"),
])
def test_relative_pronoun_is_the_source_span_and_its_antecedent_the_speaker(
        extractor: Extractor, text: str, name: str) -> None:
    # PARC/PolNeAR mark the relative pronoun as the source; the speaker is its antecedent
    st = only(extractor, text)
    assert cut(text, st.speaker_span) == "who"
    assert st.speakers and st.speakers[0].name == name


@pytest.mark.parametrize(("text", "speaker"), [
    ("President Donald Trump said on Wednesday that U.S. troops would begin leaving Syria, "
     "declaring that the Islamic State had been defeated.", "Donald Trump"),
    ("The governor said the floodwaters had started receding in the north, adding that two "
     "more bodies had been found.", "governor"),
])
def test_a_participle_after_the_reported_clause_is_the_reporting_speakers(
        extractor: Extractor, text: str, speaker: str) -> None:
    found = extractor.extract(text)
    assert len(found) == 2
    assert {s.name for st in found for s in st.speakers} == {speaker}


@pytest.mark.parametrize(("text", "cue", "content"), [
    # a fronted participle clause is not the content of a cue that has its own object
    ("Standing alongside the activist Dolores Huerta, Mark-Viverito accused Sanders of being "
     "inactive in the effort for immigration reform.", "accused",
     "Sanders of being inactive in the effort for immigration reform"),
    ("Speaking at a rally in Des Moines, the governor criticized the new tariff plan.",
     "criticized", "the new tariff plan"),
    # an infinitive cue takes its object, not the clause it hangs on
    ("Retired general Mark Hale went on a Sunday talk show to defend his recent staff "
     "shake-up.", "to defend", "his recent staff shake-up"),
    ("The mayor did go out of her way to praise the police for their restraint on Tuesday.",
     "to praise", "the police for their restraint"),
    ("The senator blamed the governor for the budget gap.", "blamed",
     "the governor for the budget gap"),
])
def test_cue_with_its_own_object_takes_it(text: str, cue: str, content: str) -> None:
    assert cues_and_contents(text) == [(cue, [content])]


def test_first_person_cue_inside_a_quotation_is_the_quoted_speakers() -> None:
    text = ('"We are going to start chipping away at the lead," the campaign manager added.'
            '\n\n"We have a path to victory. I think it is not an easy path, and we welcome '
            'the fight."')
    [found] = attribute([text])
    assert [cut(text, a.cue) for a in found] == ["added"]
    assert len(found[0].content) == 2


@pytest.mark.parametrize(("text", "source", "content"), [
    ("Yet he is facing skepticism after saying in a recent debate that he views himself as "
     "impartial.", "he", "that he views himself as impartial"),
    ("The mayor was criticized for saying that the bridge would reopen in May.", "The mayor",
     "that the bridge would reopen in May"),
])
def test_cue_after_a_preposition_has_the_clause_subject_as_source(
        text: str, source: str, content: str) -> None:
    [found] = attribute([text])
    said = next(a for a in found if cut(text, a.cue) == "saying")
    assert (cut(text, said.source), [cut(text, s) for s in said.content]) == (source, [content])


def test_fronted_participle_is_asked_not_asking() -> None:
    text = "Asked about that vote, the speaker pointed to her record."
    [found] = attribute([text])
    asked = next(a for a in found if cut(text, a.cue) == "Asked")
    assert asked.source is None and [cut(text, s) for s in asked.content] == ["that vote"]
    text = "Pressed on the timeline, the minister said the bridge would reopen in May."
    [found] = attribute([text])
    assert [cut(text, a.cue) for a in found] == ["said"]


def test_asked_for_takes_the_request() -> None:
    text = "A party activist asked for the allegiances of all the candidates to be disclosed."
    assert sources_and_contents(text) == [
        ("A party activist", ["the allegiances of all the candidates to be disclosed"])]


def test_that_said_is_a_connective() -> None:
    text = "He is campaigning in Wisconsin. That said, Cruz cannot win the nomination outright."
    assert attribute([text]) == [[]]


@pytest.mark.parametrize(("text", "cue", "content"), [
    # a "that" clause reached through the cue's adjuncts is its content ...
    ("The ministry claimed in a statement that the town had been retaken.", "claimed",
     "that the town had been retaken"),
    ("The general had warned for years that the dam could fail.", "had warned",
     "that the dam could fail"),
    # ... but not one inside its object ("a bill that …")
    ("Cruz blasted Rubio for his support of a bill that would have granted a pathway to "
     "citizenship.", "blasted",
     "Rubio for his support of a bill that would have granted a pathway to citizenship"),
])
def test_far_that_clause_only_through_adjuncts(text: str, cue: str, content: str) -> None:
    assert cues_and_contents(text) == [(cue, [content])]


def test_clause_after_the_cue_wins_over_one_before_a_colon() -> None:
    text = ("Accurate or not, the doubt has had a cumulative effect: some 20 percent of people "
            "in a recent poll said they believe the senator was born abroad.")
    [found] = attribute([text])
    assert [[cut(text, s) for s in a.content] for a in found] == [
        ["they believe the senator was born abroad"]]


def test_uncued_quotation_continues_the_quotation_not_the_report_after_it() -> None:
    text = ('"I think that speaks volumes," she said, adding that the campaign will work hard '
            'to win over those voters. "I think they are waiting to be courted."')
    [found] = attribute([text])
    said = next(a for a in found if cut(text, a.cue) == "said")
    assert [cut(text, s) for s in said.content] == [
        '"I think that speaks volumes,"', '"I think they are waiting to be courted."']


def test_title_after_the_cue_is_not_more_of_the_quotation() -> None:
    text = '"Being a dad, that is my job," Weiner said in May on the podcast "Here Is the Thing."'
    [found] = attribute([text])
    assert [[cut(text, s) for s in a.content] for a in found] == [
        ['"Being a dad, that is my job,"']]
    text = '"We will win," he said, "and we will do it before the winter comes."'
    [found] = attribute([text])
    assert len(found[0].content) == 2


def test_subject_parsed_as_apposition_of_a_fronted_phrase() -> None:
    text = ("In a statement to the Observer, her senior policy adviser, Jake Sullivan, said: "
            "\u201cThe senator believes that cooperation is essential. She has always valued "
            "a strong voice in the union.\u201d")
    [found] = attribute([text])
    assert [cut(text, a.source) for a in found] == ["her senior policy adviser, Jake Sullivan"]


def test_asked_to_takes_the_request() -> None:
    text = "In a letter, the mayor asked the network to donate the profits to veterans groups."
    assert sources_and_contents(text) == [
        ("the mayor", ["to donate the profits to veterans groups"])]


@pytest.mark.parametrize(("text", "content"), [
    ('The senator is telling customers at a popular breakfast spot that "I need you '
     'tomorrow."', 'that "I need you tomorrow."'),
    ("Since October, officials have told residents not to drink the water from their taps.",
     "not to drink the water from their taps"),
    ("The minister told reporters the town had fallen.", "the town had fallen"),
])
def test_tell_reports_past_its_addressee(text: str, content: str) -> None:
    [found] = attribute([text])
    assert [[cut(text, s) for s in a.content] for a in found] == [[content]]


def test_cue_under_a_cue_with_the_same_subject_is_one_attribution() -> None:
    text = "The press secretary declined to say whether it broke the email policy."
    assert cues_and_contents(text) == [("declined", ["to say whether it broke the email policy"])]


def test_quotation_inside_an_object_content_is_part_of_it() -> None:
    text = ('The former secretary of state talked about continuing the "progress we had under '
            'President Obama" and her commitment.')
    [found] = attribute([text])
    talked = next(a for a in found if cut(text, a.cue) == "talked")
    assert [cut(text, s) for s in talked.content] == [
        'continuing the "progress we had under President Obama" and her commitment']


@pytest.mark.parametrize(("text", "first"), [
    ("The candidate announced that he filed his financial statement with the commission, "
     "saying it set a new benchmark for the agency.",
     "that he filed his financial statement with the commission"),
    ("Rubio suggested that someone who does not answer questions cannot be president, while "
     "Cruz said that the stakes in this election are too high.",
     "that someone who does not answer questions cannot be president"),
])
def test_a_second_report_inside_the_clause_is_not_the_first_ones_content(
        text: str, first: str) -> None:
    [found] = attribute([text])
    assert len(found) == 2
    assert [cut(text, s) for s in found[0].content] == [first]


def test_an_attitude_verb_coordinated_in_the_reported_clause_is_part_of_it() -> None:
    text = ("A Clinton ally suggested she would do an about-face and support the trade deal "
            "once she was in the White House.")
    [found] = attribute([text])
    assert [cut(text, s) for s in found[0].content] == [
        "she would do an about-face and support the trade deal once she was in the White House"]


# -- a preposition or mark that opens the content clause ------------------------------------
@pytest.mark.parametrize(("text", "cue", "content"), [
    ("The envoy called for both armies to pull back from the river by Friday.",
     "called", "both armies to pull back from the river by Friday"),
    ("Aid groups are calling for the border crossing to reopen at once.",
     "are calling", "the border crossing to reopen at once"),
    ("The senator called for a ban on assault weapons.", "called", "a ban on assault weapons"),
    ("The reporter asked whether the troops would stay in the city.",
     "asked", "whether the troops would stay in the city"),
    ("The governor wondered if the levees would hold another night.",
     "wondered", "if the levees would hold another night"),
])
def test_content_clause_opened_by_the_cues_preposition_or_mark(
        text: str, cue: str, content: str) -> None:
    assert (cue, [content]) in cues_and_contents(text)


@pytest.mark.parametrize(("text", "content"), [
    ("Asked if he had ever been bullied, the candidate laughed.", "if he had ever been bullied"),
    ("When asked whether the ceasefire would hold, the colonel shrugged.",
     "whether the ceasefire would hold"),
    ("Asked how long the siege of the port would last, the commander said he did not know.",
     "how long the siege of the port would last"),
])
def test_fronted_question_is_an_agentless_report(text: str, content: str) -> None:
    assert (None, [content]) in sources_and_contents(text)


def test_fronted_participle_without_a_question_reports_nothing() -> None:
    text = "Pressed on the timeline, the minister said the troops would stay."
    assert sources_and_contents(text) == [("the minister", ["the troops would stay"])]


# -- Name: … lines (headlines, transcripts) ----------------------------------------------------
@pytest.mark.parametrize(("text", "source", "content"), [
    ("Zelensky: Russia Is Not Ready For Peace Talks\n\nThe president spoke in Kyiv.",
     "Zelensky", "Russia Is Not Ready For Peace Talks"),
    ("Sanders: Clinton Email Story Has Moved", "Sanders", "Clinton Email Story Has Moved"),
    ("Mike McCaul: Sanctions Bill Clears Last Hurdle In Three-Way Talks", "Mike McCaul",
     "Sanctions Bill Clears Last Hurdle In Three-Way Talks"),
    ("Poll: Labour leads by nine points in Wales", "Poll", "Labour leads by nine points in Wales"),
    ('Secretary of State John Kerry: "The talks will go on."',
     "Secretary of State John Kerry", '"The talks will go on."'),
    ("The debate went on.\n\nTAPPER: Do you regret the remarks?\n\nTRUMP: I regret nothing.",
     "TRUMP", "I regret nothing"),
])
def test_a_name_and_a_colon_opening_a_paragraph_is_a_source(
        text: str, source: str, content: str) -> None:
    assert (source, [content]) in sources_and_contents(text)


@pytest.mark.parametrize("text", [
    "The Latest: Kasich scores all 66 delegates after Ohio win.",
    "Results so far\nHillary Clinton: 1,769.\nBernie Sanders: 1,501.",
    "Twitter: @Milbank.",
    "Revealed: Here Are The Lawmakers Who Voted Against The Bill",
    "Q: Will the bridge reopen this year?",
    "Here's the mayor in 1992: we will rebuild this city.",
])
def test_section_labels_counts_and_clauses_before_a_colon_are_not_sources(text: str) -> None:
    assert not any(cut(text, a.cue) == ":" for [found] in [attribute([text])] for a in found)


@pytest.mark.parametrize(("text", "source"), [
    ("Kyiv: Three people were killed when a drone hit a block of flats, officials said.",
     "officials"),
    ("ISLAMABAD: The government said on Monday that the talks would resume next week.",
     "The government"),
])
def test_a_line_another_cue_reports_is_not_a_labelled_line(text: str, source: str) -> None:
    assert [s for s, _ in sources_and_contents(text)] == [source]  # a dateline, no speaker


@pytest.mark.parametrize(("text", "content"), [
    ("Satellite images showed dozens of burned-out vehicles near the bridge.",
     "dozens of burned-out vehicles near the bridge"),
    ("A new poll shows a dead heat between the two candidates in Ohio.",
     "a dead heat between the two candidates in Ohio"),
    ("Hospital records reveal at least 40 deaths from the strike.",
     "at least 40 deaths from the strike"),
])
def test_a_record_that_shows_an_object_reports_it(text: str, content: str) -> None:
    assert any(c == [content] for _, c in cues_and_contents(text))


def test_a_person_showing_an_object_reports_nothing() -> None:
    assert cues_and_contents("The governor showed great restraint during the visit.") == []


# -- titles with a full stop and hyphenated name particles -----------------------------------
@pytest.mark.parametrize(("text", "speaker"), [
    ("Brig. Gen. Hatem al-Jaburi, a spokesman for the command, said the toll does not exceed 61.",
     "Hatem al-Jaburi"),
    ('"The Old City is completely liberated," Jawad al-Amiri said.', "Jawad al-Amiri"),
    ("Maj. Gen. Jaafar al-Bakri, who commands a police division, said his men hold the area.",
     "Jaafar al-Bakri"),
    ("U.S.-backed forces took the town, Lt. Col. Sarah Jones said.", "Sarah Jones"),
    ('"The strike hit a school," Capt. Olena Marchuk told reporters in Kharkiv.', "Olena Marchuk"),
])
def test_titled_and_particle_names_are_whole_speakers(
        extractor: Extractor, text: str, speaker: str) -> None:
    assert [sp.name for sp in only(extractor, text).speakers] == [speaker]


def test_name_particles_are_one_token_and_titles_do_not_end_sentences() -> None:
    from app.ingest import nlp as nlp_mod

    doc = nlp_mod.load()("Brig. Gen. Hatem al-Jaburi said an as-yet unnamed unit held the town.")
    assert len(list(doc.sents)) == 1
    words = [t.text for t in doc]
    assert "al-Jaburi" in words
    assert "as-yet" not in words and "as" in words  # a particle joins a name, not a word


# -- who a source phrase names ---------------------------------------------------------------
@pytest.mark.parametrize(("text", "speaker"), [
    ("The Britain-based monitor Airwars said at least 5,800 civilians were killed in the battle.",
     "Airwars"),
    ("The group's Amaq news agency rejected the announcement. \"The fighters have not been "
     "defeated,\" it said.", "group's Amaq news agency"),
    ("A spokesman for the coalition, Col. Mark Delaney, congratulated the troops. \"This is a "
     "decisive blow,\" he said.", "Mark Delaney"),
])
def test_a_name_beats_a_description_and_named_agencies_are_not_state_media(
        extractor: Extractor, text: str, speaker: str) -> None:
    found = extractor.extract(text)
    assert found and all([sp.name for sp in st.speakers] == [speaker] for st in found)


def test_a_source_learnt_from_an_earlier_article_keeps_the_kind_of_its_mention() -> None:
    """An earlier article's speaker is stored only as a cg:Source; "he" must not resolve to
    the outlet that relayed a person's words."""
    from rdflib import URIRef

    from app.model.vocab import CG

    rows = [{"entity": "https://w3id.org/claimgraph/id/entity/ukrainska-pravda",
             "label": "Ukrainska Pravda", "pref": "Ukrainska Pravda", "type": str(CG.Source)}]
    gaz = Gazetteer.from_rows(rows)
    assert gaz.get("Ukrainska Pravda") is not None and URIRef(rows[0]["type"]) == CG.Source
    ex = Extractor.build(ROOT / "ontology", gaz)
    text = ("Capt. Serhiy Vowk said in a video that his men would not lay down their arms, "
            "Ukrainska Pravda reported.\n\n\"We have not been defeated,\" he said.")
    last = ex.extract(text)[-1]
    assert [sp.name for sp in last.speakers] == ["Serhiy Vowk"]
