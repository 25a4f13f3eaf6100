"""Sums of floats as plain additions from the left, the same in either build and on every Python version.

``sum`` is not that: from Python 3.12 it adds floats with compensation (3.11 adds them plainly), and a
compiled module calling it pays a call into the interpreter and a boxed float for every item. The loops
here add ``0.0 + x[0] + x[1] + ...`` in order, which is what ``sum`` gives on 3.11, bit for bit.
"""

from __future__ import annotations


def float_sum(values: list[float]) -> float:
    """Return ``0.0 + values[0] + values[1] + ...`` (0.0 for none).

    Args:
        values: The numbers, added in order.
    """
    total = 0.0
    for value in values:
        total += value
    return total
