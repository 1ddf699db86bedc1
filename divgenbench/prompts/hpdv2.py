"""The HPDv2 benchmark prompts (Wu et al. 2023): 3,200 prompts, 800 in each of four categories, for the
``hpdv2`` protocol (SPEC §8 "Where quality is measured").

Source: the hub dataset ``zhwang/HPDv2``, files ``benchmark/{anime,concept-art,paintings,photo}.json`` (each a
JSON list of 800 prompt strings; what ``hpsv2.benchmark_prompts`` reads), at a pinned revision with each file's
pinned sha256 (provenance in docs/weights.md). Or a local folder holding the four files (``--prompts-source
DIR``), e.g. a copy made where the hub is reachable, or a small fixture.

Prompt ids are ``hpdv2-{category}-{index:03d}`` by position in the file (the benchmark repeats 28 texts; ids
stay unique), the dimension is the category, and the attributes record category and index. The bank hash is
the sha256 of the canonical JSONL of all records in category order, as for the DivGenBench bank.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .. import strictjson
from ..errors import ConfigError, DataError, MissingDataError
from ..hashing import sha256_bytes
from ..protocol import HPDV2_CATEGORIES
from .bank import Prompt, PromptBank, canonical_bytes

HPDV2_DATASET = "zhwang/HPDv2"
HPDV2_REVISION = "b9517430f34b1080d4f741118d2a440155a165cd"
#: category → sha256 of ``benchmark/{category}.json`` at HPDV2_REVISION
HPDV2_SHA256: Mapping[str, str] = {
    "anime": "6b38a479cc6f899866e9b7a8bf91f096b4afc6883b95275a61891327182b14ae",
    "concept-art": "530d057deafcb82c581e9d1be2ffcb98828fe99f0b54257414d2ab8a5cf2b83e",
    "paintings": "6570d39467e08b24b64e5b8a4177b0f61c525631121dc5a91fe2ab956eab4d5f",
    "photo": "92a3c9a0f743f66eb87bd112cdda830d6bdb4c073c86021d53b74001fcb18052",
}
HPDV2_PROMPTS_PER_CATEGORY = 800
TEMPLATE = "hpdv2-benchmark"
MAX_PROMPT_CHARS = 2000


def _hub_file(category: str) -> str:
    return f"benchmark/{category}.json"


def _offline_hint() -> str:
    files = " ".join(_hub_file(c) for c in HPDV2_CATEGORIES)
    return (f"where the hub is reachable run `hf download {HPDV2_DATASET} {files} --repo-type dataset "
            f"--revision {HPDV2_REVISION} --local-dir DIR`, then pass --prompts-source DIR/benchmark")


def _download() -> dict[str, Path]:
    """The four files from the hub cache (downloaded if online), or one error naming dataset, revision, files."""
    from huggingface_hub import hf_hub_download

    paths = {}
    for category in HPDV2_CATEGORIES:
        try:
            paths[category] = Path(hf_hub_download(HPDV2_DATASET, _hub_file(category), repo_type="dataset",
                                                   revision=HPDV2_REVISION))
        except Exception as exc:  # offline, moved file: say what and where
            raise MissingDataError(
                f"the HPDv2 benchmark prompts are not available: {_hub_file(category)} of dataset {HPDV2_DATASET!r} "
                f"at revision {HPDV2_REVISION} is not in the hub cache and cannot be downloaded here "
                f"({type(exc).__name__})", _offline_hint()) from exc
    return paths


def _read_category(path: Path, category: str) -> list[str]:
    """One category file: a JSON list of non-empty strings (untrusted input: bounded, strict, one error)."""
    fix = f"restore {path.name} from {HPDV2_DATASET} (revision {HPDV2_REVISION[:12]}…)"
    try:
        texts = strictjson.loads(strictjson.read_text(path, "HPDv2 prompts file", fix=fix))
    except strictjson.JSONInputError as exc:
        raise DataError(f"HPDv2 prompts file {path}: {exc}", fix) from exc
    if not isinstance(texts, list) or not texts:
        raise DataError(f"HPDv2 prompts file {path} is not a non-empty JSON list of prompts", fix)
    for index, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_PROMPT_CHARS:
            raise DataError(f"HPDv2 prompts file {path} entry {index} is not a prompt (a non-empty string of at "
                            f"most {MAX_PROMPT_CHARS} characters)", fix)
    return texts


def _bank(texts: Mapping[str, list[str]], source: str, version: str) -> PromptBank:
    prompts = {c: tuple(Prompt(f"hpdv2-{c}-{i:03d}", c, text, TEMPLATE, {"category": c, "index": i})
                        for i, text in enumerate(texts[c])) for c in HPDV2_CATEGORIES}
    data = canonical_bytes([p.to_record() for c in HPDV2_CATEGORIES for p in prompts[c]])
    return PromptBank(prompts, version, sha256_bytes(data), source)


def load_hpdv2_prompts(source: str = "hub") -> PromptBank:
    """The HPDv2 benchmark prompts from the pinned hub files (``hub``) or a folder of the four JSON files.

    Hub files must match their pinned sha256 and hold 800 prompts each; a local folder is the user's own
    (a fixture, a subset) and is recorded as such, with its own hash.
    """
    if source == "hub":
        paths = _download()
        for category, path in paths.items():
            actual = sha256_bytes(strictjson.read_bounded(path))
            if actual != HPDV2_SHA256[category]:
                raise DataError(f"{path} ({_hub_file(category)} of {HPDV2_DATASET}) hashes {actual[:12]}…, the pin "
                                f"is {HPDV2_SHA256[category][:12]}…", "delete it from the hub cache and run again")
        texts = {c: _read_category(paths[c], c) for c in HPDV2_CATEGORIES}
        short = [c for c in HPDV2_CATEGORIES if len(texts[c]) != HPDV2_PROMPTS_PER_CATEGORY]
        if short:
            raise DataError(f"HPDv2 category {short[0]!r} holds {len(texts[short[0]])} prompts, expected "
                            f"{HPDV2_PROMPTS_PER_CATEGORY}", "delete the cached file and run again")
        return _bank(texts, f"hub:{HPDV2_DATASET}@{HPDV2_REVISION}", f"hpdv2-benchmark@{HPDV2_REVISION[:12]}")
    folder = Path(source).expanduser()
    if not folder.is_dir():
        raise ConfigError(f"--prompts-source {source!r} is not a folder of the HPDv2 benchmark files",
                          "omit --prompts-source to use the pinned hub files, or pass a folder holding "
                          + ", ".join(f"{c}.json" for c in HPDV2_CATEGORIES))
    missing = [f"{c}.json" for c in HPDV2_CATEGORIES if not (folder / f"{c}.json").is_file()]
    if missing:
        raise ConfigError(f"--prompts-source {folder} lacks {', '.join(missing)}",
                          "pass a folder holding the four HPDv2 benchmark files; " + _offline_hint())
    texts = {c: _read_category(folder / f"{c}.json", c) for c in HPDV2_CATEGORIES}
    return _bank(texts, str(folder), "hpdv2-benchmark (local copy)")
