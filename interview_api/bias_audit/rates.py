"""The bias audit's arithmetic, as NYC Local Law 144's rules (6 RCNY § 5-301) define it; pure
functions of the candidates, so they are tested on known numbers.

- Selection rate: of a category's candidates with a decision, the share decided `advance`.
- Scoring rate: of a category's candidates with a score, the share scoring above the median
  score of the whole sample (every candidate with that score, whatever their category).
- Impact ratio: a category's rate over the highest rate among the categories compared.
- A category under 2 % of the candidates is reported (count and rates) but left out of the
  impact ratios, as the rules allow, so a handful of people cannot become the reference.
- Candidates who preferred not to say, or never answered, are counted and reported with their
  rates, and are never a category of the impact ratios.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from interview_api.bias_audit.categories import PREFER_NOT_TO_SAY, PREFER_NOT_TO_SAY_LABEL

SMALL_CATEGORY_SHARE = 0.02
ADVANCE = "advance"
NOT_ANSWERED = "not_answered"
NOT_ANSWERED_LABEL = "Not answered (not offered, skipped or left blank)"
UNKNOWN = "unknown"
UNKNOWN_LABEL = "Sex or race/ethnicity not known (not answered or prefer not to say)"
_DIGITS = 6


@dataclass(frozen=True)
class Candidate:
    """One candidate of the sample: their self-declared categories (a code, `prefer_not_to_say`,
    or None when not answered), the latest decision on them, and their value of each score."""

    sex: str | None
    race_ethnicity: str | None
    decision: str | None = None
    scores: Mapping[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Dimension:
    """One way of grouping candidates: its name, its categories (code -> label) in order, and
    the category of a candidate (a code, or an unknown bucket's code)."""

    name: str
    categories: Mapping[str, str]
    unknown: Mapping[str, str]
    category_of: Callable[[Candidate], str]


def _single(attribute: str) -> Callable[[Candidate], str]:
    def category_of(candidate: Candidate) -> str:
        value: str | None = getattr(candidate, attribute)
        return NOT_ANSWERED if value is None else value

    return category_of


def _pair(candidate: Candidate) -> str:
    unknown = (PREFER_NOT_TO_SAY, None)
    if candidate.sex in unknown or candidate.race_ethnicity in unknown:
        return UNKNOWN
    return f"{candidate.sex}/{candidate.race_ethnicity}"


def dimensions(sex: Mapping[str, str], race_ethnicity: Mapping[str, str]) -> list[Dimension]:
    """By sex, by race/ethnicity, and by their intersection (every pair, sex first)."""
    answered_unknowns = {
        PREFER_NOT_TO_SAY: PREFER_NOT_TO_SAY_LABEL,
        NOT_ANSWERED: NOT_ANSWERED_LABEL,
    }
    pairs = {
        f"{s}/{r}": f"{sex_label}, {race_label}"
        for s, sex_label in sex.items()
        for r, race_label in race_ethnicity.items()
    }
    return [
        Dimension("sex", sex, answered_unknowns, _single("sex")),
        Dimension("race_ethnicity", race_ethnicity, answered_unknowns, _single("race_ethnicity")),
        Dimension("intersection", pairs, {UNKNOWN: UNKNOWN_LABEL}, _pair),
    ]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _rounded(value: float | None) -> float | None:
    return round(value, _DIGITS) if value is not None else None


def medians(candidates: Sequence[Candidate], measures: Sequence[str]) -> dict[str, float | None]:
    """The median of each score over every candidate who has it (None when nobody has)."""
    found: dict[str, float | None] = {}
    for measure in measures:
        values = [v for c in candidates if (v := c.scores.get(measure)) is not None]
        found[measure] = median(values) if values else None
    return found


def _selection(group: Sequence[Candidate]) -> dict[str, Any]:
    decided = [c for c in group if c.decision is not None]
    advanced = sum(1 for c in decided if c.decision == ADVANCE)
    return {"decided": len(decided), "advanced": advanced, "rate": _rate(advanced, len(decided))}


def _scoring(group: Sequence[Candidate], measure: str, middle: float | None) -> dict[str, Any]:
    values = [v for c in group if (v := c.scores.get(measure)) is not None]
    above = sum(1 for v in values if middle is not None and v > middle)
    return {"scored": len(values), "above_median": above, "rate": _rate(above, len(values))}


def _figure(row: dict[str, Any], measure: str | None) -> dict[str, Any]:
    """The row's selection figure (`measure` None) or its scoring figure for `measure`."""
    figure: dict[str, Any] = row["selection"] if measure is None else row["scoring"][measure]
    return figure


def _with_impact_ratios(rows: list[dict[str, Any]], measure: str | None) -> None:
    """Sets `impact_ratio` on one figure of each row: its rate over the highest rate among the
    rows compared; None for the rows left out, and when the highest rate is 0."""
    compared = [_figure(r, measure)["rate"] for r in rows if r["in_impact_ratios"]]
    highest = max((rate for rate in compared if rate is not None), default=None)
    for row in rows:
        figure = _figure(row, measure)
        rate = figure["rate"]
        if row["in_impact_ratios"] and rate is not None and highest:
            figure["impact_ratio"] = rate / highest
        else:
            figure["impact_ratio"] = None


def _round_figures(row: dict[str, Any]) -> None:
    for figure in (row["selection"], *row["scoring"].values()):
        figure["rate"] = _rounded(figure["rate"])
        figure["impact_ratio"] = _rounded(figure["impact_ratio"])


def breakdown(
    candidates: Sequence[Candidate],
    dimension: Dimension,
    measures: Sequence[str],
    middles: Mapping[str, float | None],
) -> list[dict[str, Any]]:
    """One row per category of the dimension (all of them, empty ones too), then its unknown
    buckets: counts, share of all candidates, selection rate and each scoring rate, each with
    its impact ratio."""
    total = len(candidates)
    groups: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(dimension.category_of(candidate), []).append(candidate)
    rows: list[dict[str, Any]] = []
    for code, label in [*dimension.categories.items(), *dimension.unknown.items()]:
        group = groups.get(code, [])
        known = code in dimension.categories
        share = _rate(len(group), total)
        small = known and (share or 0.0) < SMALL_CATEGORY_SHARE
        rows.append(
            {
                "category": code,
                "label": label,
                "candidates": len(group),
                "share": _rounded(share),
                "under_2_percent": small,
                "in_impact_ratios": known and not small,
                "selection": _selection(group),
                "scoring": {m: _scoring(group, m, middles.get(m)) for m in measures},
            }
        )
    for measure in [None, *measures]:
        _with_impact_ratios(rows, measure)
    for row in rows:
        _round_figures(row)
    return rows


def audit(
    candidates: Sequence[Candidate],
    measures: Sequence[str],
    sex: Mapping[str, str],
    race_ethnicity: Mapping[str, str],
) -> dict[str, Any]:
    """The whole audit of one sample: the totals, the median of each score, and the rows by
    sex, by race/ethnicity and by intersection."""
    middles = medians(candidates, measures)
    overall = _selection(candidates)
    overall["rate"] = _rounded(overall["rate"])
    result: dict[str, Any] = {
        "candidates": len(candidates),
        "selection": overall,
        "medians": {m: middles[m] for m in measures},
    }
    for dimension in dimensions(sex, race_ethnicity):
        result[f"by_{dimension.name}"] = breakdown(candidates, dimension, measures, middles)
    return result
