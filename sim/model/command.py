"""A side's daily command: replacements, rotation and refit, and committing ready units.

Replacements go to a contingent's weakest units first; units worn below the rotation threshold are
pulled out to refit (never the last unit of a sector while no reserve can take its place) and return
to the reserve once refilled above the return threshold; ready reserves are committed to open
sectors by the side's allocation policy, keeping the contingent's reserve share back.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.model.forces import SideState, Unit
from sim.model.ground import Ground

Log = Callable[..., None]
"""Records an event when tracing: ``log(sector, kind, side, subject, **numbers)``."""


def replace(side: SideState, contingent: str, per_day: float) -> None:
    """Send the day's replacements to the contingent's weakest units first."""
    pool = side.replacement_pool[contingent] + per_day
    units = side.arrived_by_contingent[contingent]
    while pool > 0.0 and units:
        # A list of shares and C-level min/index: far cheaper than min() with a key function.
        shares = [unit.strength / unit.full_size for unit in units]
        lowest = min(shares)
        if lowest >= 1.0:
            break
        weakest = units[shares.index(lowest)]
        added = min(pool, weakest.full_size - weakest.strength)
        side.add_strength(weakest, added)
        pool -= added
    # Replacements that find no gap wait, but no more than a day's worth piles up.
    side.replacement_pool[contingent] = min(pool, per_day)


def daily_command(side: SideState, enemy: SideState, ground: Ground, now: float, log: Log | None) -> None:
    """Run one side's command for the day: replacements, refit, rotation, then allocation."""
    if side.withdrawn:
        return
    for contingent in side.plan.contingents:
        per_day = contingent.replacements_per_day
        if per_day > 0 and now >= contingent.replacements_from_day:
            replace(side, contingent.name, per_day)
    command = side.plan.command
    threshold = command.rotation_threshold
    back = command.return_threshold
    for unit in [u for u in side.refitting if u.strength >= back * u.full_size]:
        side.back_from_refit(unit)
    has_reserve = any(side.reserve.values())
    for k, line in enumerate(side.line):
        worn = [u for u in line if u.strength < threshold * u.full_size]
        for unit in worn:
            if len(line) <= 1 and not has_reserve:
                break
            side.pull_out(unit)
            if log is not None:
                log(k, "rotate", side.name, unit.name, share=unit.strength / unit.full_size)
    if has_reserve and not side.withdrawing:
        allocate(side, enemy, ground, log)


def allocate(side: SideState, enemy: SideState, ground: Ground, log: Log | None) -> None:
    """Commit ready reserves to open sectors by the side's policy, keeping its reserve share."""
    if side.withdrawing or side.withdrawn:
        return
    open_sectors: list[int] | None = None
    policy = side.plan.command.policy
    for name, waiting in side.reserve.items():
        if not waiting:
            continue
        held = sum([u.strength for u in waiting])
        keep = side.reserve_share[name] * side.ready_full[name]
        if held - min([u.strength for u in waiting]) < keep - 1e-9:
            continue
        if open_sectors is None:
            open_sectors = ground.open_sectors()
        if not open_sectors:
            return
        reserve: list[Unit] = sorted(waiting, key=lambda u: -u.strength)
        frontage = [ground.frontage(k) for k in open_sectors]
        hostile = [enemy.line_power[k] for k in open_sectors]
        for unit in reserve:
            if held - unit.strength < keep - 1e-9:
                continue
            own = [side.line_power[k] for k in open_sectors]
            count = [len(side.line[k]) for k in open_sectors]
            sector = open_sectors[policy(own, hostile, count, frontage)]
            side.enter_line(unit, sector)
            held -= unit.strength
            if log is not None:
                log(sector, "commit", side.name, unit.name, strength=unit.strength)
