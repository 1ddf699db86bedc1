"""``guided``: any diffusers-based generator with a guidance method combining it with other denoisers.

``--model-args method=constant-mix,base=tiny-flux,others=tiny-flux@weights_seed=1,w=0.3``

- ``method``: a name in ``guidance.GUIDANCE``; every key not listed here is the method's own typed arg.
- ``base``: the generator whose pipeline is guided, ``NAME`` or ``NAME@key=value;key=value`` (its own args).
- ``others``: ``+``-separated denoisers to combine with the base, each one of
  - ``NAME@args``: a registered diffusers-based generator (its transformer/unet is taken: a second copy);
  - ``lora@path=P;scale=S;revision=R``: a LoRA (local path or hub id; a diffusers LoRA file or a PEFT folder,
    ``generators/lora.py``) loaded unfused onto the base's own denoiser as an adapter and switched on only for
    its branch — one copy of the weights in memory (``scale``: the adapter's strength, default 1);
  - a hub id or local folder holding a diffusers model of the base's denoiser class (``subfolder``
    transformer or unet, as in a pipeline repo).

The base generator's settings (steps, guidance scale, resolution, dtype, device) apply; one class serves
every (method, model) pair.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from ..errors import ConfigError
from .args import ModelArgs, parse_args
from .base import GenerationSettings, Generator, GeneratorOutput, ImageRequest

LORA_BRANCH = "lora"


class LoraBranchArgs(ModelArgs):
    """``lora@…`` in ``others``: where the adapter is and how strongly it is switched on."""

    path: str = Field(min_length=1)
    revision: str | None = None
    scale: float = 1.0


class GuidedArgs(ModelArgs):
    method: str = Field(min_length=1)
    base: str = Field(min_length=1)
    others: str = Field(min_length=1)


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """``NAME@k=v;k2=v2`` → (NAME, {k: v, k2: v2})."""
    name, _, rest = spec.partition("@")
    args: dict[str, str] = {}
    for part in filter(None, rest.split(";")):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{spec!r}: {part!r} is not key=value", "write NAME@key=value;key2=value2")
        args[key.strip()] = value.strip()
    return name.strip(), args


def lora_or_error(folder: Path, path: str) -> tuple[str, Path, str]:
    """(format, folder, weights file) of the LoRA at ``folder``, or the ConfigError saying it is none."""
    from .lora import lora_format

    found = lora_format(folder)
    if found is None:
        raise ConfigError(f"others=lora@path={path}: not a LoRA (a diffusers LoRA .safetensors file, a folder "
                          "with one, or a PEFT adapter folder)", "for full transformer weights name a generator "
                          "instead, e.g. others=flux-d2align@checkpoint=DIR")
    return found


def check_lora_path(path: str) -> None:
    """A local ``lora@path=`` must hold a LoRA, and anything else must read as a hub id: checked when the
    command is planned, before run.json and any image (a hub id is fetched, and checked, when the model loads)."""
    from .hub import is_local, missing_message

    if is_local(path):
        lora_or_error(Path(path).expanduser(), path)
    elif path.startswith((".", "/", "~")) or path.count("/") != 1:
        raise ConfigError(*missing_message(f"guided LoRA {path!r}", path, None, "others=lora@path"))


class GuidedGenerator(Generator):
    name = "guided"
    Args = GuidedArgs  # plus the method's own args (``GuidanceMethod.Args``)

    def __init__(self, settings: GenerationSettings, model_args: Mapping[str, str] | None = None):
        from . import GENERATORS
        from ..guidance import GUIDANCE

        values = dict(model_args or {})
        own = {k: values.pop(k) for k in list(values) if k in GuidedArgs.model_fields}
        args = parse_args(GuidedArgs, own, "model 'guided'")
        method_cls = GUIDANCE.get(args.method)
        self.method = method_cls.from_model_args(values)
        base_name, base_args = parse_spec(args.base)
        base_cls = GENERATORS.get(base_name)
        if base_cls is GuidedGenerator or not hasattr(base_cls, "build_pipeline"):
            raise ConfigError(f"model 'guided' needs a diffusers-based base generator, got {base_name!r}",
                              "use e.g. base=flux-dev, base=diffusers@pretrained=ID or base=tiny-flux")
        self.base = base_cls(settings, base_args)
        self.other_specs = [s for s in args.others.split("+") if s.strip()]
        method_cls.check_others(len(self.other_specs))
        self.lora_branches = {i: parse_args(LoraBranchArgs, branch_args, f"guided other {spec!r}")
                              for i, spec in enumerate(self.other_specs)
                              for name, branch_args in [parse_spec(spec)] if name == LORA_BRANCH}
        for branch in self.lora_branches.values():
            check_lora_path(branch.path)
        self.adapters: list[dict[str, Any]] = []
        self.args = args
        self.model_args = dict(model_args or {})
        self.settings = self.base.settings
        self.default_extractor_set = self.base.default_extractor_set
        self.smoke = self.base.smoke

    def resolved_settings(self) -> GenerationSettings:
        return self.base.resolved_settings()

    def resolved_args(self) -> dict[str, Any]:
        return {"method": self.method.name, "method_args": self.method.args.model_dump(mode="json"),
                "base": {"name": self.base.name, "args": self.base.resolved_args()}, "others": self.other_specs}

    def _other_denoiser(self, spec: str, base_denoiser: Any) -> Any:
        from . import GENERATORS

        name, args = parse_spec(spec)
        if name in GENERATORS:
            other = GENERATORS.get(name)(self.base.settings, args)
            other.load()
            return getattr(other.pipe, "transformer", None) or other.pipe.unet
        from .hub import load_pretrained

        subfolder = "transformer" if getattr(self.base.pipe, "transformer", None) is not None else "unet"
        return load_pretrained(type(base_denoiser).from_pretrained, name, revision=args.get("revision"),
                               what=f"guided model {name!r}", arg="others", subfolder=subfolder,
                               torch_dtype=base_denoiser.dtype).to(base_denoiser.device)

    def _adapter_branch(self, index: int, base_denoiser: Any) -> Any:
        """The ``index``-th other as a LoRA loaded unfused on the base denoiser, switched on per branch."""
        from ..guidance.base import AdapterBranch, denoiser_name
        from ..hashing import cached_file_sha256
        from .hub import snapshot
        from .lora import load_lora_adapter

        branch = self.lora_branches[index]
        source = snapshot(branch.path, revision=branch.revision, what=f"guided LoRA {branch.path!r}", arg="others")
        fmt, folder, weights_file = lora_or_error(source, branch.path)
        name = f"guided-other-{index}"
        load_lora_adapter(self.base.pipe, base_denoiser, fmt, folder, weights_file, name)
        elsewhere = [part for part, names in self.base.pipe.get_list_adapters().items()
                     if name in names and part != denoiser_name(self.base.pipe)]
        if elsewhere:
            self.base.pipe.delete_adapters([name])
            raise ConfigError(f"others=lora@path={branch.path} also adapts {', '.join(elsewhere)}, which every "
                              "branch shares", "pass a LoRA of the denoiser only, or load it as its own model")
        self.adapters.append({"other": index, "path": branch.path, "revision": branch.revision, "format": fmt,
                              "scale": branch.scale, "sha256": cached_file_sha256(folder / weights_file)})
        return AdapterBranch(name, branch.scale)

    def load(self) -> None:
        from ..guidance import guide_pipeline
        from ..guidance.base import denoiser_name

        if getattr(self, "_guided", False):
            return
        self.base.load()
        part = denoiser_name(self.base.pipe)
        if self.lora_branches and self.base.shares_pipeline:  # adapters go onto a private copy, not the cache
            import copy

            pipe = self.base.pipe
            self.base.pipe = type(pipe)(**{**pipe.components, part: copy.deepcopy(getattr(pipe, part))})
            self.base.pipe.set_progress_bar_config(disable=True)
        base_denoiser = getattr(self.base.pipe, part)
        others = [self._adapter_branch(i, base_denoiser) if i in self.lora_branches
                  else self._other_denoiser(spec, base_denoiser) for i, spec in enumerate(self.other_specs)]
        self.base.pipe = guide_pipeline(self.base.pipe, others, self.method, self.base.settings.num_inference_steps)
        self.settings = self.base.settings
        self._guided = True

    def generate(self, requests: Sequence[ImageRequest]) -> list[GeneratorOutput]:
        self.load()
        return self.base.generate(requests)

    @classmethod
    def weights_status(cls) -> str:
        return "those of its base and other models"

    def describe(self) -> dict[str, Any]:
        base = self.base.describe()
        return {**base, "name": self.name, "adapter": f"{type(self).__module__}:{type(self).__qualname__}",
                "args": dict(self.model_args), "smoke": self.smoke, "base": base.get("name"),
                "others": self.other_specs, "adapters": self.adapters, "guidance": self.method.describe()}
