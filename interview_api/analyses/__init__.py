"""Analyses of recorded answers: the pipeline's results as the interview API serves them."""
