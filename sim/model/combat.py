"""One assault: who meets whom, the losses on both sides, whether it succeeds, and the ground it moves.

The laws themselves (attrition, loss noise, success curve, area gained) are the pure functions of
``sim.model.laws``; this module applies them to the state of a replication.
"""

from __future__ import annotations

import math

from sim.model import laws
from sim.model.draws import Draws
from sim.model.forces import SideState
from sim.model.ground import Ground
from sim.model.plans import AttackPlan, EngagementPlan


class AssaultResult:
    """What one assault did.

    Attributes:
        ratio: The attacker's combat power over the defender's, where they met (inf if nobody defended).
        probability: The chance of success that ratio gave.
        succeeded: Whether the assault took (or won back) ground.
        attacker_losses: The attacker's losses.
        defender_losses: The defender's losses.
        attacking: The attacker's personnel engaged.
        defending: The defender's personnel engaged.
        moved_km2: The change of the sector's held area (negative when the holder loses ground).
    """

    # A plain class rather than a frozen dataclass: one is made per assault, and a frozen dataclass sets
    # each field through object.__setattr__ (compiled, a plain class sets them natively).
    __slots__ = (
        "ratio",
        "probability",
        "succeeded",
        "attacker_losses",
        "defender_losses",
        "attacking",
        "defending",
        "moved_km2",
    )

    def __init__(
        self,
        ratio: float,
        probability: float,
        succeeded: bool,
        attacker_losses: float,
        defender_losses: float,
        attacking: float,
        defending: float,
        moved_km2: float,
    ) -> None:
        self.ratio = ratio
        self.probability = probability
        self.succeeded = succeeded
        self.attacker_losses = attacker_losses
        self.defender_losses = defender_losses
        self.attacking = attacking
        self.defending = defending
        self.moved_km2 = moved_km2


def resolve_assault(
    attacker: SideState,
    defender: SideState,
    holder: SideState,
    ground: Ground,
    sector: int,
    plan: AttackPlan,
    engagement: EngagementPlan,
    draws: Draws | None,
    depth_scale: float = 1.0,
) -> AssaultResult | None:
    """Resolve one assault by ``attacker`` on ``defender`` in ``sector``; None if it is not launched.

    An assault is not launched when the attacker has nobody in the sector's line, or when the local
    force ratio is below the attacker's ``min_force_ratio``. The forces that meet are those on the
    assault's width (the attacker) and within the defender's reach of it (``laws.engaged``).

    Args:
        attacker: The side attacking.
        defender: The side attacked.
        holder: The side holding the ground (one of the two).
        ground: The sectors.
        sector: The sector attacked.
        plan: The attacker's assault parameters.
        engagement: How assaults resolve.
        draws: The attacker's combat stream in this sector (None without noise).
        depth_scale: Factor on the depth of a successful assault (the day's weather).
    """
    attacking_figures = attacker.sectors[sector]
    defending_figures = defender.sectors[sector]
    attacker_line = attacking_figures.line_strength
    if attacker_line <= 0.0:
        return None
    defender_line = defending_figures.line_strength
    front = ground.frontage(sector)
    attacking = laws.engaged(attacker_line, front, plan.frontage_km, plan.engaged_share)
    reach = plan.frontage_km + 2.0 * plan.defender_reach_km
    defending = laws.engaged(defender_line, front, reach, plan.defender_engaged_share)
    attacker_quality = attacking_figures.line_power / attacker_line
    defender_quality = defending_figures.line_power / defender_line if defender_line > 0 else 1.0
    # Posture: the attacker fights at its supply; the defender also has the ground, and the
    # holder its fortification.
    attacker_eff = attacker_quality * attacker.supply
    held = ground.sectors[sector]
    defender_eff = defender_quality * defender.supply * held.terrain
    if defender is holder:
        defender_eff *= 1.0 + held.fortification
    attacker_power = attacking * attacker_eff
    defender_power = defending * defender_eff
    ratio = attacker_power / defender_power if defender_power > 0 else math.inf
    if not laws.launched(ratio, plan.min_force_ratio):
        return None
    kill_rate, exponents, dispersion = engagement.kill_rate, engagement.exponents, engagement.dispersion
    attacker_mean = laws.expected_losses(
        attacking, defending, defender_eff, kill_rate, exponents, plan.duration
    )
    defender_mean = laws.expected_losses(
        defending, attacking, attacker_eff, kill_rate, exponents, plan.duration
    )
    if defender is holder:
        defender_mean = laws.protected_losses(
            defender_mean, held.fortification, engagement.posture_protection
        )
    attacker_losses = laws.draw_losses(attacker_mean, attacking, dispersion, draws)
    defender_losses = laws.draw_losses(defender_mean, defending, dispersion, draws)
    if attacker_losses > 0.0:
        attacker.take_losses(sector, attacker_losses)
    if defender_losses > 0.0:
        defender.take_losses(sector, defender_losses)

    fortified = defender is holder and held.fortification >= engagement.fortified_at
    probability = laws.success_probability(
        ratio, engagement.intercept, engagement.slope, engagement.fortified_offset if fortified else 0.0
    )
    succeeded = (draws.uniform() < probability) if draws is not None else probability >= 0.5
    moved = 0.0
    if succeeded:
        depth = plan.advance_km * depth_scale
        if draws is not None and plan.advance_sigma > 0:
            depth *= math.exp(plan.advance_sigma * draws.normal())
        density = defender_line / front if front > 0.0 else 0.0
        depth *= laws.depth_factor(density, defending_figures.start_density, plan.depth_density_exponent)
        if fortified:
            depth *= plan.fortified_depth_factor
        gained = laws.area_gained(depth, plan.frontage_km, front)
        moved = ground.regain(sector, gained) if attacker is holder else ground.lose(sector, gained)
    return AssaultResult(
        ratio, probability, succeeded, attacker_losses, defender_losses, attacking, defending, moved
    )
