"""Generation throughput: the adapters' batched path against a plain ``pipe(prompt)`` loop, same run.

    PYTHONPATH=. python benchmarks/bench_generate.py                 # tiny-flux on CPU (+ FLUX arch on GPU)
    PYTHONPATH=. python benchmarks/bench_generate.py --flux-arch cpu # the FLUX.1-dev path, CPU-sized

Two models:

- ``tiny-flux`` (CPU, float64, 64×64, 4 steps): ``TinyFluxGenerator`` at several batch sizes.
- FLUX.1-dev's architecture with random weights (``--flux-arch full``, default on a GPU): the real
  transformer/VAE/CLIP-L/T5-XXL configurations, bf16, 720×720, 50 steps, through ``FluxDevGenerator``'s
  own load and call path (device placement, optional ``torch.compile``), batch sizes 1/2/4/8.
  ``--flux-arch cpu`` runs the same code with every width and depth cut down so it finishes on a CPU.

The baseline is what a user would write: ``for prompt: pipe(prompt, generator=torch.Generator().manual_seed(s))``
on the very same pipeline object. One warm-up call per configuration is excluded (it pays for
``torch.compile``'s compilation, reported separately). Speed-up = adapter images/s ÷ loop images/s.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import torch

from divgenbench.generators import GenerationSettings, ImageRequest
from divgenbench.generators.flux import FluxDevGenerator
from divgenbench.generators.tiny_flux import TinyFluxGenerator, _clip_tokenizer, _t5_tokenizer, build_tiny_flux_pipeline

PROMPTS = ["A high-quality portrait photo of an elderly Black woman with arched eyebrows",
           "A studio shot of three teddy bears on a clean white background.",
           "Pop Art painting of a red bicycle leaning on a brick wall",
           "A bowl of ramen, characterized by low key photography, dark scene"]


def requests(n: int) -> list[ImageRequest]:
    return [ImageRequest(f"bench-{i:04d}", "id", PROMPTS[i % len(PROMPTS)], 0, 1000 + i) for i in range(n)]


def build_flux_architecture(scale: str, dtype: torch.dtype, device: str):
    """FluxPipeline with FLUX.1-dev's component configs (``full``) or a CPU-sized cut (``cpu``), random weights.

    Tokenizers are the tiny byte-level ones; T5 still sees ``max_sequence_length`` tokens, so the text
    encoders cost what they cost in the real model.
    """
    from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel
    from transformers import CLIPTextConfig, CLIPTextModel, T5Config, T5EncoderModel

    full = scale == "full"
    clip_tok, t5_tok = _clip_tokenizer(), _t5_tokenizer()
    t5_tok.model_max_length = 512
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # build in the target dtype: 12B + 4.7B float32 parameters do not fit
    with torch.device(device):
        torch.manual_seed(0)
        transformer = FluxTransformer2DModel(
            num_layers=19 if full else 2, num_single_layers=38 if full else 2,
            attention_head_dim=128 if full else 32, num_attention_heads=24 if full else 4,
            joint_attention_dim=4096 if full else 64, pooled_projection_dim=768 if full else 64,
            guidance_embeds=True, axes_dims_rope=(16, 56, 56) if full else (8, 12, 12)).to(dtype)
        text_encoder = CLIPTextModel(CLIPTextConfig(
            vocab_size=len(clip_tok), hidden_size=768 if full else 64, intermediate_size=3072 if full else 128,
            num_hidden_layers=12 if full else 2, num_attention_heads=12 if full else 4, max_position_embeddings=77,
            projection_dim=768 if full else 64, bos_token_id=clip_tok.bos_token_id, eos_token_id=clip_tok.eos_token_id,
            pad_token_id=clip_tok.pad_token_id)).to(dtype)
        text_encoder_2 = T5EncoderModel(T5Config(
            vocab_size=len(t5_tok), d_model=4096 if full else 64, d_kv=64 if full else 16,
            d_ff=10240 if full else 128, num_layers=24 if full else 2, num_heads=64 if full else 4,
            feed_forward_proj="gated-gelu", pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)).to(dtype)
        vae = AutoencoderKL(
            in_channels=3, out_channels=3, latent_channels=16,
            block_out_channels=(128, 256, 512, 512) if full else (16, 16, 16, 16),
            down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
            layers_per_block=2 if full else 1, norm_num_groups=32 if full else 8, use_quant_conv=False,
            use_post_quant_conv=False, shift_factor=0.1159, scaling_factor=0.3611).to(dtype)
    torch.set_default_dtype(default_dtype)
    scheduler = FlowMatchEulerDiscreteScheduler(shift=3.0, use_dynamic_shifting=True, base_shift=0.5, max_shift=1.15,
                                                base_image_seq_len=256, max_image_seq_len=4096)
    pipe = FluxPipeline(scheduler=scheduler, vae=vae, text_encoder=text_encoder, tokenizer=clip_tok,
                        text_encoder_2=text_encoder_2, tokenizer_2=t5_tok, transformer=transformer)
    for module in (transformer, text_encoder, text_encoder_2, vae):
        module.eval()
    return pipe


def synchronize() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def images_per_second(call, batches: list[list[ImageRequest]]) -> tuple[float, float]:
    """(warm-up seconds, images/s over the remaining batches)."""
    t0 = time.perf_counter()
    call(batches[0])
    synchronize()
    warmup = time.perf_counter() - t0
    t0 = time.perf_counter()
    for batch in batches[1:]:
        call(batch)
    synchronize()
    return warmup, sum(map(len, batches[1:])) / (time.perf_counter() - t0)


def plain_loop(pipe, settings: GenerationSettings, max_sequence_length: int):
    def call(batch: list[ImageRequest]) -> None:
        with torch.inference_mode():
            for r in batch:
                pipe(r.text, height=settings.resolution, width=settings.resolution,
                     num_inference_steps=settings.num_inference_steps, guidance_scale=settings.guidance_scale,
                     generator=torch.Generator().manual_seed(r.seed), max_sequence_length=max_sequence_length)
    return call


def bench(label: str, make_generator, batch_sizes: list[int], images: int, rows: list[tuple],
          compile_modes: tuple[bool, ...] | None = None) -> None:
    generator = make_generator(1, False)
    generator.load()
    _, loop_rate = images_per_second(plain_loop(generator.pipe, generator.settings, generator.max_sequence_length),
                                     [requests(images)[:1], requests(images)])
    rows.append((label, "plain pipe(prompt) loop", 1, "-", loop_rate, 1.0))
    supported = {False, getattr(generator, "compile_supported", False)}
    for compile_ in sorted(supported if compile_modes is None else supported & set(compile_modes)):
        for batch_size in batch_sizes:
            generator = make_generator(batch_size, compile_)
            generator.load()
            reqs = requests(images + batch_size)
            batches = [reqs[i:i + batch_size] for i in range(0, len(reqs), batch_size)]
            warmup, rate = images_per_second(generator.generate, batches)
            rows.append((label, "adapter" + (" + torch.compile" if compile_ else ""), batch_size,
                         f"{warmup:.1f}", rate, rate / loop_rate))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=16, help="timed images per configuration (tiny-flux)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 4, 8, 16])
    parser.add_argument("--flux-arch", choices=["none", "cpu", "full"],
                        default="full" if torch.cuda.is_available() else "none")
    parser.add_argument("--flux-images", type=int, default=8)
    parser.add_argument("--flux-steps", type=int, default=50)
    parser.add_argument("--flux-batch-sizes", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--compile", choices=["off", "on", "both"], default="both",
                        help="FLUX configurations with or without torch.compile (where supported)")
    parser.add_argument("--skip-tiny", action="store_true", help="time only the FLUX architecture")
    args = parser.parse_args()
    compile_modes = {"off": (False,), "on": (True,), "both": (False, True)}[args.compile]
    rows: list[tuple] = []

    def tiny(batch_size: int, compile_: bool):
        return TinyFluxGenerator(GenerationSettings(batch_size=batch_size))
    if not args.skip_tiny:
        build_tiny_flux_pipeline()  # built once; the adapter reuses the cached pipeline
        bench("tiny-flux (CPU, float64, 64², 4 steps)", tiny, args.batch_sizes, args.images, rows)

    if args.flux_arch != "none":
        device = "cuda" if torch.cuda.is_available() else "cpu"
        full = args.flux_arch == "full"
        dtype = torch.bfloat16 if full else torch.float32
        pipe = build_flux_architecture(args.flux_arch, dtype, device)
        transformer = pipe.transformer

        class RandomFlux(FluxDevGenerator):
            """FluxDevGenerator's own load and call path on the random-weight pipeline."""

            compile_supported = device == "cuda"

            def build_pipeline(self, dtype):
                pipe.transformer = transformer  # undo the previous configuration's torch.compile wrapper
                return pipe

        settings = GenerationSettings(device=device, dtype=str(dtype).removeprefix("torch."),
                                      resolution=720 if full else 64, num_inference_steps=args.flux_steps if full else 4)

        def flux(batch_size: int, compile_: bool):
            return RandomFlux(replace(settings, batch_size=batch_size),
                              {"compile": str(compile_).lower(), "max_sequence_length": "512" if full else "256"})
        label = f"FLUX.1-dev arch, random weights ({'bf16, 720², ' + str(args.flux_steps) + ' steps' if full else 'CPU-sized'})"
        bench(label, flux, args.flux_batch_sizes if full else [1, 4], args.flux_images if full else args.images, rows,
              compile_modes)

    print(f"torch {torch.__version__} · {torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'CPU'}"
          f" · {torch.get_num_threads()} threads")
    print("| model | path | batch | warm-up s | images/s | vs loop |\n|---|---|---|---|---|---|")
    for label, path, batch, warmup, rate, ratio in rows:
        print(f"| {label} | {path} | {batch} | {warmup} | {rate:.2f} | {ratio:.2f}× |")


if __name__ == "__main__":
    main()
