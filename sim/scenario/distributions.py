"""Distributions a scenario number may take instead of a fixed value.

Every distribution is sampled by its inverse CDF (``ppf``) from one uniform draw, so the same
uniform gives the same quantile whatever the distribution's family: this keeps common random
numbers across a sweep and lets designed experiments (LHS, Sobol) reuse the same code.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)
from scipy import special

from sim.errors import shorten
from sim.scenario import limits
from sim.scenario.files import FileProblem, read_limited

U_LOWEST = 0.5 / 9007199254740992.0
"""The smallest uniform the sampler draws (``sim.scenario.parameters.uniform_for``): 2**-54."""
U_HIGHEST = 1.0 - 2.0**-53
"""The largest uniform the sampler draws: the largest float below 1."""

NUMBER = 1e12
"""Largest magnitude of any number written in a distribution."""
Number = Annotated[float, Field(ge=-NUMBER, le=NUMBER)]
"""A finite number of at most 1e12 in magnitude (so sums and widths of them stay finite)."""


class _Distribution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def ppf(self, u: float) -> float:
        """Return the quantile at probability ``u`` in (0, 1)."""
        raise NotImplementedError

    def support(self) -> tuple[float, float]:
        """Return the smallest and largest value the distribution can produce."""
        raise NotImplementedError

    def reach(self) -> tuple[float, float]:
        """Return the smallest and largest value the sampler can actually draw.

        Sampling is by ``ppf`` at a uniform that is never closer to 0 or 1 than ``U_LOWEST`` (53-bit
        draws), so even a distribution with an infinite support (a normal, a log-normal) reaches only
        a finite range: a log-normal reaches its median times exp(8.3 sigma).
        """
        low, high = self.support()
        lowest = low if math.isfinite(low) else self.ppf(U_LOWEST)
        highest = high if math.isfinite(high) else self.ppf(U_HIGHEST)
        return (lowest, highest)

    def median(self) -> float:
        """Return the median, used wherever a scenario is shown or run deterministically."""
        return self.ppf(0.5)

    def describe(self) -> str:
        """Return a one-line description for ``sim check``."""
        args = ", ".join(f"{k}={v}" for k, v in self.model_dump(exclude={"dist"}).items() if v is not None)
        return f"{self.dist}({args})"  # type: ignore[attr-defined]


class Fixed(_Distribution):
    """A fixed value written as a distribution (useful to switch an uncertain input off)."""

    dist: Literal["fixed"]
    value: Number

    def ppf(self, u: float) -> float:
        """Return the value, whatever ``u``."""
        return self.value

    def support(self) -> tuple[float, float]:
        """Return the value as both ends."""
        return (self.value, self.value)


class Uniform(_Distribution):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"uniform needs low < high (got low={self.low}, high={self.high})")
        return self

    def ppf(self, u: float) -> float:
        """Return low + u (high - low)."""
        return self.low + u * (self.high - self.low)

    def support(self) -> tuple[float, float]:
        """Return (low, high)."""
        return (self.low, self.high)


class Normal(_Distribution):
    """Normal with mean and standard deviation, optionally truncated to [low, high]."""

    dist: Literal["normal"]
    mean: Number
    sd: float = Field(gt=0, le=NUMBER)
    low: Number | None = None
    high: Number | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Normal:
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"normal truncation needs low < high (got {self.low}, {self.high})")
        return self

    def ppf(self, u: float) -> float:
        """Return the truncated normal quantile."""
        low = -math.inf if self.low is None else (self.low - self.mean) / self.sd
        high = math.inf if self.high is None else (self.high - self.mean) / self.sd
        value = self.mean + self.sd * _truncated_standard_normal_ppf(low, high, u)
        return min(max(value, self.support()[0]), self.support()[1])

    def support(self) -> tuple[float, float]:
        """Return the truncation bounds (infinite where not truncated)."""
        return (-math.inf if self.low is None else self.low, math.inf if self.high is None else self.high)


def _truncated_standard_normal_ppf(low: float, high: float, u: float) -> float:
    """Return the u-quantile of a standard normal truncated to [low, high].

    A window far in the upper tail is mirrored into the lower tail, where the normal CDF keeps
    its precision (ndtr(9) rounds to 1.0, but ndtr(-9) is an exact 1.1e-19).
    """
    if low > 0.0:
        return -_truncated_standard_normal_ppf(-high, -low, 1.0 - u)
    lower = float(special.ndtr(low))
    upper = float(special.ndtr(high))
    return float(special.ndtri(lower + u * (upper - lower)))


class LogNormal(_Distribution):
    """Log-normal given by its median and the standard deviation of its logarithm."""

    dist: Literal["lognormal"]
    median_value: float = Field(gt=0, le=NUMBER, alias="median")
    sigma: float = Field(gt=0, le=limits.SPREAD)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    def ppf(self, u: float) -> float:
        """Return median * exp(sigma * z_u)."""
        return self.median_value * math.exp(self.sigma * float(special.ndtri(u)))

    def support(self) -> tuple[float, float]:
        """Return (0, inf)."""
        return (0.0, math.inf)

    def describe(self) -> str:
        """Return a one-line description."""
        return f"lognormal(median={self.median_value}, sigma={self.sigma})"


class Triangular(_Distribution):
    """Triangular on [low, high] with its mode."""

    dist: Literal["triangular"]
    low: Number
    mode: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                f"triangular needs low <= mode <= high and low < high "
                f"(got low={self.low}, mode={self.mode}, high={self.high})"
            )
        return self

    def ppf(self, u: float) -> float:
        """Return the closed-form triangular quantile."""
        width = self.high - self.low
        split = (self.mode - self.low) / width
        if u < split:
            return self.low + math.sqrt(u * width * (self.mode - self.low))
        return self.high - math.sqrt((1.0 - u) * width * (self.high - self.mode))

    def support(self) -> tuple[float, float]:
        """Return (low, high)."""
        return (self.low, self.high)


class Beta(_Distribution):
    """Beta(alpha, beta) scaled to [low, high] (default [0, 1])."""

    dist: Literal["beta"]
    alpha: float = Field(gt=0, le=1e6)
    beta: float = Field(gt=0, le=1e6)
    low: Number = 0.0
    high: Number = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> Beta:
        if not self.low < self.high:
            raise ValueError(f"beta needs low < high (got low={self.low}, high={self.high})")
        return self

    def ppf(self, u: float) -> float:
        """Return the scaled beta quantile."""
        return self.low + (self.high - self.low) * float(special.betaincinv(self.alpha, self.beta, u))

    def support(self) -> tuple[float, float]:
        """Return (low, high)."""
        return (self.low, self.high)


class Choice(_Distribution):
    """One of a list of values, with optional weights (equal by default)."""

    dist: Literal["choice"]
    values: tuple[Number, ...] = Field(min_length=1, max_length=limits.CHOICE_VALUES)
    weights: tuple[Number, ...] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"choice has {len(self.values)} values but {len(self.weights)} weights")
            if any(not w >= 0 for w in self.weights) or not sum(self.weights) > 0:
                raise ValueError("choice weights must be non-negative and not all zero")
        return self

    def ppf(self, u: float) -> float:
        """Return the value whose cumulative weight first exceeds ``u``."""
        weights = self.weights or [1.0] * len(self.values)
        total = sum(weights)
        cumulative = 0.0
        for value, weight in zip(self.values, weights, strict=True):
            cumulative += weight / total
            if u < cumulative:
                return value
        return self.values[-1]

    def support(self) -> tuple[float, float]:
        """Return the smallest and largest value."""
        return (min(self.values), max(self.values))

    def median(self) -> float:
        """Return the weighted median value."""
        return self.ppf(0.5)


class Empirical(_Distribution):
    """Samples from a file (e.g. a posterior from ``sim calibrate``): one row per replication.

    Every empirical distribution reading the same file draws the same row in a replication, so
    parameters calibrated together keep their correlations. ``weights`` names a column of sampling
    weights (equal weights if absent). A relative ``file`` is relative to the scenario file that
    names it. Parquet and CSV files are read: a regular file of at most 64 MB and 1,000,000 rows,
    whose columns read hold finite numbers (weights non-negative, not all zero). Errors name the
    file, the column and the line, never the file's contents.
    """

    dist: Literal["empirical"]
    file: str = Field(max_length=4096)
    column: str = Field(max_length=1000)
    weights: str | None = Field(None, max_length=1000)
    _values: np.ndarray = PrivateAttr()
    _cumulative: np.ndarray = PrivateAttr()
    _hash: str = PrivateAttr()

    @model_validator(mode="after")
    def _load(self) -> Empirical:
        path = Path(self.file)
        name = _file_name(path)
        try:
            content = read_limited(path, limits.SAMPLES_BYTES)
        except FileNotFoundError:
            raise ValueError(f"no such file {name}") from None
        except IsADirectoryError:
            raise ValueError(f"{name} is a folder, not a samples file") from None
        except FileProblem as exc:
            raise ValueError(f"{name} {exc}") from None
        except OSError as exc:
            raise ValueError(f"cannot read {name} ({shorten(exc.strerror or type(exc).__name__)})") from None
        try:
            values, weights = _read_columns(path, content, self.column, self.weights)
        except FileProblem as exc:
            raise ValueError(f"{name} {exc}") from None
        self._hash = hashlib.sha256(content).hexdigest()
        if values.size == 0:
            raise ValueError(f"{name} has no rows")
        if weights is not None and (np.any(weights < 0) or not weights.sum() > 0):
            raise ValueError(
                f"{name}: column {shorten(self.weights)} must hold non-negative weights, not all zero"
            )
        self._values = values
        weights = np.ones(values.size) if weights is None else weights
        self._cumulative = np.cumsum(weights) / weights.sum()
        return self

    @property
    def content_hash(self) -> str:
        """The sha256 of the samples file: names the stream all of its columns share."""
        return self._hash

    def ppf(self, u: float) -> float:
        """Return the value of the row whose cumulative weight first exceeds ``u``."""
        row = int(np.searchsorted(self._cumulative, u, side="right"))
        return float(self._values[min(row, self._values.size - 1)])

    def support(self) -> tuple[float, float]:
        """Return the smallest and largest value in the column."""
        return (float(self._values.min()), float(self._values.max()))

    def describe(self) -> str:
        """Return a one-line description."""
        return f"empirical({self.file}, column {self.column}, {self._values.size} rows)"


def _file_name(path: Path) -> str:
    return shorten(str(path), 200)


def _read_columns(
    path: Path, content: bytes, column: str, weights: str | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Read one column (and optionally a weight column) of a Parquet or CSV file's bytes.

    Raises:
        FileProblem: Saying what is wrong (a missing column, a cell that is not a finite number, a
            ragged row...), naming columns and lines but quoting nothing else of the file.
    """
    wanted = [column] + ([weights] if weights else [])
    if path.suffix.lower() == ".csv":
        data = _csv_columns(content, wanted)
    else:
        data = _parquet_columns(content, wanted)
    for name, values in data.items():
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise FileProblem(
                f"column {shorten(name)} holds a value that is not a finite number (row {int(bad[0]) + 1:,})"
            )
    return data[column], (data[weights] if weights else None)


def _csv_columns(content: bytes, wanted: list[str]) -> dict[str, np.ndarray]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(f"is not UTF-8 text (bad byte at offset {exc.start:,})") from None
    if "\0" in text:
        raise FileProblem("holds a NUL byte: not a CSV file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise FileProblem("has no rows")
        positions: dict[str, int] = {}
        for name in wanted:
            found = [i for i, cell in enumerate(header) if cell.strip() == name]
            if not found:
                raise FileProblem(f"has no column {shorten(name)}")
            if len(found) > 1:
                raise FileProblem(f"has {len(found)} columns named {shorten(name)}")
            positions[name] = found[0]
        columns: dict[str, list[float]] = {name: [] for name in wanted}
        for row in reader:
            if not row:
                continue  # a blank line
            if len(row) != len(header):
                raise FileProblem(
                    f"line {reader.line_num:,} has {len(row)} cells but the header has {len(header)}"
                )
            if len(columns[wanted[0]]) >= limits.SAMPLES_ROWS:
                raise FileProblem(f"has more than {limits.SAMPLES_ROWS:,} rows")
            for name, position in positions.items():
                cell = row[position]
                if len(cell) > limits.CSV_FIELD_CHARS:
                    raise FileProblem(
                        f"line {reader.line_num:,}, column {shorten(name)}: the cell is too long"
                    )
                try:
                    columns[name].append(float(cell))
                except ValueError:
                    raise FileProblem(
                        f"line {reader.line_num:,}, column {shorten(name)}: not a number"
                    ) from None
    except csv.Error:
        raise FileProblem(
            f"is not a readable CSV file (line {reader.line_num:,}: a cell too long or badly quoted)"
        ) from None
    return {name: np.array(values, dtype=float) for name, values in columns.items()}


def _parquet_columns(content: bytes, wanted: list[str]) -> dict[str, np.ndarray]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(pa.BufferReader(content))
        schema = parquet.schema_arrow
        if parquet.metadata.num_rows > limits.SAMPLES_ROWS:
            raise FileProblem(f"has more than {limits.SAMPLES_ROWS:,} rows")
        for name in wanted:
            found = schema.get_all_field_indices(name)
            if not found:
                raise FileProblem(f"has no column {shorten(name)}")
            if len(found) > 1:
                raise FileProblem(f"has {len(found)} columns named {shorten(name)}")
            kind = schema.field(name).type
            if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
                raise FileProblem(f"column {shorten(name)} does not hold numbers")
        table = parquet.read(columns=wanted)
        data: dict[str, np.ndarray] = {}
        for name in wanted:
            chunked = table[name]
            if chunked.null_count:
                raise FileProblem(f"column {shorten(name)} has empty (null) cells")
            data[name] = np.asarray(chunked.to_numpy(), dtype=float)
    except FileProblem:
        raise
    except (pa.ArrowException, OSError, ValueError, TypeError, KeyError) as exc:
        raise FileProblem(f"cannot be read as a Parquet file ({type(exc).__name__})") from None
    return data


Distribution = Annotated[
    Fixed | Uniform | Normal | LogNormal | Triangular | Beta | Choice | Empirical,
    Field(discriminator="dist"),
]
DISTRIBUTION_KINDS = ("fixed", "uniform", "normal", "lognormal", "triangular", "beta", "choice", "empirical")


def _number_or_distribution(value: Any) -> Any:
    """Turn the YAML forms of a number into a finite float; leave mappings to the distribution union."""
    if isinstance(value, bool):
        raise ValueError("expected a number or a distribution, got a boolean")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            raise ValueError(f"must be a finite number (got {shorten(value)})") from None
    elif isinstance(value, str):
        try:
            # PyYAML reads 1e3 (no dot) as a string; accept it, and 12_000.
            number = float(value.replace("_", ""))
        except ValueError:
            raise ValueError(f"expected a number or a distribution, got {shorten(value)}") from None
    elif isinstance(value, dict):
        kind = value.get("dist")
        if kind is None:
            raise ValueError("a distribution needs a 'dist' key, one of: " + ", ".join(DISTRIBUTION_KINDS))
        if kind not in DISTRIBUTION_KINDS:
            raise ValueError(
                f"unknown distribution {shorten(kind)}; expected one of: " + ", ".join(DISTRIBUTION_KINDS)
            )
        return value
    elif isinstance(value, _Distribution):
        return value
    else:
        raise ValueError(f"expected a number or a distribution, got {type(value).__name__}")
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number (got {shorten(value)})")
    return number


Param = Annotated[float | Distribution, BeforeValidator(_number_or_distribution)]
"""A scenario number: a finite float, or a distribution sampled once per replication."""


def _within(low: float | None, high: float | None) -> Callable[[Any], Any]:
    """Check a number, or the whole support of a distribution, against [low, high] (NaN fails)."""

    def check(value: float | _Distribution) -> float | _Distribution:
        lo, hi = (value, value) if isinstance(value, float) else value.support()
        if low is not None and not lo >= low:
            what = "value" if isinstance(value, float) else "distribution can reach"
            raise ValueError(f"must be >= {low} ({what} {lo})")
        if high is not None and not hi <= high:
            what = "value" if isinstance(value, float) else "distribution can reach"
            raise ValueError(f"must be <= {high} ({what} {hi})")
        return value

    return check


def _positive(value: float | _Distribution) -> float | _Distribution:
    lowest = value if isinstance(value, float) else value.support()[0]
    # A log-normal's support is open at 0: it never produces 0 itself.
    if not lowest > 0.0 and not isinstance(value, LogNormal):
        what = "value" if isinstance(value, float) else "distribution can reach"
        raise ValueError(f"must be > 0 ({what} {lowest})")
    return value


def show(number: float) -> str:
    """Return a bound or a value as a reader would write it (100,000; 0.5; 1e+12)."""
    if math.isfinite(number) and number == int(number) and abs(number) < 1e15:
        return f"{int(number):,}"
    return f"{number:g}"


def limit(high: float, low: float | None = None) -> AfterValidator:
    """A plausibility bound on a scenario number: ``low <= value <= high`` (see ``sim.scenario.limits``).

    A distribution is checked over the range its draws can actually reach (``reach``), so a
    log-normal, whose support is unbounded, is held to the values the sampler can produce.
    """

    def check(value: Any) -> Any:
        if not isinstance(value, float | _Distribution):
            return value
        lo, hi = (value, value) if isinstance(value, float) else value.reach()
        what = "value" if isinstance(value, float) else "the distribution reaches"
        if low is not None and not lo >= low:
            raise ValueError(f"must be >= {show(low)} ({what} {show(lo)})")
        if not hi <= high:
            raise ValueError(f"must be <= {show(high)}, a plausible bound ({what} {show(hi)})")
        return value

    return AfterValidator(check)


Positive = Annotated[Param, AfterValidator(_positive)]
"""A number or distribution that is always above zero."""
NonNegative = Annotated[Param, AfterValidator(_within(0.0, None))]
"""A number or distribution that can never be negative."""
Fraction = Annotated[Param, AfterValidator(_within(0.0, 1.0))]
"""A number or distribution within [0, 1]."""
Days = Annotated[Param, AfterValidator(_within(1.0, None)), limit(limits.DAYS)]
"""A number of days (or a distribution of them), at least 1 and at most ten years."""


def _whole_days(value: float | _Distribution) -> float | _Distribution:
    """Refuse a fixed count of days that is not a whole number (a rule counts whole days)."""
    number = value.value if isinstance(value, Fixed) else value
    if isinstance(number, float) and not number.is_integer():
        raise ValueError(
            f"a count of days is a whole number (got {number:g}); a distribution's draws count as the next "
            "whole day"
        )
    return value


DayCount = Annotated[Days, AfterValidator(_whole_days)]
"""A count of whole days (or a distribution of them, whose draws count as the next whole day), 1-3,660."""
Duration = Annotated[NonNegative, limit(limits.DAYS)]
"""A non-negative number of days, at most ten years."""


def value_of(value: float | _Distribution) -> float:
    """Return a resolved scenario number as a float.

    Args:
        value: A number already resolved for a replication (or a distribution, whose median is used).

    Returns:
        The float value.
    """
    if isinstance(value, float):
        return value
    return value.median()


def is_distribution(value: object) -> bool:
    """Return whether ``value`` is a distribution rather than a fixed number."""
    return isinstance(value, _Distribution)
