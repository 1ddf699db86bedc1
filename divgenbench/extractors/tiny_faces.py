"""``tiny-arcface``: the face pipeline with seeded random weights, for smoke runs and tests.

Two small torch networks with the real models' interfaces are exported to ONNX and then run through
exactly the code of :class:`~divgenbench.extractors.faces.InsightFaceExtractor` (insightface's SCRFD,
norm_crop and ArcFaceONNX on onnxruntime):

* an SCRFD-shaped detector: input 1×3×H×W, nine outputs (scores, box distances, five keypoints at
  strides 8/16/32, two anchors per cell, flattened like ``det_10g``);
* an ArcFace-shaped IResNet: 112×112 input, pre-activation basic blocks with PReLU, BN-FC-BN head, 512-D.

[choice] The detector's box head is softplus+0.5 (boxes never invert) and its keypoint head starts from a
face-like five-point layout, so random "faces" align without degenerate transforms. Its score threshold is
part of the fingerprint. A random detector finds random faces; results are smoke and never ranked.
"""

from __future__ import annotations

import hashlib
import os
import uuid
import warnings
from pathlib import Path
from typing import Any

from .. import store
from ..hashing import state_dict_sha256
from .faces import InsightFaceExtractor

TINY_SEED = 0
BUILDER_VERSION = "1"
EMBEDDING_DIM = 512
ANCHORS = 2
STRIDES = (8, 16, 32)
#: five keypoints (eyes, nose, mouth corners) in units of the stride, around the anchor centre
KEYPOINT_LAYOUT = (-0.8, -0.6, 0.8, -0.6, 0.0, 0.2, -0.6, 0.9, 0.6, 0.9)


def _build_detector(width: int = 8) -> Any:
    import torch
    from torch import nn

    def conv(cin: int, cout: int) -> nn.Module:
        return nn.Sequential(nn.Conv2d(cin, cout, 3, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

    class TinySCRFD(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = nn.Sequential(conv(3, width), conv(width, width), conv(width, 2 * width))  # stride 8
            self.down = nn.ModuleList([conv(2 * width, 2 * width), conv(2 * width, 2 * width)])  # 16, 32
            self.cls = nn.ModuleList([nn.Conv2d(2 * width, ANCHORS, 3, 1, 1) for _ in STRIDES])
            self.box = nn.ModuleList([nn.Conv2d(2 * width, ANCHORS * 4, 3, 1, 1) for _ in STRIDES])
            self.kps = nn.ModuleList([nn.Conv2d(2 * width, ANCHORS * 10, 3, 1, 1) for _ in STRIDES])
            with torch.no_grad():
                for head in self.kps:
                    head.weight.mul_(0.05)
                    head.bias.copy_(torch.tensor(KEYPOINT_LAYOUT * ANCHORS))

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
            feats = [self.stem(x)]
            for layer in self.down:
                feats.append(layer(feats[-1]))

            def flat(t: torch.Tensor, channels: int) -> torch.Tensor:  # (1, A·C, h, w) → (h·w·A, C)
                return t.permute(0, 2, 3, 1).reshape(-1, channels)

            scores = [flat(torch.sigmoid(head(f)), 1) for head, f in zip(self.cls, feats)]
            boxes = [flat(nn.functional.softplus(head(f)) + 0.5, 4) for head, f in zip(self.box, feats)]
            keypoints = [flat(head(f), 10) for head, f in zip(self.kps, feats)]
            return (*scores, *boxes, *keypoints)

    return TinySCRFD()


def _build_recognizer(widths: tuple[int, ...] = (8, 16, 32, 32)) -> Any:
    import torch
    from torch import nn

    class IBasicBlock(nn.Module):
        def __init__(self, cin: int, cout: int) -> None:
            super().__init__()
            self.body = nn.Sequential(nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 3, 1, 1, bias=False),
                                      nn.BatchNorm2d(cout), nn.PReLU(cout), nn.Conv2d(cout, cout, 3, 2, 1, bias=False),
                                      nn.BatchNorm2d(cout))
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, 2, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.body(x) + self.downsample(x)

    class TinyIResNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]),
                                      nn.PReLU(widths[0]))
            self.layers = nn.Sequential(*[IBasicBlock(cin, cout) for cin, cout in
                                          zip((widths[0], *widths[:-1]), widths)])  # 112 → 7
            self.bn2 = nn.BatchNorm2d(widths[-1])
            self.fc = nn.Linear(widths[-1] * 7 * 7, EMBEDDING_DIM)
            self.features = nn.BatchNorm1d(EMBEDDING_DIM)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.features(self.fc(torch.flatten(self.bn2(self.layers(self.stem(x))), 1)))

    return TinyIResNet()


def build_tiny_face_networks(seed: int = TINY_SEED) -> tuple[Any, Any]:
    """(detector, recognizer) torch modules in eval mode; BN statistics randomised so no layer is identity."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        networks = (_build_detector(), _build_recognizer())
        for network in networks:
            for module in network.modules():
                if isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                    module.running_mean.normal_(0.0, 0.1)
                    module.running_var.uniform_(0.5, 1.5)
                    module.weight.data.uniform_(0.5, 1.5)
                    module.bias.data.normal_(0.0, 0.1)
    return networks[0].eval(), networks[1].eval()


def export_onnx(network: Any, path: Path, example: Any, dynamic_axes: dict, output_count: int) -> None:
    """torch.onnx.export (TorchScript exporter: no onnxscript needed) to a temporary name, then rename."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
    outputs = [f"out{i}" for i in range(output_count)]
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(network, (example,), str(tmp), dynamo=False, opset_version=17, input_names=["input.1"],
                          output_names=outputs, dynamic_axes=dynamic_axes)
    os.replace(tmp, path)


def export_tiny_face_models(directory: Path, seed: int = TINY_SEED) -> tuple[Path, Path]:
    """Write ``det.onnx`` (SCRFD-shaped) and ``rec.onnx`` (ArcFace-shaped) into ``directory`` once."""
    import torch

    detector_path, recognizer_path = directory / "det.onnx", directory / "rec.onnx"
    if detector_path.exists() and recognizer_path.exists():
        return detector_path, recognizer_path
    detector, recognizer = build_tiny_face_networks(seed)
    export_onnx(detector, detector_path, torch.zeros(1, 3, 128, 128),
                {"input.1": {2: "height", 3: "width"}}, output_count=3 * len(STRIDES))
    export_onnx(recognizer, recognizer_path, torch.zeros(2, 3, 112, 112),
                {"input.1": {0: "batch"}, "out0": {0: "batch"}}, output_count=1)
    return detector_path, recognizer_path


class TinyArcFaceExtractor(InsightFaceExtractor):
    """Random-weight SCRFD + ArcFace shapes on the real insightface/onnxruntime path (smoke only).

    [choice] Detector input 128×128 (the tiny generator makes 64×64 images) and threshold 0.5.
    """

    name = "tiny-arcface"
    smoke = True
    detector_size = (128, 128)
    default_det_thresh = 0.5
    code_version = f"1+builder{BUILDER_VERSION}"

    def __init__(self, seed: int = TINY_SEED, directory: str | Path | None = None, det_thresh: float | None = None,
                 recognition_batch: int = 128):
        super().__init__(det_thresh, recognition_batch)
        self.seed = seed
        self._directory = Path(directory) if directory else None
        self._hashes: dict[str, str] | None = None

    def weights_identity(self) -> tuple[str, str | None, dict[str, str]]:
        if self._hashes is None:
            detector, recognizer = build_tiny_face_networks(self.seed)
            self._hashes = {"det.onnx": state_dict_sha256(detector), "rec.onnx": state_dict_sha256(recognizer)}
        return f"builtin:tiny-arcface(seed={self.seed})", None, self._hashes

    def model_files(self) -> tuple[Path, Path]:
        _, _, hashes = self.weights_identity()
        key = hashlib.sha256("".join(sorted(hashes.values())).encode()).hexdigest()[:16]
        return export_tiny_face_models(self._directory or store.home() / "weights" / self.name / key, self.seed)

    @classmethod
    def weights_status(cls) -> str:
        return "built in code (random weights)"
