"""Figures and the HTML report: one style, one save, one backend switch."""
