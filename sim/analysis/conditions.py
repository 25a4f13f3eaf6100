"""Conditions on an outcome (``COLUMN OP NUMBER``), as ``sim discover`` takes them, and in words.

Only a column, one of six comparison operators and a number are accepted; nothing else is evaluated.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np

from sim.analysis.cases import Cases
from sim.analysis.outcomes import WITHDRAWAL_BEGAN_BY, withdrawal_date
from sim.errors import InputError
from sim.scenario.schema import Scenario

OPERATORS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
OPERATORS |= {"==": np.equal, "!=": np.not_equal}
_WORDS = {">": "more than", ">=": "at least", "<": "less than", "<=": "at most", "==": "exactly"}
_WORDS["!="] = "other than"
_EXPRESSION = re.compile(
    r"^\s*(?P<column>[A-Za-z_][A-Za-z0-9_.\-]*)\s*(?P<op><=|>=|==|!=|<|>)\s*"
    r"(?P<value>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)


@dataclass(frozen=True)
class Condition:
    """A condition on one outcome: ``COLUMN OP NUMBER``."""

    column: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.column} {self.op} {self.value:g}"

    def test(self, values: np.ndarray) -> np.ndarray:
        """Return whether each value meets the condition."""
        return np.asarray(OPERATORS[self.op](values, self.value), dtype=bool)


def parse_condition(text: str, cases: Cases) -> Condition:
    """Parse ``COLUMN OP NUMBER`` (OP one of < <= > >= == !=) and check the column exists.

    Raises:
        InputError: If the expression is malformed or names an unknown outcome.
    """
    match = _EXPRESSION.match(text)
    if match is None:
        raise InputError(
            f"{text!r} is not a condition: expected COLUMN OP NUMBER with OP one of < <= > >= == != "
            "(for example 'area_km2_on_2025-02-01 > 300')",
            field="--condition",
        )
    condition = Condition(match["column"], match["op"], float(match["value"]))
    cases.values(condition.column)
    return condition


def number(value: float) -> str:
    """Return a number to three significant digits, without an exponent below a billion."""
    return f"{value:,.0f}" if 1e3 <= abs(value) < 1e9 else f"{value:.3g}"


def _date_words(date: dt.date) -> str:
    return f"{date.day} {date:%b %Y}"


def describe_condition(condition: Condition, scenario: Scenario) -> str:
    """Return the condition in words, e.g. "Ukraine holds more than 300 km² on 1 Feb 2025"."""
    column, op, value = condition.column, condition.op, condition.value
    holder = scenario.holder.replace("_", " ").capitalize()
    words = f"{_WORDS[op]} {value:,g}"
    if column.startswith("area_km2_on_"):
        date = dt.date.fromisoformat(column.removeprefix("area_km2_on_"))
        return f"{holder} holds {words} km² on {_date_words(date)}"
    if column == "final_area_km2":
        return f"{holder} holds {words} km² at the end ({_date_words(scenario.end)})"
    if column.startswith(WITHDRAWAL_BEGAN_BY):
        date = withdrawal_date(scenario, column, "--condition")
        yes, no = bool(condition.test(np.array([1.0]))[0]), bool(condition.test(np.array([0.0]))[0])
        if yes != no:
            return f"{holder}'s withdrawal has{'' if yes else ' not'} begun by {_date_words(date)}"
    if column.startswith("day_below_") or column == "withdrawal_day":
        what = (
            f"the held area falls below {column.removeprefix('day_below_')} km²"
            if column.startswith("day_below_")
            else f"{holder}'s withdrawal begins"
        )
        day = f"day {value:g} ({_date_words(scenario.start + dt.timedelta(days=value))})"
        timing = {">": f"after {day} or never", ">=": f"on {day} or later, or never", "<": f"before {day}"}
        timing |= {"<=": f"by {day}", "==": f"on {day}", "!=": f"on a day other than {day}"}
        return f"{what} {timing[op]}"
    if column.startswith("casualties_"):
        return f"{column.removeprefix('casualties_').capitalize()}'s casualties are {words}"
    return str(condition)
