"""Conformance kit for guidance methods: every method's test calls ``check_method`` (issue 11 item 9).

``combine`` must be a pure per-step function: same inputs → same output, inputs untouched, output of the
predictions' shape and dtype, each image of the batch independent of the others (batch invariance), finite
for finite inputs at every step and noise level; its args refuse NaN; its registry entry resolves in a
fresh process. The helpers below run a method through the ``guided`` generator on tiny FLUX transformers
(different ``weights_seed`` = different transformers) to compare its images with one model's, byte for byte.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from divgenbench.errors import ConfigError
from divgenbench.generators import GENERATORS, GenerationSettings, ImageRequest
from divgenbench.guidance.base import GuidanceMethod
from divgenbench.protocol import image_seed

NUM_STEPS = 4
REQUESTS = [ImageRequest(f"p{i}", "id", text, 0, image_seed("divgenbench-v1", f"p{i}", 0))
            for i, text in enumerate(["a red apple", "an old sailor"])]
SETTINGS = GenerationSettings(batch_size=2)


def pixels(generator) -> list[np.ndarray]:
    return [np.asarray(image) for image in generator.generate(REQUESTS)]


def same_images(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def guided(method: str, base_seed: int, other_seeds: list[int], **method_args: object):
    """The ``guided`` generator: ``method`` on tiny-flux (weights ``base_seed``) with tiny-flux others."""
    others = "+".join(f"tiny-flux@weights_seed={seed}" for seed in other_seeds)
    return GENERATORS.get("guided")(SETTINGS, {"method": method, "base": f"tiny-flux@weights_seed={base_seed}",
                                               "others": others, **{k: str(v) for k, v in method_args.items()}})


def tiny_flux_pixels(seed: int) -> list[np.ndarray]:
    """Images of tiny-flux with weights ``seed``, unguided."""
    return pixels(GENERATORS.get("tiny-flux")(SETTINGS, {"weights_seed": str(seed)}))


def transformer_alone_pixels(base_seed: int, transformer_seed: int) -> list[np.ndarray]:
    """Images of the ``base_seed`` pipeline with its transformer swapped for the ``transformer_seed`` one: what
    a method that returns the other model's prediction must reproduce byte for byte."""
    other = GENERATORS.get("tiny-flux")(SETTINGS, {"weights_seed": str(transformer_seed)})
    other.load()
    swapped = GENERATORS.get("tiny-flux")(SETTINGS, {"weights_seed": str(base_seed)})
    swapped.load()
    swapped.pipe = type(swapped.pipe)(**{**swapped.pipe.components, "transformer": other.pipe.transformer})
    swapped.pipe.set_progress_bar_config(disable=True)
    return pixels(swapped)


def predictions(count: int, batch: int = 3, seed: int = 0) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(batch, 16, 8, generator=generator, dtype=torch.float64) for _ in range(count)]


def check_pure_and_shaped(method: GuidanceMethod, count: int) -> None:
    inputs = predictions(count)
    copies = [p.clone() for p in inputs]
    for step in range(NUM_STEPS):
        t = 1.0 - step / NUM_STEPS
        out = method.combine(inputs, t, step, NUM_STEPS)
        assert out.shape == inputs[0].shape and out.dtype == inputs[0].dtype
        assert torch.isfinite(out).all()
        assert torch.equal(out, method.combine(copies, t, step, NUM_STEPS))
        assert all(torch.equal(a, b) for a, b in zip(inputs, copies)), "combine changed its inputs"


def check_batch_invariance(method: GuidanceMethod, count: int) -> None:
    inputs = predictions(count)
    whole = method.combine(inputs, 0.5, 1, NUM_STEPS)
    for i in range(inputs[0].shape[0]):
        single = method.combine([p[i:i + 1] for p in inputs], 0.5, 1, NUM_STEPS)
        assert torch.allclose(single, whole[i:i + 1], rtol=0, atol=1e-12)


def check_args_refuse_nan(method_cls: type[GuidanceMethod]) -> None:
    numeric = [k for k, f in method_cls.Args.model_fields.items() if f.annotation in (float, "float")]
    for key in numeric:
        with pytest.raises(ConfigError, match=key):
            method_cls.from_model_args({key: "nan"})
    with pytest.raises(ConfigError, match="does not take"):
        method_cls.from_model_args({"no_such_arg": "1"})


def check_registered_in_fresh_process(name: str, setup: str = "") -> None:
    code = (f"{setup}\nfrom divgenbench.guidance import GUIDANCE\nfrom divgenbench.guidance.base import GuidanceMethod\n"
            f"cls = GUIDANCE.get({name!r})\nassert issubclass(cls, GuidanceMethod) and cls.name == {name!r}\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def check_method(method_cls: type[GuidanceMethod], *, registered_as: str | None = None, setup: str = "") -> None:
    """Every check, on the method with its default args and ``min_others`` other predictions."""
    method = method_cls()
    count = 1 + method_cls.min_others
    check_pure_and_shaped(method, count)
    check_batch_invariance(method, count)
    check_args_refuse_nan(method_cls)
    if registered_as is not None:
        check_registered_in_fresh_process(registered_as, setup)
