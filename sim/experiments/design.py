"""Sweep specifications and the designs that turn them into points.

A sweep varies scenario fields (dotted paths, as ``--set`` takes them):

* ``grid``: every combination of each field's listed values (full factorial);
* ``lhs``: a Latin hypercube of ``samples`` points over each field's range;
* ``sobol``: Saltelli's extension of the Sobol' sequence, ``samples x (fields + 2)`` points, for
  Sobol' indices;
* ``morris``: ``samples`` Morris trajectories, ``samples x (fields + 1)`` points, for elementary effects.

The samplers are SALib's.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.errors import InputError, require_extra

Design = Literal["grid", "lhs", "sobol", "morris"]


class Range(BaseModel):
    """A range to sample; with ``n`` it is also an evenly spaced grid of n values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: float
    high: float
    n: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low < self.high:
            raise ValueError(f"a range needs low < high (got low={self.low}, high={self.high})")
        return self

    def grid(self) -> list[float]:
        """Return the n evenly spaced values (the ends included)."""
        if self.n is None:
            raise ValueError("a grid range needs n, the number of values")
        return [float(v) for v in np.linspace(self.low, self.high, self.n)]


class SweepSpec(BaseModel):
    """A sweep, as written in a sweep file or assembled from ``--vary`` options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str | None = Field(None, description="Scenario file, relative to the sweep file.")
    design: Design = "grid"
    samples: int = Field(16, ge=1, description="Base sample size for lhs, sobol and morris.")
    replications: int = Field(50, ge=1, description="Replications per point.")
    seed: int = Field(0, ge=0)
    vary: dict[str, list[float] | Range] = Field(min_length=1)
    outcomes: list[str] = Field(default_factory=list, description="Outcomes for sensitivity indices.")
    set: dict[str, object] = Field(default_factory=dict, description="Fixed overrides for every point.")

    @field_validator("vary")
    @classmethod
    def _values(cls, vary: dict[str, list[float] | Range]) -> dict[str, list[float] | Range]:
        for path, values in vary.items():
            if isinstance(values, list) and not values:
                raise ValueError(f"{path}: give at least one value")
        return vary

    @model_validator(mode="after")
    def _design_fits(self) -> SweepSpec:
        for path, values in self.vary.items():
            if self.design == "grid" and isinstance(values, Range) and values.n is None:
                raise ValueError(f"{path}: a grid needs values or low/high/n")
            if self.design != "grid" and not isinstance(values, Range):
                raise ValueError(f"{path}: the {self.design} design needs a range (low, high)")
        if self.design == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"the sobol design needs samples to be a power of 2 (got {self.samples})")
        return self


def parse_vary(option: str, design: Design) -> tuple[str, list[float] | Range]:
    """Parse one ``--vary`` option: ``path=v1,v2,...``, ``path=lo:hi:n`` or (designs) ``path=lo:hi``.

    Raises:
        InputError: If the option has another form.
    """
    where = f"--vary {option}"
    if "=" not in option:
        raise InputError("expected path=values", where)
    path, text = (part.strip() for part in option.split("=", 1))
    if not path or not text:
        raise InputError("expected path=values", where)
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) == 3:
                if not parts[2].is_integer():
                    raise InputError("lo:hi:n needs a whole number n", where, field=path)
                return path, Range(low=parts[0], high=parts[1], n=int(parts[2]))
            if len(parts) == 2:
                if design == "grid":
                    raise InputError(
                        "a grid needs lo:hi:n (n evenly spaced values) or a list v1,v2,...; lo:hi alone is "
                        "a range for --design lhs, sobol or morris",
                        where,
                        field=path,
                    )
                return path, Range(low=parts[0], high=parts[1])
            raise InputError("expected lo:hi or lo:hi:n", where, field=path)
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValidationError as exc:
        message = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise InputError(message, where, field=path) from None
    except ValueError as exc:
        raise InputError(f"cannot read the values ({exc})", where, field=path) from None
    if design != "grid":
        raise InputError(f"the {design} design needs a range lo:hi", where, field=path)
    return path, values


def problem(spec: SweepSpec) -> dict[str, object]:
    """Return SALib's problem definition for the spec's ranges."""
    names = list(spec.vary)
    bounds = []
    for values in spec.vary.values():
        bounds.append([values.low, values.high] if isinstance(values, Range) else [min(values), max(values)])
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def points(spec: SweepSpec) -> np.ndarray:
    """Return the design's points, one row per point, one column per varied path (in spec order)."""
    if spec.design == "grid":
        axes: Sequence[list[float]] = [
            values.grid() if isinstance(values, Range) else list(values) for values in spec.vary.values()
        ]
        return np.array(list(itertools.product(*axes)), dtype=float)
    require_extra("SALib", "sensitivity", f"a {spec.design} design")
    from SALib.sample import latin, morris, sobol

    definition = problem(spec)
    if spec.design == "lhs":
        return np.asarray(latin.sample(definition, spec.samples, seed=spec.seed), dtype=float)
    if spec.design == "sobol":
        return np.asarray(
            sobol.sample(definition, spec.samples, calc_second_order=False, seed=spec.seed), dtype=float
        )
    return np.asarray(morris.sample(definition, spec.samples, num_levels=4, seed=spec.seed), dtype=float)
