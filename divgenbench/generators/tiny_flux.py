"""``tiny-flux``: a real diffusers ``FluxPipeline`` with tiny configs and seeded random weights.

Same classes as FLUX.1-dev (FluxTransformer2DModel, AutoencoderKL, CLIP + T5 text encoders,
FlowMatchEulerDiscreteScheduler), built in code so that it needs no download. Its images are noise-like
but real outputs of the architecture, which makes it the embedded default for CPU runs and tests.

It computes in float64: float32 GEMMs on CPU are not batch-invariant (a batch of 4 moves pixels by one
level against single calls), float64 makes the PNGs byte-identical at any batch size.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from .args import ModelArgs
from .base import GenerationSettings
from .diffusers_generic import DiffusersGenerator

TINY_TEXT_DIM = 32
TINY_MAX_SEQUENCE = 256  # the character-level T5 tokenizer needs room for a whole prompt


def _clip_tokenizer():
    """Byte-level BPE with no merges over the 256 byte symbols (and their word-final forms)."""
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import CLIPTokenizer

    symbols = sorted(ByteLevel.alphabet())
    vocab = {s: i for i, s in enumerate(symbols + [s + "</w>" for s in symbols])}
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)


def _t5_tokenizer():
    """Unigram model over printable ASCII characters, word-initial forms included."""
    from transformers import T5Tokenizer

    chars = [chr(c) for c in range(33, 127)]
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -2.0)]
    pieces += [("\u2581" + c, -3.0) for c in chars] + [(c, -4.0) for c in chars]
    return T5Tokenizer(vocab=pieces, extra_ids=0, model_max_length=TINY_MAX_SEQUENCE)


def build_tiny_flux_pipeline(seed: int = 0, dtype: str = "float64"):
    """Build the tiny pipeline; the same ``seed`` gives the same weights on any machine (CPU init)."""
    import torch
    from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel
    from diffusers.utils import logging as diffusers_logging
    from transformers import CLIPTextConfig, CLIPTextModel, T5Config, T5EncoderModel
    from transformers.utils import logging as transformers_logging

    torch.manual_seed(seed)
    transformer = FluxTransformer2DModel(
        patch_size=1, in_channels=64, num_layers=1, num_single_layers=1, attention_head_dim=16,
        num_attention_heads=2, joint_attention_dim=TINY_TEXT_DIM, pooled_projection_dim=TINY_TEXT_DIM,
        guidance_embeds=True, axes_dims_rope=(4, 6, 6))
    clip_tok = _clip_tokenizer()
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=len(clip_tok), hidden_size=TINY_TEXT_DIM, intermediate_size=37, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=77, projection_dim=TINY_TEXT_DIM,
        bos_token_id=clip_tok.bos_token_id, eos_token_id=clip_tok.eos_token_id,
        pad_token_id=clip_tok.pad_token_id))
    t5_tok = _t5_tokenizer()
    text_encoder_2 = T5EncoderModel(T5Config(
        vocab_size=len(t5_tok), d_model=TINY_TEXT_DIM, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
        relative_attention_num_buckets=8, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0))
    vae = AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=16, block_out_channels=(16, 16, 16, 16),
        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
        layers_per_block=1, norm_num_groups=8, use_quant_conv=False, use_post_quant_conv=False,
        shift_factor=0.0609, scaling_factor=1.5035)
    scheduler = FlowMatchEulerDiscreteScheduler(shift=3.0, use_dynamic_shifting=True, base_shift=0.5,
                                                max_shift=1.15, base_image_seq_len=256, max_image_seq_len=4096)
    pipe = FluxPipeline(scheduler=scheduler, vae=vae, text_encoder=text_encoder, tokenizer=clip_tok,
                        text_encoder_2=text_encoder_2, tokenizer_2=t5_tok, transformer=transformer)
    pipe.set_progress_bar_config(disable=True)
    for module in (transformer, text_encoder, text_encoder_2, vae):
        module.eval()  # modules built from a config start in training mode (T5 dropout would be live)
    # The tiny tokenizers truncate long prompts and the dtype cast warns: noise for a smoke model.
    diffusers_logging.set_verbosity_error()
    transformers_logging.set_verbosity_error()
    return pipe.to(getattr(torch, dtype))


@lru_cache(maxsize=2)
def _cached_pipeline(seed: int, dtype: str):
    return build_tiny_flux_pipeline(seed, dtype)


class TinyFluxArgs(ModelArgs):
    weights_seed: int = Field(0, ge=0, description="seed of the random weights")


class TinyFluxGenerator(DiffusersGenerator):
    """The embedded default: CPU, 64×64, 4 steps, float64, random weights seeded by ``weights_seed``."""

    name = "tiny-flux"
    default_extractor_set = "tiny"
    smoke = True
    shares_pipeline = True  # one cached pipeline per (weights_seed, dtype)
    Args = TinyFluxArgs
    defaults = {"dtype": "float64", "num_inference_steps": 4, "guidance_scale": 3.5, "resolution": 64,
                "device": "cpu"}
    default_max_sequence_length = TINY_MAX_SEQUENCE

    def __init__(self, settings: GenerationSettings, model_args=None):
        super().__init__(settings, model_args)
        self.weights_seed = self.args.weights_seed

    def build_pipeline(self, dtype):
        return _cached_pipeline(self.weights_seed, str(dtype).removeprefix("torch."))

    @classmethod
    def weights_status(cls) -> str:
        return "built in code (random weights)"

    def describe(self) -> dict:
        return {**super().describe(), "hub_id": None, "revision": None,
                "architecture": "FluxPipeline (tiny config, seeded random weights)",
                "weights_seed": self.weights_seed}
