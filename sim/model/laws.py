"""Combat laws: small pure functions, each tested on its own.

Attrition follows the Lanchester family in its general form: over an assault of length ``tau``
a side with engaged strength ``own`` facing ``enemy`` expects to lose

    kill_rate * enemy_effectiveness * own**p * enemy**q * tau

with (p, q) = (0, 1) for the square law, (1, 1) linear, (1, 0) logarithmic, or any exponents.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from sim.model.draws import Draws


def expected_losses(
    own: float,
    enemy: float,
    enemy_effectiveness: float,
    kill_rate: float,
    exponents: tuple[float, float],
    duration_days: float,
) -> float:
    """Return the expected losses of one side over an assault.

    Args:
        own: The side's engaged strength (personnel).
        enemy: The enemy's engaged strength (personnel).
        enemy_effectiveness: The enemy's quality x supply x posture multipliers.
        kill_rate: The law's attrition coefficient per day.
        exponents: (p, q), the exponents on own and enemy strength.
        duration_days: Length of the assault in days.

    Returns:
        Expected losses in personnel (not yet capped at ``own``).
    """
    own_exponent, enemy_exponent = exponents
    if own <= 0.0 or enemy <= 0.0:
        return 0.0
    # math.pow, not **: the same C pow() for positive bases, and compiled it needs no boxed floats.
    own_factor = math.pow(own, own_exponent)
    return kill_rate * enemy_effectiveness * own_factor * math.pow(enemy, enemy_exponent) * duration_days


class LossNoise(Protocol):
    """What loss noise draws from: a numpy Generator, or the model's buffered draws."""

    def gamma(self, shape: float, scale: float) -> float:
        """Return a gamma draw."""
        ...

    def poisson(self, lam: float) -> float:
        """Return a Poisson draw."""
        ...


def draw_losses(mean: float, present: float, dispersion: float | None, rng: LossNoise | None) -> float:
    """Draw realised losses around ``mean``, never more than the strength present.

    With a dispersion ``k``, losses are gamma-Poisson (negative binomial): the Poisson rate is
    itself gamma distributed with shape ``k`` and mean ``mean``, so the variance is
    ``mean + mean**2 / k``, wider than Poisson as combat records show.

    Args:
        mean: Expected losses.
        present: Strength present, the cap.
        dispersion: Gamma shape ``k``; None (or no generator) returns the mean itself.
        rng: The combat stream (a numpy Generator or anything with ``gamma`` and ``poisson``).

    Returns:
        Losses in [0, present].
    """
    if mean <= 0.0 or present <= 0.0:
        return 0.0
    if dispersion is None or rng is None:
        return min(mean, present)
    if isinstance(rng, Draws):
        # The model's own stream, named so the compiled build calls it directly; the same two draws.
        draws: Draws = rng
        rate = draws.gamma(dispersion, mean / dispersion) if dispersion > 0 else mean
        return min(draws.poisson(rate), present)
    rate = rng.gamma(dispersion, mean / dispersion) if dispersion > 0 else mean
    return min(float(rng.poisson(rate)), present)


def tempo(power_per_km: float, half_rate_density: float) -> float:
    """Return the share of the maximum assault rate a side reaches at a density of combat power.

    ``density / (density + half)``: 0 with nobody in the sector, one half at ``half_rate_density``,
    approaching 1 as the sector fills (a side cannot mount assaults faster than its maximum, however
    crowded). With ``half_rate_density`` 0 the tempo is 1 whenever anyone is there.
    """
    if power_per_km <= 0.0:
        return 0.0
    return power_per_km / (power_per_km + half_rate_density)


def engaged(line_strength: float, front_km: float, width_km: float, share: float) -> float:
    """Return the personnel that fight in an assault: ``share`` of those on ``width_km`` of the front.

    The side's line is spread evenly along the sector's front, so ``width / front`` of it stands on the
    assault's width (all of it when the front is narrower than the width): a shrinking salient packs its
    defenders closer, and more of them meet each assault.
    """
    if front_km <= 0.0 or line_strength <= 0.0:
        return 0.0
    return share * line_strength * min(width_km, front_km) / front_km


def success_probability(force_ratio: float, intercept: float, slope: float, offset: float = 0.0) -> float:
    """Return the chance an assault succeeds: logistic(intercept + slope ln(ratio) + offset).

    Args:
        force_ratio: Attacker's over defender's combat power (inf when nobody defends).
        intercept: Logit at a ratio of 1.
        slope: Change of the logit per unit of ln(ratio).
        offset: Posture term, e.g. for a fortified defence.

    Returns:
        A probability in [0, 1].
    """
    if force_ratio <= 0.0:
        return 0.0
    if math.isinf(force_ratio):
        return 1.0
    logit = intercept + slope * math.log(force_ratio) + offset
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    odds = math.exp(logit)
    return odds / (1.0 + odds)


def frontage_km(initial_frontage_km: float, initial_area_km2: float, area_km2: float) -> float:
    """Return the front length of a sector that has shrunk to ``area_km2``.

    A salient shrinking in proportion keeps its shape, so its front scales with the square root
    of its area.
    """
    if initial_area_km2 <= 0.0 or area_km2 <= 0.0:
        return 0.0
    return initial_frontage_km * math.sqrt(area_km2 / initial_area_km2)


def frontages_km(
    initial_frontage_km: np.ndarray, initial_area_km2: np.ndarray, area_km2: np.ndarray, is_line: np.ndarray
) -> np.ndarray:
    """Return ``frontage_km`` for many days and sectors at once (a line keeps its front while held).

    Args:
        initial_frontage_km: Each sector's front at the start, shape (sectors,).
        initial_area_km2: Each sector's area at the start, shape (sectors,).
        area_km2: Held area, shape (days, sectors).
        is_line: Whether each sector is a line, shape (sectors,).
    """
    area = np.clip(area_km2, 0.0, None)
    held = area > 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        salient = initial_frontage_km * np.sqrt(np.where(initial_area_km2 > 0, area / initial_area_km2, 0.0))
    return np.where(held, np.where(is_line, initial_frontage_km, salient), 0.0)


def depth_factor(density: float, start_density: float, exponent: float) -> float:
    """Return how much of its depth a successful assault takes against a denser (or thinner) defence.

    ``(density / start_density) ** -exponent``: a defence packed twice as densely as at the start lets
    an assault through ``2**-exponent`` as deep. 1 when the exponent is 0 or a density is unknown.
    """
    if exponent <= 0.0 or density <= 0.0 or start_density <= 0.0:
        return 1.0
    return math.pow(density / start_density, -exponent)


def area_gained(depth_km: float, assault_frontage_km: float, sector_frontage_km: float) -> float:
    """Return the area a successful assault moves the line by: depth x engaged frontage."""
    return depth_km * min(assault_frontage_km, sector_frontage_km)


def supply_factor(capacity: float, demand: float) -> float:
    """Return the share of demand that capacity meets, in [0, 1]."""
    if demand <= 0.0:
        return 1.0
    return max(0.0, min(1.0, capacity / demand))


def fire_losses(
    enemy_line: float,
    own_power_per_km: float,
    loss_share_per_day: float,
    reference_density: float,
    supply: float,
) -> float:
    """Return the expected daily losses of an enemy line under a side's fires, at most the line itself.

    ``loss_share_per_day x enemy_line x (own_power_per_km / reference_density) x supply``: area fire (the
    Lanchester linear law in density form) takes a share of whoever stands in the line, in proportion to
    the firing side's combat power per km of front and its supply.
    """
    if enemy_line <= 0.0 or own_power_per_km <= 0.0 or reference_density <= 0.0:
        return 0.0
    share = loss_share_per_day * own_power_per_km / reference_density * supply
    return min(enemy_line, share * enemy_line)


def protected_losses(losses: float, fortification: float, protection: float) -> float:
    """Return a defender's losses behind fortification: ``losses x (1 + fortification) ** -protection``."""
    if protection <= 0.0 or fortification <= 0.0:
        return losses
    return losses * math.pow(1.0 + fortification, -protection)


def assault_rate(max_rate_per_km: float, front_km: float, supply: float, tempo_share: float) -> float:
    """Return a side's assaults a day on a sector: ``max_rate_per_km x front x supply x tempo_share``.

    ``tempo_share`` is what ``tempo`` gives for the side's density there, times its culmination, pause
    and weather factors: a side at full supply and full tempo launches ``max_rate_per_km`` assaults a
    day on each km of front.
    """
    return max_rate_per_km * front_km * supply * tempo_share


def launched(force_ratio: float, min_force_ratio: float) -> bool:
    """Return whether an assault is launched: the local force ratio is at least the attacker's minimum."""
    return not force_ratio < min_force_ratio


def force_ratio(power: float, supply: float, enemy_power: float, enemy_supply: float) -> float:
    """Return the enemy's combat power over a side's, each at its supply (inf when the side has none).

    What the holder's withdrawal rules read: ``(enemy_power x enemy_supply) / (power x supply)``.
    """
    own = power * supply
    hostile = enemy_power * enemy_supply
    return hostile / own if own > 0 else math.inf


def regained_area(area_km2: float, gained_km2: float, original_km2: float) -> float:
    """Return a sector's area after the holder wins back ``gained_km2``: never beyond its original."""
    return min(original_km2, area_km2 + gained_km2)
