"""The categories the survey offers: sex and race/ethnicity as the EEO-1 (Component 1) report
names them, which is what NYC Local Law 144's bias audit rules refer to, each with "prefer not
to say"."""

PREFER_NOT_TO_SAY = "prefer_not_to_say"
PREFER_NOT_TO_SAY_LABEL = "Prefer not to say"

SEX: dict[str, str] = {
    "female": "Female",
    "male": "Male",
}

RACE_ETHNICITY: dict[str, str] = {
    "hispanic_or_latino": "Hispanic or Latino",
    "white": "White (Not Hispanic or Latino)",
    "black_or_african_american": "Black or African American (Not Hispanic or Latino)",
    "native_hawaiian_or_pacific_islander": (
        "Native Hawaiian or Other Pacific Islander (Not Hispanic or Latino)"
    ),
    "asian": "Asian (Not Hispanic or Latino)",
    "american_indian_or_alaska_native": (
        "American Indian or Alaska Native (Not Hispanic or Latino)"
    ),
    "two_or_more_races": "Two or More Races (Not Hispanic or Latino)",
}


def answers(categories: dict[str, str]) -> dict[str, str]:
    """What a candidate may answer to one question: its categories, then prefer not to say."""
    return {**categories, PREFER_NOT_TO_SAY: PREFER_NOT_TO_SAY_LABEL}
