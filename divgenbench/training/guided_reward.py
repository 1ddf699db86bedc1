"""D2-Align's guided reward (SPEC §5, §8): a learned direction b_v in the reward's text space.

R_guided = cos(e_img, ẽ) with ẽ = e− + ω(e+ − e−) and e± = normalize(e_text ± b_v). ẽ is not unit length; the
cosine normalises it. b_v = 0 makes e+ = e− = e_text, so R_guided is the plain reward; ω = 1 makes ẽ = e+.

The formula is a pure function so that any trainer can use a saved b_v as a plug-in reward (the paper's
Tables 6–7, DanceGRPO + b_v). A saved b_v is one safetensors file whose metadata carries ω and the identity of
the reward model it lives in: a direction in one model's text space means nothing in another's, so loading it
for a different reward is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataError

DIRECTION_KEY = "b_v"
DIRECTION_FILE = "b_v.safetensors"
DEFAULT_OMEGA = 1.5


def guided_text_embedding(e_text, b_v, omega: float):
    """ẽ = e− + ω(e+ − e−) per row; ``b_v`` is (d,) or (B, d) and broadcasts against (B, d) ``e_text``."""
    import torch.nn.functional as F

    e_plus = F.normalize(e_text + b_v, dim=-1)
    e_minus = F.normalize(e_text - b_v, dim=-1)
    return e_minus + omega * (e_plus - e_minus)


def guided_cosine(e_img, e_text, b_v, omega: float = DEFAULT_OMEGA):
    """(B,) R_guided = cos(e_img, ẽ); differentiable in all three tensors."""
    import torch.nn.functional as F

    return F.cosine_similarity(e_img, guided_text_embedding(e_text, b_v, omega), dim=-1)


def reward_identity(scorer: Any) -> dict[str, str]:
    """What names the embedding space a direction lives in: the scorer's name and, for quality plug-ins, the
    model id, revision and weights sha256 of its fingerprint."""
    identity = {"reward": str(getattr(scorer, "name", None) or type(scorer).__name__)}
    fingerprint = getattr(scorer, "fingerprint", None)
    if callable(fingerprint):
        described = fingerprint()
        for key in ("model_id", "revision", "weights_sha256"):
            value = getattr(described, key, None)
            if value:
                identity[f"reward_{key}"] = str(value)
    return identity


@dataclass
class ReasoningDirection:
    """A saved b_v: the vector, ω, and the reward it was learned in (plus free-form provenance)."""

    b_v: Any  # torch (d,) tensor
    omega: float
    identity: dict[str, str]
    provenance: dict[str, Any] = field(default_factory=dict)

    def save(self, path: Path | str) -> Path:
        """One safetensors file; metadata values are strings (safetensors' rule), provenance as JSON."""
        from safetensors.torch import save_file

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        metadata = {"omega": repr(float(self.omega)), **self.identity,
                    "provenance": json.dumps(self.provenance, sort_keys=True)}
        tmp = path.with_suffix(".tmp")
        save_file({DIRECTION_KEY: self.b_v.detach().cpu().contiguous()}, str(tmp), metadata=metadata)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: Path | str, *, expect: Mapping[str, str] | None = None) -> ReasoningDirection:
        """Read a saved b_v; with ``expect`` (a :func:`reward_identity`), refuse one from another reward."""
        from safetensors import safe_open

        path = Path(path)
        if path.is_dir():
            path = path / DIRECTION_FILE
        if not path.is_file():
            raise DataError(f"no saved b_v at {path}", f"pass the {DIRECTION_FILE} a D2-Align stage 1 wrote")
        try:
            with safe_open(str(path), framework="pt") as handle:
                metadata = dict(handle.metadata() or {})
                b_v = handle.get_tensor(DIRECTION_KEY)
        except Exception as exc:  # safetensors raises its own error types for corrupt files
            raise DataError(f"{path} is not a readable b_v safetensors file ({exc})",
                            f"pass the {DIRECTION_FILE} a D2-Align stage 1 wrote") from exc
        if "omega" not in metadata or "reward" not in metadata or b_v.ndim != 1:
            raise DataError(f"{path} lacks ω or the reward identity in its metadata, or b_v is not a vector",
                            "save b_v with ReasoningDirection.save")
        identity = {k: v for k, v in metadata.items() if k.startswith("reward")}
        for key, value in (expect or {}).items():
            if identity.get(key) != value:
                raise ConfigError(f"b_v in {path} was learned with {key}={identity.get(key)!r}, not {value!r}",
                                  "use the reward model the direction was trained in")
        return cls(b_v=b_v, omega=float(metadata["omega"]), identity=identity,
                   provenance=json.loads(metadata.get("provenance", "{}")))


class GuidedReward:
    """R_guided for any trainer's images: ``GuidedReward.from_file(path, scorer)(pixels, prompts)``.

    ``scorer`` is a :class:`~divgenbench.quality.DifferentiableScorer`; pixels are (B, 3, H, W) in [0, 1] and
    the result (B,) is differentiable in the pixels (and in ``b_v`` when it requires grad).
    """

    def __init__(self, scorer: Any, b_v: Any, omega: float = DEFAULT_OMEGA):
        self.scorer = scorer
        self.b_v = b_v
        self.omega = float(omega)

    @classmethod
    def from_file(cls, path: Path | str, scorer: Any) -> GuidedReward:
        direction = ReasoningDirection.load(path, expect=reward_identity(scorer))
        return cls(scorer, direction.b_v, direction.omega)

    def embeddings(self, pixels, prompts: Sequence[str]):
        """(e_img, e_text): what R_guided needs from the reward model, for callers that cache them."""
        return self.scorer.encode_image(pixels), self.scorer.encode_text(list(prompts))

    def __call__(self, pixels, prompts: Sequence[str]):
        e_img, e_text = self.embeddings(pixels, prompts)
        return guided_cosine(e_img, e_text.to(e_img), self.b_v.to(e_img), self.omega)
