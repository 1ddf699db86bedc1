"""HPS-v2.1 on its tiny twin (open_clip CLIP at toy size) and through the real checkpoint-loading path."""

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
    check_towers,
    sample_images,
)

from divgenbench.errors import DataError, MissingWeightsError
from divgenbench.quality import QUALITY, load_scorer
from divgenbench.quality.hps import TINY_CLIP, HpsScorer, TinyHpsScorer

pytestmark = pytest.mark.slow


class TinyArchitectureHps(HpsScorer):
    """The real checkpoint-loading scorer, pointed at the tiny architecture."""

    name = "tiny-arch-hps"
    config = TINY_CLIP


@pytest.fixture(scope="module")
def tiny() -> TinyHpsScorer:
    return load_scorer("tiny-hps-v2.1", device="cpu")


def test_registered_with_its_tiny_twin():
    assert QUALITY.get("hps-v2.1") is HpsScorer and QUALITY.get("tiny-hps-v2.1") is TinyHpsScorer


def test_scores_are_cosines_that_vary(tiny):
    check_scores_in_range_and_vary(tiny)


def test_batch_size_does_not_change_scores():
    check_batch_size_invariance(lambda **kw: TinyHpsScorer(device="cpu", **kw))


def test_score_equals_reward_and_gradients_reach_pixels(tiny):
    check_score_equals_reward_and_gradient(tiny)


def test_towers_are_unit_vectors_whose_cosine_is_the_reward(tiny):
    check_towers(tiny, TINY_CLIP["embed_dim"])


def test_extract_gives_one_record_per_image(tiny, tmp_path):
    check_extract_records(tiny, tmp_path)


def test_fingerprint_is_stable_and_marked_smoke():
    check_fingerprint(lambda: TinyHpsScorer(device="cpu"))


def test_prompts_are_truncated_to_77_tokens(tiny):
    tokens = tiny.tokenizer([PROMPTS[3]])
    assert tokens.shape == (1, 77) and int(tokens[0, -1]) == tiny.tokenizer.eot_token_id


def test_released_checkpoint_layout_loads_to_the_same_scores(tiny, tmp_path):
    """fp16 tensors under ``state_dict`` with DataParallel's ``module.`` prefix, as the authors save them."""
    state = {f"module.{k}": v.half() for k, v in tiny.model.state_dict().items()}
    path = tmp_path / "HPS_v2.1_compressed.pt"
    torch.save({"state_dict": state}, path)
    loaded = TinyArchitectureHps(checkpoint=path, device="cpu")
    images = sample_images()
    np.testing.assert_allclose(loaded.score(images, PROMPTS), tiny.score(images, PROMPTS), atol=2e-3)
    assert loaded.fingerprint().model_id == str(path)


def test_checkpoint_of_another_architecture_is_a_clear_error(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"state_dict": {"visual.conv1.weight": torch.zeros(3)}}, path)
    with pytest.raises(DataError, match="not a HPS-v2.1 checkpoint"):
        TinyArchitectureHps(checkpoint=path, device="cpu").score(sample_images()[:1], PROMPTS[:1])


def test_missing_weights_name_hub_file_and_place():
    with pytest.raises(MissingWeightsError) as error:
        HpsScorer(device="cpu").score(sample_images()[:1], PROMPTS[:1])
    message = error.value.one_line()
    assert "xswu/HPSv2" in message and "HPS_v2.1_compressed.pt" in message and "models download hps-v2.1" in message


def test_cli_download_offline_is_one_line_naming_the_file(tmp_path):
    """``models download hps-v2.1`` offline: exit 2 and one line naming hub repo, file and place, no traceback."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DIVGENBENCH_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    result = subprocess.run([sys.executable, "-m", "divgenbench", "models", "download", "hps-v2.1"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    output = result.stderr + result.stdout
    assert "xswu/HPSv2" in output and "HPS_v2.1_compressed.pt" in output


def test_passes_the_conformance_kit(tmp_path):
    check_scorer(lambda: TinyHpsScorer(device="cpu"), tmp_path, registered_as="tiny-hps-v2.1")
