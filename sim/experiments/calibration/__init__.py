"""Calibration of a scenario's uncertain inputs to its observations by ABC-SMC (pyabc).

A scenario's ``calibrate:`` block names dotted paths with a prior each. A *particle* is one value per
path; the model sets those values in the scenario document, validates it once, runs
``calibrate.replications`` replications and measures every observation (``observables.measure``),
averaged over the replications. The distance between a particle's measurements ``s`` and the
observations ``o`` is

    d = sqrt(sum_i ((s_i - o_i) / scale_i)^2),

with ``scale_i`` the observation's standard deviation (an interval counts as a 95% range). pyabc's
ABC-SMC then shrinks the acceptance threshold generation by generation (the median of the previous
generation's distances) until a number of generations, a threshold or a time budget is reached.

Randomness: the model's replications draw from ``SeedSequence(seed, spawn_key=(h0, h1, h2, h3, r))``
where ``h`` are four 32-bit words of a hash of the particle's values and ``r`` the replication, so a
particle's simulation depends only on the root seed and its values. pyabc itself draws particles
from numpy's global generator; ``run_calibration`` seeds it once from the root seed. That is pyabc's
own state, the only global random state the project touches, and only in calibration.

Output folder: ``posterior.parquet``, ``abc.db``, ``diagnostics.json``, ``diagnostics.csv``,
``<name>_calibrated.yaml`` and ``plots/`` (posterior marginals, pairs, generations).
"""
