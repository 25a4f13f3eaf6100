"""The rules registries: every rule module is found, adds its fields to the schema, and works end to end."""

from __future__ import annotations

import importlib.machinery
from pathlib import Path

import pytest
from conftest import SMALL

import sim.scenario.rules.allocation as allocation
import sim.scenario.rules.supply as supply
import sim.scenario.rules.withdrawal as withdrawal
from sim.batch.seeding import replication_seed
from sim.model.replication import Replication
from sim.scenario import load_scenario
from sim.scenario.rules.discovery import rule_modules
from sim.scenario.rules.supply import SupplyContext
from sim.scenario.rules.withdrawal import RULES, HolderState
from sim.scenario.rules.withdrawal.loss_share_above import LossShareAbove, loss_share
from sim.scenario.schema import Command, Logistics, Withdrawal


def _modules(package: object) -> set[str]:
    return set(rule_modules(package.__path__))  # type: ignore[attr-defined]


def test_every_rule_module_registers_one_rule() -> None:
    assert _modules(withdrawal) == {rule.__module__.rsplit(".", 1)[1] for rule in withdrawal.RULES.values()}
    assert _modules(supply) == {effect.__module__.rsplit(".", 1)[1] for effect in supply.EFFECTS.values()}
    assert _modules(allocation) == set(allocation.POLICIES)


def test_rule_modules_are_the_modules_a_rule_can_be_in(tmp_path: Path) -> None:
    """The base, private modules, a compiled build's shared libraries (``name__mypyc``) and a compiled
    module whose source is gone are no rules."""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    names = ("base.py", "_private.py", "pauses.py", f"pauses{suffix}", f"pauses__mypyc{suffix}")
    names += (f"gone{suffix}",)
    for name in names:
        (tmp_path / name).write_text("", encoding="utf-8")
    assert rule_modules([str(tmp_path)]) == ["pauses"]


def test_rule_fields_are_schema_fields_in_rule_order() -> None:
    fields = list(Withdrawal.model_fields)
    expected = [name for rule in RULES.values() for name in rule.fields]
    assert fields == ["not_before", *expected, "duration_days"]
    assert [rule.order for rule in RULES.values()] == sorted(rule.order for rule in RULES.values())
    for effect in supply.EFFECTS.values():
        assert set(effect.fields) <= set(Logistics.model_fields)
    assert Command.model_fields["policy"].json_schema_extra == {"enum": list(allocation.POLICIES)}


def test_an_unknown_policy_names_the_known_ones(tmp_path: object) -> None:
    from sim.errors import InputError

    with pytest.raises(InputError, match="unknown policy 'weakest'; expected one of 'even', "):
        load_scenario(SMALL, ["sides.blue.command.policy=weakest"])


def _state(casualties: float, strength: float) -> HolderState:
    return HolderState(100.0, 500.0, 1000.0, 1.0, 1.0, casualties, strength)


def test_loss_share_counts_everyone_who_served() -> None:
    assert loss_share(300.0, 700.0) == pytest.approx(0.3)
    assert loss_share(0.0, 0.0) == 0.0
    rule = LossShareAbove.configure({"loss_share_above": 0.3})
    assert rule is not None
    assert not rule.observe(_state(300.0, 700.0))  # exactly 30%: not above
    assert rule.observe(_state(301.0, 699.0))
    assert "30% of the force lost" in rule.explain(_state(300.0, 700.0))
    assert LossShareAbove.configure({"loss_share_above": None}) is None


def test_loss_share_rule_ends_a_run_on_the_first_day_past_its_limit() -> None:
    rules = "{not_before: 2024-09-02, loss_share_above: 0.05, duration_days: 5}"
    scenario = load_scenario(SMALL, [f"sides.blue.command.withdrawal={rules}"])
    trajectory = Replication(scenario, replication_seed(0, 0)).run()
    assert trajectory.withdrawal_reason == "loss_share_above"
    day = int(trajectory.withdrawal_day or 0)
    shares = trajectory.casualties[0] / (trajectory.casualties[0] + trajectory.strength[0])
    assert shares[day] > 0.05
    assert (shares[1:day] <= 0.05).all()  # the rules are checked from day 1 (not_before) on


def test_a_holders_state_equals_one_of_the_same_figures_and_says_what_it_holds() -> None:
    state = HolderState(4.0, 500.0, 1000.0, 2.5, 0.75, 120.0, 900.0)
    assert state == HolderState(
        day=4.0,
        area_km2=500.0,
        initial_area_km2=1000.0,
        force_ratio=2.5,
        supply=0.75,
        casualties=120.0,
        strength=900.0,
    )
    assert state != HolderState(4.0, 500.0, 1000.0, 2.5, 0.75, 120.0, 901.0)
    assert state != (4.0, 500.0, 1000.0, 2.5, 0.75, 120.0, 900.0)
    assert state.figures() == (4.0, 500.0, 1000.0, 2.5, 0.75, 120.0, 900.0)
    assert repr(state) == (
        "HolderState(day=4.0, area_km2=500.0, initial_area_km2=1000.0, force_ratio=2.5, supply=0.75, "
        "casualties=120.0, strength=900.0)"
    )


def test_a_supply_context_has_no_sectors_unless_given_and_says_what_it_holds() -> None:
    context = SupplyContext(True, 500.0, 1000.0, 3.0)
    assert (context.sectors, context.sector_area_km2, context.sector_area0_km2) == ((), (), ())
    assert repr(SupplyContext(False, 1.0, 2.0, 3.0, ("a",), (1.0,), (2.0,))) == (
        "SupplyContext(holds_ground=False, area_km2=1.0, initial_area_km2=2.0, day=3.0, sectors=('a',), "
        "sector_area_km2=(1.0,), sector_area0_km2=(2.0,))"
    )


def test_a_rule_without_its_methods_is_refused_or_says_so_on_either_build() -> None:
    """Pure, the abstract base refuses the class; compiled (no abstract check), the call raises."""
    from sim.scenario.rules.supply import SupplyEffect
    from sim.scenario.rules.tempo import TempoContext, TempoRule
    from sim.scenario.rules.withdrawal import WithdrawalRule

    class NoTempo(TempoRule):
        pass

    class NoSupply(SupplyEffect):
        pass

    class NoWithdrawal(WithdrawalRule):
        pass

    calls = [
        (NoTempo, lambda rule: rule.daily(TempoContext(0.0, 0, True, 1.0, 0.0, 0, 1.0))),
        (NoTempo, lambda rule: rule.explain(0)),
        (NoSupply, lambda rule: rule.factor(SupplyContext(True, 1.0, 1.0, 0.0))),
        (NoWithdrawal, lambda rule: rule.observe(_state(0.0, 1.0))),
        (NoWithdrawal, lambda rule: rule.explain(_state(0.0, 1.0))),
    ]
    for cls, call in calls:
        with pytest.raises((TypeError, NotImplementedError)):
            call(cls())
    with pytest.raises(NotImplementedError):
        NoTempo.configure({}, 1)
    with pytest.raises(NotImplementedError):
        NoSupply.configure({})
    with pytest.raises(NotImplementedError):
        NoWithdrawal.configure({})
