"""The bias audit's arithmetic on known numbers: the scoring-rate example of the NYC DCWP rule
(6 RCNY § 5-301(c)), and the cases the rule names: categories under 2 %, unknown categories,
intersections, a highest rate of zero."""

from typing import Any

from interview_api.bias_audit.categories import RACE_ETHNICITY, SEX
from interview_api.bias_audit.rates import Candidate, audit

SCORE = "culture_fit"


def scored(count: int, above: int, **categories: str | None) -> list[Candidate]:
    """`count` candidates of these categories, `above` of whom score 10, the rest 1."""
    return [
        Candidate(
            sex=categories.get("sex"),
            race_ethnicity=categories.get("race_ethnicity"),
            scores={SCORE: 10.0 if i < above else 1.0},
        )
        for i in range(count)
    ]


def decided(count: int, advanced: int, **categories: str | None) -> list[Candidate]:
    """`count` candidates with a decision, `advanced` of them `advance`, the rest `reject`."""
    return [
        Candidate(
            sex=categories.get("sex"),
            race_ethnicity=categories.get("race_ethnicity"),
            decision="advance" if i < advanced else "reject",
        )
        for i in range(count)
    ]


def rows(result: dict[str, Any], dimension: str) -> dict[str, dict[str, Any]]:
    return {row["category"]: row for row in result[f"by_{dimension}"]}


def test_the_rules_scoring_example_by_sex_gives_its_rates_and_impact_ratio() -> None:
    # "Male: 92 applicants, scoring rate 54.3 %, impact ratio 1.00; Female: 76, 44.7 %, 0.82"
    sample = scored(92, 50, sex="male") + scored(76, 34, sex="female")
    result = audit(sample, [SCORE], SEX, RACE_ETHNICITY)
    assert result["medians"][SCORE] == 5.5  # 84 of the 168 score 10, 84 score 1
    by_sex = rows(result, "sex")
    male, female = by_sex["male"]["scoring"][SCORE], by_sex["female"]["scoring"][SCORE]
    assert (male["scored"], male["above_median"]) == (92, 50)
    assert round(male["rate"] * 100, 1) == 54.3
    assert round(female["rate"] * 100, 1) == 44.7
    assert male["impact_ratio"] == 1.0
    assert round(female["impact_ratio"], 2) == 0.82
    assert by_sex["male"]["candidates"] == 92
    assert by_sex["not_answered"]["candidates"] == 0


def test_the_rules_scoring_example_by_race_ethnicity_gives_its_impact_ratios() -> None:
    # The rule's table: Hispanic or Latino 28 applicants, 64.2 % (18 of 28, truncated), 1.00;
    # White 40, 37.5 %, 0.58; Black 32, 50.0 %, 0.78; Native Hawaiian or Pacific Islander 8,
    # 62.5 %, 0.97; Asian 24, 41.7 %, 0.65.
    table = {
        "hispanic_or_latino": (28, 18, 1.00),
        "white": (40, 15, 0.58),
        "black_or_african_american": (32, 16, 0.78),
        "native_hawaiian_or_pacific_islander": (8, 5, 0.97),
        "asian": (24, 10, 0.65),
    }
    sample = [
        candidate
        for race, (count, above, _) in table.items()
        for candidate in scored(count, above, race_ethnicity=race, sex="female")
    ]
    result = audit(sample, [SCORE], SEX, RACE_ETHNICITY)
    by_race = rows(result, "race_ethnicity")
    for race, (count, above, ratio) in table.items():
        figure = by_race[race]["scoring"][SCORE]
        assert (by_race[race]["candidates"], figure["above_median"]) == (count, above)
        assert round(figure["impact_ratio"], 2) == ratio, race
    assert round(by_race["white"]["scoring"][SCORE]["rate"] * 100, 1) == 37.5


def test_selection_rate_counts_only_candidates_with_a_decision() -> None:
    undecided = [Candidate(sex="female", race_ethnicity="asian")] * 5
    sample = decided(10, 4, sex="female") + undecided + decided(20, 10, sex="male")
    result = audit(sample, [], SEX, RACE_ETHNICITY)
    by_sex = rows(result, "sex")
    female = by_sex["female"]
    assert female["candidates"] == 15
    assert female["selection"] == {"decided": 10, "advanced": 4, "rate": 0.4, "impact_ratio": 0.8}
    assert by_sex["male"]["selection"]["impact_ratio"] == 1.0
    assert result["selection"] == {"decided": 30, "advanced": 14, "rate": 0.466667}


def test_a_category_under_2_percent_is_reported_but_not_the_reference() -> None:
    # one Asian candidate, advanced: the highest rate, but 1 of 101 is under 2 %
    sample = decided(1, 1, race_ethnicity="asian")
    sample += decided(50, 25, race_ethnicity="white") + decided(
        50, 20, race_ethnicity="black_or_african_american"
    )
    result = audit(sample, [], SEX, RACE_ETHNICITY)
    by_race = rows(result, "race_ethnicity")
    asian = by_race["asian"]
    assert asian["under_2_percent"] is True
    assert asian["in_impact_ratios"] is False
    assert asian["selection"]["rate"] == 1.0  # still reported
    assert asian["selection"]["impact_ratio"] is None
    assert by_race["white"]["selection"]["impact_ratio"] == 1.0
    assert by_race["black_or_african_american"]["selection"]["impact_ratio"] == 0.8
    # a category nobody is in is listed, flagged, with no rate
    assert by_race["two_or_more_races"]["candidates"] == 0
    assert by_race["two_or_more_races"]["under_2_percent"] is True
    assert by_race["two_or_more_races"]["selection"]["rate"] is None


def test_unknown_answers_are_counted_apart_and_never_compared() -> None:
    sample = decided(10, 5, sex="female", race_ethnicity="white")
    sample += decided(6, 6, sex="prefer_not_to_say", race_ethnicity="white")
    sample += decided(4, 0)  # never answered
    result = audit(sample, [], SEX, RACE_ETHNICITY)
    by_sex = rows(result, "sex")
    assert by_sex["prefer_not_to_say"]["candidates"] == 6
    assert by_sex["prefer_not_to_say"]["selection"]["rate"] == 1.0
    assert by_sex["prefer_not_to_say"]["selection"]["impact_ratio"] is None
    assert by_sex["not_answered"]["candidates"] == 4
    assert by_sex["female"]["selection"]["impact_ratio"] == 1.0  # not beaten by the unknown
    assert by_sex["female"]["share"] == 0.5
    by_race = rows(result, "race_ethnicity")
    assert by_race["white"]["candidates"] == 16
    assert by_race["not_answered"]["candidates"] == 4
    intersection = rows(result, "intersection")
    assert intersection["female/white"]["candidates"] == 10
    assert intersection["unknown"]["candidates"] == 10


def test_intersections_compare_every_pair_of_sex_and_race_ethnicity() -> None:
    sample = decided(20, 10, sex="female", race_ethnicity="hispanic_or_latino")
    sample += decided(20, 5, sex="male", race_ethnicity="hispanic_or_latino")
    sample += decided(20, 8, sex="female", race_ethnicity="asian")
    result = audit(sample, [], SEX, RACE_ETHNICITY)
    intersection = rows(result, "intersection")
    assert len(intersection) == len(SEX) * len(RACE_ETHNICITY) + 1  # and the unknown row
    assert intersection["female/hispanic_or_latino"]["label"] == "Female, Hispanic or Latino"
    assert intersection["female/hispanic_or_latino"]["selection"]["impact_ratio"] == 1.0
    assert intersection["male/hispanic_or_latino"]["selection"]["impact_ratio"] == 0.5
    assert intersection["female/asian"]["selection"]["impact_ratio"] == 0.8
    assert intersection["male/asian"]["candidates"] == 0


def test_the_median_is_of_the_whole_sample_and_ties_are_not_above_it() -> None:
    # ratings 2, 3, 3, 3, 4 -> median 3: only the 4 is above it
    values = {"female": [3.0, 4.0], "male": [2.0, 3.0, 3.0]}
    sample = [
        Candidate(sex=sex, race_ethnicity=None, scores={SCORE: value})
        for sex, scores in values.items()
        for value in scores
    ]
    sample.append(Candidate(sex="male", race_ethnicity=None, scores={SCORE: None}))
    result = audit(sample, [SCORE], SEX, RACE_ETHNICITY)
    assert result["medians"][SCORE] == 3.0
    by_sex = rows(result, "sex")
    assert by_sex["female"]["scoring"][SCORE] == {
        "scored": 2, "above_median": 1, "rate": 0.5, "impact_ratio": 1.0,
    }  # fmt: skip
    # the male candidate without a score is a candidate, not a scored one
    assert by_sex["male"]["candidates"] == 4
    assert by_sex["male"]["scoring"][SCORE]["scored"] == 3
    assert by_sex["male"]["scoring"][SCORE]["rate"] == 0.0
    assert by_sex["male"]["scoring"][SCORE]["impact_ratio"] == 0.0


def test_when_no_category_is_selected_impact_ratios_are_undefined() -> None:
    sample = decided(10, 0, sex="female") + decided(10, 0, sex="male")
    by_sex = rows(audit(sample, [], SEX, RACE_ETHNICITY), "sex")
    assert by_sex["female"]["selection"]["rate"] == 0.0
    assert by_sex["female"]["selection"]["impact_ratio"] is None


def test_an_empty_sample_has_no_rates() -> None:
    result = audit([], [SCORE], SEX, RACE_ETHNICITY)
    assert result["candidates"] == 0
    assert result["medians"][SCORE] is None
    assert all(row["selection"]["rate"] is None for row in result["by_sex"])
