"""What every torch quality scorer shares: one differentiable pixel path used by both ``score`` and ``reward``.

``score`` (uint8 images, for evaluation) is ``reward`` (float pixels in [0, 1], for training) run under
``no_grad`` on ``image / 255``: there is one preprocessing and one forward pass, so the two agree to
float rounding and a training reward can never drift from the evaluation number.

Preprocessing: HPSv2's scoring transform already resizes the float tensor (torchvision, bicubic), which we
follow exactly. The other references resize with PIL on uint8 images (PickScore's and OpenAI's CLIP
processors, ImageReward, SigLIP). PIL is not differentiable, so [choice], as SRPO's rewards do, we resize the
float tensor with torchvision's antialiased bicubic filter (designed to match PIL's), clamp to [0, 1] (PIL's
uint8 output cannot overshoot) and normalise. ``benchmarks/parity/`` measures what this changes against each
reference (docs/quality.md).
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from ..errors import DataError
from ..extractors.base import Fingerprint
from ..extractors.runtime import choose_device, choose_dtype, torch_dtype
from ..hashing import sha256_bytes, state_dict_sha256
from .base import QualityScorer

log = logging.getLogger(__name__)

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


FITS = ("crop", "pad", "squash")


@dataclass(frozen=True)
class PixelPreprocessing:
    """A named preprocessing mode: how (B, 3, H, W) pixels in [0, 1] become the model's input.

    ``fit`` says how a non-square image becomes ``size``×``size``: ``crop`` resizes the shorter side and
    centre-crops (CLIP-style processors); ``pad`` resizes the longer side and pads with black, centred
    (HPSv2's scoring transform, ``ResizeMaxSize``); ``squash`` resizes both sides (SigLIP's processor).
    ``clamp`` keeps resized pixels in [0, 1], as a PIL resize of uint8 images does; references that resize
    float tensors themselves (HPSv2) do not clamp.
    """

    size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    fit: str = "crop"
    clamp: bool = True

    def __post_init__(self) -> None:
        if self.fit not in FITS:
            raise ValueError(f"fit must be one of {FITS}, not {self.fit!r}")

    @property
    def mode(self) -> str:
        return f"{self.fit}-{self.size}"

    def describe(self) -> dict[str, Any]:
        """What a fingerprint records (everything that moves a score)."""
        resize = {"crop": f"shorter side to {self.size}, centre crop", "pad": f"longer side to {self.size}, "
                  "black padding centred", "squash": f"{self.size}x{self.size}"}[self.fit]
        clamp = ", clamped to [0, 1]" if self.clamp else ""
        return {"mode": self.mode, "size": self.size, "mean": list(self.mean), "std": list(self.std),  # JSON types:
                "fit": self.fit, "clamp": self.clamp,  # a results file must read back equal to what was written
                "resize": f"{resize}; torch bicubic, antialiased{clamp}",
                "input": "RGB uint8 / 255 (score) or float pixels in [0, 1] (reward)"}

    def __call__(self, pixels):
        """Differentiable: gradients flow from the model input back to ``pixels``."""
        import torch
        from torchvision.transforms import InterpolationMode
        from torchvision.transforms import functional as TF

        height, width = pixels.shape[-2:]
        if self.fit == "crop":
            target = self.size if height != width else [self.size, self.size]
        elif self.fit == "pad":
            scale = self.size / max(height, width)
            target = [round(height * scale), round(width * scale)]
        else:
            target = [self.size, self.size]
        if [height, width] != ([target] * 2 if isinstance(target, int) else target):
            pixels = TF.resize(pixels, target, interpolation=InterpolationMode.BICUBIC, antialias=True)
            if self.clamp:
                pixels = pixels.clamp(0.0, 1.0)
        if self.fit == "crop":
            pixels = TF.center_crop(pixels, [self.size, self.size])
        elif self.fit == "pad":
            pad_h, pad_w = self.size - pixels.shape[-2], self.size - pixels.shape[-1]
            pixels = torch.nn.functional.pad(pixels, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        mean = torch.tensor(self.mean, dtype=pixels.dtype, device=pixels.device).view(1, 3, 1, 1)
        std = torch.tensor(self.std, dtype=pixels.dtype, device=pixels.device).view(1, 3, 1, 1)
        return (pixels - mean) / std


def pixels_from_images(images: Sequence[np.ndarray], device: str):
    """uint8 H×W×3 arrays → one (B, 3, H, W) float32 tensor in [0, 1] on ``device`` when all sizes agree, else
    a list of (1, 3, H, W) tensors. Images travel as uint8 and become float on the device (4× less copying)."""
    import torch

    tensors = [torch.from_numpy(np.require(image, np.uint8, ["C", "W"])).permute(2, 0, 1) for image in images]
    if all(t.shape == tensors[0].shape for t in tensors):
        return torch.stack(tensors).to(device).to(torch.float32).div_(255.0)
    return [t.unsqueeze(0).to(device).to(torch.float32).div_(255.0) for t in tensors]


class TorchScorer(QualityScorer):
    """A quality scorer backed by a torch model: device, dtype, batching, fingerprint, ``score`` via ``reward``.

    Subclasses set ``preprocessing`` and implement ``_build`` (the model, weights loaded), ``_identity``
    (model id, revision, weights sha256) and ``reward_preprocessed``.
    """

    preprocessing: ClassVar[PixelPreprocessing]
    smoke: ClassVar[bool] = False
    gpu_dtype: ClassVar[str] = "float16"

    def __init__(self, device: str | None = None, dtype: str | None = None, batch_size: int = 32) -> None:
        self.device = choose_device(device)
        self.dtype = choose_dtype(dtype, self.device, gpu_default=self.gpu_dtype)
        self.batch_size = batch_size

    @abstractmethod
    def _build(self):
        """The model, weights loaded (an ``nn.Module`` or a container of them)."""

    @abstractmethod
    def _identity(self) -> tuple[str, str | None, str | None]:
        """(model id, revision, weights sha256) for the fingerprint."""

    @abstractmethod
    def reward_preprocessed(self, model_input, prompts: Sequence[str]):
        """(B,) scores on this scorer's scale for a preprocessed batch (the model's input); differentiable."""

    def reward(self, pixels, prompts: Sequence[str]):
        """(B,) scores on this scorer's scale for float pixels (B, 3, H, W) in [0, 1]; gradients reach pixels."""
        return self.reward_preprocessed(self.model_input(pixels), prompts)

    @cached_property
    def model(self):
        model = self._build().to(device=self.device, dtype=torch_dtype(self.dtype)).eval()
        model.requires_grad_(False)  # rewards differentiate w.r.t. pixels, never the scorer
        return model

    def model_input(self, pixels):
        """Preprocessed pixels in the model's device and dtype (differentiable)."""
        return self.preprocessing(pixels.to(self.device)).to(torch_dtype(self.dtype))

    def fingerprint(self) -> Fingerprint:
        model_id, revision, sha256 = self._identity()
        return Fingerprint(self.name, self.feature, model_id=model_id, revision=revision, weights_sha256=sha256,
                           preprocessing={**self.preprocessing.describe(), "scale": self.info.scale,
                                          **self.info.conventions},
                           dtype=self.dtype, smoke=self.smoke)

    def score(self, images: Sequence[np.ndarray], prompts: Sequence[str]) -> np.ndarray:
        """``reward`` on ``image / 255`` without gradients, ``batch_size`` pairs at a time.

        Images of different sizes are preprocessed one by one, then run through the model together.
        """
        import torch

        if len(images) != len(prompts):
            raise ValueError(f"{len(images)} images but {len(prompts)} prompts")
        out = np.empty(len(images), dtype=np.float64)
        for start in range(0, len(images), self.batch_size):
            stop = start + self.batch_size
            pixels = pixels_from_images(images[start:stop], self.device)
            with torch.no_grad():  # not inference_mode: its tensors would poison a later reward's backward
                if isinstance(pixels, list):
                    model_input = torch.cat([self.model_input(p) for p in pixels])
                else:
                    model_input = self.model_input(pixels)
                values = self.reward_preprocessed(model_input, list(prompts[start:stop]))
            out[start:stop] = values.float().cpu().numpy()
        return out


class CosineScorer(TorchScorer):
    """Scores that are cos(image embedding, text embedding): HPS-v2.1, PickScore, CLIP score.

    Subclasses implement ``_image_features`` (model input → (B, d)) and ``_text_features`` (prompts → (B, d)).
    Repeated prompts in a batch (several images per prompt) are encoded once.
    """

    @abstractmethod
    def _image_features(self, model_input):
        """Unnormalised (B, d) image embeddings."""

    @abstractmethod
    def _text_features(self, prompts: Sequence[str]):
        """Unnormalised (B, d) text embeddings for distinct prompts."""

    def encode_image(self, pixels):
        """(B, d) unit-length float32 image embeddings, differentiable in ``pixels`` (B, 3, H, W) in [0, 1]."""
        return self._unit(self._image_features(self.model_input(pixels)))

    def encode_text(self, prompts: Sequence[str]):
        """(B, d) unit-length float32 text embeddings, one per prompt (duplicates encoded once)."""
        import torch

        distinct = list(dict.fromkeys(prompts))
        vectors = self._unit(self._text_features(distinct))
        index = torch.tensor([distinct.index(p) for p in prompts], device=vectors.device)
        return vectors[index]

    def reward_preprocessed(self, model_input, prompts: Sequence[str]):
        image = self._unit(self._image_features(model_input))
        return (image * self.encode_text(prompts)).sum(dim=-1)

    @staticmethod
    def _unit(vectors):
        """L2-normalised in float32 (half-precision norms are exact only to about 1e-3)."""
        import torch

        return torch.nn.functional.normalize(vectors.float(), dim=-1)


def dropout_mlp(width: int, widths: Sequence[int], dropouts: Sequence[float]):
    """``Linear`` layers of ``widths``, the first ``len(dropouts)`` each followed by its ``Dropout``: the
    scoring heads of ImageReward and Aesthetic v2.5, whose checkpoints index this ``Sequential`` key for key."""
    from torch import nn

    layers: list[nn.Module] = []
    for i, out in enumerate(widths):
        layers.append(nn.Linear(width, out))
        if i < len(dropouts):
            layers.append(nn.Dropout(dropouts[i]))
        width = out
    return nn.Sequential(*layers)


def read_torch_checkpoint(path, what: str, entry: str) -> dict[str, Any]:
    """The tensors of a released checkpoint: a state dict, or one under ``state_dict`` / ``model``, with
    DataParallel's ``module.`` prefix removed. Tensors only (``weights_only``), never arbitrary pickle."""
    import torch

    try:
        if str(path).endswith(".safetensors"):
            from safetensors.torch import load_file

            raw: Any = load_file(str(path))
        else:
            raw = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated download, foreign pickle, not a checkpoint at all
        raise DataError(f"cannot read {what} {path}: {type(exc).__name__}: {exc}",
                        f"re-download it with `divgenbench models download {entry}`") from exc
    for key in ("state_dict", "model"):
        if isinstance(raw, dict) and isinstance(raw.get(key), dict):
            raw = raw[key]
    if not isinstance(raw, dict):
        raise DataError(f"{path} holds a {type(raw).__name__}, not a {what}", f"pass the {what} file")
    return {key.removeprefix("module."): value for key, value in raw.items()}


def load_exact(module, state: dict[str, Any], source, what: str) -> None:
    """Copy every tensor ``module`` expects from ``state``; a missing or misshaped one is a clear error."""
    expected = module.state_dict()
    missing = [k for k in expected if k not in state]
    wrong = [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    if missing or wrong:
        detail = (f"missing {missing[:3]}" if missing else "") + (f" misshaped {wrong[:3]}" if wrong else "")
        raise DataError(f"{source} is not a {what} checkpoint of this architecture: {detail.strip()}",
                        f"use the released {what} weights")
    ignored = sorted(set(state) - set(expected))
    if ignored:
        log.debug("%s: %d unused tensors (%s, ...)", source, len(ignored), ignored[0])
    module.load_state_dict({k: state[k] for k in expected})


class SeededRandomWeights:
    """Mixin for a tiny twin: the scorer's own architecture at toy size, seeded random weights, no download.

    The scorer provides ``_build_architecture`` (the model, randomly initialised); this builds it under a
    fixed seed without touching the global RNG, and fingerprints it by the hash of its tensors.
    """

    seed: ClassVar[int] = 0
    smoke: ClassVar[bool] = True
    name: ClassVar[str]
    _build_architecture: Any  # the scorer's own method (random init at this class's config)

    @classmethod
    def weights_status(cls) -> str:
        return f"built in code (random, seed {cls.seed})"

    def _build(self):
        import torch

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return self._build_architecture()

    @cached_property
    def _digest(self) -> str:
        return state_dict_sha256(self._build())

    def _identity(self) -> tuple[str, str | None, str | None]:
        return f"{self.name} (random weights, seed {self.seed})", None, self._digest


def combined_identity(parts: Sequence[tuple[str, str | None, str]]) -> tuple[str, str | None, str]:
    """One (model id, revision, sha256) for a scorer read from several files: ids and revisions joined with
    `` + `` in order, and the sha256 of the files' sha256s (one line each), so any changed file changes it."""
    model_id = " + ".join(part[0] for part in parts)
    revision = " + ".join(str(part[1]) for part in parts)
    return model_id, revision, sha256_bytes("\n".join(part[2] for part in parts).encode())
