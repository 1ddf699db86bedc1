"""Photometric statistics (SPEC §4 PVS) behind the extractor interface; no model, no weights."""

from __future__ import annotations

from collections.abc import Sequence

from ..metrics import photometric_stats
from .base import OK, Extractor, FeatureRecord, Fingerprint, ImageItem
from .images import load_rgb


class PhotometricExtractor(Extractor):
    name = "photometric"
    feature = "photometric"

    def fingerprint(self) -> Fingerprint:
        return Fingerprint(self.name, self.feature, preprocessing={
            "input": "RGB uint8 / 255 at native size (alpha composited on white, 16-bit scaled)",
            "s": "mean HSV saturation (max-min)/max, 0 where max=0", "v": "mean max(R,G,B)",
            "c": "std of 0.299R+0.587G+0.114B (ddof 0)"}, dtype="float64")

    @classmethod
    def weights_status(cls) -> str:
        return "no weights"

    def extract(self, items: Sequence[ImageItem]) -> list[FeatureRecord]:
        records: list[FeatureRecord | None] = []
        pixels, where = [], []
        for item in items:
            array, failure = load_rgb(item.path)
            records.append(failure)
            if array is not None:
                where.append(len(records) - 1)
                pixels.append(array)
        if pixels:
            for index, stats in zip(where, photometric_stats(pixels)):
                records[index] = FeatureRecord(OK, {"stats": stats})
        return records  # type: ignore[return-value]
