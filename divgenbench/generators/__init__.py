"""Generator adapters: make images per prompt. One registry; third parties add entry points
in the group ``divgenbench.generators``."""

from ..registry import Registry
from .base import GenerationSettings, Generator, ImageRequest, parse_model_args

GENERATORS: Registry[type[Generator]] = Registry("generators", base=Generator)
GENERATORS.register("tiny-flux", "divgenbench.generators.tiny_flux:TinyFluxGenerator")
GENERATORS.register("flux-dev", "divgenbench.generators.flux:FluxDevGenerator")
GENERATORS.register("flux-d2align", "divgenbench.generators.flux:FluxD2AlignGenerator")
GENERATORS.register("srpo", "divgenbench.generators.public:SRPOGenerator")
GENERATORS.register("mixgrpo", "divgenbench.generators.public:MixGRPOGenerator")
GENERATORS.register("dancegrpo", "divgenbench.generators.public:DanceGRPOGenerator")
GENERATORS.register("diffusers", "divgenbench.generators.diffusers_generic:GenericDiffusersGenerator")
GENERATORS.register("folder", "divgenbench.generators.folder:FolderGenerator")
GENERATORS.register("guided", "divgenbench.generators.guided:GuidedGenerator")

__all__ = ["GENERATORS", "GenerationSettings", "Generator", "ImageRequest", "parse_model_args"]
