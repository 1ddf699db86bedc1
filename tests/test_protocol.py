"""SPEC §3: protocols and per-image seeds."""

from __future__ import annotations

import hashlib

import pytest

from divgenbench.errors import ConfigError
from divgenbench.protocol import PROTOCOLS, evenly_spaced, get_protocol, image_seed


def test_seed_is_first_8_bytes_of_sha256_mod_2_31():
    digest = hashlib.sha256(b"divgenbench-v1:id-0001:0").digest()
    assert image_seed("divgenbench-v1", "id-0001", 0) == int.from_bytes(digest[:8], "big") % 2**31
    assert image_seed("divgenbench-v1", "id-0001", 0) != image_seed("quick", "id-0001", 0)
    assert image_seed("divgenbench-v1", "layout-0001", 1) != image_seed("divgenbench-v1", "layout-0001", 2)


def test_protocol_image_counts():
    v1, quick, full = PROTOCOLS["divgenbench-v1"], PROTOCOLS["quick"], PROTOCOLS["full-4"]
    assert 800 * sum(v1.images_per_prompt.values()) == 5600
    assert 800 * sum(full.images_per_prompt.values()) == 12800
    assert quick.prompts_per_dimension == 100 and quick.images_per_prompt == v1.images_per_prompt


def test_evenly_spaced_selection_is_spread_and_stable():
    items = list(range(800))
    assert evenly_spaced(items, 100) == list(range(0, 800, 8))
    assert evenly_spaced(items, 4) == [0, 200, 400, 600]
    assert evenly_spaced(items, None) == items and evenly_spaced(items, 900) == items
    with pytest.raises(ConfigError):
        evenly_spaced(items, 0)


def test_unknown_protocol_lists_choices():
    with pytest.raises(ConfigError, match="unknown protocol 'v2'") as info:
        get_protocol("v2")
    assert "divgenbench-v1" in info.value.hint
