"""A readable account of a scenario, for ``sim check``."""

from __future__ import annotations

from sim.scenario.distributions import is_distribution
from sim.scenario.parameters import distribution_leaves
from sim.scenario.rules.withdrawal import RULES
from sim.scenario.schema import Scenario


def _show(value: object) -> str:
    if is_distribution(value):
        return value.describe()  # type: ignore[attr-defined]
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def describe(scenario: Scenario) -> str:
    """Return what the scenario contains: sides, contingents, sectors, distributions, observations."""
    lines = [
        f"scenario {scenario.name}: {scenario.start} to {scenario.end} ({scenario.horizon_days} days)",
    ]
    if scenario.description:
        lines.append(f"  {scenario.description}")
    lines.append("")
    for name, side in scenario.sides.items():
        role = "holds the ground" if side.holds_ground else "contests it"
        lines.append(f"side {name} ({role}); command: {side.command.policy}")
        for cname, contingent in side.contingents.items():
            units = sum(e.units for e in contingent.echelons)
            lines.append(
                f"  contingent {cname}: {units} units of {_show(contingent.unit_size)}, quality "
                f"{_show(contingent.quality)}, ready after {_show(contingent.readiness_days)} days, "
                f"reserve {_show(contingent.reserve_share)}, "
                f"replacements {_show(contingent.replacements_per_day)}/day"
            )
            for echelon in contingent.echelons:
                when = str(echelon.date) if echelon.date else f"day {_show(echelon.day)}"
                jitter = f" + {_show(echelon.jitter_days)} days" if echelon.jitter_days != 0.0 else ""
                lines.append(f"    echelon: {echelon.units} units on {when}{jitter}")
        if side.attack:
            start = side.attack.start or scenario.start
            lines.append(
                f"  attacks from {start}: up to {_show(side.attack.max_rate_per_km)} assaults/km/day "
                f"(half that at {_show(side.attack.half_rate_density)} power/km), "
                f"advance {_show(side.attack.advance_km)} km on {_show(side.attack.frontage_km)} km"
            )
        if side.command.withdrawal:
            w = side.command.withdrawal
            said = (rule.summary({f: getattr(w, f) for f in rule.fields}, _show) for rule in RULES.values())
            rules = [text for text in said if text]
            lines.append(
                f"  withdraws when: {'; '.join(rules) or 'never'} (over {_show(w.duration_days)} days)"
            )
        if side.logistics:
            lines.append(f"  supply capacity {_show(side.logistics.capacity)}/day")
        if side.strikes:
            lines.append(
                f"  long-range strikes from {side.strikes.start}: {_show(side.strikes.rate_per_day)}/day"
            )
    lines.append("")
    total = scenario.initial_area_km2
    lines.append(f"sectors ({total:,.0f} km2 in all):")
    for name, sector in scenario.sectors.items():
        shape = (
            "a line: its front keeps its length"
            if sector.shape == "line"
            else "a salient: front ~ sqrt(area)"
        )
        fort = sector.fortification
        lines.append(
            f"  {name}: {_show(sector.area_km2)} km2, front {_show(sector.frontage_km)} km ({shape}), "
            f"terrain x{_show(sector.terrain)}; fortification {_show(fort.initial)} growing "
            f"{_show(fort.growth_per_day)}/day to {_show(fort.maximum)}, {_show(fort.kept_on_retreat)} kept "
            "when the line moves back"
        )
    lines.append(
        f"\nengagement: {scenario.engagement.law.type} law, kill rate {_show(scenario.engagement.kill_rate)}"
        f"/day, noise {'on' if scenario.engagement.noise else 'off'}"
    )
    leaves = distribution_leaves(scenario)
    lines.append(f"\ndistributions ({len(leaves)}), each sampled once per replication:")
    for path, dist in leaves:
        lines.append(f"  {path}: {dist.describe()}")
    if scenario.observations:
        lines.append("\nobservations:")
        for obs in scenario.observations:
            whose = f" of {obs.side}" if obs.side else f" of sector {obs.sector}" if obs.sector else ""
            window = f" from {obs.since}" if obs.since else ""
            if obs.low is not None and obs.high is not None:
                spread = f"95% range {obs.low:g}-{obs.high:g}"
            else:
                spread = f"sd {obs.scale:g}"
            lines.append(f"  {obs.date} {obs.metric}{whose}{window} = {obs.value:g} ({spread}; {obs.source})")
    return "\n".join(lines)
