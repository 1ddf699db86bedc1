"""R_guided against hand-computed values, its special cases, gradients, and the saved b_v file."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from divgenbench.errors import ConfigError, DataError  # noqa: E402
from divgenbench.training.guided_reward import (GuidedReward, ReasoningDirection, guided_cosine,  # noqa: E402
                                                reward_identity)


def test_hand_computed_value():
    # e± = normalize((0, 1) ± (0.5, 0)) = (±1, 2)/√5; ẽ = e− + 1.5(e+ − e−) = (2, 2)/√5; cos with (1, 0) = 1/√2
    e_img = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    e_text = torch.tensor([[0.0, 1.0]], dtype=torch.float64)
    b_v = torch.tensor([0.5, 0.0], dtype=torch.float64)
    assert guided_cosine(e_img, e_text, b_v, 1.5).item() == pytest.approx(1 / math.sqrt(2), abs=1e-12)
    # ω = 0 gives cos with e− = (−1, 2)/√5: −1/√5
    assert guided_cosine(e_img, e_text, b_v, 0.0).item() == pytest.approx(-1 / math.sqrt(5), abs=1e-12)


def test_zero_direction_is_the_plain_reward_and_omega_one_is_e_plus():
    g = torch.Generator().manual_seed(0)
    e_img = torch.nn.functional.normalize(torch.randn(5, 8, generator=g, dtype=torch.float64), dim=-1)
    e_text = torch.nn.functional.normalize(torch.randn(5, 8, generator=g, dtype=torch.float64), dim=-1)
    plain = (e_img * e_text).sum(-1)
    assert torch.allclose(guided_cosine(e_img, e_text, torch.zeros(8, dtype=torch.float64), 1.5), plain,
                          atol=1e-12)
    b_v = torch.randn(8, generator=g, dtype=torch.float64)
    e_plus = torch.nn.functional.normalize(e_text + b_v, dim=-1)
    assert torch.allclose(guided_cosine(e_img, e_text, b_v, 1.0), (e_img * e_plus).sum(-1), atol=1e-12)


def test_one_value_per_row_differentiable_in_all_three():
    g = torch.Generator().manual_seed(1)
    tensors = [torch.randn(3, 4, generator=g, dtype=torch.float64, requires_grad=True) for _ in range(2)]
    b_v = (0.3 * torch.randn(4, generator=g, dtype=torch.float64)).requires_grad_(True)
    assert guided_cosine(tensors[0], tensors[1], b_v, 1.5).shape == (3,)
    assert torch.autograd.gradcheck(lambda a, b, c: guided_cosine(a, b, c, 1.5), (*tensors, b_v))


class _Scorer:
    name = "unit-test-reward"

    def encode_image(self, pixels):
        return torch.nn.functional.normalize(pixels.flatten(1)[:, :4], dim=-1)

    def encode_text(self, prompts):
        return torch.nn.functional.normalize(torch.tensor([[float(len(p)), 1.0, 0.0, 1.0] for p in prompts]), dim=-1)


def test_saved_direction_round_trips_and_refuses_another_reward(tmp_path):
    b_v = torch.tensor([0.1, -0.2, 0.3, 0.0])
    path = ReasoningDirection(b_v, 1.5, reward_identity(_Scorer()), {"steps": 3}).save(tmp_path / "b_v.safetensors")
    loaded = ReasoningDirection.load(tmp_path)
    assert torch.equal(loaded.b_v, b_v) and loaded.omega == 1.5 and loaded.provenance == {"steps": 3}
    assert loaded.identity == {"reward": "unit-test-reward"}
    with pytest.raises(ConfigError, match="learned with reward='unit-test-reward'"):
        ReasoningDirection.load(path, expect={"reward": "hps-v2.1"})
    (tmp_path / "bad.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(DataError, match="not a readable b_v"):
        ReasoningDirection.load(tmp_path / "bad.safetensors")


def test_plug_in_reward_for_another_trainers_images(tmp_path):
    scorer = _Scorer()
    b_v = torch.tensor([0.1, -0.2, 0.3, 0.0])
    ReasoningDirection(b_v, 1.5, reward_identity(scorer)).save(tmp_path / "b_v.safetensors")
    reward = GuidedReward.from_file(tmp_path / "b_v.safetensors", scorer)
    pixels = torch.rand(2, 3, 8, 8, requires_grad=True)
    values = reward(pixels, ["a cat", "a dog on a hill"])
    expected = guided_cosine(scorer.encode_image(pixels), scorer.encode_text(["a cat", "a dog on a hill"]), b_v, 1.5)
    assert torch.allclose(values, expected)
    values.sum().backward()
    assert pixels.grad is not None and pixels.grad.abs().sum() > 0
