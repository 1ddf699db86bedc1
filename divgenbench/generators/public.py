"""Released RL-tuned FLUX.1-dev weights as generators: ``srpo``, ``mixgrpo``, ``dancegrpo``.

Each is ``flux-d2align`` with its ``checkpoint`` fixed to a hub repo, so the format detection (full folder,
LoRA, or a bare transformer state dict loaded onto FLUX.1-dev's transformer config) and the base handling are
the same code. They are public-checkpoint reference entries, distinct from paper-reported numbers: the
leaderboard shows them only once measured with ``divgenbench eval``.

[choice] Revisions: the repos could not be fetched where this was written (no hub access), so each is pinned to
``main`` and flagged ``revision_pinned: false`` in the results until a commit is recorded here;
``--model-args checkpoint_revision=SHA`` pins a run. Layouts checked: SRPO's model card documents
``diffusion_pytorch_model.safetensors`` (a bare state dict, no config.json). MixGRPO and DanceGRPO layouts were
not checked; the detection accepts any of the supported ones.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .flux import FluxD2AlignGenerator


class PublicCheckpointGenerator(FluxD2AlignGenerator):
    """FLUX.1-dev with a released transformer; ``checkpoint`` defaults to the pinned hub repo."""

    checkpoint_hub_id: ClassVar[str]
    checkpoint_hub_revision: ClassVar[str | None] = None  # None: not pinned yet (see module doc)
    method: ClassVar[str]

    def __init__(self, settings, model_args=None):
        model_args = dict(model_args or {})
        model_args.setdefault("checkpoint", self.checkpoint_hub_id)
        if model_args["checkpoint"] == self.checkpoint_hub_id and self.checkpoint_hub_revision:
            model_args.setdefault("checkpoint_revision", self.checkpoint_hub_revision)
        super().__init__(settings, model_args)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "kind": "public-checkpoint", "method": self.method,
                "checkpoint_revision": self.args.checkpoint_revision or "main",
                "revision_pinned": self.args.checkpoint_revision is not None}


class SRPOGenerator(PublicCheckpointGenerator):
    name = "srpo"
    method = "SRPO (Shen et al. 2025), HPSv2 reward"
    checkpoint_hub_id = "tencent/SRPO"


class MixGRPOGenerator(PublicCheckpointGenerator):
    name = "mixgrpo"
    method = "MixGRPO (Li et al. 2025), multi-reward"
    checkpoint_hub_id = "tulvgengenr/MixGRPO"


class DanceGRPOGenerator(PublicCheckpointGenerator):
    name = "dancegrpo"
    method = "DanceGRPO (Xue et al. 2025), HPS-v2.1 reward"
    checkpoint_hub_id = "xzyhku/flux_hpsv2.1_dancegrpo"
