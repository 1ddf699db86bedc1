"""srpo / mixgrpo / dancegrpo: a bare transformer state dict (no config.json) loads onto the base's transformer
config; the registry entries name their hub repos; offline, the error says what to fetch."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")

from divgenbench.errors import ConfigError, MissingWeightsError  # noqa: E402
from divgenbench.generators import GENERATORS, GenerationSettings  # noqa: E402
from divgenbench.generators.flux import BARE, checkpoint_format  # noqa: E402
from divgenbench.generators.tiny_flux import build_tiny_flux_pipeline  # noqa: E402

pytestmark = pytest.mark.slow
SETTINGS = GenerationSettings(batch_size=1, dtype="float32", num_inference_steps=2, resolution=32, device="cpu")


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """A saved tiny base, and its transformer perturbed and saved as a bare state dict (SRPO's layout)."""
    from safetensors.torch import save_file

    root = tmp_path_factory.mktemp("public")
    pipe = build_tiny_flux_pipeline(dtype="float32")
    pipe.save_pretrained(root / "base")
    generator = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for parameter in pipe.transformer.parameters():
            parameter.add_(0.05 * torch.randn(parameter.shape, generator=generator))
    state = {k: v.contiguous() for k, v in pipe.transformer.state_dict().items()}
    (root / "srpo").mkdir()
    save_file(state, root / "srpo" / "diffusion_pytorch_model.safetensors")
    save_file(state, root / "single.safetensors")
    wrong = dict(state)
    wrong.pop(next(iter(wrong)))
    (root / "wrong").mkdir()
    save_file(wrong, root / "wrong" / "diffusion_pytorch_model.safetensors")
    return root, state


@pytest.mark.parametrize("name", ["srpo", "mixgrpo", "dancegrpo"])
def test_bare_state_dict_is_detected_and_loaded_onto_the_base(bare, name):
    root, state = bare
    for checkpoint in (root / "srpo", root / "single.safetensors"):
        assert checkpoint_format(checkpoint)[0] == BARE  # not taken for a LoRA any more
        generator = GENERATORS.get(name)(SETTINGS, {"base": str(root / "base"), "checkpoint": str(checkpoint),
                                                    "max_sequence_length": "64"})
        generator.load()
        loaded = generator.pipe.transformer.state_dict()
        assert all(torch.equal(loaded[k], v) for k, v in state.items())
        described = generator.describe()
        assert described["checkpoint_format"] == BARE and described["kind"] == "public-checkpoint"


def test_a_state_dict_for_another_architecture_is_one_clear_error(bare):
    root, _ = bare
    generator = GENERATORS.get("srpo")(SETTINGS, {"base": str(root / "base"), "checkpoint": str(root / "wrong")})
    with pytest.raises(ConfigError, match="not a state dict of the base's FluxTransformer2DModel"):
        generator.load()


def test_registry_entries_name_their_hub_repos_and_fail_offline_with_the_repo():
    from divgenbench.generators.public import PublicCheckpointGenerator

    repos = {name: GENERATORS.get(name).checkpoint_hub_id for name in ("srpo", "mixgrpo", "dancegrpo")}
    assert repos == {"srpo": "tencent/SRPO", "mixgrpo": "tulvgengenr/MixGRPO",
                     "dancegrpo": "xzyhku/flux_hpsv2.1_dancegrpo"}
    generator = GENERATORS.get("srpo")(SETTINGS, {})
    assert isinstance(generator, PublicCheckpointGenerator) and generator.checkpoint == "tencent/SRPO"
    assert generator.describe()["revision_pinned"] is False
    with pytest.raises(MissingWeightsError, match="tencent/SRPO"):
        generator.load()
