"""Grounding DINO and YOLO boxes on tiny random-weight models of the real architectures, built here."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from divgenbench import store
from divgenbench.errors import MissingWeightsError
from divgenbench.extractors import EXTRACTOR_SETS
from divgenbench.extractors.base import ImageItem
from divgenbench.extractors.detection import (
    BOX_THRESHOLD,
    COCO_INDEX,
    GROUNDING_DINO_TINY,
    GroundingDinoExtractor,
    TinyGroundingDinoExtractor,
    TinyYoloExtractor,
    YoloExtractor,
    build_tiny_grounding_dino,
)

CLASSES = ["person", "scissors", "dog", "hair drier", "motorcycle", "dog"]


@pytest.fixture(scope="module")
def layout_items(tmp_path_factory) -> list[ImageItem]:
    folder = tmp_path_factory.mktemp("layout-images")
    rng = np.random.default_rng(0)
    items = []
    for i, name in enumerate(CLASSES):
        path = folder / f"{i}.png"
        Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(path)
        items.append(ImageItem(f"layout-{i:04d}_0", path, f"sha{i}", "layout", f"layout-{i:04d}",
                               {"class": name, "query": f"{name}.", "count": 2}))
    return items


@pytest.fixture(scope="module")
def tiny_gdino() -> TinyGroundingDinoExtractor:
    return TinyGroundingDinoExtractor(batch_size=4)


def check_boxes(record) -> None:
    boxes, scores = record.arrays["boxes"], record.arrays["scores"]
    assert boxes.ndim == 2 and boxes.shape[1] == 4 and scores.shape == (boxes.shape[0],)
    assert boxes.dtype == np.float32 and scores.dtype == np.float32
    assert ((boxes >= 0) & (boxes <= 1)).all()
    assert (boxes[:, 0] <= boxes[:, 2]).all() and (boxes[:, 1] <= boxes[:, 3]).all()
    assert (np.diff(scores) <= 0).all()


def test_tiny_grounding_dino_boxes_are_normalised_and_thresholded(tiny_gdino, layout_items):
    records = tiny_gdino.extract(layout_items)
    assert all(r.ok for r in records)
    for record in records:
        check_boxes(record)
        assert (record.arrays["scores"] > BOX_THRESHOLD).all()
    assert sum(len(r.arrays["boxes"]) for r in records) > 0  # the matching code downstream gets boxes


def test_grounding_dino_thresholds_against_the_raw_model(tiny_gdino, layout_items):
    """Boxes kept = queries whose best token probability exceeds 0.35, recomputed from the raw outputs."""
    processor, model = build_tiny_grounding_dino()
    item = layout_items[1]
    image = np.asarray(Image.open(item.path).convert("RGB"))
    with torch.no_grad():
        outputs = model(**processor(images=[image.copy()], text=[item.attributes["query"]], return_tensors="pt"))
    probabilities = torch.sigmoid(outputs.logits[0]).max(-1).values.numpy()
    expected = np.sort(probabilities[probabilities > BOX_THRESHOLD])[::-1]
    record = tiny_gdino.extract([item])[0]
    np.testing.assert_allclose(record.arrays["scores"], expected, rtol=1e-6)
    assert 0 < len(expected) < len(probabilities)  # the threshold really cuts


def test_grounding_dino_batch_size_does_not_change_boxes(tiny_gdino, layout_items):
    batched = tiny_gdino.extract(layout_items)
    single = TinyGroundingDinoExtractor(batch_size=1)
    for item, record in zip(layout_items, batched):
        alone = single.extract([item])[0]
        np.testing.assert_allclose(record.arrays["boxes"], alone.arrays["boxes"], atol=1e-5)
        np.testing.assert_allclose(record.arrays["scores"], alone.arrays["scores"], atol=1e-5)


def test_mixed_sizes_unreadable_and_queryless_items(tiny_gdino, layout_items, tmp_path):
    wide = tmp_path / "wide.png"
    Image.fromarray(np.full((40, 96, 3), 200, dtype=np.uint8)).save(wide)
    odd = [ImageItem("wide", wide, "w", "layout", "p-wide", {"query": "dog."}),
           ImageItem("gone", tmp_path / "missing.png", "m", "layout", "p-gone", {"query": "dog."}),
           ImageItem("noquery", layout_items[0].path, "n", "layout", "p-none", {})]
    records = tiny_gdino.extract([layout_items[0], *odd])
    assert [r.status for r in records] == ["ok", "ok", "unreadable", "no-query"]
    check_boxes(records[1])
    alone = TinyGroundingDinoExtractor(batch_size=1).extract([odd[0]])[0]
    np.testing.assert_allclose(records[1].arrays["boxes"], alone.arrays["boxes"], atol=1e-5)


def _hub_like_snapshot(folder: Path) -> Path:
    """The tiny model written as the hub repository's files (model, config, processor, tokenizer)."""
    processor, model = build_tiny_grounding_dino()
    model.save_pretrained(folder)
    processor.tokenizer.save_pretrained(folder)
    processor.image_processor.to_json_file(folder / "preprocessor_config.json")
    vocab = sorted(processor.tokenizer.get_vocab().items(), key=lambda kv: kv[1])
    (folder / "vocab.txt").write_text("".join(token + "\n" for token, _ in vocab))
    (folder / "special_tokens_map.json").write_text(json.dumps(
        {"cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]", "unk_token": "[UNK]"}))
    return folder


def test_real_loader_reads_a_snapshot_folder_and_the_store(tiny_gdino, layout_items, tmp_path, monkeypatch,
                                                           unpinned):
    unpinned(GROUNDING_DINO_TINY.entry)
    snapshot = _hub_like_snapshot(tmp_path / "snapshot")
    expected = tiny_gdino.extract(layout_items[:2])
    from_folder = GroundingDinoExtractor(model_dir=snapshot).extract(layout_items[:2])
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path / "home"))
    target = store.get_weight(GROUNDING_DINO_TINY.entry).local_path
    target.mkdir(parents=True)
    for filename in GROUNDING_DINO_TINY.files:
        (target / filename).write_bytes((snapshot / filename).read_bytes())
    from_store = GroundingDinoExtractor()
    for records in (from_folder, from_store.extract(layout_items[:2])):
        for got, want in zip(records, expected):
            np.testing.assert_allclose(got.arrays["boxes"], want.arrays["boxes"], atol=1e-5)
    fingerprint = from_store.fingerprint()
    assert fingerprint.model_id == "IDEA-Research/grounding-dino-tiny"
    assert fingerprint.preprocessing["box_threshold"] == 0.35 and fingerprint.preprocessing["text_threshold"] == 0.25


def test_grounding_dino_missing_weights_offline(tmp_path, monkeypatch, layout_items):
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path))
    fingerprint = GroundingDinoExtractor().fingerprint()  # the pin names the weights: no file needed
    assert (fingerprint.revision, fingerprint.weights_sha256) == (GROUNDING_DINO_TINY.revision,
                                                                 GROUNDING_DINO_TINY.sha256)
    with pytest.raises(MissingWeightsError) as caught:
        GroundingDinoExtractor().extract(layout_items[:1])
    assert "IDEA-Research/grounding-dino-tiny" in str(caught.value)
    assert str(tmp_path / "weights") in str(caught.value)
    with pytest.raises(MissingWeightsError, match="not a Grounding DINO snapshot"):
        GroundingDinoExtractor(model_dir=tmp_path).fingerprint()


# --- YOLO -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_yolo(tmp_path_factory):
    """yolov8n.yaml with random weights, built with the network closed; class 3 (motorcycle) made confident
    so that the class restriction has something to keep and something to drop."""
    original = socket.socket.connect

    def refuse(*args, **kwargs):
        raise AssertionError("building the tiny YOLO tried to reach the network")

    socket.socket.connect = refuse
    try:
        extractor = TinyYoloExtractor(batch_size=4)
        head = extractor.model.model.model[-1]
        for branch in head.cv3:
            branch[-1].bias.data[COCO_INDEX["motorcycle"]] = 4.0
        extractor.extract([])  # nothing to do, but imports and builds everything
    finally:
        socket.socket.connect = original
    return extractor


def test_yolo_keeps_only_the_prompts_class(tiny_yolo, layout_items):
    records = tiny_yolo.extract(layout_items)
    assert all(r.ok for r in records)
    for item, record in zip(layout_items, records):
        check_boxes(record)
        if item.attributes["class"] == "motorcycle":
            assert len(record.arrays["boxes"]) > 0 and (record.arrays["scores"] > BOX_THRESHOLD).all()
        else:
            assert len(record.arrays["boxes"]) == 0


def test_yolo_batch_size_does_not_change_boxes(tiny_yolo, layout_items):
    motorcycle = [i for i in layout_items if i.attributes["class"] == "motorcycle"] * 3
    batched = tiny_yolo.extract(motorcycle)
    tiny_yolo.batch_size = 1
    try:
        alone = tiny_yolo.extract(motorcycle[:1])[0]
    finally:
        tiny_yolo.batch_size = 4
    for record in batched:
        np.testing.assert_allclose(record.arrays["boxes"], alone.arrays["boxes"], atol=1e-5)


def test_yolo_reports_classes_outside_coco(tiny_yolo, layout_items):
    item = ImageItem("x", layout_items[0].path, "s", "layout", "p", {"class": "unicorn", "query": "unicorn."})
    record = tiny_yolo.extract([item])[0]
    assert record.status == "unknown-class" and "unicorn" in record.message


def test_yolo_loads_a_weights_file_and_names_missing_weights(tiny_yolo, layout_items, tmp_path, monkeypatch):
    path = tmp_path / "tiny.pt"
    tiny_yolo.model.save(str(path))
    loaded = type("Yolo64", (YoloExtractor,), {"image_size": TinyYoloExtractor.image_size})(weights=path)
    motorcycle = [i for i in layout_items if i.attributes["class"] == "motorcycle"]
    np.testing.assert_allclose(loaded.extract(motorcycle)[0].arrays["boxes"],
                               tiny_yolo.extract(motorcycle)[0].arrays["boxes"], atol=1e-5)
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path / "home"))
    with pytest.raises(MissingWeightsError, match="yolov8x.pt"):
        YoloExtractor().fingerprint()


def test_coco_index_and_sets():
    assert len(COCO_INDEX) == 80 and COCO_INDEX["person"] == 0 and COCO_INDEX["toothbrush"] == 79
    assert EXTRACTOR_SETS["default"]["boxes"] == "grounding-dino"
    assert EXTRACTOR_SETS["tiny"]["boxes"] == "tiny-grounding-dino"
