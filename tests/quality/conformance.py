"""Conformance kit for quality scorers: every scorer module's test calls ``check_scorer`` (issue 11 item 9).

It checks what the pipeline relies on: one float per (image, prompt) in order whatever the batch size, an
``unreadable`` record for a broken file without stopping the batch, a fingerprint of kind ``quality`` that
is stable across instances, the prompt text as the cache query (same image, two prompts → two records), a
round trip through the feature cache that never calls the model again, values inside ``info.range``, and
that its registry entry resolves in a fresh process.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from divgenbench.extractors.base import ImageItem, content_key
from divgenbench.extractors.cache import FeatureCache
from divgenbench.hashing import sha256_file
from divgenbench.pipeline import extract_features
from divgenbench.quality import QUALITY_FEATURE
from divgenbench.quality.base import QualityScorer

PROMPTS = ("a red apple on a table", "a portrait of an old sailor", "an astronaut riding a horse")


def sample_items(folder: Path, count: int = 5, size: int = 64) -> list[ImageItem]:
    """``count`` small RGB images with varied content, each with a prompt; the last file is broken."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    items = []
    for i in range(count):
        path = folder / f"img{i}.png"
        if i == count - 1:
            path.write_bytes(b"\x89PNG\r\n\x1a\n not an image")
        else:
            Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(path)
        items.append(ImageItem(f"p{i}_0", path, sha256_file(path), "id", f"p{i}", {}, PROMPTS[i % len(PROMPTS)]))
    return items


def _scores(records) -> list[float | None]:
    return [float(r.arrays["score"]) if r.ok else None for r in records]


def check_batch_invariance(make: Callable[[], QualityScorer], items: list[ImageItem], atol: float) -> None:
    one, many = make(), make()
    one.batch_size, many.batch_size = 1, len(items)
    a, b = _scores(one.extract(items)), _scores(many.extract(items))
    assert [x is None for x in a] == [x is None for x in b]
    assert np.allclose([x for x in a if x is not None], [x for x in b if x is not None], atol=atol, rtol=0)


def check_failure_records(make: Callable[[], QualityScorer], items: list[ImageItem]) -> None:
    records = make().extract(items)
    assert len(records) == len(items)
    assert records[-1].status == "unreadable" and not records[-1].arrays
    assert all(r.ok and np.asarray(r.arrays["score"]).shape == () for r in records[:-1])


def check_fingerprint_and_query(make: Callable[[], QualityScorer], items: list[ImageItem]) -> None:
    a, b = make(), make()
    assert a.fingerprint() == b.fingerprint() and a.fingerprint().digest == b.fingerprint().digest
    assert a.fingerprint().feature == QUALITY_FEATURE and a.feature == QUALITY_FEATURE
    assert a.fingerprint().image_decoding is not None
    assert a.query(items[0]) == items[0].text
    other = ImageItem(items[0].key, items[0].path, items[0].sha256, "id", "q", {}, items[0].text + " at night")
    assert content_key(items[0].sha256, a.query(items[0])) != content_key(other.sha256, a.query(other))


def check_range(make: Callable[[], QualityScorer], items: list[ImageItem]) -> None:
    scorer = make()
    low, high = scorer.info.range
    values = [v for v in _scores(scorer.extract(items)) if v is not None]
    assert values and all(low <= v <= high for v in values), (values, scorer.info.range)


def check_cache_round_trip(make: Callable[[], QualityScorer], items: list[ImageItem], cache_root: Path) -> None:
    cache = FeatureCache(cache_root)
    first = extract_features(make(), items, lambda n: None, cache)

    class Refuses(type(make())):
        def extract(self, batch):
            raise AssertionError(f"cached items reached the model: {[i.key for i in batch]}")

    cached = make()
    cached.__class__ = Refuses
    ok_items = [item for item, record in zip(items, first) if record.ok]  # failures of the file are not cached
    again = extract_features(cached, ok_items, lambda n: None, cache)
    assert _scores(again) == [s for s in _scores(first) if s is not None]


def check_registered_in_fresh_process(name: str, setup: str = "") -> None:
    """``name`` resolves through the QUALITY registry in a new interpreter (``setup`` runs first)."""
    code = (f"{setup}\nfrom divgenbench.quality import QUALITY\nfrom divgenbench.quality.base import QualityScorer\n"
            f"cls = QUALITY.get({name!r})\nassert issubclass(cls, QualityScorer) and cls.name == {name!r}, cls\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def check_scorer(make: Callable[[], QualityScorer], tmp_path: Path, *, atol: float = 1e-5,
                 registered_as: str | None = None, setup: str = "") -> None:
    """Run every check on the scorer built by ``make`` (random weights are fine: tiny models)."""
    items = sample_items(tmp_path / "images")
    check_failure_records(make, items)
    check_batch_invariance(make, items, atol)
    check_fingerprint_and_query(make, items)
    check_range(make, items)
    check_cache_round_trip(make, items, tmp_path / "cache")
    if registered_as is not None:
        check_registered_in_fresh_process(registered_as, setup)
