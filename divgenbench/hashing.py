"""The toolkit's sha256 helpers: bytes, files (streamed; cached per path, size and mtime) and the
tensors of a model built in code (the weights identity of tiny random-weight models)."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def cached_file_sha256(path: Path | str) -> str:
    """sha256 of a file, hashed once per (path, size, mtime) in this process (fingerprints ask often)."""
    stat = Path(path).stat()
    return _sha256_by_stat(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=128)
def _sha256_by_stat(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(path)


def state_dict_sha256(module: Any) -> str:
    """Hash of a torch module's tensors (names, dtypes, shapes, bytes) in key order."""
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        array = tensor.detach().cpu().contiguous().numpy()
        digest.update(f"{name}:{array.dtype}:{array.shape}\n".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()
