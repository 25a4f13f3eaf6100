"""The starting scenario ``sim new`` writes: every section the model needs, each field explained.

The numbers are neutral placeholders (two sides of about 10,000 and 20,000, one salient of 500 km2,
90 days), chosen so that the file validates and runs as written, not to describe any real place.
Optional blocks (withdrawal rules, long-range strikes, observations, calibration) are written as
comments to uncomment; ``render(..., examples=True)`` writes them uncommented (the tests check that
they validate too).
"""

from __future__ import annotations

import re

NAME_RULE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
"""A name ``sim new`` accepts: a letter, then letters, digits or underscores; at most 64 characters."""

_WITHDRAWAL = """\
withdrawal:                      # when the holder gives up its ground: any rule that fires starts it
  not_before: 2025-02-01         # rules are not checked before this date
  area_below_km2: 100            # held area below this, km2
  force_ratio_above: 5           # the enemy's overall force ratio above this ...
  force_ratio_days: 14           # ... for this many consecutive days
  supply_below: 0.3              # supply factor (0-1) below this ...
  supply_days: 7                 # ... for this many consecutive days
  losses_above: 5000             # cumulative casualties above this, personnel
  loss_share_above: 0.5          # casualties above this share of all who served (0-1)
  duration_days: 14              # length of the fighting withdrawal, days
"""

_STRIKES = """\
strikes:                         # long-range strikes against the other side's supply
  start: 2025-01-15              # first date strikes may fall
  rate_per_day: 0.2              # mean strikes per day (Poisson)
  capacity_cut: 0.05             # share of the target's supply capacity one strike removes (0-1)
  recovery_days: 7               # days until the capacity a strike removed is back
"""

_OBSERVATIONS = """\
observations:                    # reported figures to compare the model with (and calibrate to)
  # metric: area_km2 (km2), sector_area_km2 (km2; give sector), advance_m_per_day (metres a day; since
  # optional), strength (personnel; give side). Uncertainty: sd, or low and high (a 95% range).
  - {date: 2025-03-01, metric: area_km2, value: 400, sd: 40, source: where the figure comes from}
"""

_CALIBRATE = """\
calibrate:                       # what sim calibrate fits to the observations
  parameters:                    # dotted path of an input -> its prior distribution
    engagement.kill_rate: {dist: uniform, low: 0.005, high: 0.02}
  population: 200                # particles per generation
  generations: 8                 # at most this many generations
  max_minutes: 12                # stop after this much wall time, minutes
"""

_TEMPLATE = """\
{modeline}# {name}: a new scenario written by sim new. Replace the placeholder numbers with your own, and say
# where each comes from. Check it with:  sim check {name}.yaml   and run it with:  sim run {name}.yaml
#
# Any number may instead be a distribution, sampled once per replication, for example
#   {{dist: uniform, low: 1, high: 2}}   {{dist: triangular, low: 1, mode: 1.5, high: 3}}
#   {{dist: normal, mean: 2, sd: 0.5}}   {{dist: lognormal, median: 2, sigma: 0.3}}
# (also fixed, beta, choice and empirical: docs/model.md). Dates are written YYYY-MM-DD. A scenario
# may start with "extends: other.yaml" and give only what differs from that file (docs/scenarios.md).

name: {name}                     # letters, digits, '_' or '-'; names the results
description: A new scenario; say here what it is about.
start: 2025-01-01                # first day (day 0)
end: 2025-04-01                  # last day, at most ten years after the start

sides:                           # exactly two sides, by name; exactly one holds the ground
  defender:
    description: The side holding the ground at the start.
    holds_ground: true
    contingents:                 # bodies of troops, by name (at least one)
      main:
        description: Its main force.
        unit_size: 1000          # personnel in one unit at full strength
        quality: 1.0             # combat power per soldier, relative to 1
        echelons:                # arrival waves: units, and day (days after the start) or date
          - {{units: 10, day: 0}}
        readiness_days: 0        # days from arrival until units can be committed
        reserve_share: 0.1       # share of ready strength kept out of the line (0-1)
        replacements_per_day: 20 # personnel a day sent to refill depleted units
    command:
      # how ready units go to sectors: even, proportional_frontage or weakest_first
      policy: proportional_frontage
      rotation_threshold: 0.5    # a unit below this share of its full size is pulled out to refit (0-1)
      return_threshold: 0.9      # a refitting unit returns once above this share (0-1)
{withdrawal}    logistics:                   # supply against demand (no block: always fully supplied)
      capacity: 20000            # supply delivered per day, in soldier-days of need
      demand_per_soldier: 1.0    # daily need of each soldier in theatre
      corridor_exposure: 0.0     # share of capacity lost as the held area shrinks to nothing (0-1)

  attacker:
    description: The side contesting the ground.
    holds_ground: false
    contingents:
      main:
        description: Its main force.
        unit_size: 1000
        quality: 1.0
        echelons:
          - {{units: 15, day: 0}}
          - {{units: 5, day: 30, jitter_days: {{dist: uniform, low: -5, high: 5}}}}   # about a month in
        readiness_days: 3
        reserve_share: 0.2
        replacements_per_day: 30
    attack:                      # how the side assaults (no block: it does not attack)
      max_rate_per_km: 0.1       # most assaults per km of front per day, at full supply and high density
      half_rate_density: 300     # combat power per km of front (personnel x quality) at half that tempo
      min_force_ratio: 0.0       # no assault below this local force ratio
      engaged_share: 0.5         # share of the attacker's troops on the assault's width that fight (0-1)
      defender_engaged_share: 0.5  # share of the defender's troops within reach that meet it (0-1)
      defender_reach_km: 1.5     # reach of the defender's reserves and fires either side of an assault, km
      duration_days: 1.0         # length of one assault, days
      frontage_km: 2.0           # width of front one assault engages, km
      advance_km: {{dist: lognormal, median: 0.5, sigma: 0.3}}   # median depth a successful assault gains, km
      advance_sigma: 0.5         # log-space spread of that depth
      depth_density_exponent: 0.0  # depth shrinks as the defence grows denser than at the start; 0: no effect
      fortified_depth_factor: 1.0  # depth against a fortified defence, as a share of that against a hasty one
    command:
      policy: proportional_frontage
    logistics:
      capacity: 40000            # soldier-days a day
{strikes}
sectors:                         # the contested ground, by name (at least one)
  main:
    description: The contested area.
    shape: salient               # salient: front shrinks with sqrt(area); line: front keeps its length
    area_km2: 500                # area held at the start, km2 (a line: front x depth)
    frontage_km: 40              # front length at the start, km
    terrain: 1.0                 # defence multiplier of the ground
    fortification:               # bonus to the defence (defence x (1 + bonus)) built while the line holds
      initial: 0.0               # bonus at the start
      growth_per_day: 0.01       # added per day without losing ground
      maximum: 0.5               # largest bonus
      kept_on_retreat: 0.5       # share of the bonus kept when the line moves back (0-1)

engagement:                      # how assaults resolve
  # attrition law: square, linear, logarithmic, or general (with own_exponent and enemy_exponent)
  law: {{type: square}}
  kill_rate: 0.01                # attrition coefficient per day, at quality 1 and full supply
  dispersion: 2.0                # gamma shape of loss noise (larger: less noise; null: none)
  noise: true                    # false: no randomness in timing, losses or outcomes
  # P(assault succeeds) = logistic(intercept + slope x ln(force ratio) + fortified_offset if fortified)
  success:
    intercept: 0.173             # the defaults: a fit to 636 historical battles (docs/cdb90_fit.md)
    slope: 0.358
    fortified_offset: -0.072
  fortified_at: 0.5              # fortification bonus from which a defence counts as fortified

thresholds_km2: [400, 250]       # held areas (km2) whose first crossing day is an outcome

{observations}
{calibrate}"""


def render(name: str, schema_ref: str | None = None, *, examples: bool = False) -> str:
    """Return the text of a new scenario called ``name``.

    Args:
        name: The scenario's name (``NAME_RULE``); also its file's name without ``.yaml``.
        schema_ref: The schema's path relative to the new file, for the first line that points a YAML
            language server at it (None: no such line).
        examples: Write the optional blocks uncommented (withdrawal, strikes, observations, calibrate).

    Returns:
        The YAML text.

    Raises:
        ValueError: If ``name`` is not a simple name.
    """
    if NAME_RULE.fullmatch(name) is None:
        raise ValueError(f"not a simple name: {name!r}")
    modeline = f"# yaml-language-server: $schema={schema_ref}\n" if schema_ref is not None else ""
    return _TEMPLATE.format(
        modeline=modeline,
        name=name,
        withdrawal=_block(_WITHDRAWAL, 6, examples),
        strikes=_block(_STRIKES, 4, examples),
        observations=_block(_OBSERVATIONS, 0, examples),
        calibrate=_block(_CALIBRATE, 0, examples),
    )


def _block(text: str, indent: int, enabled: bool) -> str:
    """Return an optional block indented by ``indent`` spaces: as YAML, or commented out to uncomment.

    Commented out, each line starts with ``# `` after the indent (an editor's "toggle comment" removes
    it), and trailing comments move two columns left so they stay aligned with the lines around.
    """
    pad = " " * indent
    lines = text.splitlines()
    if enabled:
        return "".join(f"{pad}{line}\n" for line in lines)
    return "".join(pad + "# " + _TRAILING.sub(r"\1\2#", line) + "\n" for line in lines)


_TRAILING = re.compile(r"(\S)( +)  #")
"""A value and its aligned comment, at least three spaces apart (two of them are taken away)."""
