"""Domain types for claims: what a client submits and what the API returns."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.model.iri import to_iri

Ref = Annotated[
    str,
    Field(
        min_length=1,
        max_length=500,
        description="An entity: its claimgraph id (`hajin`), full IRI, Wikidata id (`Q2429253`) "
        "or any known name or alias (`Daesh`). Unknown names mint a new entity.",
    ),
]

# An article URL, stored as the IRI ``to_iri`` makes of it: the same raw URL always gives
# the same IRI, so a re-submitted article is recognised.
ArticleUrl = Annotated[
    str,
    Field(min_length=1, max_length=2000),
    AfterValidator(to_iri),
]


# (str, Enum) rather than StrEnum: StrEnum changes str()/format() of the members.
class Polarity(str, Enum):  # noqa: UP042
    """Asserted or denied (FactBank +/-)."""

    positive = "positive"
    negative = "negative"


class Certainty(str, Enum):  # noqa: UP042 - see Polarity
    """How firmly the speaker commits (FactBank CT/PR/PS)."""

    certain = "certain"
    probable = "probable"
    possible = "possible"


# C0 controls other than tab, line feed and carriage return, DEL, C1 controls, surrogates and
# the noncharacters U+FFFE/U+FFFF: XML 1.0 cannot carry them, and no name or quote needs them
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _no_controls(value: Any) -> Any:
    if isinstance(value, str):
        found = CONTROL_CHARACTERS.search(value)
        if found:
            raise ValueError(
                f"contains the control character U+{ord(found.group()):04X} at offset "
                f"{found.start()}; remove it")
    elif isinstance(value, list):
        for item in value:
            _no_controls(item)
    return value


class Strict(BaseModel):
    """Base: unknown fields are an error, so typos do not pass silently; text fields refuse
    control characters (NUL, ESC …) with a 422 that names the character."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _text_is_clean(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name == "url":
            return value  # a URL's control characters are percent-encoded (to_iri), not refused
        return _no_controls(value)


# Decimal, so that 123456789012345678 and ...679 stay apart; finite only: NaN has no order and
# an infinite bound says nothing that a missing one does not
Number = Annotated[Decimal, Field(allow_inf_nan=False)]


class IntervalIn(Strict):
    # The docstring is the model's OpenAPI description, so it is kept on one line as it was.
    """A number, bounds or a range: `{"exact": 92}`, `{"min": 50}`, `{"min": 60, "min_inclusive": false}`."""  # noqa: E501

    exact: Number | None = None
    min: Number | None = None
    max: Number | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True
    grade: str | None = Field(
        None, description="For graded properties: the controlled value the interval refines."
    )

    @model_validator(mode="after")
    def _consistent(self) -> IntervalIn:
        if self.exact is not None and (self.min is not None or self.max is not None):
            raise ValueError("give either exact or min/max, not both")
        if self.exact is None and self.min is None and self.max is None and self.grade is None:
            raise ValueError("an interval needs exact, min, max or grade")
        if (
            self.min is not None
            and self.max is not None
            and (
                self.min > self.max
                or (self.min == self.max and not (self.min_inclusive and self.max_inclusive))
            )
        ):
            raise ValueError("empty interval: min must not exceed max")
        return self


class EventIn(Strict):
    """The event a count is of: where, what kind, one event or a cumulative total, and when
    (anchored days). Counts of different places, kinds, scopes or non-overlapping days are
    different events and are never compared; a missing part makes a comparison uncertain."""

    place: Ref | None = None
    kind: str | None = Field(None, min_length=1, max_length=50, pattern=r"^[a-z][a-z -]*$")
    scope: Literal["single", "cumulative"] | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> EventIn:
        if self.start and self.end and self.start > self.end:
            raise ValueError("event start is after its end")
        return self


class StatementIn(Strict):
    """One triple of the assertion: subject, claim property, value."""

    subject: Ref
    property: str = Field(
        min_length=1, max_length=200,
        description=(
            "A claim property of the ontology: `controlStatus`, `cg:killedCount` or its IRI."
        ),
    )
    value: Ref | IntervalIn = Field(
        description="An entity reference, a controlled value (`fully-controlled`, `ongoing`), "
        "or an interval for graded and count properties."
    )
    event: EventIn | None = Field(
        None, description="For counts: the event counted (place, kind, scope, days)."
    )


class QuoteIn(Strict):
    """The exact words in the article that carry the statement, with their character offsets."""

    exact: str = Field(min_length=1, max_length=5000)
    start: int | None = Field(None, ge=0, description="0-based offset of the first character.")
    end: int | None = Field(None, ge=0, description="Offset one past the last character.")
    prefix: str | None = Field(None, max_length=500)
    suffix: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _span(self) -> QuoteIn:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end, or neither")
        if self.start is not None and self.end is not None and self.end - self.start != len(
            self.exact
        ):
            raise ValueError("end - start must equal the length of exact")
        return self


class ArticleIn(Strict):
    """The article that carries the claim. Known articles may be referenced by URL alone."""

    url: ArticleUrl = Field(
        description="The article's http(s) URL (`file:///…` for a file read by `claimgraph "
        "ingest`). Characters an IRI may not hold (spaces, `{}|<>` …) are percent-encoded.",
    )
    title: str | None = Field(None, max_length=1000)
    outlet: Ref | None = None
    published: str | None = Field(
        None, pattern=r"^\d{4}-\d{2}(-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?)?$",
        description="ISO date; a month (`2018-12`) is fine when the day is unknown.",
    )
    text: str | None = Field(None, max_length=500_000)
    language: str = Field("en", max_length=20)


class ClaimIn(Strict):
    """A structured claim with its provenance, as accepted by `POST /claims`."""

    id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
        description="Optional stable id; by default derived from the content.",
    )
    speakers: list[Ref] = Field(min_length=1, max_length=10, description="Who said it.")
    relays: list[Ref] = Field(
        default_factory=list, max_length=10,
        description="Outlets or wires that relayed it (the article's outlet is added).",
    )
    article: ArticleIn
    quote: QuoteIn
    reporting_verb: str = Field("said", min_length=1, max_length=100)
    direct_quote: bool = False
    polarity: Polarity = Polarity.positive
    certainty: Certainty = Certainty.certain
    said_at: str = Field(
        "not stated", min_length=1, max_length=300,
        description="When it was said, in the article's words.",
    )
    said_on: dt.date | None = Field(None, description="Anchored date of utterance, if known.")
    holds_during: str = Field("at the time of reporting", min_length=1, max_length=300)
    holds_from: dt.datetime | dt.date | None = None
    holds_until: dt.datetime | dt.date | None = None
    statements: list[StatementIn] = Field(default_factory=list, max_length=20)
    proposition: str | None = Field(
        None, max_length=2000,
        description=(
            "Paraphrase for a statement that fits no frame (used when statements is empty)."
        ),
    )

    @model_validator(mode="after")
    def _content(self) -> ClaimIn:
        if not self.statements and not self.proposition:
            raise ValueError("a claim needs statements or a proposition")
        if self.holds_from and self.holds_until:
            start = _as_datetime(self.holds_from, end=False)
            stop = _as_datetime(self.holds_until, end=True)
            if start > stop:
                raise ValueError("holds_from must not be after holds_until")
        return self


def _as_datetime(value: dt.datetime | dt.date, *, end: bool) -> dt.datetime:
    """A date widened to the first (or last) instant of its day, in UTC."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    moment = dt.time(23, 59, 59) if end else dt.time(0, 0, 0)
    return dt.datetime.combine(value, moment, tzinfo=dt.UTC)


def as_datetime(value: dt.datetime | dt.date, *, end: bool) -> dt.datetime:
    """Public alias used by the store when it writes holds-from / holds-until."""
    return _as_datetime(value, end=end)


class Page(BaseModel):
    """A page of results."""

    total: int
    offset: int
    limit: int
    items: list[Any]
