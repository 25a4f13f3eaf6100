"""Grounding of model parameters in historical data."""
