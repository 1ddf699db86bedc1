"""Extractors: images → named feature arrays with a fingerprint. One registry (entry-point group
``divgenbench.extractors``) and named *extractor sets* choosing one extractor per feature kind."""

from ..errors import ConfigError
from ..registry import Registry
from .base import Extractor, FeatureRecord, Fingerprint, ImageItem

EXTRACTORS: Registry[type[Extractor]] = Registry("extractors", base=Extractor)
EXTRACTORS.register("photometric", "divgenbench.extractors.photometric:PhotometricExtractor")
EXTRACTORS.register("arcface", "divgenbench.extractors.faces:ArcFaceExtractor")
EXTRACTORS.register("tiny-arcface", "divgenbench.extractors.tiny_faces:TinyArcFaceExtractor")
EXTRACTORS.register("dlib", "divgenbench.extractors.dlib_faces:DlibFaceExtractor")  # eval --face-extractor dlib
EXTRACTORS.register("csd", "divgenbench.extractors.style:CsdExtractor")
EXTRACTORS.register("tiny-csd", "divgenbench.extractors.style:TinyCsdExtractor")
EXTRACTORS.register("grounding-dino", "divgenbench.extractors.detection:GroundingDinoExtractor")
EXTRACTORS.register("tiny-grounding-dino", "divgenbench.extractors.detection:TinyGroundingDinoExtractor")
EXTRACTORS.register("yolo", "divgenbench.extractors.detection:YoloExtractor")  # eval --detector yolo
EXTRACTORS.register("tiny-yolo", "divgenbench.extractors.detection:TinyYoloExtractor")

#: feature kind → extractor name, per set. ``default`` is the paper's; ``tiny`` needs no weights.
EXTRACTOR_SETS: dict[str, dict[str, str]] = {
    "default": {"face-embedding": "arcface", "style-embedding": "csd", "boxes": "grounding-dino",
                "photometric": "photometric"},
    "tiny": {"face-embedding": "tiny-arcface", "style-embedding": "tiny-csd", "boxes": "tiny-grounding-dino",
             "photometric": "photometric"},
}


def extractor_for(feature: str, extractor_set: str, overrides: dict[str, str] | None = None) -> str | None:
    """The extractor name that serves ``feature`` (None when the set has none yet)."""
    if extractor_set not in EXTRACTOR_SETS:
        raise ConfigError(f"unknown extractor set {extractor_set!r}", f"choose one of: {', '.join(EXTRACTOR_SETS)}")
    return (overrides or {}).get(feature) or EXTRACTOR_SETS[extractor_set].get(feature)


__all__ = ["EXTRACTORS", "EXTRACTOR_SETS", "Extractor", "FeatureRecord", "Fingerprint", "ImageItem", "extractor_for"]
