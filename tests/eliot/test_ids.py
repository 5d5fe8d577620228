"""Stand-ins for ids: stable, distinct, and never the id itself."""

from __future__ import annotations

import re

from custom_components.legrand_eliot.eliot.ids import hashed_id


def test_the_same_id_gives_the_same_stand_in() -> None:
    """A stand-in is the same on every call, so logs and diagnostics can be matched."""
    assert hashed_id("plant-a") == hashed_id("plant-a")


def test_stand_ins_hide_the_id_and_tell_ids_apart() -> None:
    """A short word of its own shape, not the id; two ids, two stand-ins."""
    stand_in = hashed_id("000070ee503ed5d462756200plug0001")

    assert re.fullmatch(r"id-[0-9a-f]{10}", stand_in)
    assert "plug0001" not in stand_in
    assert hashed_id("plant-a") != hashed_id("plant-b")
