"""Names for runs shown side by side: the model, plus whatever tells runs of one model apart.

Two runs of ``tiny-flux`` read as ``tiny-flux (weights_seed=1)`` and ``tiny-flux (weights_seed=2)``,
not ``tiny-flux`` and ``tiny-flux #2``: a label must say what the reader is comparing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .models import Results


def _described(results: Results) -> dict[str, str]:
    """Model args and resolved generation settings as display strings (args first: users chose them)."""
    model = results.model
    return {**{k: str(v) for k, v in model.settings.items() if k != "batch_size"},
            **{k: str(v) for k, v in model.args.items()}}


def run_labels(runs: Sequence[Results], folders: Sequence[str]) -> list[str]:
    """One label per run: the model name, then for runs sharing it the args and settings whose values
    differ among them; runs identical in all of those are told apart by their folder names (then by
    ``#n`` when even those repeat). ``batch_size`` never changes images, so it never labels."""
    labels = [r.model.name for r in runs]
    for name in {n for n, c in Counter(labels).items() if c > 1}:
        group = [i for i, r in enumerate(runs) if r.model.name == name]
        described = [_described(runs[i]) for i in group]
        keys = list(dict.fromkeys(k for d in described for k in d))
        differing = [k for k in keys if len({d.get(k) for d in described}) > 1]
        for i, d in zip(group, described):
            parts = [f"{k}={d.get(k, '—')}" for k in differing] or [folders[i]]
            labels[i] = f"{name} ({', '.join(parts)})"
    seen: Counter[str] = Counter()
    unique = []
    for label in labels:
        seen[label] += 1
        unique.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return unique
