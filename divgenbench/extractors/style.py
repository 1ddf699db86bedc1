"""Style embeddings for ASC: CSD (Somepalli et al. 2024, "Measuring Style Similarity in Diffusion Models").

CSD is OpenAI CLIP ViT-L/14's vision tower without its projection, followed by a learned 1024×768 style
projection (``last_layer_style``); the output is L2-normalised. The backbone is built with open_clip (its
vision-tower parameter names are OpenAI's, so the released checkpoint loads key for key) and the heads are
plain parameters, as in the authors' ``CSD_CLIP`` (github.com/learn2phoenix/CSD, ``CSD/model.py``).

Weights [choice]: ``tomg-group-umd/CSD-ViT-L`` ``pytorch_model.bin``, the authors' mirror of their released
``checkpoint.pth`` (a dict with ``model_state_dict`` whose keys carry DataParallel's ``module.`` prefix and an
``argparse.Namespace``); it is unpickled with ``weights_only=True`` and an explicit allow-list, never as
arbitrary pickle. A safetensors file with the same keys (with or without ``module.``) loads too.

Preprocessing [choice, CSD's eval transform ``transforms_branch0``]: shorter side to 224 with PIL bicubic
(antialiased), centre crop 224, /255, OpenAI CLIP mean/std. dtype [choice]: on GPU, float32 weights under
``torch.autocast`` float16, as CSD's own feature extraction runs (not a model cast to fp16: layer norms and
softmax stay fp32 under autocast); float32 on CPU. The fingerprint records ``autocast-float16``.

``tiny-csd`` is the same architecture at toy size with seeded random weights, built in code, for smoke runs.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .. import store
from ..errors import DataError
from ..hashing import state_dict_sha256
from .base import OK, Extractor, FeatureRecord, Fingerprint, ImageItem
from .runtime import (
    SingleWeightFile,
    choose_device,
    choose_dtype,
    load_batch,
    parallel_map,
    torch_dtype,
)

log = logging.getLogger(__name__)

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
HEAD_KEYS = ("last_layer_style", "last_layer_content")

CSD_VIT_L = store.register_weight(store.WeightFile(  # pins: docs/weights.md
    entry="csd-vit-l", hub_id="tomg-group-umd/CSD-ViT-L", filename="pytorch_model.bin",
    revision="5bc26a6fb0487f3f00a2a7313135103a005b1b67",
    sha256="40e92fad63a361b8136100cd234c42d401ef9b34ff1748234318929ebcc7e7a1",
    license="CC-BY-4.0 (weights), MIT (code)",
    note="CSD ViT-L/14 style descriptor, authors' mirror of the released checkpoint.pth"))

#: open_clip vision-tower settings. ViT-L/14 as OpenAI trained it (QuickGELU, 16 heads of 64).
VIT_L_14 = {"image_size": 224, "layers": 24, "width": 1024, "head_width": 64, "patch_size": 14}
VIT_L_14_EMBED = 768
TINY_VIT = {"image_size": 32, "layers": 2, "width": 64, "head_width": 16, "patch_size": 8}
TINY_EMBED = 32


def clip_eval_preprocessing(size: int) -> dict[str, Any]:
    """The named preprocessing mode, as recorded in fingerprints (read by ``preprocess`` below)."""
    return {"mode": f"clip-eval-{size}", "resize": f"shorter side to {size}, PIL bicubic, antialiased",
            "crop": f"center {size}x{size}", "scale": "1/255", "mean": list(CLIP_MEAN), "std": list(CLIP_STD),
            "input": "RGB uint8 (alpha composited on white, 16-bit scaled)"}


def preprocess(array: np.ndarray, size: int):
    """One H×W×3 uint8 image → 3×size×size float32 tensor, exactly CSD's eval transform."""
    import torch
    from PIL import Image
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms import functional as TF

    image = TF.resize(Image.fromarray(array), size, interpolation=InterpolationMode.BICUBIC)
    tensor = TF.to_tensor(TF.center_crop(image, size))
    return TF.normalize(tensor, CLIP_MEAN, CLIP_STD).to(torch.float32)


def build_csd_model(vision: dict[str, Any], embed_dim: int):
    """CSD's architecture: open_clip vision tower (projection removed) + style and content heads."""
    import torch
    from open_clip.model import _build_vision_tower
    from torch import nn

    class CsdStyleModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.backbone = _build_vision_tower(embed_dim, dict(vision), quick_gelu=True)
            self.backbone.proj = None  # CSD drops CLIP's projection; the heads replace it
            width = vision["width"]
            scale = width ** -0.5  # CLIP's projection init; overwritten by any checkpoint
            self.last_layer_style = nn.Parameter(scale * torch.randn(width, embed_dim))
            self.last_layer_content = nn.Parameter(scale * torch.randn(width, embed_dim))

        def forward(self, pixels: torch.Tensor) -> torch.Tensor:
            features = self.backbone(pixels)
            return nn.functional.normalize(features @ self.last_layer_style, dim=-1)

    return CsdStyleModel()


def _checkpoint_globals() -> list:
    """What the released checkpoint pickles besides tensors: its training arguments and numpy scalars
    (saved under numpy 1's ``numpy.core`` names, which numpy 2 moved to ``numpy._core``)."""
    scalar = np._core.multiarray.scalar
    dtype_classes = [type(np.dtype(t)) for t in (np.float64, np.float32, np.int64, np.bool_)]
    return [argparse.Namespace, np.dtype, scalar, (scalar, "numpy.core.multiarray.scalar"), *dtype_classes]


def read_csd_state_dict(path: Path) -> dict[str, Any]:
    """The tensors of a CSD checkpoint under the keys of ``build_csd_model`` (``module.`` stripped)."""
    import torch

    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            raw: Any = load_file(str(path))
        else:
            with torch.serialization.safe_globals(_checkpoint_globals()):
                raw = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated download, foreign pickle, not a checkpoint at all
        raise DataError(f"cannot read CSD checkpoint {path}: {type(exc).__name__}: {exc}",
                        "re-download it with `divgenbench models download csd-vit-l`") from exc
    if isinstance(raw, dict) and isinstance(raw.get("model_state_dict"), dict):
        raw = raw["model_state_dict"]
    if not isinstance(raw, dict):
        raise DataError(f"{path} holds a {type(raw).__name__}, not a CSD state dict",
                        "pass the CSD checkpoint (checkpoint.pth / pytorch_model.bin)")
    return {key.removeprefix("module."): value for key, value in raw.items()}


def load_csd_weights(model, state: dict[str, Any], source: Path) -> None:
    """Copy the backbone and heads; any missing or misshaped tensor is a clear error naming the file."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    wrong = [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    if missing or wrong:
        detail = (f"missing {missing[:3]}" if missing else "") + (f" misshaped {wrong[:3]}" if wrong else "")
        raise DataError(f"{source} is not a CSD ViT checkpoint of this architecture: {detail.strip()}",
                        "use the CSD ViT-L/14 checkpoint (tomg-group-umd/CSD-ViT-L)")
    ignored = sorted(set(state) - set(expected))
    if ignored:
        log.debug("CSD checkpoint %s: %d unused tensors (%s, ...)", source, len(ignored), ignored[0])
    model.load_state_dict({k: state[k] for k in expected})


class _CsdExtractor(Extractor):
    """Batched CSD embeddings; subclasses say where the weights come from."""

    feature = "style-embedding"
    vision: ClassVar[dict[str, Any]]
    embed_dim: ClassVar[int]
    smoke: ClassVar[bool] = False

    def __init__(self, device: str | None = None, dtype: str | None = None, batch_size: int = 64) -> None:
        self.device = choose_device(device)
        self.dtype = choose_dtype(dtype, self.device, gpu_default="float16")
        self.batch_size = batch_size

    @property
    def image_size(self) -> int:
        return int(self.vision["image_size"])

    def _build(self):
        raise NotImplementedError

    def _identity(self) -> tuple[str, str | None, str | None]:
        """(model id, revision, weights sha256)."""
        raise NotImplementedError

    @cached_property
    def model(self):
        return self._build().to(device=self.device).eval()  # float32 weights; see ``autocast``

    def autocast(self):
        """The compute precision: float32 as is, else torch.autocast at ``dtype`` over float32 weights."""
        import contextlib

        import torch

        if self.dtype == "float32":
            return contextlib.nullcontext()
        return torch.autocast(device_type=torch.device(self.device).type, dtype=torch_dtype(self.dtype))

    def fingerprint(self) -> Fingerprint:
        model_id, revision, sha256 = self._identity()
        return Fingerprint(self.name, self.feature, model_id=model_id, revision=revision, weights_sha256=sha256,
                           preprocessing=clip_eval_preprocessing(self.image_size),
                           dtype=self.dtype if self.dtype == "float32" else f"autocast-{self.dtype}",
                           smoke=self.smoke)

    def embed(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """(n, d) float32 unit vectors for RGB uint8 images, in batches of ``batch_size``."""
        import torch

        out = np.empty((len(images), self.embed_dim), dtype=np.float32)
        for start in range(0, len(images), self.batch_size):
            chunk = images[start:start + self.batch_size]
            pixels = torch.stack(parallel_map(lambda a: preprocess(a, self.image_size), chunk))
            with torch.inference_mode(), self.autocast():
                vectors = self.model(pixels.to(self.device))
            out[start:start + len(chunk)] = vectors.float().cpu().numpy()
        # renormalise in float32: half-precision outputs are unit length only to about 1e-3
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def extract(self, items: Sequence[ImageItem]) -> list[FeatureRecord]:
        arrays, records = load_batch(items)
        readable = [i for i, array in enumerate(arrays) if array is not None]
        if readable:
            vectors = self.embed([arrays[i] for i in readable])
            for row, index in enumerate(readable):
                records[index] = FeatureRecord(OK, {"embedding": vectors[row]})
        return records  # type: ignore[return-value]


class CsdExtractor(SingleWeightFile, _CsdExtractor):
    """CSD ViT-L/14 from the weight store, or from a local ``checkpoint`` (.pth / .bin / .safetensors)."""

    name = "csd"
    vision = VIT_L_14
    embed_dim = VIT_L_14_EMBED
    weight_entry = CSD_VIT_L.entry
    weight_label = "CSD checkpoint"

    def __init__(self, checkpoint: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._set_local_weights(checkpoint)

    def _build(self):
        model = build_csd_model(self.vision, self.embed_dim)
        load_csd_weights(model, read_csd_state_dict(self.weights_file), self.weights_file)
        return model


class TinyCsdExtractor(_CsdExtractor):
    """CSD's architecture at toy size with seeded random weights: smoke runs and tests, no download."""

    name = "tiny-csd"
    vision = TINY_VIT
    embed_dim = TINY_EMBED
    smoke = True
    seed = 0

    @classmethod
    def weights_status(cls) -> str:
        return "built in code (random, seed 0)"

    def _build(self):
        import torch

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            return build_csd_model(self.vision, self.embed_dim)

    @cached_property
    def _digest(self) -> str:
        return state_dict_sha256(self._build())

    def _identity(self):
        return f"tiny-csd (random weights, seed {self.seed})", None, self._digest
