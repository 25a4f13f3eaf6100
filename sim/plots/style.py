"""The look shared by every figure: colours, bands, calendar axes, legends, notes, observations, saving.

Figures are plain ``matplotlib.figure.Figure`` objects (``subplots``), never pyplot's: no backend is
chosen and no global state is touched, so importing a figure module changes nothing for its importer (a
notebook, another library). The project's matplotlib settings (``RC``) hold only while a figure is drawn
and saved: every function that builds, draws or saves one is decorated with ``styled``. ``save`` is the
one way a figure reaches the disk (atomically).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import textwrap
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

import matplotlib
import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.results.writing import atomic_path
from sim.scenario.rules.withdrawal import label_of
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

RC: dict[RcKeyType, Any] = {"text.parse_math": False}
"""matplotlib settings every figure is drawn and saved with (and only then).

Mathtext is off: no figure writes formulas, and a folder, scenario or sector name holding ``$`` (``$x$``)
is text to show, not a formula to parse. It is read as each text is made (tick labels too, while a
figure is drawn), so it must hold from a figure's first line to its saving.
"""

_P = ParamSpec("_P")
_R = TypeVar("_R")


def styled(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``function`` (one that builds, draws or saves figures) with the project's settings ``RC``.

    A generator function runs each step to its next figure within the settings and yields outside them,
    so the caller's own settings hold between figures and nothing leaks if it stops early.
    """
    if inspect.isgeneratorfunction(function):

        @functools.wraps(function)
        def steps(*args: _P.args, **kwargs: _P.kwargs) -> Iterator[Any]:
            inner = cast(Iterator[Any], function(*args, **kwargs))
            try:
                while True:
                    with matplotlib.rc_context(RC):
                        try:
                            item = next(inner)
                        except StopIteration:
                            return
                    yield item
                    del item  # the caller has it: this frame keeps no figure alive while the next is drawn
            finally:
                cast(Any, inner).close()

        return cast(Callable[_P, _R], steps)

    @functools.wraps(function)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with matplotlib.rc_context(RC):
            return function(*args, **kwargs)

    return call


def subplots(
    rows: int = 1, columns: int = 1, *, figsize: tuple[float, float], **options: Any
) -> tuple[Figure, Any]:
    """Return a new figure with a grid of axes, as ``pyplot.subplots`` would, but outside pyplot.

    Args:
        rows: Rows of panels.
        columns: Columns of panels.
        figsize: The figure's width and height in inches.
        **options: ``layout`` goes to the figure (default ``constrained``); the rest (``sharex``,
            ``squeeze``, ``gridspec_kw``...) to ``Figure.subplots``.
    """
    figure = Figure(figsize=figsize, layout=options.pop("layout", "constrained"))
    return figure, figure.subplots(rows, columns, **options)


BANDS = ((0.95, "#c6dbef"), (0.80, "#9ecae1"), (0.50, "#6baed6"))
"""Central shares of runs drawn as bands, widest first, with their colours."""
MEDIAN_COLOUR = "#08306b"
OBSERVED_COLOUR = "#d62728"
PERSISTENCE_COLOUR = "#6a3d9a"
LINE_COLOUR = "#e6550d"
SIDE_COLOURS = ("#1f77b4", "#d62728")
"""Holding side, then the other side."""
DPI = 120
FORMATS = ("png", "svg")


def reason_label(reason: str) -> str:
    """Return a withdrawal rule's reader's phrase on two lines, with its name (``withdrawal_reason``)."""
    return textwrap.fill(f"{label_of(reason)} ({reason})", 28)


def day_dates(scenario: Scenario, days: int) -> np.ndarray:
    """Return the calendar date of each recorded day."""
    return np.datetime64(scenario.start, "D") + np.arange(days).astype("timedelta64[D]")


def date_number(scenario: Scenario, day: float) -> float:
    """Return a model day as a matplotlib date number."""
    return float(mdates.date2num(np.datetime64(scenario.start, "D"))) + day


def style_time_axis(axis: Axes, scenario: Scenario, label: bool = True) -> None:
    """Calendar dates on the x axis: month and year on each tick, spaced for the scenario's length.

    Every figure's time axis runs from two days before the scenario's start to two days after its end,
    so the figures of a run line up.
    """
    span = scenario.horizon_days
    if span <= 100:
        axis.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO, interval=2))
        axis.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))
    elif span <= 460:
        axis.xaxis.set_major_locator(mdates.MonthLocator())
        axis.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    elif span <= 1100:
        axis.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        axis.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    else:
        locator = mdates.AutoDateLocator()
        axis.xaxis.set_major_locator(locator)
        axis.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axis.set_xlim(date_number(scenario, -2), date_number(scenario, span + 2))
    if label:
        axis.set_xlabel("date")
    axis.grid(True, alpha=0.3)


def suptitle(figure: Figure, what: str, scenario: Scenario, runs: str) -> None:
    """Title a figure with what it shows, the scenario and how many runs (not the folder's name: noise)."""
    figure.suptitle(f"{scenario.name}: {what}\n{runs}", fontsize=11)


def readable(name: str) -> str:
    """Return a scenario key as words for a title: ``bolshoe_soldatskoe`` → "Bolshoe Soldatskoe"."""
    return " ".join(part.capitalize() for part in name.replace("-", "_").split("_") if part)


def runs_text(total: int, used: int | None = None) -> str:
    """Say how many runs a figure shows, and how many its bands use."""
    if used is not None and used < total:
        return f"{total:,} runs (bands from {used:,} evenly spaced runs)"
    return f"{total:,} runs"


def footnote(figure: Figure, text: str, under: Axes | None = None) -> None:
    """Add a note under the axes (as the figure's x label, so the layout keeps room for it).

    With ``under``, the note is attached below that axes' label instead, so that a legend under the
    axes (``figure_legend``) goes below the note rather than over it.
    """
    width = int(figure.get_figwidth() * 17)
    wrapped = textwrap.fill(text, width)
    if under is None:
        figure.supxlabel(wrapped, fontsize=8, color="0.3", x=0.01, ha="left")
        return
    under.annotate(
        wrapped,
        xy=(0.0, 0.0),
        xycoords=("axes fraction", under.xaxis.label),
        xytext=(0.0, -6.0),
        textcoords="offset points",
        va="top",
        ha="left",
        fontsize=8,
        color="0.3",
        annotation_clip=False,
    )


def figure_legend(figure: Figure, axes: Iterable[Axes], columns: int, groups: Sequence[str] = ()) -> None:
    """One legend under the panels, with each label of ``axes`` once.

    Labels whose first word is one of ``groups`` are put together in that order (one column each when
    ``columns`` equals the number of groups).
    """
    seen: dict[str, Any] = {}
    for axis in axes:
        for handle, label in zip(*axis.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    handles, labels = list(seen.values()), list(seen)
    if groups:
        # One column per group: pad the groups to the same length with blank entries, since a legend
        # fills its columns top to bottom.
        order = {group: index for index, group in enumerate(groups)}
        members: list[list[tuple[Any, str]]] = [[] for _ in range(len(groups) + 1)]
        for handle, label in zip(handles, labels, strict=True):
            members[order.get(label.split(" ")[0].rstrip(":"), len(groups))].append((handle, label))
        if not members[-1]:
            members.pop()
        rows = max(len(group) for group in members)
        blank = (Line2D([], [], alpha=0), " ")
        padded = [entry for group in members for entry in group + [blank] * (rows - len(group))]
        handles, labels = [h for h, _ in padded], [t for _, t in padded]
        columns = len(members)
    figure.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=min(columns, max(len(labels), 1)),
        fontsize=9,
        frameon=False,
    )


def n_runs(count: int) -> str:
    """Return "1 run" or "N runs"."""
    return f"{count:,} run" if count == 1 else f"{count:,} runs"


def hide_unused(axes: np.ndarray, used: int) -> None:
    """Hide the empty panels of a grid; label the dates under every panel with no panel below it."""
    rows, columns = axes.shape
    for index, axis in enumerate(axes.flat):
        if index >= used:
            axis.set_visible(False)
        elif index + columns >= used:
            axis.xaxis.set_tick_params(labelbottom=True)
            axis.set_xlabel("date")


def fmt_date(date: dt.date) -> str:
    """Return a date as "23 Nov 2024"."""
    return f"{date.day} {date:%b %Y}"


def quantile_bands(values: np.ndarray, levels: Sequence[float]) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Return, per level, the day-by-day range holding that central share of runs; level 0 is the median.

    All quantiles come from one pass over ``values`` (runs, days), so a big array is sorted once.
    """
    levels = [0.0, *levels]
    edges = sorted({q for level in levels for q in ((1 - level) / 2, (1 + level) / 2)})
    if values.size == 0:
        empty = np.full(values.shape[1] if values.ndim == 2 else 0, np.nan)
        return {level: (empty, empty) for level in levels}
    table = dict(zip(edges, np.quantile(values, edges, axis=0), strict=True))
    return {level: (table[(1 - level) / 2], table[(1 + level) / 2]) for level in levels}


def observation_range(obs: Any, unit: str = "km²") -> tuple[float, float, str]:
    """Return an observation's low and high ends and how they were set."""
    if obs.sd is not None:
        return obs.value - 1.96 * obs.sd, obs.value + 1.96 * obs.sd, f"±1.96 × sd {obs.sd:,g} {unit}"
    low = obs.low if obs.low is not None else obs.value
    high = obs.high if obs.high is not None else obs.value
    if obs.low is None and obs.high is None:
        return low, high, "no range given"
    return low, high, "reported low–high"


def observations_of(scenario: Scenario, metric: str, **match: str) -> list[Any]:
    """Return the observations of one metric, optionally of one sector or side.

    The schema keeps every observation within the scenario's dates.
    """
    return [
        obs
        for obs in scenario.observations
        if obs.metric == metric and all(getattr(obs, key, None) == value for key, value in match.items())
    ]


def area_observations(scenario: Scenario) -> list[Any]:
    """Return the scenario's observations of total held area."""
    return observations_of(scenario, "area_km2")


def draw_observations(axis: Axes, observations: Sequence[Any], colour: str, unit: str, what: str) -> float:
    """Draw observations as points with 95% error bars; return the highest value drawn (0 if none)."""
    top = 0.0
    hows = {observation_range(obs, unit)[2] for obs in observations}
    kinds = {"±1.96 sd" if obs.sd is not None else "reported low–high" for obs in observations}
    how = hows.pop() if len(hows) == 1 else " or ".join(sorted(kinds))
    for index, obs in enumerate(observations):
        low, high, _ = observation_range(obs, unit)
        top = max(top, high)
        axis.errorbar(
            [np.datetime64(obs.date, "D")],
            [obs.value],
            yerr=[[obs.value - low], [high - obs.value]],
            fmt="o",
            color=colour,
            markeredgecolor="black",
            markersize=7,
            capsize=5,
            elinewidth=1.8,
            zorder=5,
            label=f"{what} reported (bar: 95% range, {how})" if index == 0 else None,
        )
    return top


def place_legend(axis: Axes, x: np.ndarray, low: np.ndarray, high: np.ndarray, **options: Any) -> None:
    """Put the legend in the corner of the axes where it hides least of the band ``low``-``high``.

    Matplotlib's ``loc="best"`` looks at lines and markers but not at filled bands, so it would
    happily cover them.

    Args:
        axis: The axes.
        x: The band's x values (dates or numbers).
        low: The band's lower edge.
        high: The band's upper edge.
        **options: Passed to ``Axes.legend``.
    """
    legend = axis.legend(loc="upper right", **options)
    # Lay the figure out first (constrained layout moves the axes), as saving it will.
    cast(Figure, axis.figure).draw_without_rendering()
    box = legend.get_window_extent().transformed(axis.transAxes.inverted())
    width, height = min(box.width + 0.03, 1.0), min(box.height + 0.03, 1.0)
    to_axes = axis.transData + axis.transAxes.inverted()
    xs = mdates.date2num(x) if np.issubdtype(np.asarray(x).dtype, np.datetime64) else np.asarray(x, float)
    points = to_axes.transform(np.column_stack([xs, low]))
    position, low_fraction = points[:, 0], points[:, 1]
    high_fraction = to_axes.transform(np.column_stack([xs, high]))[:, 1]
    corners: dict[str, tuple[float, float, float, float]] = {
        "upper right": (1 - width, 1, 1 - height, 1),
        "upper left": (0, width, 1 - height, 1),
        "lower left": (0, width, 0, height),
        "lower right": (1 - width, 1, 0, height),
    }
    hidden = {}
    for loc, (left, right, bottom, top) in corners.items():
        inside = (position >= left) & (position <= right)
        overlap = np.minimum(high_fraction[inside], top) - np.maximum(low_fraction[inside], bottom)
        hidden[loc] = float(np.clip(overlap, 0, None).sum())
    names = list(corners)
    best = min(names, key=lambda loc: (round(hidden[loc], 3), names.index(loc)))
    legend.set_loc(best)  # type: ignore[arg-type]


@styled
def save(figure: Figure, path: Path) -> Path:
    """Save a figure atomically, in the format its suffix names."""
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=DPI, format=path.suffix.lstrip("."))
    return path
