"""The engine's attrition against the Lanchester ODEs it discretises.

Set-up: one sector; only the contesting side ("red") attacks, at ``RATE`` assaults a day, each lasting
``1 / RATE`` days with every soldier of both sides engaged; quality, supply, terrain and posture are all 1
and nobody advances, rotates or keeps a reserve. The engagement model gives that constant rate with
``max_rate_per_km = RATE / FRONT`` and ``half_rate_density`` 0 (tempo 1 whenever red is there; nobody
advances, so the front stays ``FRONT``), and engages everyone with an assault as wide as the sector
(``frontage_km = FRONT``, no extra defender reach) and shares of 1. An assault then takes
``k * A**p * D**q / RATE`` from each side (own strength to the power p, the enemy's to q), so ``RATE``
assaults a day are an explicit Euler step of ``1 / RATE`` days of

    dA/dt = -k A**p D**q,    dD/dt = -k D**p A**q.

Euler's global error over ``t`` days is about ``(k / RATE) * k * t / 2`` relative (square law: 1e-4 at
k = 0.01 over 60 days), so the 2% tolerance below only fails if the engine integrates a different law.
Each side gets a reinforcement echelon part-way through (at a fractional day, so it is unambiguous which
daily record first counts it); the ODE is solved piecewise with the echelon added at its arrival time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from sim.batch.seeding import replication_seed
from sim.model.replication import Replication
from sim.model.trajectory import Trajectory
from sim.scenario.schema import Scenario

RATE = 48.0
FRONT = 10.0  # km; each assault is as wide as the whole sector, so every soldier of both sides fights
HORIZON = 60
UNIT = 1000.0
RED_START, BLUE_START = 10 * UNIT, 6 * UNIT
RED_LATER = (35.25, 3 * UNIT)  # red: 3 more units on day 35.25
BLUE_LATER = (20.5, 4 * UNIT)  # blue: 4 more units on day 20.5
TOLERANCE = 0.02

LAWS = {
    # law: (kill rate, p, q) with k chosen so that both sides lose 20-50% and neither is wiped out.
    "square": (0.01, 0.0, 1.0),
    "linear": (1.5e-6, 1.0, 1.0),
    "logarithmic": (0.01, 1.0, 0.0),
    "general": (0.01, 0.5, 0.5),
}


def lanchester_scenario(
    law: str, kill_rate: float, *, noise: bool = False, dispersion: float | None = None
) -> Scenario:
    law_block: dict[str, object] = {"type": law}
    if law == "general":
        _, p, q = LAWS["general"]
        law_block.update(own_exponent=p, enemy_exponent=q)
    quiet_command = {"rotation_threshold": 0.0}  # never pull a worn unit out
    return Scenario.model_validate(
        {
            "name": f"lanchester_{law}",
            "start": "2024-01-01",
            "end": "2024-03-01",  # 60 days
            "sides": {
                "blue": {
                    "holds_ground": True,
                    "contingents": {
                        "main": {
                            "unit_size": UNIT,
                            "quality": 1.0,
                            "echelons": [
                                {"units": int(BLUE_START / UNIT), "day": 0},
                                {"units": int(BLUE_LATER[1] / UNIT), "day": BLUE_LATER[0]},
                            ],
                            "readiness_days": 0,
                            "reserve_share": 0.0,
                        }
                    },
                    "command": quiet_command,
                },
                "red": {
                    "contingents": {
                        "main": {
                            "unit_size": UNIT,
                            "quality": 1.0,
                            "echelons": [
                                {"units": int(RED_START / UNIT), "day": 0},
                                {"units": int(RED_LATER[1] / UNIT), "day": RED_LATER[0]},
                            ],
                            "readiness_days": 0,
                            "reserve_share": 0.0,
                        }
                    },
                    "attack": {
                        # RATE assaults a day on the sector's whole front, whatever the forces there.
                        "max_rate_per_km": RATE / FRONT,
                        "half_rate_density": 0.0,
                        "duration_days": 1.0 / RATE,
                        "engaged_share": 1.0,
                        "defender_engaged_share": 1.0,
                        "defender_reach_km": 0.0,
                        "frontage_km": FRONT,
                        "advance_km": 0.0,
                        "advance_sigma": 0.0,
                    },
                    "command": quiet_command,
                },
            },
            "sectors": {
                "only": {
                    "area_km2": 100.0,
                    "frontage_km": FRONT,
                    "terrain": 1.0,
                    "fortification": {"initial": 0.0, "growth_per_day": 0.0, "maximum": 0.0},
                }
            },
            "engagement": {
                "law": law_block,
                "kill_rate": kill_rate,
                "noise": noise,
                "dispersion": dispersion,
            },
        }
    )


def solve_piecewise(
    rhs: Callable[[float, np.ndarray], Sequence[float]],
    y0: Sequence[float],
    arrivals: Sequence[tuple[float, Sequence[float]]],
    horizon: int,
) -> np.ndarray:
    """Solve ``y' = rhs`` from 0 to ``horizon``, adding each arrival's vector at its time.

    Returns:
        The solution at days 0..horizon, shape (len(y0), horizon + 1).
    """
    days = np.arange(horizon + 1)
    out = np.full((len(y0), days.size), np.nan)
    y = np.asarray(y0, dtype=float)
    t0 = 0.0
    for t1, added in [*sorted(arrivals), (float(horizon), [0.0] * len(y0))]:
        inside = days[(days >= t0) & (days <= t1)]
        solution = solve_ivp(
            rhs, (t0, t1), y, method="DOP853", t_eval=inside, dense_output=True, rtol=1e-10, atol=1e-8
        )
        assert solution.success, solution.message
        out[:, inside] = solution.y
        y = solution.sol(t1) + np.asarray(added, dtype=float)
        t0 = t1
    assert not np.isnan(out).any()
    return out


def lanchester_reference(law: str) -> np.ndarray:
    """The ODE solution as (red, blue) strengths on days 0..HORIZON."""
    k, p, q = LAWS[law]

    def rhs(_t: float, y: np.ndarray) -> list[float]:
        red, blue = np.maximum(y, 0.0)
        return [-k * red**p * blue**q, -k * blue**p * red**q]

    arrivals = [(RED_LATER[0], [RED_LATER[1], 0.0]), (BLUE_LATER[0], [0.0, BLUE_LATER[1]])]
    return solve_piecewise(rhs, [RED_START, BLUE_START], arrivals, HORIZON)


def red_blue(scenario: Scenario, array: np.ndarray) -> np.ndarray:
    """Reorder a (sides, days) array of a trajectory to (red, blue)."""
    names = list(scenario.sides)
    return np.vstack([array[names.index("red")], array[names.index("blue")]])


def arrived(days: np.ndarray) -> np.ndarray:
    """Personnel that have arrived by each day, as (red, blue)."""
    red = RED_START + RED_LATER[1] * (days >= RED_LATER[0])
    blue = BLUE_START + BLUE_LATER[1] * (days >= BLUE_LATER[0])
    return np.vstack([red, blue])


def run(scenario: Scenario, replication: int = 0, seed: int = 2024) -> Trajectory:
    return Replication(scenario, replication_seed(seed, replication)).run()


def max_relative_error(engine: np.ndarray, reference: np.ndarray) -> float:
    return float(np.max(np.abs(engine - reference) / reference))


@pytest.mark.parametrize("law", list(LAWS))
def test_deterministic_strengths_follow_the_law(law: str) -> None:
    scenario = lanchester_scenario(law, LAWS[law][0])
    trajectory = run(scenario)
    engine = red_blue(scenario, trajectory.strength)
    reference = lanchester_reference(law)
    assert engine.shape == reference.shape == (2, HORIZON + 1)
    # The set-up is not degenerate: each side loses a good share of what it had.
    assert np.all(reference[:, -1] < 0.85 * arrived(np.array([HORIZON]))[:, 0])
    assert np.all(reference > 0.2 * UNIT)
    error = max_relative_error(engine, reference)
    assert error < TOLERANCE, f"{law} law: max relative error {error:.4%}"


def test_the_comparison_tells_laws_apart() -> None:
    """The comparison can fail: the square-law engine is far from the ODE of another law."""
    scenario = lanchester_scenario("square", LAWS["square"][0])
    engine = red_blue(scenario, run(scenario).strength)
    k_square = LAWS["square"][0]

    def wrong(_t: float, y: np.ndarray) -> list[float]:
        red, blue = y
        return [-k_square * red, -k_square * blue]  # logarithmic law at the same rate

    arrivals = [(RED_LATER[0], [RED_LATER[1], 0.0]), (BLUE_LATER[0], [0.0, BLUE_LATER[1]])]
    reference = solve_piecewise(wrong, [RED_START, BLUE_START], arrivals, HORIZON)
    assert max_relative_error(engine, reference) > 5 * TOLERANCE


@pytest.mark.parametrize("law", ["square", "linear"])
def test_strength_plus_casualties_is_what_arrived(law: str) -> None:
    scenario = lanchester_scenario(law, LAWS[law][0])
    trajectory = run(scenario)
    strength = red_blue(scenario, trajectory.strength)
    casualties = red_blue(scenario, trajectory.casualties)
    expected = arrived(np.arange(HORIZON + 1))
    np.testing.assert_allclose(strength + casualties, expected, rtol=1e-9)
    assert casualties[:, 0].tolist() == [0.0, 0.0]
    assert np.all(np.diff(casualties, axis=1) > 0)  # both sides lose something every day


@pytest.mark.slow
def test_square_law_mean_of_noisy_replications() -> None:
    """With noise on, the mean of many replications matches the same ODE.

    For the square law the state is a linear map applied at each assault: X -> (I - kJ/RATE) X with
    J = [[0, 1], [1, 0]], and with gamma-Poisson losses the expected loss given the state is exactly that
    map's (the cap at strength present never binds: a loss is ~1 soldier of thousands). Assaults come as a
    Poisson process of rate RATE whatever the state, so E[X(t)] = exp(-kJt) X(0): the mean of the noisy
    engine is the ODE solution itself, without even Euler's error. The only gap is sampling error, so each
    day's mean must be within 4.5 standard errors of the ODE: two-sided, Bonferroni over the 120 (side, day)
    comparisons, that is a family-wise false-alarm chance under 1e-3.
    """
    replications = 200
    scenario = lanchester_scenario("square", LAWS["square"][0], noise=True, dispersion=2.0)
    runs = np.array([red_blue(scenario, run(scenario, i).strength) for i in range(replications)])
    reference = lanchester_reference("square")
    mean = runs.mean(axis=0)
    standard_error = runs.std(axis=0, ddof=1) / np.sqrt(replications)
    # Noise really is on: replications differ (a soldier or more of spread by day 10 on each side).
    assert np.all(runs.std(axis=0)[:, 10:] > 1.0)
    np.testing.assert_allclose(mean[:, 0], reference[:, 0], rtol=1e-12)
    z = np.abs(mean[:, 1:] - reference[:, 1:]) / standard_error[:, 1:]
    assert z.max() < 4.5, f"largest deviation {z.max():.2f} standard errors (day {np.argmax(z.max(0)) + 1})"
    assert max_relative_error(mean, reference) < TOLERANCE
