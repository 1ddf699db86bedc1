"""Prompt bank v1 (SPEC §2): vocabularies, the deterministic builder and the loader; and the HPDv2 benchmark
prompts the ``hpdv2`` protocol draws from."""

from ..protocol import Protocol
from .bank import Prompt, PromptBank, load_prompts
from .hpdv2 import load_hpdv2_prompts


def prompts_for(protocol: Protocol, source: str = "bundled", version: str | None = None) -> PromptBank:
    """The prompts ``protocol`` draws from. The keyword bank: ``source`` is ``bundled``, ``hub:ID[@rev]`` or a
    folder (``version``: the bank version, default the current one). The HPDv2 benchmark (``hpdv2``):
    ``bundled`` (the default) means its pinned hub files, anything else a folder holding the four category
    files."""
    if protocol.prompt_set == "hpdv2":
        return load_hpdv2_prompts("hub" if source == "bundled" else source)
    return load_prompts(source, version) if version else load_prompts(source)


__all__ = ["Prompt", "PromptBank", "load_hpdv2_prompts", "load_prompts", "prompts_for"]
