"""Conformance kit for extractors: every extractor's test calls ``check_extractor`` (issue 11 item 9).

What the pipeline relies on: one record per item in order with a broken file as an ``unreadable`` record
(the rest still extracted), the same arrays whatever the batch, a stable fingerprint carrying the image
decoding version, a cache round trip that never reaches the model again, and registration in a fresh process.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from divgenbench.extractors.base import FEATURE_KINDS, Extractor, ImageItem
from divgenbench.extractors.cache import FeatureCache
from divgenbench.hashing import sha256_file
from divgenbench.pipeline import extract_features


def kit_items(folder: Path, count: int = 4, size: int = 96, dimension: str = "layout") -> list[ImageItem]:
    """``count`` varied images with Layout-style attributes (class, count) and prompt text; the last is broken."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    items = []
    for i in range(count):
        path = folder / f"kit{i}.png"
        if i == count - 1:
            path.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
        else:
            canvas = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            canvas[size // 4: size // 2, size // 4: 3 * size // 4] = rng.integers(0, 256, 3, dtype=np.uint8)
            Image.fromarray(canvas).save(path)
        items.append(ImageItem(f"p{i}_0", path, sha256_file(path), dimension, f"p{i}",
                               {"class": "cat", "count": 2}, "two cats on a sofa"))
    return items


def _arrays(records):
    return [{k: np.asarray(v) for k, v in r.arrays.items()} if r.ok else r.status for r in records]


def check_failure_records(extractor: Extractor, items: list[ImageItem]) -> None:
    records = extractor.extract(items)
    assert len(records) == len(items)
    assert records[-1].status == "unreadable" and not records[-1].arrays
    assert all(r.status != "unreadable" for r in records[:-1])


def check_batch_invariance(make: Callable[[], Extractor], items: list[ImageItem], atol: float) -> None:
    together = _arrays(make().extract(items))
    extractor = make()
    alone = [_arrays(extractor.extract([item]))[0] for item in items]
    for a, b in zip(together, alone):
        assert type(a) is type(b)
        if isinstance(a, dict):
            assert a.keys() == b.keys()
            for name in a:
                assert a[name].shape == b[name].shape and np.allclose(a[name], b[name], atol=atol, rtol=0), name


def check_fingerprint(make: Callable[[], Extractor]) -> None:
    a, b = make().fingerprint(), make().fingerprint()
    assert a == b and a.digest == b.digest
    assert a.feature in FEATURE_KINDS or a.feature == "quality"
    assert a.image_decoding is not None


def check_cache_round_trip(make: Callable[[], Extractor], items: list[ImageItem], cache_root: Path) -> None:
    cache = FeatureCache(cache_root)
    first = extract_features(make(), items, lambda n: None, cache)
    cacheable = [item for item, record in zip(items, first) if record.status != "unreadable"]
    refusing = make()
    refusing.extract = lambda batch: (_ for _ in ()).throw(AssertionError(f"{len(batch)} cached items re-extracted"))
    again = extract_features(refusing, cacheable, lambda n: None, cache)
    kept = [r for item, r in zip(items, first) if item in cacheable]
    for a, b in zip(_arrays(again), _arrays(kept), strict=True):
        assert type(a) is type(b) and (a == b if isinstance(a, str) else a.keys() == b.keys())
        if isinstance(a, dict):
            for name in a:
                assert a[name].dtype == b[name].dtype and np.array_equal(a[name], b[name]), (name, a[name], b[name])


def check_registered_in_fresh_process(name: str) -> None:
    code = ("from divgenbench.extractors import EXTRACTORS\nfrom divgenbench.extractors.base import Extractor\n"
            f"cls = EXTRACTORS.get({name!r})\nassert issubclass(cls, Extractor) and cls.name == {name!r}\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def check_extractor(make: Callable[[], Extractor], tmp_path: Path, *, atol: float = 1e-5,
                    dimension: str = "layout") -> None:
    """Every check on the extractor built by ``make`` (tiny random-weight models for the real ones)."""
    items = kit_items(tmp_path / "images", dimension=dimension)
    check_failure_records(make(), items)
    check_batch_invariance(make, items, atol)
    check_fingerprint(make)
    check_cache_round_trip(make, items, tmp_path / "cache")
    check_registered_in_fresh_process(make().name)
