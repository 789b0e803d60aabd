"""Scripts that print measured figures (see the README's benchmarks section)."""
