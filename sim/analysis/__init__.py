"""Analysis of run folders: summaries, survival, plots."""
