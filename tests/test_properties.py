"""Invariants of one replication over random but valid scenarios (hypothesis).

Scenarios are built as plain data, the way a YAML file would give them, and validated with
``Scenario.model_validate``; any number may come out as a distribution. Numbers are drawn finite and
within their fields' ranges; the same scenarios with one number made NaN or infinite (anywhere, as a
float or as YAML would write it) must be refused by the loader in one line naming that number.
Each valid example runs one replication
with tracing on and checks what must hold whatever the inputs: ground, strength and supply stay in range,
casualties only accumulate, no assault takes more than was there, a completed withdrawal leaves nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sim.batch.seeding import replication_seed
from sim.errors import InputError
from sim.model.replication import Replication
from sim.model.trajectory import Trajectory
from sim.scenario.distributions import _Distribution, value_of
from sim.scenario.loader import validate
from sim.scenario.schema import Scenario

START = dt.date(2024, 3, 1)
SIDE_NAMES = [("blue", "red"), ("ukraine", "russia"), ("holder", "attacker")]
ASSAULT_NUMBERS = (
    "ratio",
    "success_probability",
    "attacker_losses",
    "defender_losses",
    "attacker_present",
    "defender_present",
    "area_change_km2",
)
EPS = 1e-9

# A fixed, reproducible set of examples by default (CI); SIM_DEEP_PROPERTIES=1 explores many more at
# random, for hunting bugs by hand.
PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
if os.environ.get("SIM_DEEP_PROPERTIES"):
    PROPERTY_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=600, derandomize=False)


# ----------------------------------------------------------------------------------- strategies
@st.composite
def number(
    draw: st.DrawFn,
    low: float,
    high: float,
    *,
    fraction: bool = False,
    uncertain: bool = True,
    lognormal: bool = True,
) -> float | dict[str, Any]:
    """A plain number in [low, high] or, sometimes, a distribution whose support lies within it.

    ``fraction`` fields (bounded by 1) never get a lognormal, whose support is unbounded.
    """
    value = draw(st.floats(low, high))
    kinds = ["plain", "plain", "plain"]
    if uncertain:
        kinds += ["fixed", "uniform", "triangular", "normal", "beta", "choice"]
        if lognormal and not fraction and low > 0:
            kinds.append("lognormal")
    kind = draw(st.sampled_from(kinds))
    other = draw(st.floats(low, high))
    a, b = min(value, other), max(value, other)
    if kind == "plain" or (kind in ("uniform", "triangular", "normal", "beta") and not a < b):
        return value
    if kind == "fixed":
        return {"dist": "fixed", "value": value}
    if kind == "uniform":
        return {"dist": "uniform", "low": a, "high": b}
    if kind == "triangular":
        mode = draw(st.floats(a, b))
        return {"dist": "triangular", "low": a, "mode": mode, "high": b}
    if kind == "normal":
        return {"dist": "normal", "mean": (a + b) / 2, "sd": max((b - a) / 3, 1e-6), "low": a, "high": b}
    if kind == "beta":
        return {
            "dist": "beta",
            "alpha": draw(st.floats(0.5, 5)),
            "beta": draw(st.floats(0.5, 5)),
            "low": a,
            "high": b,
        }
    if kind == "choice":
        values = draw(st.lists(st.floats(low, high), min_size=1, max_size=4))
        return {"dist": "choice", "values": values}
    return {"dist": "lognormal", "median": value, "sigma": draw(st.floats(0.05, 0.3))}


@st.composite
def echelon(draw: st.DrawFn, horizon: int, first: bool) -> dict[str, Any]:
    units = draw(st.integers(1, 4))
    # Most first waves are there from the start, so that most examples see fighting.
    day = 0.0 if first and draw(st.integers(0, 3)) > 0 else draw(st.floats(0, horizon + 5))
    block: dict[str, Any] = {"units": units}
    if draw(st.booleans()):
        block["day"] = day
    else:
        block["date"] = (START + dt.timedelta(days=int(day))).isoformat()
    if draw(st.booleans()):
        block["jitter_days"] = draw(number(-5, 5))
    return block


@st.composite
def contingent(draw: st.DrawFn, horizon: int) -> dict[str, Any]:
    count = draw(st.integers(1, 3))
    block: dict[str, Any] = {
        "unit_size": draw(number(50, 2000)),
        "quality": draw(number(0.3, 1.5)),
        "echelons": [draw(echelon(horizon, first=i == 0)) for i in range(count)],
        "readiness_days": draw(number(0, 10)),
        "reserve_share": draw(number(0, 0.6, fraction=True)),
    }
    if draw(st.booleans()):
        block["replacements_per_day"] = draw(number(0, 80))
        if draw(st.booleans()):
            block["replacements_from"] = (
                START + dt.timedelta(days=draw(st.integers(-5, horizon)))
            ).isoformat()
    return block


@st.composite
def attack(draw: st.DrawFn, horizon: int) -> dict[str, Any]:
    block: dict[str, Any] = {
        # About 0.01 to 5 assaults a day on a sector's front of 1-40 km at full tempo.
        "max_rate_per_km": 0.0 if draw(st.integers(0, 7)) == 0 else draw(number(0.01, 0.2)),
        # Tempo 1 whenever anyone is there, or half of it at up to a few units' power per km.
        "half_rate_density": draw(st.one_of(st.just(0.0), number(0, 2000))),
        "engaged_share": draw(number(0.01, 1, fraction=True)),
        "defender_engaged_share": draw(number(0.01, 1, fraction=True)),
        "defender_reach_km": draw(number(0, 5)),
        "duration_days": draw(number(0.05, 2)),
        "frontage_km": draw(number(0.2, 6)),
        "advance_km": draw(number(0, 3)),
        "advance_sigma": draw(number(0, 1)),
        "min_force_ratio": draw(st.one_of(st.just(0.0), number(0, 2))),
    }
    if draw(st.booleans()):
        block["start"] = (START + dt.timedelta(days=draw(st.integers(-3, horizon)))).isoformat()
    return block


@st.composite
def withdrawal(draw: st.DrawFn, horizon: int, total_area: float) -> dict[str, Any]:
    block: dict[str, Any] = {"duration_days": draw(number(0, 20))}
    if draw(st.booleans()):
        block["not_before"] = (START + dt.timedelta(days=draw(st.integers(0, horizon)))).isoformat()
    if draw(st.booleans()):
        block["area_below_km2"] = draw(number(0, total_area))
    if draw(st.booleans()):
        block["force_ratio_above"] = draw(number(0.5, 10))
        block["force_ratio_days"] = whole_days(
            draw(st.one_of(st.integers(1, 10), number(1, 10, lognormal=False)))
        )
    if draw(st.booleans()):
        block["supply_below"] = draw(number(0, 1, fraction=True))
        block["supply_days"] = whole_days(draw(st.one_of(st.integers(1, 10), number(1, 10, lognormal=False))))
    if draw(st.booleans()):
        block["losses_above"] = draw(number(0, 5000))
    if draw(st.booleans()):
        block["loss_share_above"] = draw(number(0, 0.6, fraction=True))
    return block


@st.composite
def side(draw: st.DrawFn, horizon: int, holds: bool, attacks: bool, total_area: float) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(["main", "second", "allies"]), min_size=1, max_size=2, unique=True))
    block: dict[str, Any] = {
        "holds_ground": holds,
        "contingents": {name: draw(contingent(horizon)) for name in names},
        "command": {
            "policy": draw(st.sampled_from(["proportional_frontage", "weakest_first", "even"])),
            "rotation_threshold": draw(number(0, 0.8, fraction=True)),
            "return_threshold": draw(number(0.5, 1, fraction=True)),
        },
    }
    if attacks:
        block["attack"] = draw(attack(horizon))
    if holds and draw(st.booleans()):
        block["command"]["withdrawal"] = draw(withdrawal(horizon, total_area))
    if draw(st.booleans()):
        block["logistics"] = {
            "capacity": draw(number(0, 40000)),
            "demand_per_soldier": draw(number(0.2, 2)),
            "corridor_exposure": draw(number(0, 1, fraction=True)),
        }
    if draw(st.booleans()):
        block["strikes"] = {
            "start": (START + dt.timedelta(days=draw(st.integers(-5, horizon)))).isoformat(),
            "rate_per_day": draw(number(0, 2)),
            "capacity_cut": draw(number(0, 0.5, fraction=True)),
            "recovery_days": draw(number(0, 15)),
        }
    return block


@st.composite
def sector(draw: st.DrawFn) -> dict[str, Any]:
    initial = draw(st.floats(0, 0.6))
    return {
        "area_km2": draw(number(5, 500)),
        "frontage_km": draw(number(1, 40)),
        "terrain": draw(number(0.5, 1.6)),
        "fortification": {
            "initial": initial,
            "growth_per_day": draw(number(0, 0.03)),
            "maximum": draw(st.floats(initial, 1.0)),
            "kept_on_retreat": draw(number(0, 1, fraction=True)),
        },
    }


@st.composite
def engagement(draw: st.DrawFn) -> dict[str, Any]:
    """A law with a kill rate that wears forces of a few thousand down by days to weeks, not instantly."""
    law = draw(st.sampled_from(["square", "linear", "logarithmic", "general"]))
    block: dict[str, Any] = {"law": {"type": law}, "noise": draw(st.booleans())}
    if law in ("square", "logarithmic"):
        block["kill_rate"] = draw(number(0.001, 0.2))
    elif law == "linear":
        block["kill_rate"] = draw(number(1e-7, 3e-5))
    else:
        p = draw(st.floats(0, 1.5))
        q = draw(st.floats(0, 1.5))
        block["law"].update(own_exponent=p, enemy_exponent=q)
        # k * S**(p+q) is about c * S for forces of size S ~ 1000.
        block["kill_rate"] = draw(st.floats(0.001, 0.2)) * 1000.0 ** (1.0 - p - q)
    block["dispersion"] = draw(st.one_of(st.none(), number(0.05, 5)))
    return block


@st.composite
def scenario_data(draw: st.DrawFn) -> dict[str, Any]:
    """A scenario as plain data, the way a YAML file gives it (not yet validated)."""
    horizon = draw(st.integers(5, 60))
    sector_names = draw(
        st.lists(
            st.sampled_from(["north", "south", "east", "west", "centre"]), min_size=1, max_size=4, unique=True
        )
    )
    sectors = {name: draw(sector()) for name in sector_names}
    total_area = sum(value_of_data(s["area_km2"]) for s in sectors.values())
    holder, opponent = draw(st.sampled_from(SIDE_NAMES))
    holder_attacks = draw(st.booleans())
    opponent_attacks = draw(st.integers(0, 3)) > 0 if holder_attacks else True
    sides = {
        holder: draw(side(horizon, True, holder_attacks, total_area)),
        opponent: draw(side(horizon, False, opponent_attacks, total_area)),
    }
    if draw(st.booleans()):
        sides = dict(reversed(sides.items()))  # the holder need not be listed first
    for block in sectors.values():
        # About a third of the sectors are lines (the front keeps its length), the rest salients (the
        # shape sometimes written out, sometimes left to its default).
        shape = draw(st.sampled_from(["salient", None, "line"]))
        if shape is not None:
            block["shape"] = shape
    data = {
        "name": "random",
        "start": START.isoformat(),
        "end": (START + dt.timedelta(days=horizon)).isoformat(),
        "sides": sides,
        "sectors": sectors,
        "engagement": draw(engagement()),
        "thresholds_km2": [total_area / 2] if total_area > 0 else [],
    }
    return data


def scenarios() -> st.SearchStrategy[Scenario]:
    """Random valid scenarios (``scenario_data``, validated)."""
    return scenario_data().map(Scenario.model_validate)


def whole_days(value: float | dict[str, Any]) -> float | dict[str, Any]:
    """A count of days as the schema takes it: a plain or fixed number whole, a distribution as drawn."""
    if isinstance(value, dict) and value.get("dist") == "fixed":
        return {**value, "value": float(round(value["value"]))}
    return float(round(value)) if isinstance(value, int | float) else value


def number_paths(node: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every path to a number (not a boolean) in plain scenario data."""
    if isinstance(node, dict):
        return [p for key, value in node.items() for p in number_paths(value, (*prefix, key))]
    if isinstance(node, list):
        return [p for index, value in enumerate(node) for p in number_paths(value, (*prefix, index))]
    return [prefix] if isinstance(node, int | float) and not isinstance(node, bool) else []


NON_FINITE = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not math.isfinite(x)),
    st.sampled_from(["nan", ".nan", "inf", "-inf", "1e400", "-1e999", "Infinity"]),
)
"""A number that is not finite: as a float, or as text a YAML file or --set could give."""


@st.composite
def poisoned(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[str | int, ...], object]:
    """A valid scenario with one of its numbers (any one) replaced by NaN or an infinity."""
    data = draw(scenario_data())
    path = draw(st.sampled_from(number_paths(data)))
    bad = draw(NON_FINITE)
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = bad
    return data, path, bad


def value_of_data(value: float | dict[str, Any]) -> float:
    """Upper end of a number as written in scenario data (used only to size thresholds)."""
    if isinstance(value, dict):
        return float(value.get("high", value.get("value", value.get("median", 100.0))))
    return float(value)


# An independent reading of a scenario's numbers for one replication (the model builds its own).
def resolve(scenario: Scenario, values: Mapping[str, float]) -> Scenario:
    """Return the scenario with each distribution replaced by its value in ``values``.

    The copy is made without validating again: the values come from distributions whose support
    was validated when the scenario was loaded.

    Args:
        scenario: A validated scenario.
        values: A value for every distribution path (as from ``sample_parameters``).

    Returns:
        A scenario in which every ``Param`` is a float.
    """
    return _substitute(scenario, "", values)


def _substitute(node: Any, prefix: str, values: Mapping[str, float]) -> Any:
    if isinstance(node, _Distribution):
        return float(values[prefix])
    if isinstance(node, BaseModel):
        update = {}
        for name in type(node).model_fields:
            if not prefix and name == "calibrate":
                continue  # priors for calibration stay as they are
            old = getattr(node, name)
            new = _substitute(old, f"{prefix}.{name}" if prefix else name, values)
            if new is not old:
                update[name] = new
        return node.model_copy(update=update) if update else node
    if isinstance(node, dict):
        items = {key: _substitute(value, f"{prefix}.{key}", values) for key, value in node.items()}
        return type(node)(items) if any(items[k] is not node[k] for k in node) else node
    if isinstance(node, list | tuple):
        seq = [_substitute(value, f"{prefix}.{i}", values) for i, value in enumerate(node)]
        return type(node)(seq) if any(a is not b for a, b in zip(seq, node, strict=True)) else node
    return node


# ----------------------------------------------------------------------------------- invariants
def check_invariants(scenario: Scenario, trajectory: Trajectory) -> None:
    days = scenario.horizon_days + 1
    sectors = len(scenario.sectors)
    resolved = resolve(scenario, trajectory.parameters)
    area0 = np.array([value_of(s.area_km2) for s in resolved.sectors.values()])

    assert trajectory.area_km2.shape == (days,)
    assert trajectory.sector_area_km2.shape == (days, sectors)
    assert trajectory.strength.shape == trajectory.casualties.shape == trajectory.supply.shape == (2, days)
    for array in (
        trajectory.area_km2,
        trajectory.sector_area_km2,
        trajectory.strength,
        trajectory.casualties,
    ):
        assert np.all(np.isfinite(array))

    # Ground: every sector within [0, its original area] every day; the total is the sum of the sectors.
    sector_area = trajectory.sector_area_km2
    assert np.all(sector_area >= -EPS), "a sector's held area went negative"
    assert np.all(sector_area <= area0 + EPS * np.maximum(1.0, area0)), "a sector grew beyond its start"
    np.testing.assert_allclose(sector_area[0], area0, rtol=1e-12)
    np.testing.assert_allclose(trajectory.area_km2, sector_area.sum(axis=1), rtol=1e-9, atol=1e-9)
    shapes = [s.shape == "line" for s in resolved.sectors.values()]
    np.testing.assert_array_equal(trajectory.sector_is_line, shapes)

    # Forces: strength never negative; casualties never negative and never decreasing.
    assert np.all(trajectory.strength >= -EPS), "negative strength"
    assert np.all(trajectory.casualties >= 0.0), "negative casualties"
    assert np.all(np.diff(trajectory.casualties, axis=1) >= -EPS), "cumulative casualties went down"
    assert np.all(trajectory.casualties[:, 0] == 0.0), "casualties before any fighting"

    # Conservation: what a side has in theatre plus what it lost is what arrived, plus replacements.
    # (A unit arriving exactly on a whole day may be counted from that day or the next: both allowed.)
    day_numbers = np.arange(days)
    for index, side in enumerate(resolved.sides.values()):
        arrived_before = np.zeros(days)
        arrived_by = np.zeros(days)
        replacements = 0.0
        for contingent in side.contingents.values():
            size = value_of(contingent.unit_size)
            replacements += value_of(contingent.replacements_per_day)
            for wave in contingent.echelons:
                base = resolved.day_of(wave.date) if wave.date else value_of(wave.day)
                arrival = max(0.0, base + value_of(wave.jitter_days))
                arrived_before += wave.units * size * (day_numbers > arrival)
                arrived_by += wave.units * size * (day_numbers >= arrival)
        total = trajectory.strength[index] + trajectory.casualties[index]
        slack = 1e-6 * np.maximum(1.0, arrived_by)
        assert np.all(total >= arrived_before - slack), (
            f"side {index}: personnel lost track of (below arrivals)"
        )
        ceiling = arrived_by + replacements * day_numbers
        assert np.all(total <= ceiling + slack), f"side {index}: personnel from nowhere (above arrivals)"

    # Supply is a factor in [0, 1]; it is 1 on day 0, and always 1 for a side without logistics.
    assert np.all((trajectory.supply >= 0.0) & (trajectory.supply <= 1.0)), "supply outside [0, 1]"
    assert np.all(trajectory.supply[:, 0] == 1.0)
    for index, spec in enumerate(resolved.sides.values()):
        if spec.logistics is None:
            assert np.all(trajectory.supply[index] == 1.0), "supply below 1 without logistics"

    # Every assault: never more losses than the strength present, on either side.
    assaults = [e for e in trajectory.events if e.kind == "assault"]
    for event in assaults:
        numbers = event.numbers
        assert set(ASSAULT_NUMBERS) <= set(numbers), f"assault event lacks numbers: {numbers}"
        assert 0.0 <= numbers["attacker_losses"] <= numbers["attacker_present"] + EPS, event
        assert 0.0 <= numbers["defender_losses"] <= numbers["defender_present"] + EPS, event
        assert 0.0 <= numbers["success_probability"] <= 1.0, event
        assert numbers["ratio"] >= 0.0, event  # inf when nobody defends; never NaN
        assert 0.0 <= event.day <= scenario.horizon_days + EPS, event
        assert event.sector in scenario.sectors, event

    # With one side attacking, every assault it launched met its minimum local force ratio.
    attackers = [spec.attack for spec in resolved.sides.values() if spec.attack is not None]
    if len(attackers) == 1:
        minimum = value_of(attackers[0].min_force_ratio)
        for event in assaults:
            assert event.numbers["ratio"] >= minimum, f"assault below the minimum ratio {minimum}: {event}"

    # Withdrawal: a reason exactly when a day; never before the rules apply; finished means no ground.
    holder = resolved.sides[resolved.holder]
    rules = holder.command.withdrawal
    assert (trajectory.withdrawal_day is None) == (trajectory.withdrawal_reason is None)
    if trajectory.withdrawal_day is not None:
        assert rules is not None, "withdrew without withdrawal rules"
        assert 0.0 <= trajectory.withdrawal_day <= scenario.horizon_days
        if rules.not_before is not None:
            assert trajectory.withdrawal_day >= scenario.day_of(rules.not_before)
        # Rules are checked at the daily tick, so a withdrawal starts on a whole day, for a named rule.
        day = trajectory.withdrawal_day
        assert float(day).is_integer(), day
        reason = trajectory.withdrawal_reason
        assert reason in {
            "area_below",
            "force_ratio_above",
            "supply_below",
            "losses_above",
            "loss_share_above",
        }, reason
        holder_index = list(resolved.sides).index(resolved.holder)
        if reason == "area_below":
            assert trajectory.area_km2[int(day)] < value_of(rules.area_below_km2)
        if reason == "losses_above":
            assert trajectory.casualties[holder_index, int(day)] > value_of(rules.losses_above)
        if reason == "loss_share_above":
            lost = trajectory.casualties[holder_index, int(day)]
            served = lost + trajectory.strength[holder_index, int(day)]
            assert lost > value_of(rules.loss_share_above) * served
        # A withdrawing holder does not counter-attack: from then on ground is only given up.
        assert np.all(np.diff(sector_area[int(day) :], axis=0) <= EPS), "ground regained while withdrawing"
        # The withdrawal lasts duration_days; if it ends before the last record, nothing is held at the end.
        if day + value_of(rules.duration_days) < scenario.horizon_days - 1e-6:
            assert trajectory.area_km2[-1] == 0.0, "withdrawal completed but ground is still held"
            assert np.all(sector_area[-1] == 0.0)

    # Only the holder's counter-attacks win ground back: without them a sector never grows.
    if holder.attack is None or value_of(holder.attack.max_rate_per_km) <= 0.0:
        assert np.all(np.diff(sector_area, axis=0) <= EPS), "ground regained without counter-attacks"


@PROPERTY_SETTINGS
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_replication_invariants(scenario: Scenario, seed: int) -> None:
    trajectory = Replication(scenario, replication_seed(seed, 0), trace=True).run()
    check_invariants(scenario, trajectory)


@settings(PROPERTY_SETTINGS, max_examples=150)
@given(case=poisoned())
@pytest.mark.slow
def test_a_number_that_is_not_finite_is_refused_in_one_line(
    case: tuple[dict[str, Any], tuple[str | int, ...], object],
) -> None:
    data, path, bad = case
    with pytest.raises(InputError) as info:
        validate(data, {}, "random.yaml")
    text = str(info.value)
    assert "\n" not in text and text.startswith("random.yaml: "), text
    field = info.value.field or ""
    # The error names the number itself, or the block holding it (a distribution, a list of values).
    assert ".".join(str(p) for p in path).startswith(field), (path, field, text)
    assert field.count(".") >= len(path) - 3, (path, field, text)


@settings(PROPERTY_SETTINGS, max_examples=15)
@given(scenario=scenarios(), seed=st.integers(0, 2**16))
def test_tracing_does_not_change_the_replication(scenario: Scenario, seed: int) -> None:
    traced = Replication(scenario, replication_seed(seed, 3), trace=True).run()
    plain = Replication(scenario, replication_seed(seed, 3), trace=False).run()
    np.testing.assert_array_equal(traced.area_km2, plain.area_km2)
    np.testing.assert_array_equal(traced.sector_area_km2, plain.sector_area_km2)
    np.testing.assert_array_equal(traced.strength, plain.strength)
    np.testing.assert_array_equal(traced.casualties, plain.casualties)
    assert traced.withdrawal_day == plain.withdrawal_day
    assert traced.parameters == plain.parameters


# ----------------------------------------------------------------------------------- single behaviours
def _duel(min_force_ratio: float, noise: bool, dispersion: object = 2.0) -> Scenario:
    """Two equal sides in one sector; only red attacks, with the given minimum force ratio."""
    force = {"unit_size": 1000, "echelons": [{"units": 3, "day": 0}]}
    return Scenario.model_validate(
        {
            "name": "duel",
            "start": START.isoformat(),
            "end": (START + dt.timedelta(days=20)).isoformat(),
            "sides": {
                "blue": {"holds_ground": True, "contingents": {"main": force}},
                "red": {
                    "contingents": {"main": force},
                    "attack": {
                        # 3 a day on the 10 km front, whatever the forces; both sides engage 0.3 of
                        # those on the assault's 2 km (no extra reach for the defender): a ratio of 1.
                        "max_rate_per_km": 0.3,
                        "half_rate_density": 0.0,
                        "engaged_share": 0.3,
                        "defender_engaged_share": 0.3,
                        "defender_reach_km": 0.0,
                        "advance_km": 1.0,
                        "min_force_ratio": min_force_ratio,
                    },
                },
            },
            "sectors": {"only": {"area_km2": 200, "frontage_km": 10}},
            "engagement": {"kill_rate": 0.05, "noise": noise, "dispersion": dispersion},
        }
    )


@pytest.mark.parametrize("noise", [False, True])
def test_no_assault_below_the_minimum_force_ratio(noise: bool) -> None:
    """At a local ratio of 1, a side that needs 3:1 never attacks; at 0.5:1 it does."""
    blocked = Replication(_duel(3.0, noise), replication_seed(1, 0), trace=True).run()
    assert [e for e in blocked.events if e.kind == "assault"] == []
    assert np.all(blocked.casualties == 0.0)
    assert np.all(blocked.area_km2 == 200.0)

    allowed = Replication(_duel(0.5, noise), replication_seed(1, 0), trace=True).run()
    assaults = [e for e in allowed.events if e.kind == "assault"]
    assert assaults[0].numbers["ratio"] == pytest.approx(1.0)  # the set-up is the one described
    assert len(assaults) > 20  # about 3 a day for 20 days
    assert np.all(allowed.casualties[:, -1] > 0.0)


@pytest.mark.parametrize("field", ["dispersion", "unit_size"])
def test_a_lognormal_positive_number_is_accepted_and_sampled(field: str) -> None:
    lognormal = {"dist": "lognormal", "median": 2.0, "sigma": 0.3}
    if field == "dispersion":
        scenario = _duel(0.0, True, dispersion=lognormal)
        path = "engagement.dispersion"
    else:
        data = _duel(0.0, True).model_dump(mode="json")
        data["sides"]["red"]["contingents"]["main"]["unit_size"] = {**lognormal, "median": 1000.0}
        scenario = Scenario.model_validate(data)
        path = "sides.red.contingents.main.unit_size"
    trajectory = Replication(scenario, replication_seed(1, 0)).run()
    assert trajectory.parameters[path] > 0.0
    assert trajectory.casualties[:, -1].min() > 0.0
