"""Parity of our quality scorers with the reference packages, on the same tiny random weights.

    PYTHONPATH=. python benchmarks/parity/run_parity.py [hpsv2 aesthetic-predictor-v2-5 image-reward] [--keep]

Not part of the test suite (it installs packages). For each reference package it makes a throwaway venv in a
temporary folder whose ``.pth`` file exposes this environment's site-packages (torch, transformers, ...), then
``pip install --no-deps`` the package plus the few pins that must shadow ours (e.g. ``timm==0.6.13``), so the
reference runs with its own code and pins and our environment is never touched. The tiny twins' weights are
written in each reference's own file format; the same PNG images and prompts go to both sides.

Three numbers per package (docs/quality.md records them):
- **model**: the reference's score vs ours on the reference's own preprocessed tensor (same model input);
- **preprocessing**: largest |difference| between the reference's model input and ours (PIL vs torch resize);
- **end to end**: the reference's score vs ``score`` on the uint8 image.
Square images at the model's size need no resize, so there all three must agree to 1e-5.
"""

from __future__ import annotations

import argparse
import json
import shutil
import site
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from divgenbench.quality import load_scorer  # noqa: E402

#: package → (extra pip requirements installed with --no-deps, reference runner script, our tiny twin)
PACKAGES = {
    "hpsv2": (["hpsv2==1.2.0", "webdataset", "braceexpand", "clint", "args"], "reference_hpsv2.py", "tiny-hps-v2.1"),
    "aesthetic-predictor-v2-5": (["aesthetic-predictor-v2-5==2024.12.18.1"], "reference_aesthetic.py",
                                 "tiny-aesthetic-v2.5"),
    "image-reward": (["image-reward==1.5", "timm==0.6.13", "fairscale==0.4.13", "openai-clip",
                      "transformers==4.46.3", "tokenizers==0.20.3", "huggingface-hub==0.26.5"],
                     "reference_imagereward.py", "tiny-imagereward"),
}
#: references that are this environment's own transformers: name → our tiny twin
IN_ENVIRONMENT = {"transformers-pickscore": "tiny-pickscore", "transformers-clip-score": "tiny-clip-score"}
PROMPTS = ["a red apple on a wooden table", "a portrait photo of an old fisherman",
           "an impressionist painting of a harbour at dusk, " * 8, "a cat"]


def write_images(folder: Path, size: int) -> list[Path]:
    """One image at the model's input size (no resize: exact parity expected), three that need resizing."""
    rng = np.random.default_rng(0)
    shapes = [(size, size), (1024, 1024), (512, 768), (300, 200)]
    paths = []
    for i, (h, w) in enumerate(shapes):
        # smooth images (a blurred noise field), like photographs, so resampling differences stay realistic
        small = rng.integers(0, 256, (h // 16 + 1, w // 16 + 1, 3), dtype=np.uint8)
        image = Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC)
        paths.append(folder / f"{i}.png")
        image.save(paths[-1])
    return paths


def hpsv2_bpe_fixup(purelib: Path) -> None:
    """hpsv2 1.2.0's wheel lacks the tokenizer's BPE file it opens at import; it is the OpenAI BPE that
    mainline open_clip ships, byte for byte, so copy that one in."""
    import open_clip

    source = Path(open_clip.__file__).parent / "bpe_simple_vocab_16e6.txt.gz"
    shutil.copy(source, purelib / "hpsv2" / "src" / "open_clip" / source.name)


FIXUPS = {"hpsv2": hpsv2_bpe_fixup}


def make_env(folder: Path, requirements: list[str], package: str) -> Path:
    """A venv that sees this environment's packages (after its own) and holds the reference package."""
    venv.EnvBuilder(with_pip=True).create(folder)
    python = folder / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "divgenbench_host.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", *requirements], check=True)
    if package in FIXUPS:
        FIXUPS[package](Path(purelib))
    return python


def ours(scorer_name: str, images: list[Path], reference_inputs: np.ndarray) -> dict:
    """Our model input and ``score`` per image, and our score on the reference's model input."""
    import torch

    scorer = load_scorer(scorer_name, device="cpu")
    arrays = [np.array(Image.open(p).convert("RGB")) for p in images]
    model_inputs = np.concatenate([
        scorer.model_input(torch.from_numpy(a).permute(2, 0, 1)[None].float() / 255).numpy() for a in arrays])
    with torch.no_grad():
        on_reference_input = scorer.reward_preprocessed(torch.from_numpy(reference_inputs), PROMPTS).numpy()
    return {"score": scorer.score(arrays, PROMPTS), "model_input": model_inputs,
            "on_reference_input": on_reference_input}


def compare_clip_processor(twin: str, work: Path) -> dict:
    """PickScore and CLIP score: the reference is transformers itself (``CLIPImageProcessor`` + ``CLIPModel``),
    already in this environment, so no venv; the model is the same class, the preprocessing is what differs."""
    import torch
    from transformers import CLIPImageProcessor

    scorer = load_scorer(twin, device="cpu")
    images = write_images(work, scorer.preprocessing.size)
    processor = CLIPImageProcessor(size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224})
    reference_input = torch.cat([processor(images=Image.open(p).convert("RGB"), return_tensors="pt")
                                 .pixel_values for p in images])
    model = scorer.model
    with torch.no_grad():  # the reference's own formula: official PickScore ÷ logit scale = cosine
        tokens = scorer.tokenize(PROMPTS)
        image = model.get_image_features(pixel_values=reference_input).pooler_output
        text = model.get_text_features(**tokens).pooler_output
        reference_score = torch.nn.functional.cosine_similarity(image, text).numpy()
    mine = ours(twin, images, reference_input.numpy())
    return {
        "package": f"transformers CLIPProcessor ({twin})", "status": "compared",
        "model_max_abs": float(np.abs(mine["on_reference_input"] - reference_score).max()),
        "preprocessing_max_abs": [float(np.abs(a - b).max()) for a, b in zip(mine["model_input"],
                                                                              reference_input.numpy(), strict=True)],
        "end_to_end_abs": [float(v) for v in np.abs(mine["score"] - reference_score)],
        "image_shapes": [list(np.asarray(Image.open(p)).shape[:2]) for p in images],
    }


def compare(package: str, work: Path) -> dict:
    requirements, runner, twin = PACKAGES[package]
    scorer = load_scorer(twin, device="cpu")
    images = write_images(work, scorer.preprocessing.size)
    exported = export_weights(twin, scorer, work)
    try:
        python = make_env(work / "venv", requirements, package)
    except subprocess.CalledProcessError as exc:
        return {"package": package, "status": f"could not install: {exc}"}
    request = {"images": [str(p) for p in images], "prompts": PROMPTS, "weights": exported, "out": str(work / "ref")}
    run = subprocess.run([str(python), str(HERE / runner), json.dumps(request)], capture_output=True, text=True)
    if run.returncode != 0:
        last = [line for line in run.stderr.strip().splitlines() if line.strip()][-1:] or ["(no output)"]
        return {"package": package, "status": f"reference failed: {last[0]}"}
    reference = np.load(work / "ref.npz")
    mine = ours(twin, images, reference["model_input"])
    return {
        "package": package, "status": "compared",
        "model_max_abs": float(np.abs(mine["on_reference_input"] - reference["score"]).max()),
        "preprocessing_max_abs": [float(np.abs(a - b).max()) for a, b in zip(mine["model_input"],
                                                                              reference["model_input"], strict=True)],
        "end_to_end_abs": [float(v) for v in np.abs(mine["score"] - reference["score"])],
        "image_shapes": [list(np.asarray(Image.open(p)).shape[:2]) for p in images],
    }


def export_weights(twin: str, scorer, work: Path) -> dict:
    """The tiny twin's weights in the reference package's own file layout."""
    import torch

    model = scorer.model
    if twin == "tiny-hps-v2.1":
        path = work / "hps.pt"
        torch.save({"state_dict": model.state_dict()}, path)
        return {"checkpoint": str(path), "config": scorer.config}
    if twin == "tiny-aesthetic-v2.5":
        from collections import OrderedDict

        from transformers import SiglipImageProcessor

        encoder_dir = work / "siglip"
        model.encoder.save_pretrained(encoder_dir)
        SiglipImageProcessor(size={"height": 384, "width": 384}).save_pretrained(encoder_dir)
        torch.save(OrderedDict(model.head.state_dict()), work / "head.pth")
        return {"encoder": str(encoder_dir), "head": str(work / "head.pth")}
    if twin == "tiny-imagereward":
        path = work / "ImageReward.pt"
        torch.save(model.state_dict(), path)
        (work / "vocab.txt").write_text("\n".join(scorer._vocabulary()) + "\n")
        return {"checkpoint": str(path), "vit": scorer.vit, "text": scorer.text, "vocab": str(work / "vocab.txt")}
    raise ValueError(twin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("packages", nargs="*", default=[*PACKAGES, *IN_ENVIRONMENT],
                        choices=[*PACKAGES, *IN_ENVIRONMENT])
    parser.add_argument("--keep", action="store_true", help="keep the throwaway folders (printed)")
    args = parser.parse_args()
    results = []
    for package in args.packages:
        work = Path(tempfile.mkdtemp(prefix=f"parity-{package}-"))
        try:
            if package in IN_ENVIRONMENT:
                results.append(compare_clip_processor(IN_ENVIRONMENT[package], work))
            else:
                results.append(compare(package, work))
        finally:
            if args.keep:
                print(f"kept {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
        print(json.dumps(results[-1]), flush=True)


if __name__ == "__main__":
    main()
