"""Generator adapters: make images per prompt. One registry; third parties add entry points
in the group ``divgenbench.generators``."""

from ..registry import Registry
from .base import GenerationSettings, Generator, ImageRequest, parse_model_args

GENERATORS: Registry[type[Generator]] = Registry("generators", base=Generator)
GENERATORS.register("tiny-flux", "divgenbench.generators.tiny_flux:TinyFluxGenerator")

__all__ = ["GENERATORS", "GenerationSettings", "Generator", "ImageRequest", "parse_model_args"]
