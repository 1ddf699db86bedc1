"""The recipe config (Table 3 defaults, strict keys), training prompts, and `divgenbench train d2align`."""

from __future__ import annotations

import json

import pytest
import yaml

from divgenbench.errors import ConfigError, DataError
from divgenbench.training.checkpoints import recipe_digest
from divgenbench.training.config import TrainConfig, load_config, parse_config
from divgenbench.training.prompts import read_prompt_file
from train_helpers import REPO


def test_the_flux_example_is_table_3():
    config = load_config(REPO / "examples" / "d2align_flux.yaml")
    assert config.model_dump(exclude={"checkpoint_every", "monitor", "model", "prompts"}) == \
        TrainConfig().model_dump(exclude={"checkpoint_every", "monitor", "model", "prompts"})  # all defaults
    o, s = config.optim, config.sampling
    assert (config.seed, s.resolution, s.steps, s.shift, s.train_guidance, config.model.dtype) == \
        (42, 720, 25, 3.0, 1.0, "bfloat16")
    assert (o.lr, o.weight_decay, o.max_grad_norm, o.gradient_accumulation, o.batch_size) == (5e-6, 1e-4, 0.1, 2, 1)
    assert config.gradient_checkpointing and config.reward.omega == 1.5 and config.reward.name == "hps-v2.1"
    assert load_config(REPO / "examples" / "d2align_tiny.yaml").reward.name == "tiny-hps-v2.1"


def test_unknown_keys_and_bad_values_are_one_line_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"optim\.learning_rate: Extra inputs are not permitted"):
        parse_config({"optim": {"learning_rate": 1e-5}})
    with pytest.raises(ConfigError, match="not a multiple of 16"):
        parse_config({"sampling": {"resolution": 100}})
    bad = tmp_path / "bad.yaml"
    bad.write_text("optim: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.yaml")


def test_the_recipe_digest_ignores_length_and_frequencies_only():
    base = parse_config({})
    assert recipe_digest(base) == recipe_digest(parse_config({"stage1": {"steps": 9}, "checkpoint_every": 3}))
    assert recipe_digest(base) != recipe_digest(parse_config({"optim": {"lr": 1e-5}}))


def test_prompt_files_in_three_layouts(tmp_path):
    (tmp_path / "p.txt").write_text("a cat\n\n a dog \n")
    (tmp_path / "p.json").write_text(json.dumps([{"prompt": "a cat", "image_path": ["x.jpg"]}, "a dog"]))
    (tmp_path / "p.jsonl").write_text('{"prompt": "a cat"}\n{"prompt": "a dog"}\n')
    for name in ("p.txt", "p.json", "p.jsonl"):
        assert read_prompt_file(tmp_path / name) == ["a cat", "a dog"]
    (tmp_path / "bad.json").write_text('[{"caption": "no prompt field"}]')
    with pytest.raises(DataError, match="no prompt text"):
        read_prompt_file(tmp_path / "bad.json")


@pytest.mark.slow
def test_train_command_runs_both_stages_and_writes_b_v(tmp_path):
    import subprocess
    import sys

    from train_helpers import TINY_PROMPTS

    (tmp_path / "prompts.txt").write_text("\n".join(TINY_PROMPTS))
    config = yaml.safe_load((REPO / "examples" / "d2align_tiny.yaml").read_text())
    config.update(prompts={"path": str(tmp_path / "prompts.txt")}, sampling={"resolution": 32, "steps": 2},
                  stage1={"steps": 2}, stage2={"steps": 1})
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(config))
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "divgenbench", "train", "d2align", "--config",
                           str(tmp_path / "tiny.yaml"), "--output", str(tmp_path / "out"), "-q"],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "out" / "b_v.safetensors").exists() and (tmp_path / "out" / "transformer").is_dir()
    assert "stage2: 1 steps" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "divgenbench", "train", "d2align", "--config",
                          str(tmp_path / "none.yaml"), "--output", str(tmp_path / "x")],
                         capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "does not exist" in bad.stderr
