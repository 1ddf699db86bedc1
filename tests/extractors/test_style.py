"""CSD style embeddings on the tiny random-weight CSD (same architecture, built here) and on checkpoints."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from divgenbench.errors import DataError, MissingWeightsError
from divgenbench.extractors import EXTRACTOR_SETS, EXTRACTORS
from divgenbench.extractors.base import ImageItem
from divgenbench.extractors.style import (
    CLIP_MEAN,
    CLIP_STD,
    TINY_EMBED,
    TINY_VIT,
    CsdExtractor,
    TinyCsdExtractor,
    build_csd_model,
    preprocess,
)


class TinyArchitectureCsd(CsdExtractor):
    """The real checkpoint-loading extractor, pointed at the tiny architecture."""

    name = "tiny-arch-csd"
    vision = TINY_VIT
    embed_dim = TINY_EMBED


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("style-images")
    rng = np.random.default_rng(0)
    paths = []
    for i, (h, w) in enumerate([(64, 64), (48, 80), (80, 40), (64, 64), (33, 57), (64, 64)]):
        path = folder / f"{i}.png"
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    return paths


def items_for(paths) -> list[ImageItem]:
    return [ImageItem(f"k{i}", p, f"sha{i}", "style", f"style-{i:04d}") for i, p in enumerate(paths)]


@pytest.fixture(scope="module")
def tiny() -> TinyCsdExtractor:
    return TinyCsdExtractor(batch_size=4)


def test_tiny_csd_gives_unit_vectors_of_the_head_dimension(tiny, images):
    records = tiny.extract(items_for(images))
    vectors = np.stack([r.arrays["embedding"] for r in records])
    assert all(r.ok for r in records)
    assert vectors.shape == (len(images), TINY_EMBED) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    assert np.abs(vectors[0] - vectors[1]).max() > 1e-3  # different images, different embeddings


def test_batch_size_does_not_change_embeddings(tiny, images):
    batched = np.stack([r.arrays["embedding"] for r in tiny.extract(items_for(images))])
    single = TinyCsdExtractor(batch_size=1)
    alone = np.stack([single.extract(items_for([p]))[0].arrays["embedding"] for p in images])
    np.testing.assert_allclose(batched, alone, atol=1e-5)


def test_same_seed_same_weights_and_fingerprint():
    a, b = TinyCsdExtractor().fingerprint(), TinyCsdExtractor().fingerprint()
    assert a == b and a.smoke and a.weights_sha256 and a.preprocessing["mode"] == "clip-eval-32"


def test_unreadable_image_is_a_record_not_an_exception(tiny, images, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    records = tiny.extract(items_for([images[0], broken, images[1]]))
    assert [r.status for r in records] == ["ok", "unreadable", "ok"]
    assert records[1].message


def test_preprocessing_is_csds_eval_transform():
    """CSD's ``transforms_branch0``: Resize(224, bicubic) → CenterCrop(224) → ToTensor → Normalize(CLIP)."""
    from torchvision import transforms

    reference = transforms.Compose([transforms.Resize(224, interpolation=transforms.InterpolationMode.BICUBIC),
                                    transforms.CenterCrop(224), transforms.ToTensor(),
                                    transforms.Normalize(CLIP_MEAN, CLIP_STD)])
    array = np.random.default_rng(1).integers(0, 256, (300, 451, 3), dtype=np.uint8)
    ours = preprocess(array, 224)
    assert ours.shape == (3, 224, 224)
    torch.testing.assert_close(ours, reference(Image.fromarray(array)), rtol=0, atol=0)


def _released_style_checkpoint(model, path: Path) -> None:
    """Write a checkpoint shaped like CSD's release: DataParallel keys, argparse args, numpy-1 scalars."""
    state = {"module." + key: value for key, value in model.state_dict().items()}
    torch.save({"model_state_dict": state, "args": argparse.Namespace(arch="vit_large", lr=3e-4),
                "epoch": 7, "best": np.float64(0.5)}, path, _use_new_zipfile_serialization=False)
    # saved under numpy 1, the scalar's pickled global is numpy.core.multiarray.scalar
    path.write_bytes(path.read_bytes().replace(b"numpy._core.multiarray", b"numpy.core.multiarray"))


def test_released_checkpoint_format_loads_and_matches_the_source_model(tmp_path, images):
    torch.manual_seed(3)
    source = build_csd_model(TINY_VIT, TINY_EMBED).eval()
    checkpoint = tmp_path / "checkpoint.pth"
    _released_style_checkpoint(source, checkpoint)
    assert b"numpy.core.multiarray" in checkpoint.read_bytes()

    extractor = TinyArchitectureCsd(checkpoint=checkpoint, batch_size=2)
    records = extractor.extract(items_for(images[:3]))
    arrays = [np.asarray(Image.open(p).convert("RGB")) for p in images[:3]]
    with torch.no_grad():
        expected = source(torch.stack([preprocess(a, TINY_VIT["image_size"]) for a in arrays])).numpy()
    np.testing.assert_allclose(np.stack([r.arrays["embedding"] for r in records]), expected, atol=1e-5)
    fingerprint = extractor.fingerprint()
    assert fingerprint.model_id == str(checkpoint) and len(fingerprint.weights_sha256) == 64


def test_safetensors_checkpoint_without_prefix_loads(tmp_path, images):
    from safetensors.torch import save_file

    torch.manual_seed(4)
    source = build_csd_model(TINY_VIT, TINY_EMBED).eval()
    path = tmp_path / "csd.safetensors"
    save_file({k: v.contiguous() for k, v in source.state_dict().items()}, str(path))
    vector = TinyArchitectureCsd(checkpoint=path).extract(items_for(images[:1]))[0].arrays["embedding"]
    with torch.no_grad():
        expected = source(preprocess(np.asarray(Image.open(images[0]).convert("RGB")), 32)[None]).numpy()[0]
    np.testing.assert_allclose(vector, expected, atol=1e-5)


def test_checkpoint_of_another_architecture_is_a_clear_error(tmp_path, images):
    path = tmp_path / "other.pth"
    torch.save({"model_state_dict": {"module.backbone.conv1.weight": torch.zeros(1)}}, path)
    with pytest.raises(DataError, match="not a CSD ViT checkpoint"):
        TinyArchitectureCsd(checkpoint=path).extract(items_for(images[:1]))
    (tmp_path / "garbage.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(DataError, match="cannot read CSD checkpoint"):
        TinyArchitectureCsd(checkpoint=tmp_path / "garbage.pth").extract(items_for(images[:1]))


def test_missing_weights_offline_name_hub_id_file_and_path(tmp_path, monkeypatch):
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path))
    with pytest.raises(MissingWeightsError) as caught:
        CsdExtractor().fingerprint()
    message = str(caught.value)
    assert "tomg-group-umd/CSD-ViT-L" in message and "pytorch_model.bin" in message
    assert str(tmp_path / "weights" / "csd-vit-l" / "pytorch_model.bin") in message
    with pytest.raises(MissingWeightsError, match="does not exist"):
        CsdExtractor(checkpoint=tmp_path / "nowhere.pth").fingerprint()


def test_registered_in_the_sets():
    assert EXTRACTOR_SETS["default"]["style-embedding"] == "csd"
    assert EXTRACTOR_SETS["tiny"]["style-embedding"] == "tiny-csd"
    assert EXTRACTORS.get("csd") is CsdExtractor and EXTRACTORS.get("tiny-csd") is TinyCsdExtractor


def test_half_precision_is_autocast_over_float32_weights(images):
    """As CSD's own code: weights stay float32 and autocast picks the precision per op, so layer norms and
    softmax stay float32; a model cast to half would differ. Checked on CPU with bfloat16 (CPU autocast)."""
    import torch

    full = TinyCsdExtractor(device="cpu")
    mixed = TinyCsdExtractor(device="cpu", dtype="bfloat16")
    reference = np.stack([r.arrays["embedding"] for r in full.extract(items_for(images))])
    vectors = np.stack([r.arrays["embedding"] for r in mixed.extract(items_for(images))])
    assert {p.dtype for p in mixed.model.parameters()} == {torch.float32}
    cosine = (reference * vectors).sum(axis=1)
    assert cosine.min() > 0.99 and np.abs(reference - vectors).max() > 1e-6  # reduced precision, same vectors
    assert mixed.fingerprint().dtype == "autocast-bfloat16" and full.fingerprint().dtype == "float32"
    assert mixed.fingerprint().digest != full.fingerprint().digest  # the cache never mixes the two
