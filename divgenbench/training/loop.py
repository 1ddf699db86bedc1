"""The D2-Align run: stage 1 (b_v), stage 2 (generator), checkpoints, logging, monitor (SPEC §5, §8).

Scale-out rides on accelerate: ``accelerate launch --config_file examples/accelerate_fsdp.yaml`` shards a full
fine-tune of the 12B transformer (FSDP full-shard), plain DDP serves LoRA and stage 1, ``torchrun`` works too.
Each process draws the sample indices of its rank (stages.step_indices) and gradients are averaged, so N
processes with accumulation A/N compute the same mean gradient as one process with accumulation A.

Output folder: ``b_v.safetensors`` (stage 1), ``transformer/`` (full) or ``pytorch_lora_weights.safetensors``
(LoRA) (stage 2), ``d2align.json`` (base model, reward, ω, recipe; what ``flux-d2align`` reads to find the base),
``train_log.csv`` (+ ``tensorboard/``), ``checkpoints/``.
"""

from __future__ import annotations

import contextlib
import json
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..errors import ConfigError
from .checkpoints import latest_checkpoint, load_checkpoint, save_checkpoint
from .config import ModelConfig, TrainConfig
from .flux_one_step import FluxParts, geometry
from .guided_reward import DIRECTION_FILE, ReasoningDirection, reward_identity
from .log import TrainLog
from .monitor import DiversityMonitor
from .stages import (STAGE_DIRECTION, STAGE_GENERATOR, DirectionModule, FluxSampleSource, guided_loss,
                     step_indices)

RECORD_FILE = "d2align.json"
LORA_FILE = "pytorch_lora_weights.safetensors"
TRANSFORMER_DIR = "transformer"


def load_base_pipeline(model: ModelConfig):
    """A fresh FluxPipeline for training (never a cached one: training changes its transformer)."""
    dtype = getattr(torch, model.dtype)
    if model.generator == "tiny-flux":
        from ..generators.tiny_flux import build_tiny_flux_pipeline

        return build_tiny_flux_pipeline(model.weights_seed, model.dtype)
    from ..generators.base import GenerationSettings
    from ..generators.flux import FluxDevGenerator

    args = {k: v for k, v in (("pretrained", model.pretrained), ("revision", model.revision)) if v}
    return FluxDevGenerator(GenerationSettings(), args).build_pipeline(dtype)


def base_record(model: ModelConfig) -> dict[str, Any]:
    """How ``flux-d2align`` rebuilds the base the checkpoint was trained from."""
    if model.generator == "tiny-flux":
        return {"generator": "tiny-flux", "weights_seed": model.weights_seed}
    from ..generators.flux import FLUX_DEV_HUB_ID, FLUX_DEV_REVISION

    source = model.pretrained or FLUX_DEV_HUB_ID
    return {"generator": "flux-dev", "source": source,
            "revision": None if model.pretrained else (model.revision or FLUX_DEV_REVISION)}


def peak_memory_mb(device) -> float:
    """Peak since the last reset on CUDA; the process's peak resident set on CPU (Linux kB, macOS bytes)."""
    if torch.device(device).type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 1024


def reset_peak_memory(device) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


@dataclass
class StageResult:
    stage: int
    steps: int
    seconds_per_step: float
    peak_memory_mb: float


class D2AlignTrainer:
    """One training run in ``output``. ``scorer`` / ``pipe`` / ``prompts`` default to what the config names;
    tests and benchmarks pass tiny ones."""

    def __init__(self, config: TrainConfig, output: Path | str, *, scorer=None, pipe=None,
                 prompts: Sequence[str] | None = None, accelerator=None, monitor: DiversityMonitor | None = None,
                 progress: bool = True):
        from accelerate import Accelerator

        self.config = config
        self.output = Path(output)
        cpu = (config.device or "").startswith("cpu")
        self.accelerator = accelerator or Accelerator(cpu=cpu)
        self.device = self.accelerator.device
        self.dtype = getattr(torch, config.model.dtype)
        if scorer is None:
            from ..quality import DifferentiableScorer, load_scorer

            scorer = load_scorer(config.reward.name, device=str(self.device))
            if not isinstance(scorer, DifferentiableScorer):
                raise ConfigError(f"reward {config.reward.name!r} has no differentiable reward",
                                  "choose a scorer with encode_image/encode_text/reward, e.g. hps-v2.1")
        self.scorer = scorer
        if prompts is None:
            from .prompts import load_training_prompts

            prompts = load_training_prompts(config.prompts)
        self.prompts = list(prompts)
        self.pipe = pipe if pipe is not None else load_base_pipeline(config.model)
        self.pipe.to(self.device)
        for module in (self.pipe.transformer, self.pipe.vae, self.pipe.text_encoder, self.pipe.text_encoder_2):
            module.requires_grad_(False)
        self.parts = FluxParts(self.pipe, geometry(self.pipe, config.sampling.resolution),
                               config.model.max_sequence_length)
        self.source = FluxSampleSource(self.parts, config, self.prompts, self.device, self.dtype)
        self.monitor = monitor if monitor is not None else self.default_monitor()
        self.show_progress = progress and self.accelerator.is_main_process
        self.log = TrainLog(self.output, enabled=self.accelerator.is_main_process)

    def default_monitor(self) -> DiversityMonitor | None:
        """The config's monitor on the main process (it evaluates the live pipeline; other ranks wait)."""
        m = self.config.monitor
        if not m.every or not self.accelerator.is_main_process:
            return None
        from accelerate.utils import DistributedType

        if self.accelerator.distributed_type == DistributedType.FSDP:
            raise ConfigError("the diversity monitor cannot sample from FSDP-sharded weights on one process",
                              "set monitor.every: 0 for FSDP full fine-tunes, or train a LoRA with DDP")
        return DiversityMonitor(self.pipe, self.output / "monitor", every=m.every, protocol=m.protocol,
                                prompts_per_dimension=m.prompts_per_dimension, extractor_set=m.extractor_set)

    # --- shared ---------------------------------------------------------------------------------
    @property
    def world(self) -> int:
        return self.accelerator.num_processes

    def micro_indices(self, step: int, micro: int) -> list[int]:
        o = self.config.optim
        return step_indices(step, micro, self.accelerator.process_index, batch=o.batch_size,
                            accumulation=self.micro_steps, world=self.world)

    @property
    def micro_steps(self) -> int:
        """Accumulation slots per process: the configured accumulation is a global count of micro-batches."""
        accumulation = self.config.optim.gradient_accumulation
        if accumulation % self.world:
            raise ConfigError(f"optim.gradient_accumulation {accumulation} does not split over {self.world} "
                              "processes", "use an accumulation that is a multiple of the process count")
        return accumulation // self.world

    def embeddings(self, transformer, indices: list[int], stage: int):
        """(e_img, e_text) of the decoded reconstructions of ``indices``; gradients as the caller allows."""
        rec = self.source.reconstruct(transformer, indices, stage)
        with torch.no_grad():
            e_text = self.scorer.encode_text(rec.prompts)
        return self.scorer.encode_image(rec.pixels), e_text

    def embedding_dim(self) -> tuple[int, torch.dtype]:
        with torch.no_grad():
            e = self.scorer.encode_text(self.prompts[:1])
        return e.shape[-1], e.dtype

    def resume_point(self, stage: int) -> int:
        """Load the newest checkpoint of ``stage`` if there is one; the step to start from."""
        checkpoint = latest_checkpoint(self.output)
        if checkpoint is None or checkpoint.stage != stage:
            return 0
        load_checkpoint(self.accelerator, checkpoint, self.config)
        return checkpoint.step

    def optimizer(self, params, lr: float):
        o = self.config.optim
        return torch.optim.AdamW(params, lr=lr, betas=o.betas, eps=o.eps, weight_decay=o.weight_decay)

    def optimise(self, stage: int, model, optimizer, params, steps: int, start: int,
                 micro_loss: Callable[[int, int], Any], after_step: Callable[[int], None] | None = None) -> StageResult:
        """The shared step loop: accumulate micro-batches (no gradient sync until the last), clip, step, log,
        checkpoint. ``micro_loss(step, micro)`` returns the micro-batch's StepMetrics."""
        self.log.truncate(stage, start)
        every = self.config.checkpoint_every
        times: list[float] = []
        progress = self.progress(stage, steps, start)
        for step in range(start, steps):
            reset_peak_memory(self.device)
            began = time.perf_counter()
            totals = torch.zeros(3, dtype=torch.float64, device=self.device)
            for micro in range(self.micro_steps):
                last = micro == self.micro_steps - 1
                with contextlib.nullcontext() if last else self.accelerator.no_sync(model):
                    metrics = micro_loss(step, micro)
                    self.accelerator.backward(metrics.loss / self.micro_steps)
                totals += torch.tensor([float(metrics.loss.detach()), metrics.reward, metrics.guided_reward],
                                       dtype=torch.float64, device=self.device) / self.micro_steps
            grad_norm = self.accelerator.clip_grad_norm_(params, self.config.optim.max_grad_norm)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            times.append(time.perf_counter() - began)
            totals = self.accelerator.reduce(totals, reduction="mean")
            if (step + 1) % self.config.log_every == 0 or step + 1 == steps:
                self.log.log(stage, step, {"loss": totals[0], "reward": totals[1], "guided_reward": totals[2],
                                           "grad_norm": float(grad_norm), "lr": optimizer.param_groups[0]["lr"],
                                           "step_time_s": times[-1], "peak_memory_mb": peak_memory_mb(self.device)})
            if after_step is not None:
                after_step(step)
            if every and (step + 1) % every == 0 and step + 1 < steps:
                save_checkpoint(self.accelerator, self.output, stage, step + 1, self.config)
            progress.advance(float(totals[0]))
        progress.close()
        return StageResult(stage, len(times), sum(times) / max(1, len(times)), peak_memory_mb(self.device))

    def progress(self, stage: int, steps: int, start: int):
        return _Progress(f"stage {stage}", steps, start, enabled=self.show_progress)

    # --- stage 1 --------------------------------------------------------------------------------
    def stage1_cache(self, start: int, steps: int) -> dict[tuple[int, int], tuple[Any, Any]]:
        """SPEC §8 cached sampling: every (step, micro) batch's embeddings, computed once with the frozen
        generator, in the same micro-batches the fresh mode would draw (so the numbers are identical)."""
        cache = {}
        with torch.no_grad():
            for step in range(start, steps):
                for micro in range(self.micro_steps):
                    cache[step, micro] = self.embeddings(self.pipe.transformer, self.micro_indices(step, micro),
                                                         STAGE_DIRECTION)
        return cache

    def train_direction(self) -> tuple[ReasoningDirection, StageResult]:
        """Stage 1: b_v trained on −R_guided, generator frozen; writes ``b_v.safetensors``."""
        cfg = self.config
        dim, dtype = self.embedding_dim()
        direction = DirectionModule(dim, cfg.reward.omega, dtype=dtype, device=self.device)
        optimizer = self.optimizer(direction.parameters(), cfg.stage1.lr or cfg.optim.lr)
        model, optimizer = self.accelerator.prepare(direction, optimizer)
        start = self.resume_point(STAGE_DIRECTION)
        cache = self.stage1_cache(start, cfg.stage1.steps) if cfg.stage1.sampling == "cached" else None

        def micro_loss(step: int, micro: int):
            if cache is not None:
                e_img, e_text = cache.pop((step, micro))
            else:
                with torch.no_grad():
                    e_img, e_text = self.embeddings(self.pipe.transformer, self.micro_indices(step, micro),
                                                    STAGE_DIRECTION)
            return guided_loss(model, e_img, e_text)

        result = self.optimise(STAGE_DIRECTION, model, optimizer, list(model.parameters()), cfg.stage1.steps,
                               start, micro_loss)
        b_v = self.accelerator.unwrap_model(model).b_v.detach().clone()
        saved = ReasoningDirection(b_v, cfg.reward.omega, reward_identity(self.scorer),
                                   {"steps": cfg.stage1.steps, "sampling": cfg.stage1.sampling, "seed": cfg.seed})
        if self.accelerator.is_main_process:
            saved.save(self.output / DIRECTION_FILE)
            self.write_record(stage1=result)
        self.accelerator.wait_for_everyone()
        self.accelerator.free_memory()
        return saved, result

    # --- stage 2 --------------------------------------------------------------------------------
    def trainable_transformer(self):
        """The transformer with what stage 2 trains switched on: all weights, or a fresh peft LoRA."""
        transformer = self.pipe.transformer
        s2 = self.config.stage2
        if s2.mode == "lora":
            from peft import LoraConfig

            transformer.add_adapter(LoraConfig(r=s2.lora_rank, lora_alpha=s2.lora_alpha,
                                               target_modules=list(s2.lora_targets), init_lora_weights="gaussian"))
        else:
            transformer.requires_grad_(True)
        if self.config.gradient_checkpointing:
            transformer.enable_gradient_checkpointing()
        return transformer

    def train_generator(self, direction: ReasoningDirection | None = None) -> StageResult:
        """Stage 2: the generator trained on −R_guided with b_v frozen; writes the transformer or LoRA."""
        cfg = self.config
        direction = direction or ReasoningDirection.load(self.output / DIRECTION_FILE,
                                                         expect=reward_identity(self.scorer))
        frozen = DirectionModule(direction.b_v.shape[0], direction.omega, dtype=direction.b_v.dtype,
                                 device=self.device)
        frozen.b_v.data.copy_(direction.b_v)
        frozen.requires_grad_(False)
        transformer = self.trainable_transformer()
        params = [p for p in transformer.parameters() if p.requires_grad]
        model, optimizer = self.accelerator.prepare(transformer, self.optimizer(params, cfg.optim.lr))
        params = [p for p in model.parameters() if p.requires_grad]
        start = self.resume_point(STAGE_GENERATOR)

        def micro_loss(step: int, micro: int):
            e_img, e_text = self.embeddings(model, self.micro_indices(step, micro), STAGE_GENERATOR)
            return guided_loss(frozen, e_img, e_text)

        def after_step(step: int):
            if self.monitor is not None and self.monitor.due(step):
                self.log.log(STAGE_GENERATOR, step, self.monitor(step))

        result = self.optimise(STAGE_GENERATOR, model, optimizer, params, cfg.stage2.steps, start, micro_loss,
                               after_step)
        self.save_generator(model)
        if self.accelerator.is_main_process:
            self.write_record(stage2=result)
        self.accelerator.wait_for_everyone()
        return result

    def save_generator(self, model) -> None:
        state = self.accelerator.get_state_dict(model)  # every process: FSDP gathers shards
        if not self.accelerator.is_main_process:
            return
        unwrapped = self.accelerator.unwrap_model(model)
        if self.config.stage2.mode == "lora":
            from diffusers import FluxPipeline
            from peft.utils import get_peft_model_state_dict

            lora = get_peft_model_state_dict(unwrapped, state_dict=state)
            s2 = self.config.stage2
            FluxPipeline.save_lora_weights(self.output, transformer_lora_layers=lora, weight_name=LORA_FILE,
                                           transformer_lora_adapter_metadata={
                                               "r": s2.lora_rank, "lora_alpha": s2.lora_alpha,
                                               "target_modules": list(s2.lora_targets)})
        else:
            unwrapped.save_pretrained(self.output / TRANSFORMER_DIR, state_dict=state)

    # --- the record -----------------------------------------------------------------------------
    def write_record(self, **stages: StageResult) -> None:
        path = self.output / RECORD_FILE
        record = json.loads(path.read_text()) if path.exists() else {}
        record.update({"base": base_record(self.config.model), "reward": reward_identity(self.scorer),
                       "omega": self.config.reward.omega, "stage2_mode": self.config.stage2.mode,
                       "stage1_sampling": self.config.stage1.sampling, "processes": self.world,
                       "config": self.config.model_dump(mode="json")})
        for name, result in stages.items():
            total = getattr(self.config, name).steps
            record[name] = {"steps": total, "steps_this_session": result.steps, "seconds_per_step": result.seconds_per_step,
                            "peak_memory_mb": result.peak_memory_mb}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=2, sort_keys=True))

    def stage1_done(self) -> bool:
        """b_v of this recipe's full length is saved (a resumed ``all`` run then goes straight to stage 2)."""
        record = self.output / RECORD_FILE
        if not (self.output / DIRECTION_FILE).exists() or not record.exists():
            return False
        done = json.loads(record.read_text()).get("stage1", {}).get("steps")
        resumed = latest_checkpoint(self.output)
        return done == self.config.stage1.steps or (resumed is not None and resumed.stage == STAGE_GENERATOR)

    def run(self, stage: str = "all") -> dict[str, StageResult]:
        """``stage`` 1, 2 or all. Resumes from the newest checkpoint in the output folder."""
        if stage not in ("1", "2", "all"):
            raise ConfigError(f"--stage {stage} is unknown", "choose 1, 2 or all")
        results: dict[str, StageResult] = {}
        direction = None
        if stage in ("1", "all") and not self.stage1_done():
            direction, results["stage1"] = self.train_direction()
        if stage in ("2", "all"):
            results["stage2"] = self.train_generator(direction)
        self.log.close()
        return results


class _Progress:
    """A rich progress bar on the main process; nothing elsewhere."""

    def __init__(self, label: str, total: int, start: int, enabled: bool):
        self.bar = None
        if enabled and total > start:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("loss {task.fields[loss]:.4f}"), TimeRemainingColumn(), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(label, total=total, completed=start, loss=float("nan"))

    def advance(self, loss: float) -> None:
        if self.bar is not None:
            self.bar.update(self.task, advance=1, loss=loss)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
