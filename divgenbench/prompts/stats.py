"""Balance tables of a prompt bank (``divgenbench prompts stats``)."""

from __future__ import annotations

from collections import Counter

from .bank import REQUIRED_ATTRIBUTES, PromptBank

# Which attribute is balanced in each dimension (SPEC §2): those the loader requires.
BALANCE_KEYS = REQUIRED_ATTRIBUTES


def balance_tables(bank: PromptBank) -> dict[str, dict[str, Counter]]:
    """dimension → attribute → Counter of prompt counts per value."""
    return {
        dim: {key: Counter(str(p.attributes[key]) for p in bank[dim]) for key in keys}
        for dim, keys in BALANCE_KEYS.items()
    }
