"""Query-dependent extractors key cache and de-duplication by (image, query) (issue 11 item 4)."""

from __future__ import annotations

import numpy as np

from divgenbench.extractors.base import OK, Extractor, FeatureRecord, Fingerprint, ImageItem, content_key
from divgenbench.extractors.cache import FeatureCache
from divgenbench.pipeline import extract_features


class ClassEcho(Extractor):
    """Records which class it was asked about, and counts what it extracted."""

    name = "class-echo"
    feature = "boxes"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def fingerprint(self) -> Fingerprint:
        return Fingerprint(self.name, self.feature, smoke=True)

    def query(self, item: ImageItem) -> str | None:
        return item.attributes["class"]

    def extract(self, items):
        self.calls += [item.attributes["class"] for item in items]
        return [FeatureRecord(OK, {"boxes": np.full((1, 4), len(item.attributes["class"]) / 10)}) for item in items]


def items_of_one_image(tmp_path, classes):
    image = tmp_path / "a.png"
    image.write_bytes(b"same bytes")
    sha = "ab" * 32
    return [ImageItem(f"p{i}_0", image, sha, "layout", f"p{i}", {"class": c}) for i, c in enumerate(classes)]


def test_one_image_under_three_classes_gets_three_records(tmp_path):
    items = items_of_one_image(tmp_path, ["cat", "horse", "cat", "giraffe"])
    extractor = ClassEcho()
    records = extract_features(extractor, items, lambda n: None, FeatureCache(tmp_path / "cache"))
    assert sorted(extractor.calls) == ["cat", "giraffe", "horse"]  # the repeated (image, cat) pair once
    assert [float(r.arrays["boxes"][0, 0]) for r in records] == [0.3, 0.5, 0.3, 0.7]


def test_cached_pairs_are_found_per_query(tmp_path):
    cache = FeatureCache(tmp_path / "cache")
    extract_features(ClassEcho(), items_of_one_image(tmp_path, ["cat"]), lambda n: None, cache)
    again = ClassEcho()
    records = extract_features(again, items_of_one_image(tmp_path, ["cat", "horse"]), lambda n: None, cache)
    assert again.calls == ["horse"]  # (image, cat) came from the cache, (image, horse) is new
    assert [float(r.arrays["boxes"][0, 0]) for r in records] == [0.3, 0.5]


def test_content_key_without_query_is_the_image_hash():
    sha = "cd" * 32
    assert content_key(sha, None) == sha
    assert content_key(sha, "cat") != content_key(sha, "horse") != sha
