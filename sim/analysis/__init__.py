"""Analysis of a run's numbers: summaries, survival, scores and validation (no figures)."""
