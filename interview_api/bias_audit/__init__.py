"""The opt-in bias audit: a voluntary, self-declared demographic survey the candidate page asks
after the last answer, kept apart from everything reviewers see, and the admin's audit of a
question set's selection and scoring rates by sex, race/ethnicity and their intersection."""
