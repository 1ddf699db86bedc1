"""Generation protocols (SPEC §3): how many images per prompt, which prompts, and each image's seed."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from .errors import ConfigError

DIMENSIONS: tuple[str, ...] = ("id", "style", "layout", "tonal")
PROMPTS_PER_DIMENSION = 800
#: the HPDv2 benchmark's prompt categories: the "dimensions" of the ``hpdv2`` protocol (prompts/hpdv2.py)
HPDV2_CATEGORIES: tuple[str, ...] = ("anime", "concept-art", "paintings", "photo")
#: every dimension a run folder may hold images of
ALL_PROMPT_DIMENSIONS: tuple[str, ...] = DIMENSIONS + HPDV2_CATEGORIES

T = TypeVar("T")


def image_seed(protocol: str, prompt_id: str, k: int) -> int:
    """Seed of image ``k`` of ``prompt_id``: never depends on batch size, shard, rank or order.

    [choice, SPEC §3] first 8 bytes of sha256(f"{protocol}:{prompt_id}:{k}") read as a *big-endian*
    unsigned integer, modulo 2**31.
    """
    digest = hashlib.sha256(f"{protocol}:{prompt_id}:{k}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % (2**31)


def evenly_spaced(items: Sequence[T], count: int | None) -> list[T]:
    """``count`` items spread evenly over ``items`` (indices floor(i·n/count)).

    The bank is ordered by category (cell, style, class, keyword), so an evenly spaced subset stays
    balanced: this is how both the ``quick`` protocol and ``--limit`` choose prompts.
    """
    n = len(items)
    if count is None or count >= n:
        return list(items)
    if count < 1:
        raise ConfigError(f"prompt count must be at least 1, got {count}", "pass --limit 1 or more")
    return [items[(i * n) // count] for i in range(count)]


@dataclass(frozen=True)
class Protocol:
    """A named generation protocol; its name is part of every seed and of every results file.

    ``prompt_set`` names where the prompts come from: ``divgenbench`` (the keyword bank, its four
    ``DIMENSIONS``) or ``hpdv2`` (the HPDv2 benchmark, dimensions = its four categories); diversity metrics
    score only the dimensions they are defined on, so an ``hpdv2`` run carries quality scores alone.
    """

    name: str
    images_per_prompt: Mapping[str, int]
    prompts_per_dimension: int | None = None  # None: all 800
    description: str = ""
    choices: Mapping[str, object] = field(default_factory=dict)
    prompt_set: str = "divgenbench"

    @property
    def dimensions(self) -> tuple[str, ...]:
        return tuple(self.images_per_prompt)

    def seed(self, prompt_id: str, k: int) -> int:
        return image_seed(self.name, prompt_id, k)

    def count_for(self, dimension: str) -> int:
        return self.images_per_prompt[dimension]

    def generation_choices(self) -> dict:
        """The [choice]s of SPEC §3 that move numbers, for ``results.protocol.choices``."""
        return {
            "seed_rule": "sha256(f'{protocol}:{prompt_id}:{k}')[:8] big-endian mod 2**31",
            "prompt_selection": "evenly spaced: indices floor(i*800/count)",
            **dict(self.choices),
        }


def _counts(id_: int, style: int, layout: int, tonal: int) -> Mapping[str, int]:
    return MappingProxyType({"id": id_, "style": style, "layout": layout, "tonal": tonal})


PROTOCOLS: dict[str, Protocol] = {
    p.name: p
    for p in (
        Protocol("divgenbench-v1", _counts(1, 1, 4, 1), None, "the benchmark: 5,600 images"),
        Protocol("quick", _counts(1, 1, 4, 1), 100, "100 prompts per dimension, for checks during training"),
        Protocol("full-4", _counts(4, 4, 4, 4), None, "4 images per prompt everywhere: 12,800 images"),
        Protocol("hpdv2", MappingProxyType({c: 1 for c in HPDV2_CATEGORIES}), None,
                 "the HPDv2 benchmark's 3,200 prompts, 1 image each: quality scores only (Table 1's likely setting)",
                 {"prompt_source": "zhwang/HPDv2 benchmark/{category}.json at a pinned revision"}, "hpdv2"),
    )
}
DEFAULT_PROTOCOL = "divgenbench-v1"


def get_protocol(name: str) -> Protocol:
    if name not in PROTOCOLS:
        raise ConfigError(f"unknown protocol {name!r}", f"choose one of: {', '.join(PROTOCOLS)}")
    return PROTOCOLS[name]
