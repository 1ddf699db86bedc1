"""Face identity features for IDS (SPEC §4): the largest face per image, aligned, embedded, L2-normalised.

The paper's pipeline is insightface's ``buffalo_l`` pack run through insightface's own classes on
onnxruntime: ``SCRFD`` (``det_10g``) finds faces and five keypoints, ``norm_crop`` warps the largest face
onto ArcFace's 112×112 template, and ``ArcFaceONNX`` (``w600k_r50``) embeds a whole batch of aligned crops
in one session run. Detection stays one image per run: ``det_10g``'s graph fixes the batch to 1.

[choice] "Largest" is by box area (insightface's ``metric='max'``), not its default centre-weighted rank.
[choice] Detector input 640×640 at one scale and score threshold 0.5: the defaults of ``FaceAnalysis.prepare``
in insightface 0.7.x (0.7.3, the release ``buffalo_l`` was published for and the paper's pipeline used).
insightface 2.x (2.1 is pinned in constraints.txt) defaults to two scales, 128×128 and 640×640; the size is
passed explicitly, so the features do not change with the installed insightface version.
[choice] ``bbox`` is stored as xyxy divided by the image width/height, so it does not depend on resolution.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .. import store
from ..errors import ConfigError
from ..hashing import cached_file_sha256
from .base import OK, Extractor, FeatureRecord, Fingerprint, ImageItem
from .images import load_rgb

NO_FACE = "no-face"
DETECTION_FAILED = "detection-failed"
ALIGNED_SIZE = 112
#: a folder holding an unzipped buffalo_l pack (det_10g.onnx, w600k_r50.onnx) overrides the store
PACK_ENV = "DIVGENBENCH_INSIGHTFACE_PACK"


@dataclass(frozen=True)
class DetectedFace:
    """The largest face of one image: its aligned crop for the embedder, box in [0, 1] and score."""

    crop: np.ndarray
    bbox: np.ndarray
    score: float


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.finfo(np.float32).tiny)


def normalised_box(box: Sequence[float], width: int, height: int) -> np.ndarray:
    x1, y1, x2, y2 = (float(v) for v in box[:4])
    return np.clip(np.array([x1 / width, y1 / height, x2 / width, y2 / height], dtype=np.float32), 0.0, 1.0)


def extract_largest_faces(items: Sequence[ImageItem], detect: Callable[[np.ndarray], DetectedFace | None],
                          embed: Callable[[list[np.ndarray]], np.ndarray],
                          detect_errors: tuple[type[BaseException], ...] = ()) -> list[FeatureRecord]:
    """One record per item: read → detect the largest face → embed every aligned crop in one batched call.

    ``detect`` takes an RGB uint8 image; ``embed`` takes the list of crops and returns (n, d) unnormalised
    embeddings. Unreadable images, images without a face and detector errors become per-image records.
    """
    records: list[FeatureRecord | None] = [None] * len(items)
    faces: list[tuple[int, DetectedFace]] = []
    for index, item in enumerate(items):
        rgb, failure = load_rgb(item.path)
        if failure is not None:
            records[index] = failure
            continue
        try:
            face = detect(rgb)
        except detect_errors as exc:
            records[index] = FeatureRecord(DETECTION_FAILED, message=f"{type(exc).__name__}: {exc}")
            continue
        if face is None:
            records[index] = FeatureRecord(NO_FACE, message=f"no face in {rgb.shape[1]}x{rgb.shape[0]} image")
        else:
            faces.append((index, face))
    if faces:
        embeddings = l2_normalise(embed([face.crop for _, face in faces]))
        for (index, face), embedding in zip(faces, embeddings, strict=True):
            records[index] = FeatureRecord(OK, {"embedding": embedding, "bbox": face.bbox,
                                                "det_score": np.array(face.score, dtype=np.float32)})
    return records  # type: ignore[return-value]


def onnx_providers() -> list[str]:
    """CUDA when onnxruntime has it (onnxruntime-gpu), always with the CPU fallback."""
    import onnxruntime

    available = onnxruntime.get_available_providers()
    return [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]


def combined_sha256(hashes: Mapping[str, str]) -> str:
    """One hash for several weight files (each file's own hash is kept in the preprocessing record)."""
    return hashlib.sha256("".join(f"{name}:{digest}\n" for name, digest in sorted(hashes.items())).encode()).hexdigest()


class InsightFaceExtractor(Extractor):
    """SCRFD + ArcFace through insightface's classes. Subclasses say where the two ONNX files come from.

    Construction is cheap and loads nothing: the sessions open on the first ``extract`` call, so a run
    whose features are all cached never opens a model.
    """

    feature = "face-embedding"
    smoke: ClassVar[bool] = False
    detector_size: ClassVar[tuple[int, int]] = (640, 640)
    default_det_thresh: ClassVar[float] = 0.5
    nms_thresh: ClassVar[float] = 0.4
    code_version: ClassVar[str] = "1"

    def __init__(self, det_thresh: float | None = None, recognition_batch: int = 128):
        if recognition_batch < 1:
            raise ConfigError(f"recognition_batch must be at least 1, got {recognition_batch}", "pass e.g. 128")
        self.det_thresh = self.default_det_thresh if det_thresh is None else float(det_thresh)
        self.recognition_batch = recognition_batch
        self._models: tuple[Any, Any] | None = None

    @abstractmethod
    def model_files(self) -> tuple[Path, Path]:
        """(detector ONNX, recognizer ONNX) on disk; may raise MissingWeightsError."""

    @abstractmethod
    def weights_identity(self) -> tuple[str, str | None, dict[str, str]]:
        """(model id, revision, file name → sha256) without opening any model."""

    def fingerprint(self) -> Fingerprint:
        model_id, revision, hashes = self.weights_identity()
        return Fingerprint(self.name, self.feature, model_id, revision, combined_sha256(hashes), preprocessing={
            "input": "RGB uint8 via load_rgb (alpha on white, 16-bit scaled), fed to insightface as BGR",
            "detector": f"SCRFD {self.detector_size[0]}x{self.detector_size[1]} letterbox, "
                        f"det_thresh {self.det_thresh}, nms {self.nms_thresh}",
            "face": "largest box area (metric='max')",
            "alignment": f"insightface norm_crop: 5-point similarity to the ArcFace template, {ALIGNED_SIZE}x{ALIGNED_SIZE}",
            "recognizer": "ArcFaceONNX blob (x-127.5)/127.5, RGB; embedding L2-normalised",
            "weights": dict(sorted(hashes.items()))}, dtype="float32", code_version=self.code_version,
            smoke=self.smoke)

    def _load(self) -> tuple[Any, Any]:
        if self._models is None:
            import onnxruntime
            from insightface.model_zoo.arcface_onnx import ArcFaceONNX
            from insightface.model_zoo.scrfd import SCRFD

            detector_path, recognizer_path = self.model_files()
            providers = onnx_providers()
            detector = SCRFD(str(detector_path),
                             session=onnxruntime.InferenceSession(str(detector_path), providers=providers))
            detector.prepare(0 if "CUDAExecutionProvider" in providers else -1, input_size=self.detector_size,
                             det_thresh=self.det_thresh, nms_thresh=self.nms_thresh)
            recognizer = ArcFaceONNX(str(recognizer_path),
                                     session=onnxruntime.InferenceSession(str(recognizer_path), providers=providers))
            self._models = (detector, recognizer)
        return self._models

    def extract(self, items: Sequence[ImageItem]) -> list[FeatureRecord]:
        import cv2
        from insightface.utils.face_align import norm_crop

        detector, recognizer = self._load()

        def detect(rgb: np.ndarray) -> DetectedFace | None:
            bgr = np.ascontiguousarray(rgb[..., ::-1])
            boxes, keypoints = detector.detect(bgr, max_num=1, metric="max")
            if len(boxes) == 0:
                return None
            with warnings.catch_warnings():  # insightface calls skimage's deprecated estimate(); same numbers
                warnings.filterwarnings("ignore", message=".*estimate.*deprecated", category=FutureWarning)
                crop = norm_crop(bgr, landmark=keypoints[0], image_size=ALIGNED_SIZE)
            return DetectedFace(crop, normalised_box(boxes[0], rgb.shape[1], rgb.shape[0]), float(boxes[0][4]))

        def embed(crops: list[np.ndarray]) -> np.ndarray:
            return np.concatenate([recognizer.get_feat(crops[start:start + self.recognition_batch])
                                   for start in range(0, len(crops), self.recognition_batch)])

        return extract_largest_faces(items, detect, embed, detect_errors=(cv2.error, ValueError))


class ArcFaceExtractor(InsightFaceExtractor):
    """The paper's extractor: buffalo_l's ``det_10g`` + ``w600k_r50`` from the model store or a local pack.

    ``pack_dir`` (or ``$DIVGENBENCH_INSIGHTFACE_PACK``) points at an unzipped buffalo_l folder, e.g.
    ``~/.insightface/models/buffalo_l``; its files are hashed, so a different pack gets another fingerprint.
    """

    name = "arcface"
    weight_entries: ClassVar[tuple[str, str]] = (store.SCRFD_10G.entry, store.ARCFACE_R50.entry)

    def __init__(self, pack_dir: str | Path | None = None, det_thresh: float | None = None,
                 recognition_batch: int = 128):
        super().__init__(det_thresh, recognition_batch)
        pack = pack_dir or os.environ.get(PACK_ENV)
        self.pack_dir = Path(pack).expanduser() if pack else None

    def _pack_files(self) -> tuple[Path, Path]:
        assert self.pack_dir is not None
        files = tuple(self.pack_dir / Path(store.get_weight(e).filename).name for e in self.weight_entries)
        absent = [f.name for f in files if not f.is_file()]
        if absent:
            raise ConfigError(f"insightface pack folder {self.pack_dir} lacks {', '.join(absent)}",
                              f"point {PACK_ENV} at an unzipped buffalo_l folder, or unset it to use the model store")
        return files  # type: ignore[return-value]

    def model_files(self) -> tuple[Path, Path]:
        if self.pack_dir is not None:
            return self._pack_files()
        return store.resolve(self.weight_entries[0]), store.resolve(self.weight_entries[1])

    def weights_identity(self) -> tuple[str, str | None, dict[str, str]]:
        if self.pack_dir is not None:
            return f"local:{self.pack_dir}", None, {p.name: cached_file_sha256(p) for p in self._pack_files()}
        weights = [store.get_weight(e) for e in self.weight_entries]
        hashes = {Path(w.filename).name: w.sha256 or cached_file_sha256(store.resolve(w.entry)) for w in weights}
        return weights[0].hub_id, weights[0].revision, hashes

    @classmethod
    def weights_status(cls) -> str:
        states = {e: "present" if store.get_weight(e).local_path.exists() else "missing" for e in cls.weight_entries}
        return ", ".join(f"{e}: {s}" for e, s in states.items())
