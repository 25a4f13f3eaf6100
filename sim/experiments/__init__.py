"""Experiments built from batches: parameter sweeps and sensitivity analysis."""
