"""A side's daily command: replacements, rotation and refit, and committing ready units.

Replacements go to a contingent's weakest units first; units worn below the rotation threshold are
pulled out to refit and return to the reserve once refilled above the return threshold; ready
reserves are committed to open sectors by the side's allocation policy, keeping the contingent's
reserve share back.

The line never empties by accident: a sector's last unit is pulled out only when a unit from the
reserve (one the reserve share lets go) takes its place at once, and an open sector with none of the
side's units gets one before anything else, from the reserve (whatever the reserve share) or else from
the sector with the most units.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.model.forces import SideState, Unit, total_strength
from sim.model.ground import Ground

Log = Callable[..., None]
"""Records an event when tracing: ``log(sector, kind, side, subject, **numbers)``."""


def replace(side: SideState, contingent: str, per_day: float) -> None:
    """Send the day's replacements to the contingent's weakest units first."""
    pool = side.replacement_pool[contingent] + per_day
    units = side.arrived_by_contingent[contingent]
    while pool > 0.0 and units:
        weakest = units[weakest_share(units)]
        if weakest.strength / weakest.full_size >= 1.0:
            break
        added = min(pool, weakest.full_size - weakest.strength)
        side.add_strength(weakest, added)
        pool -= added
    # Replacements that find no gap wait, but no more than a day's worth piles up.
    side.replacement_pool[contingent] = min(pool, per_day)


def weakest_share(units: list[Unit]) -> int:
    """Return the index of the unit with the lowest share of its full size, the first of equal ones.

    One native pass working each share out as it goes (compiled, cheaper than reading a list of boxed
    shares, let alone ``min`` and ``list.index`` over one): the same divisions, so the same choice. A
    ``for`` over the list, not over its indices: compiled, it reads each item without a bounds check.
    """
    first = units[0]
    lowest = first.strength / first.full_size
    index = 0
    for position, unit in enumerate(units):
        share = unit.strength / unit.full_size
        if share < lowest:
            lowest = share
            index = position
    return index


def weakest_strength(units: list[Unit]) -> float:
    """Return the lowest strength among ``units`` (not empty), as ``min``, in one native loop."""
    lowest = units[0].strength
    for unit in units:
        if unit.strength < lowest:
            lowest = unit.strength
    return lowest


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
    for k, line in enumerate(side.line):
        worn = [u for u in line if u.strength < threshold * u.full_size]
        for unit in worn:
            relief = None
            if len(line) <= 1:
                relief = releasable(side)
                if relief is None:
                    break  # the last unit stays until another can take its place
            side.pull_out(unit)
            if log is not None:
                log(k, "rotate", side.name, unit.name, share=unit.strength / unit.full_size)
            if relief is not None:
                side.enter_line(relief, k)
                if log is not None:
                    log(k, "commit", side.name, relief.name, strength=relief.strength)
    if not side.withdrawing:
        allocate(side, enemy, ground, log)


def releasable(side: SideState) -> Unit | None:
    """Return the strongest reserve unit the side's reserve share lets go, or None."""
    best: Unit | None = None
    for name, waiting in side.reserve.items():
        if not waiting:
            continue
        held = total_strength(waiting)
        keep = side.reserve_share[name] * side.ready_full[name]
        for unit in waiting:
            if held - unit.strength >= keep - 1e-9 and (best is None or unit.strength > best.strength):
                best = unit
    return best


def cover_empty_sectors(side: SideState, ground: Ground, log: Log | None) -> None:
    """Put a unit in every open sector that has none of the side's: from the reserve, else shifted.

    The reserve's strongest unit goes first, whatever the reserve share (an open sector left empty is
    no choice a commander makes); with no reserve, the strongest unit of the sector with the most
    units moves over, if that sector has two or more.
    """
    open_sectors = ground.open_sectors()
    for k in open_sectors:
        if side.line[k]:
            continue
        waiting = [unit for units in side.reserve.values() for unit in units]
        if waiting:
            unit = max(waiting, key=lambda u: u.strength)
            side.enter_line(unit, k)
            if log is not None:
                log(k, "commit", side.name, unit.name, strength=unit.strength)
            continue
        donor = max(open_sectors, key=lambda s: len(side.line[s]))
        if len(side.line[donor]) < 2:
            return  # fewer units than open sectors: nothing can be spared
        unit = max(side.line[donor], key=lambda u: u.strength)
        side.shift(unit, k)
        if log is not None:
            log(k, "shift", side.name, unit.name, strength=unit.strength, from_sector=float(donor))


def allocate(side: SideState, enemy: SideState, ground: Ground, log: Log | None) -> None:
    """Commit ready reserves to open sectors by the side's policy, keeping its reserve share."""
    if side.withdrawing or side.withdrawn:
        return
    cover_empty_sectors(side, ground, log)
    open_sectors: list[int] | None = None
    policy = side.plan.command.policy
    for name, waiting in side.reserve.items():
        if not waiting:
            continue
        held = total_strength(waiting)
        keep = side.reserve_share[name] * side.ready_full[name]
        if held - weakest_strength(waiting) < keep - 1e-9:
            continue
        if open_sectors is None:
            open_sectors = ground.open_sectors()
        if not open_sectors:
            return
        reserve: list[Unit] = sorted(waiting, key=lambda u: -u.strength)
        frontage = [ground.frontage(k) for k in open_sectors]
        hostile = [enemy.sectors[k].line_power for k in open_sectors]
        for unit in reserve:
            if held - unit.strength < keep - 1e-9:
                continue
            own = [side.sectors[k].line_power for k in open_sectors]
            count = [len(side.line[k]) for k in open_sectors]
            sector = open_sectors[policy(own, hostile, count, frontage)]
            side.enter_line(unit, sector)
            held -= unit.strength
            if log is not None:
                log(sector, "commit", side.name, unit.name, strength=unit.strength)
