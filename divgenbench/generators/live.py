"""A live diffusers pipeline as a generator: a training loop evaluates its current weights without saving.

The pipeline is used where it is (device, dtype, adapters as the caller set them); nothing is loaded or moved.
Its identity in run.json is the pipeline class and the settings, so use one output folder per evaluated
state (e.g. ``runs/monitor/step-000500``) and share the feature cache between them.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from .base import GenerationSettings
from .diffusers_generic import DiffusersGenerator


class LivePipelineGenerator(DiffusersGenerator):
    name = "live"

    def __init__(self, settings: GenerationSettings, model_args: Mapping[str, str] | None = None, *, pipe: Any):
        super().__init__(settings, model_args)
        self.pipe = pipe
        self.source = None
        self.call_parameters = inspect.signature(pipe.__call__).parameters
        self.settings = self.settings.resolved(device=str(getattr(pipe, "device", "cpu")).split(":")[0],
                                               dtype=str(getattr(pipe, "dtype", "")).removeprefix("torch.") or None,
                                               **self.pipeline_defaults())

    def resolved_settings(self) -> GenerationSettings:
        return self.settings

    def load(self) -> None:
        """Nothing to load: the caller's pipeline is used as it is."""

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "pipeline_class": type(self.pipe).__name__, "live": True}
