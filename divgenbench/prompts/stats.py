"""Balance, pairing and sample views of a prompt bank (``divgenbench prompts stats | sample``)."""

from __future__ import annotations

import random
from collections import Counter

from ..errors import ConfigError
from ..protocol import DIMENSIONS
from .bank import REQUIRED_ATTRIBUTES, Prompt, PromptBank

# Which attribute is balanced in each dimension (SPEC §2): those the loader requires.
BALANCE_KEYS = REQUIRED_ATTRIBUTES
# Which attribute decides the templates a prompt may use (docs/prompts.md): a keyword reads correctly in
# some Tonal templates only, a Layout class needs a scene that can hold it; Style uses every template.
PAIRING_KEYS = {"style": "style", "layout": "setting", "tonal": "keyword"}


def balance_tables(bank: PromptBank) -> dict[str, dict[str, Counter]]:
    """dimension → attribute → Counter of prompt counts per value."""
    return {
        dim: {key: Counter(str(p.attributes[key]) for p in bank[dim]) for key in keys}
        for dim, keys in BALANCE_KEYS.items()
    }


def pairing_tables(bank: PromptBank) -> dict[str, dict[str, Counter]]:
    """dimension → value of its pairing attribute → Counter of prompts per template index."""
    tables: dict[str, dict[str, Counter]] = {}
    for dim, key in PAIRING_KEYS.items():
        rows: dict[str, Counter] = {}
        for p in bank[dim]:
            rows.setdefault(str(p.attributes[key]), Counter())[int(p.attributes["template_index"])] += 1
        tables[dim] = rows
    return tables


def sample_prompts(bank: PromptBank, n: int, seed: int) -> dict[str, list[Prompt]]:
    """``n`` prompts spread evenly over the four dimensions (earlier dimensions take the remainder),
    drawn without replacement by one ``random.Random(seed)``, each list in bank order."""
    if n < 1:
        raise ConfigError(f"--n {n} asks for no prompts", "pass --n 1 or more, e.g. --n 40 for 10 per dimension")
    rng = random.Random(seed)
    per_dimension, extra = divmod(n, len(DIMENSIONS))
    sample = {}
    for i, dim in enumerate(DIMENSIONS):
        k = min(per_dimension + (i < extra), len(bank[dim]))
        picked = sorted(rng.sample(range(len(bank[dim])), k))
        sample[dim] = [bank[dim][j] for j in picked]
    return sample
