"""The units of what a scenario holds: its inputs (by field name) and its observations (by metric).

One table for every figure, report and printed line. Units are stored in data files in plain text
(``km2``, ``personnel``, ``m/day``); ``printed`` gives the form a reader sees (``km²``, ``soldiers``).
"""

from __future__ import annotations

METRIC_NAMES = {
    "area_km2": "held area",
    "sector_area_km2": "sector area",
    "advance_m_per_day": "advance",
    "advance_km": "advance in the window",
    "strength": "strength",
    "losses": "losses in the window",
}
"""What each observation metric measures, in words."""

METRIC_UNITS = {
    "area_km2": "km2",
    "sector_area_km2": "km2",
    "advance_m_per_day": "m/day",
    "advance_km": "km",
    "strength": "personnel",
    "losses": "personnel",
}
"""The unit of each observation metric, as written in summary.json and compare.parquet."""

FIELD_UNITS = {
    "area_km2": "km2",
    "frontage_km": "km",
    "advance_km": "km",
    "defender_reach_km": "km",
    "max_rate_per_km": "assaults per km per day",
    "half_rate_density": "combat power per km",
    "replacements_per_day": "soldiers per day",
    "unit_size": "soldiers",
    "quality": "relative combat power per soldier",
    "kill_rate": "per day",
    "rate_per_day": "per day",
    "capacity": "soldier-days per day",
    "area_below_km2": "km2",
    "force_ratio_above": "ratio",
    "supply_below": "share of need",
    "corridor_exposure": "share",
    "capacity_cut": "share",
    "engaged_share": "share",
    "defender_engaged_share": "share",
    "reserve_share": "share",
    "thresholds_km2": "km2",
    "units": "units",
    "day": "days",
    "min_force_ratio": "ratio",
    "advance_sigma": "log-space sd",
    "fortified_depth_factor": "share",
    "rotation_threshold": "share of full size",
    "return_threshold": "share of full size",
    "demand_per_soldier": "soldier-days per soldier per day",
    "losses_above": "personnel",
    "loss_share_above": "share",
    "terrain": "multiplier",
    "initial": "bonus",
    "growth_per_day": "bonus per day",
    "maximum": "bonus",
    "kept_on_retreat": "share",
    "dispersion": "gamma shape",
    "fortified_at": "bonus",
    "intercept": "logit",
    "slope": "logit per ln(ratio)",
    "fortified_offset": "logit",
    "max_minutes": "minutes",
}
"""Units of scenario inputs by the last part of their dotted path; any ``*_days`` field is in days."""

_PRINTED = {"km2": "km²", "personnel": "soldiers"}


def printed(unit: str) -> str:
    """Return a unit as a reader sees it: ``km2`` as ``km²``, ``personnel`` as ``soldiers``."""
    return _PRINTED.get(unit, unit)


def field_unit(path: str) -> str | None:
    """Return the unit of a scenario input given by its dotted path (None if unknown or unitless)."""
    last = path.rsplit(".", 1)[-1]
    if last.endswith("_days") or last == "duration_days":
        return "days"
    return FIELD_UNITS.get(last)
