"""Prompt bank v1 (SPEC §2): vocabularies, the deterministic builder and the loader."""

from .bank import Prompt, PromptBank, load_prompts

__all__ = ["Prompt", "PromptBank", "load_prompts"]
