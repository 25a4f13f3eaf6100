"""Edges of a replication's shared state (``sim.model.state``): its random streams and its trace.

Each random process of replication ``i`` draws from its own stream, ``SeedSequence(root, spawn_key=(i,
stream, ...))`` (docs/architecture.md, "Randomness and reproducibility"): combat ``(i, 1, side index,
sector index)``, strikes ``(i, 2, side index)``, and fires ``(i, 3, side index)``. Each test makes the
stream's first draw by hand from that key and finds it in what the replication did. A state made
without a trace keeps no events; a line left empty is covered again only while its side is not
withdrawing; the record of casualties by sector has one row per side.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_mechanisms import date, events, run, scenario

from sim.batch.seeding import replication_seed
from sim.model import laws
from sim.model.draws import Draws
from sim.model.state import ReplicationState

# Replication 0 of root seed 0 (what ``run`` uses), with loss noise of gamma shape 2.
ROOT, REPLICATION, DISPERSION = 0, 0, 2.0
NOISY = {"kill_rate": 0.0, "noise": True, "dispersion": DISPERSION}


def by_hand(*key: int) -> Draws:
    """The stream with spawn key ``(replication, *key)``, made as the docs say."""
    seed = np.random.SeedSequence(ROOT, spawn_key=(REPLICATION, *key))
    return Draws(np.random.Generator(np.random.PCG64(seed)), gamma_shape=DISPERSION)


def test_the_seed_used_here_is_replication_0_of_root_0() -> None:
    seed = replication_seed(ROOT, REPLICATION)
    assert seed.entropy == ROOT and seed.spawn_key == (REPLICATION,)


def test_each_sectors_assaults_draw_from_the_combat_stream_of_its_side_and_sector() -> None:
    """Red (side 1) attacks two sectors at 100 and 50 assaults a day; each first gap is its stream's."""
    scen = scenario(
        1,
        sides__red__attack={"max_rate_per_km": 10.0, "half_rate_density": 0.0, "advance_km": 0.0},
        sectors={"north": {"area_km2": 200, "frontage_km": 10}, "south": {"area_km2": 100, "frontage_km": 5}},
        engagement=NOISY,
    )
    _, trajectory = run(scen)
    for sector, (name, rate) in enumerate([("north", 100.0), ("south", 50.0)]):
        first = min(e.day for e in events(trajectory, "assault", "red") if e.sector == name)
        assert first == pytest.approx(by_hand(1, 1, sector).exponential() / rate, rel=1e-12)


def test_strikes_draw_from_the_strike_stream_of_their_side() -> None:
    """Red (side 1) strikes twice a day from day 0: its first strike comes after its stream's gap / 2."""
    strikes = {"start": date(0), "rate_per_day": 2.0, "capacity_cut": 0.1, "recovery_days": 3}
    _, trajectory = run(scenario(5, sides__red__strikes=strikes, engagement=NOISY))
    first = events(trajectory, "strike", "red")[0].day
    assert first == pytest.approx(by_hand(2, 1).exponential() / 2.0, rel=1e-12)


def test_fires_draw_their_losses_from_the_fires_stream_of_their_side() -> None:
    """Red's (side 1) fires on day 0 take a gamma-Poisson draw around 1% of Blue's 2,000 (mean 20)."""
    fires = {"loss_share_per_day": 0.01, "reference_density": 270}  # Red has 270 of power a km: share x 1
    _, trajectory = run(scenario(2, sides__red__fires=fires, engagement=NOISY))
    day0 = [e.numbers["losses"] for e in events(trajectory, "fires", "red") if e.day == 0.0]
    assert day0 == [laws.draw_losses(20.0, 2000.0, DISPERSION, by_hand(3, 1))]
    assert day0[0] != 20.0  # a draw, not the mean


def test_a_state_made_without_a_trace_keeps_no_events() -> None:
    """Losing a sector is an event in a traced state and none in a state made without ``trace``."""
    seed = replication_seed(ROOT, REPLICATION)
    traced = ReplicationState(scenario(2), seed, trace=True)
    traced._sector_lost(0)
    assert [e.kind for e in traced.events] == ["sector_lost"]
    untraced = ReplicationState(scenario(2), seed)
    untraced._sector_lost(0)
    assert untraced.events == []


def test_a_withdrawing_holder_leaves_a_line_its_fires_emptied_empty() -> None:
    """Blue (1 unit in the line, 1 in reserve) withdraws from day 0; Red's fires from day 1 take its line.

    Red's 270 of power a km over a reference density of 1 times 0.5 is far above 1: the day-1 fires take
    all 1,000 in the line. Withdrawing, Blue sends no reserve in, so on day 2 there is nobody to hit.
    """
    scen = scenario(
        4,
        sides__red__fires={"loss_share_per_day": 0.5, "reference_density": 1, "start": date(1)},
        sides__blue__contingents__main__reserve_share=0.5,
        sides__blue__command__withdrawal={"area_below_km2": 1e6, "duration_days": 3},
    )
    replication, trajectory = run(scen)
    assert [e.day for e in events(trajectory, "fallen", "blue")] == [1.0]
    assert [e.day for e in events(trajectory, "commit", "blue")] == [0.0]
    np.testing.assert_allclose(trajectory.casualties[0], [0.0, 0.0, 1000.0, 1000.0, 1000.0])


def test_the_record_of_casualties_by_sector_has_one_row_per_side() -> None:
    sectors = {"north": {"area_km2": 200, "frontage_km": 10}, "south": {"area_km2": 100, "frontage_km": 5}}
    _, trajectory = run(scenario(3, sectors=sectors))
    assert trajectory.sector_casualties.shape == (2, 4, 2)
