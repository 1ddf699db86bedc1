"""Checks every torch quality scorer must pass on its tiny twin (each test module calls them for its scorer)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from divgenbench.extractors.base import ImageItem
from divgenbench.quality import DifferentiableScorer

PROMPTS = ["a red apple on a table", "a portrait photo of an old man", "a red apple on a table",
           "an impressionist painting of a harbour at dusk " * 12, ""]  # a repeat, one over 77 tokens, an empty one


def sample_images(seed: int = 0) -> list[np.ndarray]:
    """Five uint8 images of mixed sizes and aspect ratios, one exactly square at 224."""
    rng = np.random.default_rng(seed)
    shapes = [(224, 224), (96, 160), (300, 200), (224, 224), (64, 64)]
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in shapes]


def as_pixels(images: list[np.ndarray]) -> torch.Tensor:
    """Same-size uint8 images → (B, 3, H, W) float pixels in [0, 1]."""
    return torch.stack([torch.from_numpy(np.array(a)).permute(2, 0, 1).float() / 255 for a in images])


def check_scores_in_range_and_vary(scorer) -> np.ndarray:
    values = scorer.score(sample_images(), PROMPTS)
    low, high = scorer.info.range
    assert values.shape == (len(PROMPTS),) and values.dtype == np.float64
    assert np.all(np.isfinite(values)) and np.all((values >= low) & (values <= high))
    assert np.ptp(values) > 1e-4  # different images and prompts, different scores
    return values


def check_batch_size_invariance(make_scorer) -> None:
    images = sample_images()
    together = make_scorer(batch_size=16).score(images, PROMPTS)
    alone = make_scorer(batch_size=1).score(images, PROMPTS)
    np.testing.assert_allclose(together, alone, atol=1e-5)


def check_score_equals_reward_and_gradient(scorer) -> None:
    images = [a for a in sample_images(1)]
    same_size = [images[0], images[3]]  # the two 224×224 ones
    resized = [np.asarray(Image.fromarray(a).resize((256, 192))) for a in images[:3]]
    for batch in (same_size, resized):
        prompts = PROMPTS[:len(batch)]
        pixels = as_pixels(batch).requires_grad_(True)
        reward = scorer.reward(pixels, prompts)
        np.testing.assert_allclose(reward.detach().double().numpy(), scorer.score(batch, prompts), atol=1e-4)
        reward.sum().backward()
        assert pixels.grad is not None and torch.isfinite(pixels.grad).all()
        assert pixels.grad.abs().sum() > 0


def check_towers(scorer, dim: int) -> None:
    """``encode_image`` / ``encode_text`` are unit vectors whose cosine is the reward."""
    assert isinstance(scorer, DifferentiableScorer)
    batch = [sample_images(2)[0], sample_images(2)[3]]
    pixels = as_pixels(batch)
    image, text = scorer.encode_image(pixels), scorer.encode_text(PROMPTS[:2])
    assert image.shape == (2, dim) and text.shape == (2, dim)
    np.testing.assert_allclose(image.norm(dim=-1).detach().numpy(), 1.0, atol=1e-5)
    np.testing.assert_allclose(text.norm(dim=-1).detach().numpy(), 1.0, atol=1e-5)
    np.testing.assert_allclose((image * text).sum(-1).detach().numpy(),
                               scorer.reward(pixels, PROMPTS[:2]).detach().numpy(), atol=1e-5)


def check_extract_records(scorer, tmp_path: Path) -> None:
    """Per-image records through the extractor contract; an unreadable file is a record, not an exception."""
    paths = []
    for i, array in enumerate(sample_images()[:3]):
        paths.append(tmp_path / f"{i}.png")
        Image.fromarray(array).save(paths[-1])
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    paths.insert(1, broken)
    items = [ImageItem(f"k{i}", p, f"sha{i}", "id", f"id-{i}", text=PROMPTS[0]) for i, p in enumerate(paths)]
    records = scorer.extract(items)
    assert [r.ok for r in records] == [True, False, True, True]
    expected = scorer.score([np.asarray(Image.open(p).convert("RGB")) for p in paths if p != broken],
                            [PROMPTS[0]] * 3)
    np.testing.assert_allclose([float(r.arrays["score"]) for r in records if r.ok], expected, atol=1e-6)


def check_fingerprint(make_scorer) -> None:
    a, b = make_scorer().fingerprint(), make_scorer().fingerprint()
    assert a == b and a.smoke and a.weights_sha256 and a.feature == "quality"
    assert a.preprocessing["scale"] == make_scorer().info.scale
    assert type(a).model_validate_json(a.model_dump_json()) == a  # reads back from a results file unchanged
