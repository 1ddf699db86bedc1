"""Boxes for SDI: Grounding DINO (the paper's detector) and Ultralytics YOLO (a closed-set alternative).

Every Layout image asks for N objects of one COCO class; the detector is queried with that class only, and
returns ``boxes`` (k, 4) xyxy normalised to [0, 1] of the image and ``scores`` (k,), sorted by score.

Grounding DINO [choice, SPEC §4]: ``IDEA-Research/grounding-dino-tiny`` through transformers
(``AutoModelForZeroShotObjectDetection`` + ``AutoProcessor``), query "{class}." (the prompt's
``attributes["query"]``), box threshold 0.35 and text threshold 0.25 handed to the processor's
``post_process_grounded_object_detection`` (transformers 5: ``threshold``/``text_threshold``). As in IDEA's
own ``predict``, the text threshold only picks each box's phrase; it does not drop boxes. The hub repository
is one store snapshot entry (``grounding-dino-tiny``): ``snapshot_download`` with allow patterns for the
weights, configs and tokenizer, read in place by ``from_pretrained(local_files_only=True)``.

YOLO [choice]: ``yolov8x.pt`` (COCO-80), restricted to the prompt's COCO class with Ultralytics' own
``classes=[i]`` filter: a box counts when its *best* class is the prompt's and its confidence exceeds 0.35
(the box threshold above); the filter runs before non-maximum suppression, so NMS and ``max_det`` only see
that class. NMS IoU 0.7 and 640-pixel letterbox are Ultralytics' defaults.

Images of a batch are grouped by size, so no image is padded by its neighbours and a detection never depends
on the batch it came in. dtype [choice]: float32 everywhere, on GPU too: detections are cut at a score
threshold, so half precision would move boxes in and out at the margin.

``tiny-grounding-dino`` and ``tiny-yolo`` are the same architectures at toy size with seeded random weights.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .. import store
from ..errors import MissingWeightsError
from ..hashing import cached_file_sha256, state_dict_sha256
from ..prompts.vocab import COCO_PLURALS
from .base import OK, Extractor, FeatureRecord, Fingerprint, ImageItem
from .runtime import (
    SingleWeightFile,
    choose_device,
    choose_dtype,
    load_batch,
    torch_dtype,
)

BOX_THRESHOLD = 0.35
TEXT_THRESHOLD = 0.25
NO_QUERY = "no-query"
UNKNOWN_CLASS = "unknown-class"
#: COCO-80 class name → the contiguous index used by COCO-trained YOLO weights.
COCO_INDEX: dict[str, int] = {name: index for index, name in enumerate(COCO_PLURALS)}

GROUNDING_DINO_HUB = "IDEA-Research/grounding-dino-tiny"
GROUNDING_DINO_TINY = store.register_weight(store.WeightSnapshot(
    entry="grounding-dino-tiny", hub_id=GROUNDING_DINO_HUB,
    files=("model.safetensors", "config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json",
           "special_tokens_map.json", "vocab.txt"),
    weights_file="model.safetensors", allow_patterns=("model.safetensors", "*.json", "vocab.txt"),
    revision="a2bb814dd30d776dcf7e30523b00659f4f141c71",  # pins: docs/weights.md
    sha256="1a2412ef99bd74bcd3c2a246fa1e48581f8889a1300c9051974741314fc042f3",
    license="Apache-2.0", note="Grounding DINO (Swin-T), SDI detector"))
YOLOV8X = store.register_weight(store.WeightFile(  # pins: docs/weights.md
    entry="yolov8x", hub_id="Ultralytics/YOLOv8", filename="yolov8x.pt",
    revision="5d9ba66bbb32ad9e09a409c12d9dc86f3cc0915f",
    sha256="c4d5a3f000d771762f03fc8b57ebd0aae324aeaefdd6e68492a9c4470f2d1e8b", license="AGPL-3.0",
    note="COCO-80 detector (YOLOv8x)"))


def detector_query(item: ImageItem) -> str | None:
    """The text query of a Layout image: ``attributes["query"]``, else "{class}."."""
    query = item.attributes.get("query")
    if not query and item.attributes.get("class"):
        query = f"{item.attributes['class']}."
    return str(query) if query else None


def groups_by(keys: Sequence[Any]) -> list[list[int]]:
    """Indices grouped by equal key, groups in order of first appearance."""
    groups: dict[Any, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        groups[key].append(index)
    return list(groups.values())


def boxes_record(boxes: np.ndarray, scores: np.ndarray) -> FeatureRecord:
    """Boxes clipped to the image, sorted by descending score (ties keep the detector's order)."""
    boxes = np.clip(np.asarray(boxes, dtype=np.float32).reshape(-1, 4), 0.0, 1.0)
    scores = np.asarray(scores, dtype=np.float32).reshape(-1)
    order = np.argsort(-scores, kind="stable")
    return FeatureRecord(OK, {"boxes": boxes[order], "scores": scores[order]})


class _DetectorExtractor(Extractor):
    """Shared shell: read the batch, ask ``_detect`` per group, one record per item."""

    feature = "boxes"
    smoke: ClassVar[bool] = False
    box_threshold: ClassVar[float] = BOX_THRESHOLD

    def __init__(self, device: str | None = None, dtype: str | None = None, batch_size: int = 16) -> None:
        self.device = choose_device(device)
        self.dtype = choose_dtype(dtype, self.device, gpu_default="float32")
        self.batch_size = batch_size

    def query(self, item: ImageItem) -> str | None:
        """Boxes depend on the class asked for: one image listed under two classes gets two records."""
        return detector_query(item)

    def _group_key(self, item: ImageItem, image: np.ndarray) -> tuple | FeatureRecord:
        """What a batch must share, or the record of an item that cannot be detected."""
        query = detector_query(item)
        if query is None:
            return FeatureRecord(NO_QUERY, message="Layout image without a detector query (attributes.query)")
        return (image.shape,)

    def _detect(self, images: list[np.ndarray], items: list[ImageItem]) -> list[FeatureRecord]:
        raise NotImplementedError

    def extract(self, items: Sequence[ImageItem]) -> list[FeatureRecord]:
        arrays, records = load_batch(items)
        keys: list[Any] = []
        for index, (item, image) in enumerate(zip(items, arrays)):
            key = self._group_key(item, image) if image is not None else None
            if isinstance(key, FeatureRecord):
                records[index], key = key, None
            keys.append(key)
        for group in groups_by(keys):
            if keys[group[0]] is None:
                continue
            for start in range(0, len(group), self.batch_size):
                batch = group[start:start + self.batch_size]
                found = self._detect([arrays[i] for i in batch], [items[i] for i in batch])
                for index, record in zip(batch, found, strict=True):
                    records[index] = record
        return records  # type: ignore[return-value]


class GroundingDinoExtractor(_DetectorExtractor):
    """Grounding DINO through transformers, from the weight store or a local ``model_dir`` snapshot."""

    name = "grounding-dino"
    weight_entries: ClassVar[tuple[str, ...]] = (GROUNDING_DINO_TINY.entry,)
    text_threshold: ClassVar[float] = TEXT_THRESHOLD

    def __init__(self, model_dir: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model_dir = Path(model_dir).expanduser() if model_dir else None

    @classmethod
    def weights_status(cls) -> str:
        return f"{GROUNDING_DINO_TINY.entry} ({len(GROUNDING_DINO_TINY.files)} files): " \
               f"{store.status(GROUNDING_DINO_TINY.entry)}"

    @cached_property
    def _folder(self) -> Path:
        if self.model_dir is None:
            return store.resolve(GROUNDING_DINO_TINY.entry)
        if not (self.model_dir / "config.json").is_file():
            raise MissingWeightsError(f"{self.model_dir} is not a Grounding DINO snapshot (no config.json)",
                                      f"download {GROUNDING_DINO_HUB} there, or omit it to use the weight store")
        return self.model_dir

    def _load(self):
        from transformers import AutoModelForZeroShotObjectDetection, AutoProcessor

        processor = AutoProcessor.from_pretrained(self._folder, local_files_only=True)
        model = AutoModelForZeroShotObjectDetection.from_pretrained(self._folder, local_files_only=True)
        return processor, model

    @cached_property
    def _processor_and_model(self):
        processor, model = self._load()
        return processor, model.to(device=self.device, dtype=torch_dtype(self.dtype)).eval()

    @cached_property
    def _weights_sha256(self) -> str | None:
        weights = self._folder / "model.safetensors"
        return cached_file_sha256(weights) if weights.is_file() else None

    def _identity(self) -> tuple[str, str | None, str | None]:
        if self.model_dir is None:
            return GROUNDING_DINO_HUB, GROUNDING_DINO_TINY.revision, GROUNDING_DINO_TINY.sha256 or self._weights_sha256
        return str(self.model_dir), None, self._weights_sha256

    def fingerprint(self) -> Fingerprint:
        model_id, revision, sha256 = self._identity()
        return Fingerprint(self.name, self.feature, model_id=model_id, revision=revision, weights_sha256=sha256,
                           preprocessing={"mode": "grounding-dino-processor",
                                          "image": "processor resize (shortest edge 800, longest 1333) + ImageNet "
                                                   "normalisation; images batched only with same-size images",
                                          "query": "'{class}.' from the prompt", "box_threshold": self.box_threshold,
                                          "text_threshold": self.text_threshold, "boxes": "xyxy in [0, 1]"},
                           dtype=self.dtype, smoke=self.smoke)

    def _detect(self, images, items):
        import torch

        processor, model = self._processor_and_model
        inputs = processor(images=[np.array(image) for image in images],  # writable copies for torch
                           text=[detector_query(item) for item in items], return_tensors="pt", padding=True)
        inputs = {k: (v.to(self.device, torch_dtype(self.dtype)) if v.is_floating_point() else v.to(self.device))
                  for k, v in inputs.items()}
        with torch.inference_mode():
            outputs = model(**inputs)
        outputs.logits, outputs.pred_boxes = outputs.logits.float(), outputs.pred_boxes.float()
        found = processor.post_process_grounded_object_detection(
            outputs, inputs["input_ids"], threshold=self.box_threshold, text_threshold=self.text_threshold)
        return [boxes_record(r["boxes"].cpu().numpy(), r["scores"].cpu().numpy()) for r in found]


class YoloExtractor(SingleWeightFile, _DetectorExtractor):
    """Ultralytics YOLO restricted to the prompt's COCO class; weights from the store or a local ``weights``."""

    name = "yolo"
    image_size: ClassVar[int] = 640
    nms_iou: ClassVar[float] = 0.7
    weight_entry = YOLOV8X.entry
    weight_label = "YOLO weights"

    def __init__(self, weights: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._set_local_weights(weights)

    def _build(self):
        return _ultralytics().YOLO(str(self.weights_file), task="detect")

    @cached_property
    def model(self):
        return self._build()

    def fingerprint(self) -> Fingerprint:
        model_id, revision, sha256 = self._identity()
        return Fingerprint(self.name, self.feature, model_id=model_id, revision=revision, weights_sha256=sha256,
                           preprocessing={"mode": f"ultralytics-letterbox-{self.image_size}",
                                          "classes": "the prompt's COCO class only", "conf": self.box_threshold,
                                          "nms_iou": self.nms_iou, "boxes": "xyxy in [0, 1]"},
                           dtype=self.dtype, smoke=self.smoke)

    def _group_key(self, item, image):
        key = super()._group_key(item, image)
        if isinstance(key, FeatureRecord):
            return key
        name = str(item.attributes.get("class") or detector_query(item) or "").rstrip(".").strip()
        if name not in COCO_INDEX:
            return FeatureRecord(UNKNOWN_CLASS, message=f"{name!r} is not a COCO-80 class; YOLO cannot detect it")
        return (COCO_INDEX[name], *key)

    def _detect(self, images, items):
        name = str(items[0].attributes.get("class") or detector_query(items[0])).rstrip(".").strip()
        results = self.model.predict([np.ascontiguousarray(image[..., ::-1]) for image in images],  # RGB → BGR
                                     classes=[COCO_INDEX[name]], conf=self.box_threshold, iou=self.nms_iou,
                                     imgsz=self.image_size, device=self.device, half=self.dtype == "float16",
                                     verbose=False)
        return [boxes_record(r.boxes.xyxyn.cpu().numpy(), r.boxes.conf.cpu().numpy()) for r in results]


def _ultralytics():
    """Import Ultralytics with its settings under our home, no online checks, and PIL left as it was.

    Importing ``ultralytics.utils.patches`` replaces ``PIL.Image.open`` with a version that imports the
    optional ``pi_heif`` on any unidentifiable file; without that package an unreadable image would raise
    ``ModuleNotFoundError`` instead of becoming its per-image ``unreadable`` record. Images reach YOLO as
    arrays, so the original ``Image.open`` is put back.
    """
    from PIL import Image

    os.environ.setdefault("YOLO_CONFIG_DIR", str(store.home() / "ultralytics"))
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_VERBOSE", "False")
    import ultralytics
    from ultralytics.utils import patches

    Image.open = patches._image_open  # the copy it took of Pillow's own, whenever it was first imported
    return ultralytics


# --- tiny, random-weight versions for smoke runs and tests -------------------------------------------------
TINY_SEED = 0
TINY_IMAGE_EDGE = 64
TINY_TEXT_LENGTH = 32


def tiny_bert_tokenizer():
    """WordPiece over single letters and digits (and their ## continuations): spells any class name."""
    import string

    from transformers import BertTokenizerFast

    symbols = list(string.ascii_lowercase + string.digits)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", *symbols, *("##" + s for s in symbols)]
    return BertTokenizerFast(vocab={token: i for i, token in enumerate(vocab)}, do_lower_case=True,
                             model_max_length=TINY_TEXT_LENGTH)


def build_tiny_grounding_dino(seed: int = TINY_SEED):
    """(processor, model): Grounding DINO's classes (Swin + BERT + deformable encoder/decoder) at toy size."""
    import torch
    from transformers import (
        GroundingDinoConfig,
        GroundingDinoForObjectDetection,
        GroundingDinoImageProcessor,
        GroundingDinoProcessor,
        SwinConfig,
    )

    tokenizer = tiny_bert_tokenizer()
    image_processor = GroundingDinoImageProcessor(
        size={"shortest_edge": TINY_IMAGE_EDGE, "longest_edge": 2 * TINY_IMAGE_EDGE})
    swin = SwinConfig(window_size=4, embed_dim=8, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1],
                      image_size=TINY_IMAGE_EDGE, out_indices=[2, 3, 4])
    text = {"model_type": "bert", "vocab_size": len(tokenizer), "hidden_size": 16, "num_hidden_layers": 1,
            "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": TINY_TEXT_LENGTH}
    # d_model: a multiple of 32 (GroupNorm groups), 64 so a 1×1 top level still has 2 values per group;
    # decoder_layers >= 2 (the shared box heads are tied across layers)
    config = GroundingDinoConfig(d_model=64, encoder_layers=1, decoder_layers=2, encoder_attention_heads=2,
                                 decoder_attention_heads=2, encoder_ffn_dim=16, decoder_ffn_dim=16, num_queries=10,
                                 encoder_n_points=2, decoder_n_points=2, backbone_config=swin, text_config=text,
                                 max_text_len=TINY_TEXT_LENGTH)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = GroundingDinoForObjectDetection(config)
    return GroundingDinoProcessor(image_processor=image_processor, tokenizer=tokenizer), model.eval()


class TinyGroundingDinoExtractor(GroundingDinoExtractor):
    """Grounding DINO's architecture with seeded random weights (same thresholds, 64-pixel inputs)."""

    name = "tiny-grounding-dino"
    smoke = True

    @classmethod
    def weights_status(cls) -> str:
        return f"built in code (random, seed {TINY_SEED})"

    def _load(self):
        return build_tiny_grounding_dino()

    def _identity(self):
        return f"tiny-grounding-dino (random weights, seed {TINY_SEED})", None, self._digest

    @cached_property
    def _digest(self) -> str:
        return state_dict_sha256(build_tiny_grounding_dino()[1])

    def fingerprint(self) -> Fingerprint:
        fingerprint = super().fingerprint()
        preprocessing = dict(fingerprint.preprocessing,
                             image=f"processor resize (shortest edge {TINY_IMAGE_EDGE}, longest "
                                   f"{2 * TINY_IMAGE_EDGE}) + ImageNet normalisation")
        return Fingerprint(**{**fingerprint.to_dict(), "preprocessing": preprocessing})


class TinyYoloExtractor(YoloExtractor):
    """YOLOv8n's architecture from Ultralytics' own yaml, seeded random weights, 64-pixel letterbox."""

    name = "tiny-yolo"
    smoke = True
    image_size = 64

    @classmethod
    def weights_status(cls) -> str:
        return f"built in code (yolov8n.yaml, random, seed {TINY_SEED})"

    def _build(self):
        import torch

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(TINY_SEED)
            return _ultralytics().YOLO("yolov8n.yaml", task="detect")

    def _identity(self):
        return f"tiny-yolo (yolov8n.yaml, random weights, seed {TINY_SEED})", None, state_dict_sha256(self.model.model)
