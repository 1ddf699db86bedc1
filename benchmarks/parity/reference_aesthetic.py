"""Runs inside the throwaway venv: aesthetic-predictor-v2-5's own model class and processor on the tiny weights.
Argument: a JSON request (images, prompts, weights, out); writes out.npz (model_input, score)."""

import json
import sys

import numpy as np
import torch
from aesthetic_predictor_v2_5 import convert_v2_5_from_siglip
from PIL import Image

request = json.loads(sys.argv[1])
model, processor = convert_v2_5_from_siglip(request["weights"]["head"], request["weights"]["encoder"])
model = model.float().eval()
inputs = torch.cat([processor(images=Image.open(p).convert("RGB"), return_tensors="pt").pixel_values
                    for p in request["images"]])
with torch.no_grad():
    score = model(inputs).logits.squeeze(-1)
np.savez(request["out"] + ".npz", model_input=inputs.numpy(), score=score.numpy())
