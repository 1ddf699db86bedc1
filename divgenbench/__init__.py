"""DivGenBench: measure how diverse a text-to-image model's outputs are (SPEC v1)."""

__version__ = "0.1.0"
