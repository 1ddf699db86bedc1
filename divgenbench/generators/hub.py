"""Loading pretrained diffusers parts from a hub repo or a local folder, with one clear error when absent.

[choice] Hub weights go to ``$DIVGENBENCH_HOME/hub`` when ``DIVGENBENCH_HOME`` is set, otherwise to
huggingface's own cache (``HF_HOME`` / ``HF_HUB_CACHE``), so a machine that already holds FLUX.1-dev for
other tools does not download 30 GB again. A source that is an existing path is loaded as a local folder
(no revision); anything else is a hub repo id loaded at the pinned revision.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..errors import MissingWeightsError

T = TypeVar("T")
CAUSE_CHARS = 160  # of the underlying error, quoted in the one-line message


def hub_cache_dir() -> Path | None:
    """The cache passed as ``cache_dir`` (None: huggingface's default)."""
    home = os.environ.get("DIVGENBENCH_HOME")
    return Path(home).expanduser() / "hub" if home else None


def effective_cache_dir() -> Path:
    """Where hub weights are (or would be) cached, for messages and status."""
    from huggingface_hub import constants

    return hub_cache_dir() or Path(constants.HF_HUB_CACHE)


def is_local(source: str) -> bool:
    return Path(source).expanduser().exists()


def missing_message(what: str, source: str, revision: str | None, arg: str) -> tuple[str, str]:
    """(message, hint) naming the repo, revision and cache folder, and how to fill it."""
    if is_local(source):
        return (f"{what}: {source!r} is not a loadable diffusers folder",
                f"point {arg}= at a folder written by save_pretrained, or at a hub repo id")
    if source.startswith((".", "/", "~")) or source.count("/") > 1:
        return (f"{what}: {source!r} is neither an existing folder nor a hub repo id",
                f"check the path given as --model-args {arg}=")
    cache = effective_cache_dir()
    rev = revision or "main"
    return (f"weights for {what} are not available: hub repo {source!r} at revision {rev} is not in {cache}"
            " and cannot be downloaded here",
            f"where the hub is reachable run `hf download {source} --revision {rev} --cache-dir {cache}`"
            " (gated repos such as FLUX.1-dev need an accepted licence and `hf auth login`), "
            f"or pass a local copy with --model-args {arg}=PATH")


def dtype_kwargs(dtype) -> dict[str, Any]:
    """``dtype=`` where diffusers has it (it deprecates ``torch_dtype``), ``torch_dtype=`` on older ones."""
    from diffusers.pipelines import pipeline_utils

    return {"dtype": dtype} if hasattr(pipeline_utils, "_resolve_dtype") else {"torch_dtype": dtype}


def load_pretrained(loader: Callable[..., T], source: str, *, revision: str | None, what: str, arg: str,
                    **kwargs: Any) -> T:
    """``loader(source, revision=..., cache_dir=..., **kwargs)``; hub/offline failures become one
    ``MissingWeightsError`` (the huggingface_hub errors are all OSError or EntryNotFoundError; a string
    that is neither a folder nor a valid repo id raises HFValidationError or diffusers' ValueError)."""
    from huggingface_hub.errors import EntryNotFoundError

    local = is_local(source)
    location = str(Path(source).expanduser()) if local else source
    cache = hub_cache_dir()
    options = dict(kwargs)
    if not local:
        options["revision"] = revision
        if cache is not None:
            options["cache_dir"] = str(cache)
    try:
        return loader(location, **options)
    except (OSError, EntryNotFoundError, ValueError) as exc:
        message, hint = missing_message(what, source, revision, arg)
        cause = str(exc).splitlines()[0] if str(exc) else ""
        cause = cause if len(cause) <= CAUSE_CHARS else cause[:CAUSE_CHARS] + "…"
        raise MissingWeightsError(f"{message} ({type(exc).__name__}: {cause})", hint) from exc


def snapshot(source: str, *, revision: str | None, what: str, arg: str) -> Path:
    """A local folder for ``source``: itself when it exists, else the hub snapshot (downloaded if online)."""
    if is_local(source):
        return Path(source).expanduser()
    from huggingface_hub import snapshot_download

    return Path(load_pretrained(snapshot_download, source, revision=revision, what=what, arg=arg))


def cache_status(hub_id: str, revision: str | None) -> str:
    """'cached' when the repo's model_index.json is in the cache at that revision, else 'missing'."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(hub_id, "model_index.json", revision=revision,
                                   cache_dir=str(hub_cache_dir()) if hub_cache_dir() else None)
    return f"cached in {effective_cache_dir()}" if isinstance(found, str) else f"missing ({hub_id}@{revision})"
