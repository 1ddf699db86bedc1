"""ImageReward v1.0 on its tiny twin (timm ViT + BlipTextModel + MLP) and through the released-checkpoint path."""

from __future__ import annotations

import numpy as np
import pytest
import torch
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

from divgenbench.errors import DataError, MissingWeightsError
from divgenbench.quality import QUALITY, load_scorer
from divgenbench.quality.imagereward import (
    BERT_VOCAB,
    MAX_TOKENS,
    REWARD_MEAN,
    REWARD_STD,
    TINY_MED,
    TINY_VIT,
    ImageRewardScorer,
    TinyImageRewardScorer,
    toy_wordpiece_vocab,
)

pytestmark = pytest.mark.slow


class TinyArchitectureImageReward(ImageRewardScorer):
    """The real checkpoint-loading scorer, pointed at the tiny architecture."""

    name = "tiny-arch-imagereward"
    vit = TINY_VIT
    text = TINY_MED


@pytest.fixture(scope="module")
def tiny() -> TinyImageRewardScorer:
    return load_scorer("tiny-imagereward", device="cpu")


def test_registered_with_its_tiny_twin():
    assert QUALITY.get("imagereward") is ImageRewardScorer
    assert QUALITY.get("tiny-imagereward") is TinyImageRewardScorer


def test_scores_are_finite_and_vary(tiny):
    check_scores_in_range_and_vary(tiny)


def test_batch_size_does_not_change_scores():
    check_batch_size_invariance(lambda **kw: TinyImageRewardScorer(device="cpu", **kw))


def test_score_equals_reward_and_gradients_reach_pixels(tiny):
    check_score_equals_reward_and_gradient(tiny)


def test_extract_gives_one_record_per_image(tiny, tmp_path):
    check_extract_records(tiny, tmp_path)


def test_fingerprint_is_stable_and_marked_smoke():
    check_fingerprint(lambda: TinyImageRewardScorer(device="cpu"))


def test_released_scale_is_the_normalised_mlp_output(tiny):
    """The reward is (MLP([CLS]) − mean) / std, with the text reading the image through cross-attention."""
    images = sample_images()[:2]
    pixels = torch.cat([tiny.model_input(torch.from_numpy(a).permute(2, 0, 1)[None].float() / 255) for a in images])
    tokens = tiny.tokenizer(PROMPTS[:2], padding="max_length", truncation=True, max_length=MAX_TOKENS,
                            return_tensors="pt")
    blip = tiny.model.blip
    with torch.no_grad():
        image = blip.visual_encoder.forward_features(pixels)
        text = blip.text_encoder(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"],
                                 encoder_hidden_states=image, is_decoder=False).last_hidden_state[:, 0]
        raw = tiny.model.mlp.layers(text).squeeze(-1)
    assert tokens["input_ids"].shape == (2, MAX_TOKENS)
    np.testing.assert_allclose(tiny.score(images, PROMPTS[:2]), ((raw - REWARD_MEAN) / REWARD_STD).numpy(), atol=1e-5)


def test_released_checkpoint_layout_loads_to_the_same_scores(tiny, tmp_path, monkeypatch, unpinned):
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path / "home"))
    unpinned(BERT_VOCAB.entry)
    BERT_VOCAB.local_path.parent.mkdir(parents=True)
    BERT_VOCAB.local_path.write_text("\n".join(toy_wordpiece_vocab()) + "\n")
    state = dict(tiny.model.state_dict())
    state["blip.text_encoder.embeddings.position_ids"] = torch.arange(TINY_MED["max_position_embeddings"])[None]
    path = tmp_path / "ImageReward.pt"
    torch.save(state, path)
    loaded = TinyArchitectureImageReward(checkpoint=path, device="cpu")
    images = sample_images()
    np.testing.assert_allclose(loaded.score(images, PROMPTS), tiny.score(images, PROMPTS), atol=1e-5)


def test_a_pinned_file_with_other_bytes_is_refused_before_use(tmp_path, monkeypatch):
    """The real pin: a vocabulary file that is not the pinned one is a DataError naming pin and fix."""
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path))
    BERT_VOCAB.local_path.parent.mkdir(parents=True)
    BERT_VOCAB.local_path.write_text("\n".join(toy_wordpiece_vocab()))
    with pytest.raises(DataError, match=f"does not match the pinned sha256 {BERT_VOCAB.sha256}"):
        ImageRewardScorer(device="cpu").tokenizer


def test_a_file_that_is_not_a_bert_vocabulary_is_a_clear_error(tmp_path, monkeypatch, unpinned):
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path))
    unpinned(BERT_VOCAB.entry)
    BERT_VOCAB.local_path.parent.mkdir(parents=True)
    BERT_VOCAB.local_path.write_text("hello\nworld\n")
    with pytest.raises(DataError, match="not a BERT WordPiece vocabulary"):
        ImageRewardScorer(device="cpu").tokenizer


def test_missing_files_name_hub_file_and_place(tmp_path, monkeypatch, unpinned):
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path))
    with pytest.raises(MissingWeightsError, match="google-bert/bert-base-uncased.*vocab.txt"):
        ImageRewardScorer(device="cpu").score(sample_images()[:1], PROMPTS[:1])
    unpinned(BERT_VOCAB.entry)  # a toy vocabulary stands where the pinned one would lie
    BERT_VOCAB.local_path.parent.mkdir(parents=True)
    BERT_VOCAB.local_path.write_text("\n".join(toy_wordpiece_vocab()))
    with pytest.raises(MissingWeightsError) as error:
        ImageRewardScorer(device="cpu").score(sample_images()[:1], PROMPTS[:1])
    message = error.value.one_line()
    assert "THUDM/ImageReward" in message and "ImageReward.pt" in message
    assert "models download imagereward-v1.0" in message


def test_passes_the_conformance_kit(tmp_path):
    check_scorer(lambda: TinyImageRewardScorer(device="cpu"), tmp_path, registered_as="tiny-imagereward")
