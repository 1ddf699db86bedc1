"""PickScore and CLIP score (transformers CLIPModel) on their tiny twins and through the pinned-weights path."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import torch
from open_clip.tokenizer import SimpleTokenizer
from safetensors.torch import save_file
from conformance import check_scorer
from scorer_helpers import (
    PROMPTS,
    check_batch_size_invariance,
    check_extract_records,
    check_fingerprint,
    check_score_equals_reward_and_gradient,
    check_scores_in_range_and_vary,
    check_towers,
    sample_images,
)
from transformers.modeling_outputs import BaseModelOutputWithPooling

from divgenbench import store
from divgenbench.errors import DataError, MissingWeightsError
from divgenbench.hashing import sha256_file
from divgenbench.quality import QUALITY, load_scorer
from divgenbench.quality.clipscore import TINY_VIT_L_14, ClipScoreScorer, TinyClipScoreScorer
from divgenbench.quality.hf_clip import projected
from divgenbench.quality.pickscore import TINY_VIT_H_14, PickScoreScorer, TinyPickScoreScorer

pytestmark = pytest.mark.slow

TWINS = {"pickscore": (PickScoreScorer, TinyPickScoreScorer, TINY_VIT_H_14),
         "clip-score": (ClipScoreScorer, TinyClipScoreScorer, TINY_VIT_L_14)}


@pytest.fixture(scope="module", params=sorted(TWINS))
def name(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def tiny(name):
    return load_scorer(f"tiny-{name}", device="cpu")


def test_registered_with_tiny_twins(name):
    real, twin, _ = TWINS[name]
    assert QUALITY.get(name) is real and QUALITY.get(f"tiny-{name}") is twin


def test_scores_are_cosines_that_vary(tiny):
    check_scores_in_range_and_vary(tiny)


def test_batch_size_does_not_change_scores(name):
    check_batch_size_invariance(lambda **kw: TWINS[name][1](device="cpu", **kw))


def test_score_equals_reward_and_gradients_reach_pixels(tiny):
    check_score_equals_reward_and_gradient(tiny)


def test_towers_are_unit_vectors_whose_cosine_is_the_reward(tiny, name):
    check_towers(tiny, TWINS[name][2]["projection_dim"])


def test_extract_gives_one_record_per_image(tiny, tmp_path):
    check_extract_records(tiny, tmp_path)


def test_fingerprint_is_stable_and_marked_smoke(name):
    check_fingerprint(lambda: TWINS[name][1](device="cpu"))


def test_features_accept_transformers_4_tensors_and_5_output_objects():
    vector = torch.arange(6.0).view(2, 3)
    assert projected(vector) is vector
    assert projected(BaseModelOutputWithPooling(last_hidden_state=None, pooler_output=vector)) is vector


def test_tokens_match_open_clip_and_are_cut_to_77(tiny):
    reference = SimpleTokenizer()
    prompts = ["A photo of a cat, it's  GREAT!", PROMPTS[3]]
    ids = tiny.tokenize(prompts)["input_ids"]
    assert ids.shape == (2, 77) and int(ids[1, -1]) == reference.eot_token_id
    expected = reference(prompts)
    assert torch.equal(ids[1], expected[1])
    length = int((expected[0] != 0).sum())
    assert torch.equal(ids[0, :length], expected[0, :length])


def write_pinned_files(real, state: dict) -> None:
    """The files the store entries point at: tiny weights and the OpenAI BPE in the hub's file formats."""
    model_entry, vocab_entry, merges_entry = (store.get_weight(e) for e in real.weight_entries)
    for entry in (model_entry, vocab_entry, merges_entry):
        entry.local_path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in state.items()}, str(model_entry.local_path))
    bpe = SimpleTokenizer()
    renamed = {"<start_of_text>": "<|startoftext|>", "<end_of_text>": "<|endoftext|>"}
    vocab_entry.local_path.write_text(json.dumps({renamed.get(k, k): v for k, v in bpe.encoder.items()}))
    merges = sorted(bpe.bpe_ranks, key=bpe.bpe_ranks.get)
    merges_entry.local_path.write_text("#version: 0.2\n" + "\n".join(" ".join(p) for p in merges) + "\n")


def test_pinned_files_load_to_the_tiny_twins_scores(name, tiny, tmp_path, monkeypatch, unpinned):
    real, _, config = TWINS[name]
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path))
    unpinned(*real.weight_entries)  # tiny weights and the bundled BPE stand where the pinned files would lie
    state = dict(tiny.model.state_dict())
    state["text_model.embeddings.position_ids"] = torch.arange(77)[None]  # old checkpoints carry it: ignored
    write_pinned_files(real, state)
    loaded = type("TinyArchitecture", (real,), {"name": f"tiny-arch-{name}", "config": config})(device="cpu")
    images = sample_images()
    np.testing.assert_allclose(loaded.score(images, PROMPTS), tiny.score(images, PROMPTS), atol=1e-6)
    files = [store.get_weight(entry).local_path for entry in real.weight_entries]  # model, vocab, merges
    combined = "\n".join(sha256_file(path) for path in files).encode()
    assert loaded.fingerprint().weights_sha256 == hashlib.sha256(combined).hexdigest()


def test_broken_tokenizer_file_is_a_clear_error(name, tmp_path, monkeypatch, unpinned):
    real, _, _ = TWINS[name]
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path))
    unpinned(*real.weight_entries)
    for entry in real.weight_entries[1:]:
        path = store.get_weight(entry).local_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("not json")
    with pytest.raises(DataError, match="CLIP tokenizer files"):
        real(device="cpu").tokenizer


def test_missing_weights_name_hub_file_and_place(name):
    real, _, _ = TWINS[name]
    hub_id = store.get_weight(real.weight_entries[0]).hub_id
    with pytest.raises(MissingWeightsError) as error:
        real(device="cpu").score(sample_images()[:1], PROMPTS[:1])
    message = error.value.one_line()
    assert hub_id in message and "model.safetensors" in message and "models download" in message


def test_passes_the_conformance_kit(name, tmp_path):
    check_scorer(lambda: TWINS[name][1](device="cpu"), tmp_path, registered_as=f"tiny-{name}")
