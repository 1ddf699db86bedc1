"""D2-Align on tiny FLUX + a tiny reward: stage isolation, cached == fresh, loss goes down, exact resume."""

from __future__ import annotations

import copy

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("accelerate")

from divgenbench.training import loop  # noqa: E402
from divgenbench.training.guided_reward import ReasoningDirection, guided_cosine  # noqa: E402
from divgenbench.training.log import read_log  # noqa: E402
from divgenbench.training.stages import STAGE_DIRECTION, STAGE_GENERATOR  # noqa: E402
from train_helpers import tiny_config  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_pipe():
    from divgenbench.generators.tiny_flux import build_tiny_flux_pipeline

    return build_tiny_flux_pipeline(0, "float64")


@pytest.fixture
def trainer_on(make_trainer, tiny_pipe):
    """A trainer on a private copy of the tiny pipeline (training changes its transformer)."""
    def build(config, name="run", **options):
        return make_trainer(config, name, pipe=copy.deepcopy(tiny_pipe), **options)

    return build


def weights(module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def test_stage1_trains_only_the_direction(trainer_on, tiny_pipe):
    trainer = trainer_on(tiny_config())
    direction, _ = trainer.train_direction()
    after = trainer.pipe.transformer.state_dict()
    assert all(torch.equal(v, after[k]) for k, v in tiny_pipe.transformer.state_dict().items())
    assert direction.b_v.abs().sum() > 0
    assert torch.equal(ReasoningDirection.load(trainer.output).b_v, direction.b_v)


@pytest.mark.parametrize("mode", ["full", "lora"])
def test_stage2_trains_the_generator_and_leaves_the_direction(trainer_on, tiny_pipe, mode):
    trainer = trainer_on(tiny_config(stage1={"steps": 1}, stage2={"steps": 1, "mode": mode, "lora_rank": 4,
                                                                   "lora_alpha": 4.0}))
    direction, _ = trainer.train_direction()
    saved = (trainer.output / "b_v.safetensors").read_bytes()
    trainer.train_generator(direction)
    assert (trainer.output / "b_v.safetensors").read_bytes() == saved
    before = tiny_pipe.transformer.state_dict()
    changed = [k for k, v in trainer.pipe.transformer.state_dict().items() if k in before and not torch.equal(v, before[k])]
    lora = [k for k, v in trainer.pipe.transformer.named_parameters() if "lora_B" in k and v.abs().sum() > 0]
    assert (changed if mode == "full" else lora), f"stage 2 ({mode}) changed no generator weight"
    written = trainer.output / ("transformer" if mode == "full" else "pytorch_lora_weights.safetensors")
    assert written.exists()


def test_cached_and_fresh_sampling_give_the_same_direction_gradient(trainer_on):
    trainer = trainer_on(tiny_config(stage1={"steps": 1}))
    cached = trainer.stage1_cache(0, 1)[0, 0]
    with torch.no_grad():
        fresh = trainer.embeddings(trainer.pipe.transformer, trainer.micro_indices(0, 0), STAGE_DIRECTION)
    grads = []
    for e_img, e_text in (cached, fresh):
        b_v = torch.full((e_img.shape[1],), 0.1, dtype=e_img.dtype, requires_grad=True)
        (-guided_cosine(e_img, e_text, b_v, 1.5).mean()).backward()
        grads.append(b_v.grad)
    assert grads[0].abs().sum() > 0 and torch.equal(grads[0], grads[1])
    other = trainer_on(tiny_config(stage1={"steps": 2, "sampling": "fresh"}), "fresh").train_direction()[0]
    same = trainer_on(tiny_config(stage1={"steps": 2, "sampling": "cached"}), "cached").train_direction()[0]
    assert torch.equal(other.b_v, same.b_v)


def mean_guided_reward(trainer, transformer, direction, indices, stage):
    with torch.no_grad():
        e_img, e_text = trainer.embeddings(transformer, indices, stage)
        return float(guided_cosine(e_img, e_text, direction.b_v, direction.omega).mean())


def test_a_fixed_seed_tiny_run_lowers_its_loss(trainer_on):
    config = tiny_config(stage1={"steps": 6}, stage2={"steps": 2}, optim={"lr": 1e-3, "gradient_accumulation": 2})
    trainer = trainer_on(config)
    direction, _ = trainer.train_direction()
    zero = ReasoningDirection(torch.zeros_like(direction.b_v), direction.omega, direction.identity)
    # stage 1: the learned b_v gives a higher R_guided (lower loss) than b_v = 0 on the pairs it trained on
    trained_pairs = [i for step in range(6) for micro in range(2) for i in trainer.micro_indices(step, micro)]
    frozen = trainer.pipe.transformer
    assert (mean_guided_reward(trainer, frozen, direction, trained_pairs, STAGE_DIRECTION)
            > mean_guided_reward(trainer, frozen, zero, trained_pairs, STAGE_DIRECTION))
    # stage 2: on the samples it trained on, the trained generator's R_guided beats the base's
    base = copy.deepcopy(trainer.pipe.transformer)
    trainer.train_generator(direction)
    trained = [i for step in range(2) for micro in range(2) for i in trainer.micro_indices(step, micro)]
    assert (mean_guided_reward(trainer, trainer.pipe.transformer, direction, trained, STAGE_GENERATOR)
            > mean_guided_reward(trainer, base, direction, trained, STAGE_GENERATOR))
    rows = read_log(trainer.output / "train_log.csv")
    assert {r["metric"] for r in rows} >= {"loss", "reward", "guided_reward", "grad_norm", "lr", "step_time_s",
                                           "peak_memory_mb"}


class Interrupted(Exception):
    pass


def test_resume_continues_bit_exactly(trainer_on, monkeypatch):
    config = tiny_config(stage1={"steps": 3}, stage2={"steps": 3}, checkpoint_every=1)
    whole = trainer_on(config, "whole")
    whole.run("all")

    real_save = loop.save_checkpoint
    saves = []

    def save_then_crash(accelerator, output, stage, step, cfg, **kw):
        real_save(accelerator, output, stage, step, cfg, **kw)
        saves.append((stage, step))
        if (stage, step) in {(1, 2), (2, 2)}:
            raise Interrupted

    monkeypatch.setattr(loop, "save_checkpoint", save_then_crash)
    for _ in range(2):  # crash in stage 1, then in stage 2
        with pytest.raises(Interrupted):
            trainer_on(config, "resumed").run("all")
    trainer_on(config, "resumed").run("all")
    assert saves == [(1, 1), (1, 2), (2, 1), (2, 2)], "each run should resume after the last checkpoint"
    resumed = whole.output.parent / "resumed"
    assert torch.equal(ReasoningDirection.load(whole.output).b_v, ReasoningDirection.load(resumed).b_v)
    from safetensors.torch import load_file

    a = load_file(whole.output / "transformer" / "diffusion_pytorch_model.safetensors")
    b = load_file(resumed / "transformer" / "diffusion_pytorch_model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    rows = [(r["stage"], r["step"], r["metric"]) for r in read_log(resumed / "train_log.csv")]
    assert rows == [(r["stage"], r["step"], r["metric"]) for r in read_log(whole.output / "train_log.csv")]


@pytest.mark.parametrize("mode", ["full", "lora"])
def test_the_output_loads_for_evaluation_on_the_recorded_base(trainer_on, mode):
    from divgenbench.generators import GENERATORS, GenerationSettings

    config = tiny_config(stage1={"steps": 1}, stage2={"steps": 1, "mode": mode, "lora_rank": 4, "lora_alpha": 8.0})
    trainer = trainer_on(config)
    trainer.run("all")
    trained = trainer.pipe.transformer
    if mode == "lora":
        trained.fuse_lora(lora_scale=1.0)
    expected = {k.replace(".base_layer", ""): v for k, v in trained.state_dict().items() if "lora_" not in k}
    settings = GenerationSettings(batch_size=1, dtype="float64", num_inference_steps=2, resolution=32, device="cpu")
    generator = GENERATORS.get("flux-d2align")(settings, {"checkpoint": str(trainer.output)})
    generator.load()
    described = generator.describe()
    assert described["recorded_base"] == {"generator": "tiny-flux", "weights_seed": 0}
    assert described["checkpoint_format"] == ("full" if mode == "full" else "lora")
    loaded = generator.pipe.transformer.state_dict()
    assert loaded.keys() == expected.keys()
    for key, value in expected.items():
        torch.testing.assert_close(loaded[key], value, rtol=1e-10, atol=1e-12, msg=key)
