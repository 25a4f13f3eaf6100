"""A replication's events are records: once made, none of their fields can be changed."""

from __future__ import annotations

import dataclasses

import pytest

from sim.model.events import Event


def test_an_event_cannot_be_changed_once_recorded() -> None:
    event = Event(3.5, "north", "assault", "red", "", {"ratio": 1.2})
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.day = 4.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.kind = "commit"  # type: ignore[misc]
    assert (event.day, event.kind) == (3.5, "assault")
