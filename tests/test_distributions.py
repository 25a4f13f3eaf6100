"""Tests of scenario distributions (sim.scenario.distributions) and their sampling (parameters)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError
from scipy import stats

from sim.batch.seeding import replication_seed
from sim.model.params import build_parameters
from sim.scenario import Scenario, load_scenario
from sim.scenario.distributions import (
    DISTRIBUTION_KINDS,
    U_HIGHEST,
    U_LOWEST,
    Beta,
    Choice,
    Distribution,
    Fixed,
    Fraction,
    LogNormal,
    NonNegative,
    Normal,
    Param,
    Triangular,
    Uniform,
    is_distribution,
    value_of,
)
from sim.scenario.parameters import (
    distribution_leaves,
    sample_parameters,
    uniform_for,
)

KURSK = Path(__file__).resolve().parents[1] / "scenarios" / "kursk_2024.yaml"
QUANTILES = (0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999)

DIST = TypeAdapter(Distribution)
PARAM = TypeAdapter(Param)


def dist(**fields: Any) -> Any:
    """Build a distribution from its YAML mapping."""
    return DIST.validate_python(fields)


# Each distribution (as written in YAML) with the equivalent frozen scipy distribution.
CASES: dict[str, tuple[dict[str, Any], Any]] = {
    "uniform": ({"dist": "uniform", "low": 2, "high": 7}, stats.uniform(loc=2, scale=5)),
    "normal": ({"dist": "normal", "mean": 10, "sd": 3}, stats.norm(loc=10, scale=3)),
    "normal_truncated": (
        {"dist": "normal", "mean": 10, "sd": 3, "low": 8, "high": 20},
        stats.truncnorm(a=(8 - 10) / 3, b=(20 - 10) / 3, loc=10, scale=3),
    ),
    "normal_low_only": (
        {"dist": "normal", "mean": 1, "sd": 2, "low": 0},
        stats.truncnorm(a=-0.5, b=math.inf, loc=1, scale=2),
    ),
    "normal_high_only": (
        {"dist": "normal", "mean": 1, "sd": 2, "high": 4},
        stats.truncnorm(a=-math.inf, b=1.5, loc=1, scale=2),
    ),
    "normal_lower_tail_window": (
        {"dist": "normal", "mean": 0, "sd": 1, "low": -10, "high": -9},
        stats.truncnorm(a=-10, b=-9),
    ),
    "lognormal": ({"dist": "lognormal", "median": 0.8, "sigma": 0.25}, stats.lognorm(s=0.25, scale=0.8)),
    "triangular": (
        {"dist": "triangular", "low": 20, "mode": 35, "high": 70},
        stats.triang(c=15 / 50, loc=20, scale=50),
    ),
    "triangular_mode_at_low": (
        {"dist": "triangular", "low": 0, "mode": 0, "high": 4},
        stats.triang(c=0.0, loc=0, scale=4),
    ),
    "triangular_mode_at_high": (
        {"dist": "triangular", "low": 0, "mode": 4, "high": 4},
        stats.triang(c=1.0, loc=0, scale=4),
    ),
    "beta": ({"dist": "beta", "alpha": 2, "beta": 5}, stats.beta(2, 5)),
    "beta_scaled": (
        {"dist": "beta", "alpha": 0.7, "beta": 1.8, "low": 10, "high": 30},
        stats.beta(0.7, 1.8, loc=10, scale=20),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_ppf_matches_scipy(name: str) -> None:
    fields, reference = CASES[name]
    d = dist(**fields)
    for u in QUANTILES:
        assert d.ppf(u) == pytest.approx(float(reference.ppf(u)), rel=1e-7, abs=1e-9), u


@pytest.mark.parametrize("name", list(CASES))
def test_median_matches_scipy(name: str) -> None:
    fields, reference = CASES[name]
    assert dist(**fields).median() == pytest.approx(float(reference.median()), rel=1e-7)


@pytest.mark.parametrize("name", list(CASES))
def test_support_matches_scipy(name: str) -> None:
    fields, reference = CASES[name]
    low, high = reference.support()
    assert dist(**fields).support() == (pytest.approx(float(low)), pytest.approx(float(high)))


@pytest.mark.parametrize("name", list(CASES))
def test_ppf_is_non_decreasing_and_within_support(name: str) -> None:
    d = dist(**CASES[name][0])
    low, high = d.support()
    values = [d.ppf(u) for u in np.linspace(1e-9, 1 - 1e-9, 401)]
    assert all(a <= b for a, b in zip(values, values[1:], strict=False))
    assert all(low <= v <= high for v in values)


def test_truncated_normal_far_in_the_upper_tail_stays_within_its_bounds() -> None:
    d = dist(dist="normal", mean=0, sd=1, low=9, high=10)
    reference = stats.truncnorm(a=9, b=10)
    for u in (0.1, 0.5, 0.9):
        assert 9.0 <= d.ppf(u) <= 10.0
        assert d.ppf(u) == pytest.approx(float(reference.ppf(u)), rel=1e-6)


def test_fixed() -> None:
    d = dist(dist="fixed", value=4.5)
    assert isinstance(d, Fixed)
    assert [d.ppf(u) for u in (0.01, 0.5, 0.99)] == [4.5, 4.5, 4.5]
    assert d.support() == (4.5, 4.5)
    assert d.median() == 4.5


def test_lognormal_is_written_with_median() -> None:
    d = dist(dist="lognormal", median=2.0, sigma=0.5)
    assert isinstance(d, LogNormal)
    assert d.median() == pytest.approx(2.0)
    assert d.support() == (0.0, math.inf)
    # 90th percentile: median x exp(sigma x 1.28155...)
    assert d.ppf(0.9) == pytest.approx(2.0 * math.exp(0.5 * 1.2815515655446004))
    assert "median=2.0" in d.describe()


@pytest.mark.parametrize(
    ("values", "weights"),
    [([1, 2, 5], [0.2, 0.5, 0.3]), ([3, 7, 8, 20], None), ([1, 4], [3, 1]), ([6], None)],
)
def test_choice_ppf_matches_scipy(values: list[int], weights: list[float] | None) -> None:
    d = dist(dist="choice", values=values, weights=weights)
    assert isinstance(d, Choice)
    probabilities = np.array(weights or [1] * len(values), dtype=float)
    probabilities /= probabilities.sum()
    reference = stats.rv_discrete(values=(values, probabilities))
    # Quantiles off the jumps of the cumulative weights (where conventions may differ).
    boundaries = np.cumsum(probabilities)
    for u in np.linspace(0.005, 0.995, 100):
        if np.min(np.abs(boundaries - u)) < 1e-6:
            continue
        assert d.ppf(float(u)) == float(reference.ppf(u)), u
    assert d.support() == (min(values), max(values))


def test_choice_weights_select_values_in_proportion() -> None:
    d = dist(dist="choice", values=[10, 20], weights=[1, 3])
    draws = [d.ppf(u) for u in np.linspace(0.0005, 0.9995, 1000)]
    assert draws.count(10.0) == 250
    assert draws.count(20.0) == 750


# invalid parameters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"dist": "uniform", "low": 5, "high": 5}, "low < high"),
        ({"dist": "uniform", "low": 6, "high": 5}, "low < high"),
        ({"dist": "normal", "mean": 1, "sd": 0}, "greater than 0"),
        ({"dist": "normal", "mean": 1, "sd": -2}, "greater than 0"),
        ({"dist": "normal", "mean": 1, "sd": 1, "low": 3, "high": 2}, "low < high"),
        ({"dist": "lognormal", "median": 0, "sigma": 1}, "greater than 0"),
        ({"dist": "lognormal", "median": 1, "sigma": 0}, "greater than 0"),
        ({"dist": "triangular", "low": 0, "mode": -1, "high": 4}, "low <= mode <= high"),
        ({"dist": "triangular", "low": 0, "mode": 5, "high": 4}, "low <= mode <= high"),
        ({"dist": "triangular", "low": 2, "mode": 2, "high": 2}, "low < high"),
        ({"dist": "beta", "alpha": 0, "beta": 2}, "greater than 0"),
        ({"dist": "beta", "alpha": -1, "beta": 2}, "greater than 0"),
        ({"dist": "beta", "alpha": 2, "beta": 0}, "greater than 0"),
        ({"dist": "beta", "alpha": 2, "beta": 2, "low": 1, "high": 1}, "low < high"),
        ({"dist": "choice", "values": [1, 2, 3], "weights": [1, 1]}, "3 values but 2 weights"),
        ({"dist": "choice", "values": [1, 2], "weights": [1, -1]}, "non-negative"),
        ({"dist": "choice", "values": [1, 2], "weights": [0, 0]}, "not all zero"),
        ({"dist": "choice", "values": []}, "at least 1"),
        ({"dist": "uniform", "low": 1, "high": 2, "hihg": 3}, "Extra inputs"),
        ({"dist": "uniform", "low": 1}, "Field required"),
        ({"dist": "fixed", "value": "lots"}, "valid number"),
    ],
)
def test_invalid_parameters_are_rejected(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        dist(**fields)


def test_distributions_are_immutable() -> None:
    d = dist(dist="uniform", low=1, high=2)
    with pytest.raises(ValidationError):
        d.low = 3


# Param: numbers and distributions as YAML gives them --------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"), [(3, 3.0), (2.5, 2.5), ("1e3", 1000.0), ("12_000", 12000.0), (-4, -4.0)]
)
def test_param_reads_numbers(raw: Any, expected: float) -> None:
    value = PARAM.validate_python(raw)
    assert isinstance(value, float)
    assert value == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (True, "boolean"),
        ("plenty", "expected a number or a distribution"),
        ([1, 2], "expected a number or a distribution"),
        ({"low": 1, "high": 2}, "needs a 'dist' key"),
        ({"dist": "gamma", "shape": 2}, "unknown distribution 'gamma'"),
    ],
)
def test_param_rejects_other_input(raw: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PARAM.validate_python(raw)


@pytest.mark.parametrize("kind", DISTRIBUTION_KINDS)
def test_every_kind_is_accepted_as_a_param(kind: str, tmp_path: Path) -> None:
    samples = tmp_path / "samples.csv"
    samples.write_text("x\n1\n2\n")
    examples = {
        "empirical": {"file": str(samples), "column": "x"},
        "fixed": {"value": 1},
        "uniform": {"low": 0, "high": 1},
        "normal": {"mean": 0, "sd": 1},
        "lognormal": {"median": 1, "sigma": 1},
        "triangular": {"low": 0, "mode": 1, "high": 2},
        "beta": {"alpha": 1, "beta": 1},
        "choice": {"values": [1, 2]},
    }
    value = PARAM.validate_python({"dist": kind, **examples[kind]})
    assert is_distribution(value)
    assert value.dist == kind


def test_value_of() -> None:
    assert value_of(3.0) == 3.0
    assert value_of(dist(dist="uniform", low=2, high=4)) == pytest.approx(3.0)
    assert not is_distribution(3.0)


# finite numbers, and the range a distribution reaches -------------------------------------------------------


@pytest.mark.parametrize("raw", [math.nan, math.inf, -math.inf, "nan", "inf", "1e400", "-1e999", 10**400])
def test_param_refuses_numbers_that_are_not_finite(raw: Any) -> None:
    with pytest.raises(ValidationError, match="finite number"):
        PARAM.validate_python(raw)


@pytest.mark.parametrize(
    "fields",
    [
        {"dist": "fixed", "value": math.nan},
        {"dist": "uniform", "low": math.nan, "high": 1},
        {"dist": "uniform", "low": 0, "high": math.inf},
        {"dist": "normal", "mean": math.inf, "sd": 1},
        {"dist": "normal", "mean": 0, "sd": math.nan},
        {"dist": "lognormal", "median": math.inf, "sigma": 0.2},
        {"dist": "triangular", "low": 0, "mode": math.nan, "high": 1},
        {"dist": "beta", "alpha": math.inf, "beta": 2},
        {"dist": "choice", "values": [1, math.inf]},
        {"dist": "choice", "values": [1, 2], "weights": [math.nan, 1]},
    ],
)
def test_distribution_parameters_must_be_finite(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="finite number"):
        dist(**fields)


@pytest.mark.parametrize(
    "fields",
    [
        {"dist": "uniform", "low": -1e13, "high": 1},
        {"dist": "normal", "mean": 0, "sd": 1e300},
        {"dist": "lognormal", "median": 1, "sigma": 1e300},
        {"dist": "beta", "alpha": 1e300, "beta": 2},
    ],
)
def test_distribution_parameters_are_bounded(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="less than or equal|greater than or equal"):
        dist(**fields)


@pytest.mark.parametrize("name", sorted(CASES))
def test_reach_is_the_finite_range_the_sampler_draws(name: str) -> None:
    d = dist(**CASES[name][0])
    low, high = d.reach()
    assert math.isfinite(low) and math.isfinite(high)
    support = d.support()
    assert support[0] <= low <= high <= support[1]
    # A finite end of the support is its own bound; an infinite one is what the sampler's extreme
    # uniform gives (it never draws 0 or 1).
    assert low == (support[0] if math.isfinite(support[0]) else d.ppf(U_LOWEST))
    assert high == (support[1] if math.isfinite(support[1]) else d.ppf(U_HIGHEST))
    assert U_LOWEST > 0.0 and U_HIGHEST < 1.0
    draws = [uniform_for(replication_seed(seed, i), "x") for seed in range(3) for i in range(200)]
    assert all(U_LOWEST <= u <= U_HIGHEST for u in draws)


def test_a_lognormal_reaches_its_median_times_exp_of_about_8_sigma() -> None:
    low, high = dist(dist="lognormal", median=2.0, sigma=0.5).reach()
    assert low == 0.0
    assert 2.0 * math.exp(0.5 * 8.0) < high < 2.0 * math.exp(0.5 * 8.5)


# bounds: NonNegative and Fraction ---------------------------------------------------------------------------


class Bounded(BaseModel):
    amount: NonNegative = 0.0
    share: Fraction = 0.0


def assert_kept(written: Any, value: Any) -> None:
    """The validated value is what was written: the same number, or the same distribution."""
    if isinstance(written, dict):
        assert is_distribution(value)
        assert value == dist(**written)
    else:
        assert value == float(written) and isinstance(value, float)


@pytest.mark.parametrize(
    "amount",
    [
        0,
        12.5,
        {"dist": "uniform", "low": 0, "high": 5},
        {"dist": "lognormal", "median": 3, "sigma": 1},
        {"dist": "normal", "mean": 5, "sd": 2, "low": 0},
        {"dist": "triangular", "low": 0, "mode": 0, "high": 2},
    ],
)
def test_non_negative_accepts(amount: Any) -> None:
    value = Bounded(amount=amount).amount
    assert_kept(amount, value)
    low, _ = (value, value) if isinstance(value, float) else value.support()
    assert low >= 0.0


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (-0.5, r"must be >= 0.0 \(value -0.5\)"),
        ({"dist": "uniform", "low": -1, "high": 5}, r"must be >= 0.0 \(distribution can reach -1.0\)"),
        ({"dist": "normal", "mean": 100, "sd": 1}, "distribution can reach -inf"),
        ({"dist": "choice", "values": [3, -2]}, "distribution can reach -2.0"),
    ],
)
def test_non_negative_rejects(amount: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Bounded(amount=amount)


@pytest.mark.parametrize(
    "share",
    [
        0,
        1,
        0.35,
        {"dist": "beta", "alpha": 2, "beta": 3},
        {"dist": "uniform", "low": 0.3, "high": 0.7},
        {"dist": "normal", "mean": 0.5, "sd": 0.2, "low": 0, "high": 1},
        {"dist": "fixed", "value": 1},
    ],
)
def test_fraction_accepts(share: Any) -> None:
    value = Bounded(share=share).share
    assert_kept(share, value)
    low, high = (value, value) if isinstance(value, float) else value.support()
    assert 0.0 <= low <= high <= 1.0


@pytest.mark.parametrize(
    ("share", "message"),
    [
        (1.5, r"must be <= 1.0 \(value 1.5\)"),
        (-0.1, r"must be >= 0.0"),
        ({"dist": "uniform", "low": 0.5, "high": 1.5}, r"must be <= 1.0 \(distribution can reach 1.5\)"),
        ({"dist": "lognormal", "median": 0.5, "sigma": 0.1}, "distribution can reach inf"),
        ({"dist": "beta", "alpha": 2, "beta": 2, "low": -0.2, "high": 1}, "must be >= 0.0"),
    ],
)
def test_fraction_rejects(share: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Bounded(share=share)


# sampling --------------------------------------------------------------------------------------------------

CAPACITY = "sides.ukraine.logistics.capacity"


@pytest.fixture(scope="module")
def kursk() -> Scenario:
    return load_scenario(KURSK)


def test_leaves_are_every_distribution_with_its_path(kursk: Scenario) -> None:
    leaves = dict(distribution_leaves(kursk))
    # One leaf per 'dist:' written in the file (outside comments), except in the calibrate block: its
    # priors are for calibration, not numbers of the model.
    written, in_calibrate = 0, False
    for line in KURSK.read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            in_calibrate = line.startswith("calibrate:")
        if not in_calibrate:
            written += line.split("#")[0].count("dist:")
    assert len(leaves) == written
    assert not any(path.startswith("calibrate") for path in leaves)
    assert leaves[CAPACITY] is kursk.sides["ukraine"].logistics.capacity
    assert isinstance(leaves[CAPACITY], Uniform)
    assert isinstance(leaves["sides.russia.contingents.north_korea.readiness_days"], Triangular)
    assert isinstance(leaves["sides.russia.attack.advance_km"], LogNormal)
    jitter = kursk.sides["russia"].contingents["regulars"].echelons[2].jitter_days
    assert leaves["sides.russia.contingents.regulars.echelons.2.jitter_days"] is jitter
    assert "engagement.kill_rate" not in leaves  # a plain number


def test_sampling_is_reproducible(kursk: Scenario) -> None:
    first = sample_parameters(kursk, replication_seed(0, 3))
    again = sample_parameters(kursk, replication_seed(0, 3))
    reloaded = sample_parameters(load_scenario(KURSK), np.random.SeedSequence(0, spawn_key=(3,)))
    assert first == again == reloaded
    assert set(first) == {path for path, _ in distribution_leaves(kursk)}


def test_sampled_values_lie_within_their_support(kursk: Scenario) -> None:
    leaves = dict(distribution_leaves(kursk))
    for replication in range(50):
        for path, value in sample_parameters(kursk, replication_seed(1, replication)).items():
            low, high = leaves[path].support()
            assert low <= value <= high, path


def test_sampling_differs_between_replications_and_seeds(kursk: Scenario) -> None:
    zero = sample_parameters(kursk, replication_seed(0, 0))
    one = sample_parameters(kursk, replication_seed(0, 1))
    other_root = sample_parameters(kursk, replication_seed(1, 0))
    assert all(zero[path] != one[path] for path in zero)
    assert all(zero[path] != other_root[path] for path in zero)


def test_paths_get_independent_uniform_streams() -> None:
    n = 4000
    a = np.array([uniform_for(replication_seed(0, i), CAPACITY) for i in range(n)])
    b = np.array([uniform_for(replication_seed(0, i), "engagement.kill_rate") for i in range(n)])
    assert np.all((a > 0) & (a < 1))
    assert stats.kstest(a, "uniform").pvalue > 1e-3
    assert stats.kstest(b, "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(a, b)[0, 1]) < 5 / math.sqrt(n)


@pytest.mark.parametrize("replication", [0, 1, 7, 123])
def test_fixing_one_input_leaves_the_other_draws_unchanged(kursk: Scenario, replication: int) -> None:
    fixed = load_scenario(KURSK, [f"{CAPACITY}=12000"])
    assert fixed.sides["ukraine"].logistics.capacity == 12000.0

    seed = replication_seed(0, replication)
    original = sample_parameters(kursk, seed)
    with_fixed = sample_parameters(fixed, seed)
    assert set(with_fixed) == set(original) - {CAPACITY}
    assert with_fixed == {path: value for path, value in original.items() if path != CAPACITY}


def test_changing_one_distribution_keeps_its_uniform(kursk: Scenario) -> None:
    # Common random numbers across a sweep: the new distribution takes the same quantile of its own range.
    capacity = kursk.sides["ukraine"].logistics.capacity
    changed = load_scenario(KURSK, [f"{CAPACITY}={{dist: uniform, low: 0, high: 1}}"])
    for replication in range(5):
        seed = replication_seed(0, replication)
        original = sample_parameters(kursk, seed)
        new = sample_parameters(changed, seed)
        u = (original[CAPACITY] - capacity.low) / (capacity.high - capacity.low)
        assert new[CAPACITY] == pytest.approx(u)
        assert {p: v for p, v in new.items() if p != CAPACITY} == {
            p: v for p, v in original.items() if p != CAPACITY
        }


def test_build_parameters_reads_every_sampled_value_into_its_place(kursk: Scenario) -> None:
    class Recording(dict):  # type: ignore[type-arg]
        read: set[str] = set()

        def __getitem__(self, key: str) -> float:
            self.read.add(key)
            return float(super().__getitem__(key))

    paths = [path for path, _ in distribution_leaves(kursk)]
    values = Recording({path: 1000.0 + i for i, path in enumerate(paths)})
    params = build_parameters(kursk, values)
    assert Recording.read == set(paths)  # no sampled number is left unread
    ukraine, russia = params.sides
    assert ukraine.logistics is not None and ukraine.logistics.capacity == values[CAPACITY]
    jitter = "sides.russia.contingents.regulars.echelons.2.jitter_days"
    echelon = russia.contingents[0].echelons[2]
    assert echelon.arrival_day == kursk.day_of(dt.date(2024, 10, 20)) + values[jitter]
    assert russia.attack is not None and russia.attack.advance_km == values["sides.russia.attack.advance_km"]
    assert ukraine.command.withdrawal is not None
    rules = dict(ukraine.command.withdrawal.rule_values)
    assert rules["area_below"]["area_below_km2"] == values["sides.ukraine.command.withdrawal.area_below_km2"]
    # The scenario itself is unchanged.
    assert isinstance(kursk.sides["ukraine"].logistics.capacity, Uniform)  # type: ignore[union-attr]


def test_class_constructors_match_yaml_forms() -> None:
    assert dist(dist="normal", mean=1, sd=2) == Normal(dist="normal", mean=1, sd=2)
    assert dist(dist="beta", alpha=2, beta=3) == Beta(dist="beta", alpha=2, beta=3)
    assert dist(dist="lognormal", median=2, sigma=1) == LogNormal(dist="lognormal", median=2, sigma=1)


# ---------------------------------------------------------------- empirical (posterior samples)


def _posterior(tmp_path: Path) -> Path:
    path = tmp_path / "posterior.csv"
    rows = ["a,b,weight"] + [f"{i},{10 * i},{1 if i != 3 else 0}" for i in range(10)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_empirical_draws_whole_rows_jointly_and_respects_weights(tmp_path: Path) -> None:
    import numpy as np

    from sim.scenario import load_scenario
    from sim.scenario.parameters import sample_parameters

    posterior = _posterior(tmp_path)
    scenario_path = tmp_path / "s.yaml"
    scenario_path.write_text(
        f"extends: {Path(__file__).parent / 'scenarios' / 'small.yaml'}\n"
        "sides:\n  red:\n    attack:\n"
        f"      advance_km: {{dist: empirical, file: {posterior.name}, column: a, weights: weight}}\n"
        "  blue:\n    contingents:\n      brigades:\n"
        f"        replacements_per_day: {{dist: empirical, file: {posterior.name}, column: b, "
        "weights: weight}\n"
    )
    scenario = load_scenario(scenario_path)  # the file is found relative to the scenario that names it
    seen = set()
    for i in range(300):
        values = sample_parameters(scenario, np.random.SeedSequence(0, spawn_key=(i,)))
        a = values["sides.red.attack.advance_km"]
        b = values["sides.blue.contingents.brigades.replacements_per_day"]
        assert b == 10 * a  # one row per replication, shared by every column of the file
        seen.add(a)
    assert 3.0 not in seen  # weight 0: never drawn
    assert seen == {0.0, 1.0, 2.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0}


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"file": "nope.csv", "column": "a"}, "no such file"),
        ({"column": "zz"}, "has no column 'zz'"),
        ({"column": "a", "weights": "zz"}, "has no column 'zz'"),
    ],
)
def test_empirical_bad_file_or_column_is_rejected(tmp_path: Path, fields: dict, message: str) -> None:
    posterior = _posterior(tmp_path)
    spec = {"dist": "empirical", "file": str(posterior), **fields}
    if fields.get("file") == "nope.csv":
        spec["file"] = str(tmp_path / "nope.csv")
    with pytest.raises(ValidationError, match=message):
        PARAM.validate_python(spec)
