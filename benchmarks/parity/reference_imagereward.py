"""Runs inside the throwaway venv: the image-reward package's own BLIP/med/ViT code and transform on the tiny
weights (its ViT and BERT built at the tiny sizes). Argument: a JSON request; writes out.npz."""

import importlib.util
import json
import sys
import tempfile
import types

import numpy as np
import torch

# The package's __init__ also imports its ReFL trainer (diffusers, datasets), which this host's newer
# huggingface_hub pin breaks; register the package without running __init__ and import the scorer alone.
_package = types.ModuleType("ImageReward")
_package.__path__ = list(importlib.util.find_spec("ImageReward").submodule_search_locations)
sys.modules["ImageReward"] = _package

from ImageReward import ImageReward as reference  # noqa: E402
from ImageReward.models.BLIP import blip_pretrain  # noqa: E402
from ImageReward.models.BLIP.vit import VisionTransformer  # noqa: E402
from PIL import Image  # noqa: E402
from transformers import BertTokenizer  # noqa: E402

request = json.loads(sys.argv[1])
vit, text = request["weights"]["vit"], request["weights"]["text"]


def tiny_vit(*args, **kwargs):
    """BLIP's own VisionTransformer at the tiny size (create_vit only knows base and large)."""
    return VisionTransformer(img_size=vit["img_size"], patch_size=vit["patch_size"], embed_dim=vit["embed_dim"],
                             depth=vit["depth"], num_heads=vit["num_heads"]), vit["embed_dim"]


def tiny_tokenizer():
    tokenizer = BertTokenizer(request["weights"]["vocab"])
    tokenizer.add_special_tokens({"bos_token": "[DEC]"})
    tokenizer.add_special_tokens({"additional_special_tokens": ["[ENC]"]})
    tokenizer.enc_token_id = tokenizer.additional_special_tokens_ids[0]
    return tokenizer


blip_pretrain.create_vit = tiny_vit
blip_pretrain.init_tokenizer = tiny_tokenizer
med = {"architectures": ["BertModel"], "hidden_act": "gelu", "initializer_range": 0.02, "model_type": "bert",
       "type_vocab_size": 2, "pad_token_id": 0, "add_cross_attention": True, "encoder_width": vit["embed_dim"],
       "attention_probs_dropout_prob": 0.0, "hidden_dropout_prob": 0.0,
       "vocab_size": len(open(request["weights"]["vocab"]).read().splitlines()) + 2, **text}
with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
    json.dump(med, handle)
model = reference.ImageReward(med_config=handle.name, device="cpu")
model.mlp = reference.MLP(text["hidden_size"])
state = torch.load(request["weights"]["checkpoint"], map_location="cpu")
missing, unexpected = model.load_state_dict(state, strict=False)
unused = ("position_ids", "vision_proj.weight", "vision_proj.bias", "text_proj.weight", "text_proj.bias")
assert not [k for k in missing if not k.endswith(unused)], missing  # BLIP's ITC projections: not in the score
model.eval()
inputs = torch.stack([model.preprocess(Image.open(p)) for p in request["images"]])
scores = []
with torch.no_grad():
    for image, prompt in zip(inputs, request["prompts"]):
        tokens = model.blip.tokenizer(prompt, padding="max_length", truncation=True, max_length=35,
                                      return_tensors="pt")
        embeds = model.blip.visual_encoder(image[None])
        out = model.blip.text_encoder(tokens.input_ids, attention_mask=tokens.attention_mask,
                                      encoder_hidden_states=embeds,
                                      encoder_attention_mask=torch.ones(embeds.shape[:-1], dtype=torch.long),
                                      return_dict=True)
        scores.append(((model.mlp(out.last_hidden_state[:, 0, :].float()) - model.mean) / model.std).item())
np.savez(request["out"] + ".npz", model_input=inputs.numpy(), score=np.array(scores))
