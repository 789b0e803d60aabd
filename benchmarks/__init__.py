"""Scripts that print measured figures (see the README)."""
