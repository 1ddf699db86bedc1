"""Runs inside the throwaway venv: the hpsv2 package's own model code, transforms and tokenizer on the tiny
weights. Argument: a JSON request (images, prompts, weights, out); writes out.npz (model_input, score)."""

import json
import sys

import numpy as np
import torch
from hpsv2.src.open_clip import create_model_and_transforms, get_tokenizer
from hpsv2.src.open_clip.factory import _MODEL_CONFIGS
from PIL import Image

request = json.loads(sys.argv[1])
_MODEL_CONFIGS["tiny-hps"] = request["weights"]["config"]
model, _, preprocess_val = create_model_and_transforms(
    "tiny-hps", None, precision="fp32", device="cpu", jit=False, force_quick_gelu=False, force_custom_text=False,
    force_patch_dropout=False, force_image_size=None, pretrained_image=False, image_mean=None, image_std=None,
    light_augmentation=True, aug_cfg={}, output_dict=True, with_score_predictor=False, with_region_predictor=False)
model.load_state_dict(torch.load(request["weights"]["checkpoint"], map_location="cpu")["state_dict"])
model.eval()
tokenizer = get_tokenizer("ViT-H-14")
inputs = torch.stack([preprocess_val(Image.open(p)) for p in request["images"]])
with torch.no_grad():
    out = model(inputs, tokenizer(request["prompts"]))
    score = torch.diagonal(out["image_features"] @ out["text_features"].T)  # hpsv2.score's formula
np.savez(request["out"] + ".npz", model_input=inputs.numpy(), score=score.numpy())
