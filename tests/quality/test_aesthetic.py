"""Aesthetic Predictor v2.5 on its tiny twin (SigLIP vision + v2.5 head) and through the pinned-weights path."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from conformance import check_scorer
from scorer_helpers import (
    PROMPTS,
    check_batch_size_invariance,
    check_extract_records,
    check_fingerprint,
    check_score_equals_reward_and_gradient,
    check_scores_in_range_and_vary,
    sample_images,
)

from divgenbench import store
from divgenbench.errors import MissingWeightsError
from divgenbench.quality import QUALITY, load_scorer
from divgenbench.quality.aesthetic import (
    AESTHETIC_V25_HEAD,
    SIGLIP_SO400M,
    TINY_SIGLIP,
    AestheticScorer,
    TinyAestheticScorer,
)

pytestmark = pytest.mark.slow


class TinyArchitectureAesthetic(AestheticScorer):
    """The real weight-loading scorer, pointed at the tiny architecture."""

    name = "tiny-arch-aesthetic"
    vision = TINY_SIGLIP


@pytest.fixture(scope="module")
def tiny() -> TinyAestheticScorer:
    return load_scorer("tiny-aesthetic-v2.5", device="cpu")


def test_registered_with_its_tiny_twin():
    assert QUALITY.get("aesthetic-v2.5") is AestheticScorer
    assert QUALITY.get("tiny-aesthetic-v2.5") is TinyAestheticScorer


def test_scores_vary_with_the_image_not_the_prompt(tiny):
    values = check_scores_in_range_and_vary(tiny)
    images = sample_images()
    np.testing.assert_allclose(tiny.score(images, ["anything"] * len(images)), values, atol=1e-6)


def test_batch_size_does_not_change_scores():
    check_batch_size_invariance(lambda **kw: TinyAestheticScorer(device="cpu", **kw))


def test_score_equals_reward_and_gradients_reach_pixels(tiny):
    check_score_equals_reward_and_gradient(tiny)


def test_extract_gives_one_record_per_image(tiny, tmp_path):
    check_extract_records(tiny, tmp_path)


def test_fingerprint_is_stable_and_marked_smoke():
    check_fingerprint(lambda: TinyAestheticScorer(device="cpu"))


def test_released_file_layouts_load_to_the_tiny_twins_scores(tiny, tmp_path, monkeypatch, unpinned):
    """SigLIP as the hub's whole-``SiglipModel`` safetensors (``vision_model.`` keys, text tower beside it);
    the head as the authors' ``OrderedDict`` .pth, given as a local path."""
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path / "home"))
    unpinned(SIGLIP_SO400M.entry)
    encoder = {f"vision_model.{k}": v.contiguous() for k, v in tiny.model.encoder.state_dict().items()}
    encoder["text_model.embeddings.token_embedding.weight"] = torch.zeros(4, 4)
    SIGLIP_SO400M.local_path.parent.mkdir(parents=True)
    save_file(encoder, str(SIGLIP_SO400M.local_path))
    head_path = tmp_path / "aesthetic_predictor_v2_5.pth"
    torch.save(OrderedDict(tiny.model.head.state_dict()), head_path)
    loaded = TinyArchitectureAesthetic(head_checkpoint=head_path, device="cpu")
    images = sample_images()
    np.testing.assert_allclose(loaded.score(images, PROMPTS), tiny.score(images, PROMPTS), atol=1e-5)
    assert str(head_path) in loaded.fingerprint().model_id


def test_missing_head_names_the_pinned_url_sha256_and_place(tmp_path, monkeypatch):
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path))
    SIGLIP_SO400M.local_path.parent.mkdir(parents=True)
    SIGLIP_SO400M.local_path.write_bytes(b"")
    with pytest.raises(MissingWeightsError) as error:
        AestheticScorer(device="cpu").score(sample_images()[:1], PROMPTS[:1])
    message = error.value.one_line()
    assert AESTHETIC_V25_HEAD.url in message and AESTHETIC_V25_HEAD.sha256 in message
    assert str(AESTHETIC_V25_HEAD.local_path) in message and "models download aesthetic-v2.5-head" in message


def test_missing_local_head_is_a_clear_error(tmp_path):
    with pytest.raises(MissingWeightsError, match="does not exist"):
        AestheticScorer(head_checkpoint=tmp_path / "nope.pth", device="cpu").fingerprint()


def test_missing_encoder_names_the_hub_repo(tmp_path):
    head = tmp_path / "head.pth"
    head.write_bytes(b"a local head")
    with pytest.raises(MissingWeightsError, match="google/siglip-so400m-patch14-384"):
        AestheticScorer(head_checkpoint=head, device="cpu").fingerprint()


def test_url_weights_download_and_are_verified(tmp_path, monkeypatch):
    """The store fetches a URL-pinned file (a file:// URL here) and refuses one whose hash differs."""
    import hashlib

    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path / "home"))
    source = tmp_path / "head.pth"
    source.write_bytes(b"released head bytes")
    good = store.register_weight(store.WeightFile(
        "test-url-head", "github.com/example/repo", "head.pth", "0" * 40,
        hashlib.sha256(source.read_bytes()).hexdigest(), url=source.as_uri()))
    assert store.download(good.entry).read_bytes() == b"released head bytes"
    bad = store.register_weight(store.WeightFile(
        "test-url-head-wrong-hash", "github.com/example/repo", "head.pth", "0" * 40, "0" * 64,
        url=source.as_uri()))
    with pytest.raises(Exception, match="does not match the pinned sha256"):
        store.download(bad.entry)


def test_passes_the_conformance_kit(tmp_path):
    check_scorer(lambda: TinyAestheticScorer(device="cpu"), tmp_path, registered_as="tiny-aesthetic-v2.5")
