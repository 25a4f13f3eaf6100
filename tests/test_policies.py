"""Unit tests of the command rules (sim.scenario.rules): allocation policies and withdrawal rules."""

from __future__ import annotations

from typing import Any

import pytest

from sim.model.params import WithdrawalPlan
from sim.model.withdrawal import WithdrawalMonitor as Monitor
from sim.scenario.rules.allocation import POLICIES as ALLOCATION_POLICIES
from sim.scenario.rules.allocation.even import even
from sim.scenario.rules.allocation.proportional_frontage import proportional_frontage
from sim.scenario.rules.allocation.weakest_first import weakest_first
from sim.scenario.rules.withdrawal import RULES, HolderState
from sim.scenario.schema import Command, Withdrawal


def WithdrawalRules(**values: Any) -> WithdrawalPlan:  # noqa: N802 - reads like the rules it builds
    """The holder's rules as the model gets them, from a withdrawal block with these fields set."""
    spec = Withdrawal(**values)
    rule_values = tuple((name, {f: getattr(spec, f) for f in rule.fields}) for name, rule in RULES.items())
    return WithdrawalPlan(None, 14.0, rule_values)


class WithdrawalMonitor:
    """The model's monitor, checked with one day's numbers; returns the name of the rule that fired."""

    def __init__(self, plan: WithdrawalPlan) -> None:
        self.monitor = Monitor(plan)

    def check(self, area_km2: float, force_ratio: float, supply: float, casualties: float) -> str | None:
        state = HolderState(0.0, area_km2, 1000.0, force_ratio, supply, casualties, 0.0)
        rule = self.monitor.check(state)
        return None if rule is None else rule.name


# One set of sectors on which the three policies disagree:
#   power per km of front:   100/10 = 10,  100/5 = 20,  300/60 = 5     -> proportional_frontage picks 2
#   own over enemy power:    100/50 = 2,   100/400 = 0.25, 300/100 = 3 -> weakest_first picks 1
#   unit count:              1,            2,            3             -> even picks 0
OWN = [100.0, 100.0, 300.0]
ENEMY = [50.0, 400.0, 100.0]
UNITS = [1, 2, 3]
FRONTAGE = [10.0, 5.0, 60.0]


def test_registry_names_every_policy_the_schema_allows() -> None:
    extra = Command.model_fields["policy"].json_schema_extra
    assert isinstance(extra, dict)
    allowed = set(extra["enum"])  # type: ignore[arg-type]
    assert set(ALLOCATION_POLICIES) == allowed
    assert ALLOCATION_POLICIES["proportional_frontage"] is proportional_frontage
    assert ALLOCATION_POLICIES["weakest_first"] is weakest_first
    assert ALLOCATION_POLICIES["even"] is even


@pytest.mark.parametrize(
    ("name", "expected"), [("proportional_frontage", 2), ("weakest_first", 1), ("even", 0)]
)
def test_each_policy_picks_its_sector(name: str, expected: int) -> None:
    assert ALLOCATION_POLICIES[name](OWN, ENEMY, UNITS, FRONTAGE) == expected


# proportional_frontage -------------------------------------------------------------------------------------


def test_proportional_frontage_sends_units_where_density_is_lowest() -> None:
    # Equal power, the longer front is thinner.
    assert proportional_frontage([500.0, 500.0], [1.0, 1.0], [1, 1], [10.0, 30.0]) == 1
    # Equal fronts, the weaker sector is thinner; enemy power and unit counts do not matter.
    assert proportional_frontage([800.0, 200.0], [0.0, 1e6], [0, 9], [20.0, 20.0]) == 1


def test_proportional_frontage_ignores_sectors_without_front() -> None:
    assert proportional_frontage([0.0, 900.0], [1.0, 1.0], [0, 3], [0.0, 30.0]) == 1


def test_proportional_frontage_density_follows_frontage() -> None:
    # Allocating 10 equal units one at a time gives each sector units in proportion to its frontage.
    power = [0.0, 0.0]
    frontage = [10.0, 40.0]
    for _ in range(10):
        power[proportional_frontage(power, [1.0, 1.0], [0, 0], frontage)] += 100.0
    assert power == [200.0, 800.0]


# weakest_first ---------------------------------------------------------------------------------------------


def test_weakest_first_sends_units_where_own_over_enemy_is_lowest() -> None:
    assert weakest_first([1000.0, 1000.0], [500.0, 4000.0], [5, 1], [30.0, 1.0]) == 1
    assert weakest_first([100.0, 1000.0], [100.0, 4000.0], [0, 0], [1.0, 1.0]) == 1
    assert weakest_first([100.0, 1000.0], [1000.0, 4000.0], [0, 0], [1.0, 1.0]) == 0


def test_weakest_first_ignores_sectors_without_enemy() -> None:
    # Sector 0 has no own power but no enemy either: nothing to reinforce against.
    assert weakest_first([0.0, 5000.0], [0.0, 100.0], [0, 5], [10.0, 10.0]) == 1


def test_weakest_first_covers_an_unopposed_front_by_density() -> None:
    # No enemy anywhere: every ratio ties at infinity, and the thinnest front (own power per km) wins.
    assert weakest_first([500.0, 500.0, 100.0], [0.0, 0.0, 0.0], [1, 1, 1], [10.0, 50.0, 1.0]) == 1


# even ------------------------------------------------------------------------------------------------------


def test_even_sends_units_to_the_sector_with_fewest_units() -> None:
    assert even([1.0, 1e6, 1.0], [1e6, 0.0, 1e6], [4, 2, 3], [1.0, 1.0, 100.0]) == 1


def test_even_spreads_units_evenly() -> None:
    counts = [0, 0, 0]
    for _ in range(9):
        counts[even([0.0] * 3, [0.0] * 3, counts, [5.0, 10.0, 20.0])] += 1
    assert counts == [3, 3, 3]


# WithdrawalMonitor -----------------------------------------------------------------------------------------

# A quiet day: plenty of ground, ratio 1, full supply, no losses.
QUIET = {"area_km2": 1000.0, "force_ratio": 1.0, "supply": 1.0, "casualties": 0.0}


def day(**changes: float) -> dict[str, float]:
    return {**QUIET, **changes}


def test_no_rules_never_fire() -> None:
    monitor = WithdrawalMonitor(WithdrawalRules())
    for _ in range(30):
        assert monitor.check(area_km2=0.0, force_ratio=1e9, supply=0.0, casualties=1e9) is None


def test_area_rule_fires_once_area_is_below() -> None:
    monitor = WithdrawalMonitor(WithdrawalRules(area_below_km2=300.0))
    assert monitor.check(**day(area_km2=301.0)) is None
    assert monitor.check(**day(area_km2=300.0)) is None  # not below
    assert monitor.check(**day(area_km2=299.9)) == "area_below"


def test_force_ratio_rule_needs_consecutive_days() -> None:
    monitor = WithdrawalMonitor(WithdrawalRules(force_ratio_above=6.0, force_ratio_days=3))
    assert monitor.check(**day(force_ratio=7.0)) is None
    assert monitor.check(**day(force_ratio=7.0)) is None
    assert monitor.check(**day(force_ratio=7.0)) == "force_ratio_above"


def test_force_ratio_counter_resets_when_the_condition_breaks() -> None:
    monitor = WithdrawalMonitor(WithdrawalRules(force_ratio_above=6.0, force_ratio_days=3))
    for ratio in (7.0, 7.0, 6.0, 7.0, 7.0):  # 6.0 is not above 6: the count starts again
        assert monitor.check(**day(force_ratio=ratio)) is None
    assert monitor.check(**day(force_ratio=7.0)) == "force_ratio_above"


def test_supply_rule_needs_consecutive_days() -> None:
    monitor = WithdrawalMonitor(WithdrawalRules(supply_below=0.35, supply_days=2))
    assert monitor.check(**day(supply=0.3)) is None
    assert monitor.check(**day(supply=0.3)) == "supply_below"


def test_supply_counter_resets_when_the_condition_breaks() -> None:
    monitor = WithdrawalMonitor(WithdrawalRules(supply_below=0.35, supply_days=3))
    for supply in (0.1, 0.1, 0.35, 0.1, 0.1, 0.9, 0.2, 0.2):  # 0.35 is not below 0.35
        assert monitor.check(**day(supply=supply)) is None
    assert monitor.check(**day(supply=0.2)) == "supply_below"


def test_losses_rule_fires_once_casualties_exceed() -> None:
    monitor = WithdrawalMonitor(WithdrawalRules(losses_above=5000.0))
    assert monitor.check(**day(casualties=4999.0)) is None
    assert monitor.check(**day(casualties=5000.0)) is None  # not above
    assert monitor.check(**day(casualties=5000.5)) == "losses_above"


def test_rules_fire_again_while_their_condition_holds() -> None:
    monitor = WithdrawalMonitor(WithdrawalRules(force_ratio_above=2.0, force_ratio_days=2))
    results = [monitor.check(**day(force_ratio=3.0)) for _ in range(4)]
    assert results == [None, "force_ratio_above", "force_ratio_above", "force_ratio_above"]


@pytest.mark.parametrize(
    ("rules", "trigger"),
    [
        (WithdrawalRules(area_below_km2=300.0), day(area_km2=100.0)),
        (WithdrawalRules(force_ratio_above=2.0, force_ratio_days=1), day(force_ratio=5.0)),
        (WithdrawalRules(supply_below=0.5, supply_days=1), day(supply=0.1)),
        (WithdrawalRules(losses_above=10.0), day(casualties=100.0)),
    ],
)
def test_only_the_rule_set_responds(rules: WithdrawalRules, trigger: dict[str, float]) -> None:
    # Every other condition is far past any threshold, but their rules are off.
    extreme = {"area_km2": 0.0, "force_ratio": 1e9, "supply": 0.0, "casualties": 1e9}
    for key, value in extreme.items():
        if trigger[key] == QUIET[key]:
            monitor = WithdrawalMonitor(rules)
            assert monitor.check(**{**QUIET, key: value}) is None, key
    assert WithdrawalMonitor(rules).check(**trigger) is not None


def test_first_rule_in_order_is_named_when_several_fire() -> None:
    rules = WithdrawalRules(
        area_below_km2=300.0,
        force_ratio_above=2.0,
        force_ratio_days=1,
        supply_below=0.5,
        supply_days=1,
        losses_above=10.0,
    )
    everything = {"area_km2": 100.0, "force_ratio": 5.0, "supply": 0.1, "casualties": 100.0}
    assert WithdrawalMonitor(rules).check(**everything) == "area_below"
    assert WithdrawalMonitor(rules).check(**{**everything, "area_km2": 1000.0}) == "force_ratio_above"
    assert (
        WithdrawalMonitor(rules).check(**{**everything, "area_km2": 1000.0, "force_ratio": 1.0})
        == "supply_below"
    )
    assert WithdrawalMonitor(rules).check(**day(casualties=100.0)) == "losses_above"


def test_counters_keep_running_while_another_rule_fires() -> None:
    # The days the area rule fired on still count toward the ratio rule.
    rules = WithdrawalRules(area_below_km2=300.0, force_ratio_above=2.0, force_ratio_days=3)
    monitor = WithdrawalMonitor(rules)
    assert monitor.check(**day(area_km2=100.0, force_ratio=5.0)) == "area_below"
    assert monitor.check(**day(area_km2=100.0, force_ratio=5.0)) == "area_below"
    assert monitor.check(**day(force_ratio=5.0)) == "force_ratio_above"


def test_monitors_do_not_share_counters() -> None:
    rules = WithdrawalRules(supply_below=0.5, supply_days=2)
    first, second = WithdrawalMonitor(rules), WithdrawalMonitor(rules)
    assert first.check(**day(supply=0.1)) is None
    assert second.check(**day(supply=0.1)) is None
    assert first.check(**day(supply=0.1)) == "supply_below"


def test_default_day_counts() -> None:
    spec = Withdrawal(force_ratio_above=2.0, supply_below=0.5)
    assert (spec.force_ratio_days, spec.supply_days) == (14, 7)
    monitor = WithdrawalMonitor(WithdrawalRules(supply_below=0.5))
    results = [monitor.check(**day(supply=0.1)) for _ in range(7)]
    assert results == [None] * 6 + ["supply_below"]
