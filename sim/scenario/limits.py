"""Bounds on everything a scenario can make large: files, YAML, counts, the horizon, the numbers.

Every number in a scenario must be finite. Beyond that, each is held within a *plausible* bound: far
wider than any real campaign needs, but narrow enough that no input can make a run take hours, fill
memory, or overflow a calendar. The bounds of each field are written in its description (``sim
check`` and the schema show them); the bounds of files and of the YAML are here.
"""

from __future__ import annotations

import datetime as dt

# Files ----------------------------------------------------------------------------------------------
SCENARIO_BYTES = 1_000_000
"""Largest scenario (or sweep) YAML file: 1 MB (the Kursk scenario is 14 kB)."""
SAMPLES_BYTES = 64_000_000
"""Largest samples file of an empirical distribution: 64 MB."""
SAMPLES_ROWS = 1_000_000
"""Most rows of an empirical distribution's samples file."""
CSV_FIELD_CHARS = 1_000
"""Longest cell of any CSV a user gives (a number needs a few dozen characters, a source a few hundred)."""
OBSERVATIONS_BYTES = 1_000_000
"""Largest observations CSV (``sim validate --observations``): 1 MB; a thousand observations take 60 kB."""

# YAML -----------------------------------------------------------------------------------------------
YAML_NODES = 100_000
"""Most values (mappings, lists, scalars) in a YAML document, counting each use of an alias in full."""
YAML_DEPTH = 50
"""Deepest nesting of mappings and lists (a scenario needs about 8)."""
OVERRIDE_CHARS = 100_000
"""Longest ``--set`` value."""
EXTENDS_DEPTH = 20
"""Longest chain of ``extends:`` (a scenario, its base, the base's base...); a calibrated scenario needs 2."""

# Counts ---------------------------------------------------------------------------------------------
SECTORS = 64
CONTINGENTS = 32
"""Contingents of one side."""
ECHELONS = 100
"""Arrival waves of one contingent."""
UNITS_PER_ECHELON = 10_000
UNITS = 20_000
"""Units in all echelons of all contingents of the scenario."""
OBSERVATIONS = 1_000
"""Observations of a scenario, and rows of an observations CSV."""
THRESHOLDS = 100
CALIBRATED_PARAMETERS = 64
CHOICE_VALUES = 10_000

# Time -----------------------------------------------------------------------------------------------
HORIZON_DAYS = 3_660
"""Longest scenario, from ``start`` to ``end``: ten years."""
FIRST_DATE = dt.date(1700, 1, 1)
LAST_DATE = dt.date(2200, 12, 31)
"""Every date of a scenario lies within these."""
DAYS = 3_660.0
"""Any duration or day count in days (readiness, jitter, arrival day, withdrawal, recovery...)."""

# Work per replication -------------------------------------------------------------------------------
ASSAULTS = 2_000_000
"""Most assaults a replication could launch at full tempo: each side's ``max_rate_per_km`` times the
total front (km) times the days of the scenario, summed over the sides (Kursk: about 20,000)."""

# Numbers --------------------------------------------------------------------------------------------
UNIT_SIZE = 100_000.0
"""Personnel of one unit."""
PERSONNEL = 1_000_000_000.0
"""Any count of personnel (replacements a day, a casualty limit)."""
QUALITY = 100.0
"""Combat power per soldier, relative to 1; also the terrain multiplier."""
AREA_KM2 = 1_000_000.0
"""Any area: a sector, a threshold, a withdrawal limit, an observed area."""
FRONTAGE_KM = 10_000.0
"""A sector's front."""
ASSAULT_KM = 100.0
"""An assault's width, depth and the defender's reach."""
ASSAULTS_PER_KM_DAY = 10.0
"""Most assaults per km of front per day (reported: about 0.1-0.2)."""
STRIKES_PER_DAY = 100.0
DENSITY = 1_000_000.0
"""Combat power per km of front."""
RATIO = 1_000.0
"""A force ratio."""
SPREAD = 10.0
"""A log-space spread (advance_sigma) or an exponent of depth on density."""
SUPPLY = 100_000_000.0
"""Supply capacity a day, in soldier-days of need."""
DEMAND = 100.0
"""Daily need of one soldier."""
KILL_RATE = 1_000.0
"""The attrition coefficient (square law: about 0.001-0.2; a general law with small exponents needs more)."""
DISPERSION = 1_000_000.0
"""Gamma shape of loss noise (larger is Poisson for any purpose)."""
LAW_EXPONENT = 3.0
FORTIFICATION = 10.0
"""A fortification bonus (defence multiplied by 1 + bonus)."""
FORTIFICATION_GROWTH = 1.0
"""Fortification bonus gained a day."""
LOGIT = 50.0
"""Size of a success-curve coefficient (the logit of 50 is a probability of 1 - 2e-22)."""
OBSERVED = 1_000_000_000.0
"""An observed value, its sd or interval end."""
