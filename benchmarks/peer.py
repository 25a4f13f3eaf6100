"""A hand-written minimal SimPy model of the same dynamics, as a peer for the benchmark.

What an analyst would write by hand for the Kursk question: per sector, each side's assaults as a
Poisson process whose rate follows front x tempo(density), re-drawn after each assault and at each
day's start; an assault kills on both sides by the general Lanchester law with gamma-Poisson noise,
succeeds with the logistic curve and moves the line by depth x width; once a day, replacements flow in
and the line is re-read. No units, rotation, allocation policy, supply model, fortification or
withdrawal rules, no event log: aggregate strength per sector and side. It draws its numbers from the
same sampled parameters as the model so the event counts are comparable; it does not reproduce the
model's results and is not meant to.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from sim.model.params import Parameters

DAY_OFFSET = 1e-6


def run_peer(params: Parameters, seed: int) -> tuple[float, int]:
    """Run the peer model once; return (held area at the end in km², events scheduled)."""
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    sectors = params.sectors
    count = len(sectors)
    area0 = [s.area_km2 for s in sectors]
    area = list(area0)
    front0 = [s.frontage_km for s in sectors]
    holder_index = next(i for i, side in enumerate(params.sides) if side.holds_ground)
    strength: list[list[float]] = []
    replacements: list[float] = []
    for side in params.sides:
        total = sum(
            c.unit_size * sum(e.units for e in c.echelons if e.arrival_day <= 0.0) for c in side.contingents
        )
        strength.append([total / count] * count)
        replacements.append(sum(c.replacements_per_day for c in side.contingents))
    engagement = params.engagement
    p_exponent, q_exponent = engagement.exponents
    kill = engagement.kill_rate * 1.0
    shape = engagement.dispersion or 2.0

    def front(k: int) -> float:
        return front0[k] * math.sqrt(area[k] / area0[k]) if area[k] > 0.0 else 0.0

    def tick() -> Generator[simpy.Event, Any, None]:
        for _day in range(params.horizon_days + 1):
            for s in range(2):
                share = replacements[s] / count
                for k in range(count):
                    if area[k] > 0.0:
                        strength[s][k] += share
            yield env.timeout(1.0)

    def assaults(s: int, k: int) -> Generator[simpy.Event, Any, None]:
        plan = params.sides[s].attack
        assert plan is not None
        enemy = 1 - s
        while True:
            width = front(k)
            if width <= 0.0:
                return
            density = strength[s][k] / width
            rate = plan.max_rate_per_km * width * density / (density + plan.half_rate_density)
            if s == holder_index and area[k] >= area0[k]:
                rate = 0.0
            next_day = math.floor(env.now) + 1.0 + DAY_OFFSET
            gap = rng.standard_exponential() / rate if rate > 0.0 else math.inf
            if env.now + gap >= next_day:
                yield env.timeout(next_day - env.now)
                continue
            yield env.timeout(gap)
            share = min(plan.frontage_km, width) / width
            own = plan.engaged_share * strength[s][k] * share
            other = plan.defender_engaged_share * strength[enemy][k] * share
            if own <= 0.0:
                continue
            for side, mine, theirs in ((s, own, other), (enemy, other, own)):
                mean = kill * mine**p_exponent * theirs**q_exponent * plan.duration
                if mean > 0.0:
                    losses = min(float(rng.poisson(rng.gamma(shape, mean / shape))), strength[side][k])
                    strength[side][k] -= losses
            ratio = own / other if other > 0.0 else math.inf
            logit = engagement.intercept + engagement.slope * math.log(ratio) if other > 0.0 else 50.0
            if rng.random() < 1.0 / (1.0 + math.exp(-logit)):
                gained = plan.advance_km * min(plan.frontage_km, width)
                if s == holder_index:
                    area[k] = min(area0[k], area[k] + gained)
                else:
                    area[k] = max(0.0, area[k] - gained)

    env.process(tick())
    for s, side in enumerate(params.sides):
        if side.attack is not None:
            for k in range(count):
                env.process(assaults(s, k))
    env.run(until=params.horizon_days + 1e-9)
    return sum(area), next(env._eid)
