"""The guidance plug-in contract: an inference-time method that combines denoiser predictions per step.

A method's core is one pure function, ``combine(predictions, t, step, num_steps)``: ``predictions[0]`` is the
base model's prediction for the batch at this step, ``predictions[1:]`` the other models' (or adapters') in
the order the user named them; it returns the prediction the sampler uses. Conventions:

- ``t`` is the noise level in [0, 1]: **1 is pure noise**, 0 the clean image (flow matching's sigma; a DDPM
  timestep divided by the scheduler's ``num_train_timesteps``). Methods that act early use large ``t``.
- ``step`` counts denoising steps from 0 to ``num_steps - 1`` (several calls at one timestep, as with true
  CFG, share a step).
- predictions have the denoiser's output shape and dtype; ``combine`` must not modify them in place.

:class:`GuidedDenoiser` makes any diffusers pipeline use a method without a class per (method, model) pair:
it stands in for ``pipe.transformer`` (FLUX, SD3) or ``pipe.unet`` (SD 1.5, SDXL), calls the base and every
other denoiser once on the whole batch with the same arguments, and returns the combination in the base's
output format. The ``guided`` generator (generators/guided.py) builds it from ``--model-args``.

An "other" is either a separate denoiser module or an :class:`AdapterBranch`: a peft adapter (a LoRA) loaded
unfused on the base denoiser itself. Then one set of weights serves both branches — the base runs with every
adapter switched off, the branch with only its adapter on — which for a 12B FLUX transformer is the
difference between one 24 GB copy in memory and two. Adapters are left switched off after every call, so the
shared denoiser outside the guided pipeline still computes the base.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from ..errors import ConfigError


class GuidanceArgs(BaseModel):
    """A method's own ``--model-args`` (unknown keys and NaN/inf refused); subclass it per method."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class GuidanceMethod(ABC):
    """Subclasses set ``name``, ``Args`` (a :class:`GuidanceArgs`) and ``min_others`` and implement ``combine``."""

    name: ClassVar[str]
    Args: ClassVar[type[GuidanceArgs]] = GuidanceArgs
    #: how many models besides the base the method combines (a "constant-mix" needs exactly one)
    min_others: ClassVar[int] = 1
    max_others: ClassVar[int | None] = 1

    def __init__(self, args: GuidanceArgs | None = None) -> None:
        self.args = args if args is not None else self.Args()

    @classmethod
    def from_model_args(cls, values: dict[str, str]) -> GuidanceMethod:
        """Parse the method's args from ``--model-args`` strings; errors name key, value and what is valid."""
        from ..generators.args import parse_args

        return cls(parse_args(cls.Args, values, f"guidance method {cls.name!r}"))

    @classmethod
    def check_others(cls, count: int) -> None:
        if count < cls.min_others or (cls.max_others is not None and count > cls.max_others):
            wanted = (f"exactly {cls.min_others}" if cls.max_others == cls.min_others
                      else f"at least {cls.min_others}" + (f" and at most {cls.max_others}" if cls.max_others else ""))
            raise ConfigError(f"guidance method {cls.name!r} combines {wanted} other model(s), got {count}",
                              "name them with --model-args others=A+B")

    @abstractmethod
    def combine(self, predictions: Sequence[Any], t: float, step: int, num_steps: int) -> Any:
        """The prediction to use at this step (see the module docstring for the conventions)."""

    def describe(self) -> dict[str, Any]:
        return {"method": self.name, "args": self.args.model_dump()}


@dataclass(frozen=True)
class AdapterBranch:
    """An "other" model that is the base denoiser with one of its peft adapters switched on at ``scale``."""

    adapter_name: str
    scale: float = 1.0


def _sample(output: Any) -> Any:
    """The prediction tensor inside a denoiser's output (tuple, ``.sample`` object, or tensor)."""
    if isinstance(output, tuple):
        return output[0]
    return getattr(output, "sample", output)


def _with_sample(output: Any, sample: Any) -> Any:
    """``output`` in its own format with the prediction replaced."""
    if isinstance(output, tuple):
        return (sample, *output[1:])
    if hasattr(output, "sample"):
        output.sample = sample
        return output
    return sample


def _make_guided_denoiser():
    import torch

    class GuidedDenoiser(torch.nn.Module):
        """Stands in for a pipeline's denoiser: base + others, one batched forward each, then ``combine``.

        Attributes the pipeline reads (``config``, ``dtype``, ``cache_context`` …) come from the base.
        """

        def __init__(self, base: torch.nn.Module, others: Sequence[torch.nn.Module | AdapterBranch],
                     method: GuidanceMethod, num_steps: int, timestep_scale: float) -> None:
            super().__init__()
            self.base = base
            self.others = torch.nn.ModuleList(o for o in others if not isinstance(o, AdapterBranch))
            #: per other, in the user's order: its adapter, or None for the next module of ``others``
            self.branches = [o if isinstance(o, AdapterBranch) else None for o in others]
            if any(self.branches):
                base.disable_adapters()
            self.method = method
            self.num_steps = num_steps
            self.timestep_scale = timestep_scale
            self._last_t: float | None = None
            self._step = 0

        def __getattr__(self, name: str) -> Any:
            try:
                return super().__getattr__(name)
            except AttributeError:
                return getattr(super().__getattr__("base"), name)

        def _noise_level(self, args: tuple, kwargs: dict) -> float:
            timestep = kwargs["timestep"] if "timestep" in kwargs else args[1]
            return float(torch.as_tensor(timestep).flatten()[0]) / self.timestep_scale

        def forward(self, *args: Any, **kwargs: Any) -> Any:
            t = self._noise_level(args, kwargs)
            if self._last_t is None or t > self._last_t:  # a new generation starts at high noise
                self._step = 0
            elif t < self._last_t:
                self._step += 1
            self._last_t = t
            base_output = self.base(*args, **kwargs)  # adapters, if any, are off between calls
            modules = iter(self.others)
            predictions = [_sample(base_output)]
            for branch in self.branches:
                if branch is None:
                    predictions.append(_sample(next(modules)(*args, **kwargs)))
                    continue
                self.base.set_adapters([branch.adapter_name], [branch.scale])
                self.base.enable_adapters()
                try:
                    predictions.append(_sample(self.base(*args, **kwargs)))
                finally:
                    self.base.disable_adapters()
            combined = self.method.combine(predictions, t, min(self._step, self.num_steps - 1), self.num_steps)
            return _with_sample(base_output, combined)

    return GuidedDenoiser


def denoiser_name(pipe: Any) -> str:
    """``transformer`` (FLUX, SD3, …) or ``unet`` (SD 1.5, SDXL): the module a guidance method wraps."""
    for name in ("transformer", "unet"):
        if getattr(pipe, name, None) is not None:
            return name
    raise ConfigError(f"{type(pipe).__name__} has neither a transformer nor a unet to guide",
                      "use a diffusers text-to-image pipeline as the base model")


def timestep_scale(pipe: Any) -> float:
    """What the pipeline's denoiser timestep is divided by to give ``t`` in [0, 1]: FLUX pipelines pass
    sigma already (timestep / 1000); others pass the scheduler's timestep in [0, num_train_timesteps]."""
    if type(pipe).__name__.startswith("Flux"):
        return 1.0
    return float(getattr(pipe.scheduler.config, "num_train_timesteps", 1000))


def guide_pipeline(pipe: Any, others: Sequence[Any], method: GuidanceMethod, num_steps: int) -> Any:
    """A new pipeline of ``pipe``'s class sharing its components, whose denoiser is guided by ``method``.

    ``pipe`` itself is left as it computes (pipelines may be cached and shared); ``others`` are denoisers of
    the same architecture family as ``pipe``'s (same inputs, same output shape), or adapters already loaded
    on ``pipe``'s denoiser (:class:`AdapterBranch`), which stay switched off outside each guided call.
    """
    method.check_others(len(others))
    name = denoiser_name(pipe)
    guided = _make_guided_denoiser()(getattr(pipe, name), list(others), method, num_steps, timestep_scale(pipe))
    new = type(pipe)(**{**pipe.components, name: guided})
    new.set_progress_bar_config(disable=True)
    return new
