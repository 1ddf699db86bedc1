"""``folder``: score a user's own images, mapped to prompts by a manifest.

``--model-args path=FOLDER[,manifest=FILE]``. [choice] The manifest is JSONL (``manifest.jsonl``) or
CSV with a header (``manifest.csv``), looked for in FOLDER when not named (a relative FILE that does not
exist from the working directory is looked for in FOLDER); ``divgenbench plan`` writes one (its extra
columns, such as seed and text, are ignored here). One row per image:

    {"prompt_id": "layout-0001", "k": 2, "file": "layout/0001_2.png"}      # JSONL
    prompt_id,k,file                                                         # CSV header
    layout-0001,2,layout/0001_2.png

``file`` is relative to the manifest's folder (or absolute: [choice] the manifest is the user's own, so it
may name images anywhere they can read; results record this rule and how many images came from outside
the folder, ``model.extra.paths`` and ``model.extra.files_outside_folder``); ``k`` is the image index within its prompt
(0 ≤ k < the protocol's images per prompt). Each image is checked by decoding it in full and copied into
the run directory atomically, so the run stays valid when the folder changes: a PNG byte for byte (its
sha256 is the source's), any other format (JPEG, WebP) converted once to lossless PNG (the record keeps
the source path). Missing rows or files and corrupt images are reported per image and the rest is
scored; manifest rows outside the run's plan, malformed rows, duplicates and unlisted image files are
reported as notes. Seeds in the records are the protocol's; the folder's own seeding is the user's.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from PIL import Image
from pydantic import Field

from .. import strictjson
from ..errors import ConfigError, DataError
from ..images import UnreadableImage, decode_rgb
from ..hashing import sha256_file
from .args import ModelArgs
from .base import EncodedImage, GenerationSettings, Generator, GeneratorOutput, ImageRequest, Unavailable
from .runner import encode_png

MANIFEST_NAMES = ("manifest.jsonl", "manifest.csv")
MANIFEST_FIELDS = ("prompt_id", "k", "file")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NOTE_EXAMPLES = 5


def _rows(manifest: Path) -> Iterator[tuple[int, Any]]:
    """(line number, raw row) of a JSONL or CSV manifest; a file that is too big, unreadable or not UTF-8
    is one DataError, a line that is not strict JSON one malformed row."""
    text = strictjson.read_text(manifest, "manifest", encoding="utf-8-sig",
                                fix="save it as UTF-8, one JSON object per line or CSV with a prompt_id,k,file "
                                    "header, one row per image (far below the size limit)",
                                unreadable_fix="check the --model-args manifest=FILE path and its permissions")
    if manifest.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        missing = [f for f in MANIFEST_FIELDS if f not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"manifest {manifest} has no column {', '.join(missing)}",
                            "the first line must be the header prompt_id,k,file")
        for number, row in enumerate(reader, start=2):
            yield number, row
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield number, strictjson.loads(line)
            except strictjson.JSONInputError as exc:
                yield number, f"not strict JSON ({exc})"


def _examples(items: Sequence[str]) -> str:
    shown = ", ".join(items[:NOTE_EXAMPLES])
    return shown + (f", … ({len(items)} in all)" if len(items) > NOTE_EXAMPLES else "")


class FolderArgs(ModelArgs):
    path: str | None = Field(None, min_length=1, description="folder of your images")
    manifest: str | None = Field(None, min_length=1, description="manifest.jsonl (default: PATH/manifest.jsonl)")


class FolderGenerator(Generator):
    """Reads images instead of generating them; the manifest maps (prompt_id, k) to a file."""

    name = "folder"
    Args = FolderArgs

    def __init__(self, settings: GenerationSettings, model_args: Mapping[str, str] | None = None):
        super().__init__(settings, model_args)
        if "path" not in self.model_args:
            raise ConfigError("model 'folder' needs --model-args path=FOLDER",
                              "point it at the folder holding your images and a manifest.jsonl")
        self.folder = Path(self.model_args["path"]).expanduser()
        self.manifest = self._find_manifest()
        self.files: dict[tuple[str, int], Path] = {}
        self.problems: list[str] = []
        self._read_manifest()

    def _find_manifest(self) -> Path:
        if "manifest" in self.model_args:
            manifest = Path(self.model_args["manifest"]).expanduser()
            if not manifest.is_absolute() and not manifest.exists():
                manifest = self.folder / manifest
            candidates = [manifest]
        else:
            candidates = [self.folder / name for name in MANIFEST_NAMES]
        for candidate in candidates:
            if candidate.is_file():
                return candidate
        raise DataError(f"no manifest found (looked for {', '.join(str(c) for c in candidates)})",
                        "write manifest.jsonl with one {\"prompt_id\", \"k\", \"file\"} object per image, "
                        "or pass --model-args manifest=FILE")

    def _read_manifest(self) -> None:
        """Index rows by (prompt_id, k); malformed and duplicate rows become notes, not errors."""
        malformed, duplicates = [], []
        for number, row in _rows(self.manifest):
            if isinstance(row, str) or not isinstance(row, dict):
                malformed.append(f"line {number}: {row if isinstance(row, str) else 'not an object'}")
                continue
            absent = [f for f in MANIFEST_FIELDS if row.get(f) in (None, "")]
            try:
                key = (str(row["prompt_id"]), int(row["k"]))
            except (KeyError, TypeError, ValueError):
                malformed.append(f"line {number}: needs {', '.join(absent) or 'an integer k'}")
                continue
            if absent:
                malformed.append(f"line {number}: needs {', '.join(absent)}")
                continue
            if key in self.files:
                duplicates.append(f"{key[0]}_{key[1]} (line {number})")
                continue
            file = Path(str(row["file"])).expanduser()
            self.files[key] = file if file.is_absolute() else self.manifest.parent / file
        if malformed:
            self.problems.append(f"manifest {self.manifest.name}: {len(malformed)} malformed rows skipped: "
                                 f"{_examples(malformed)}")
        if duplicates:
            self.problems.append(f"manifest {self.manifest.name}: later rows for the same image ignored: "
                                 f"{_examples(duplicates)}")
        if not self.files:
            raise DataError(f"manifest {self.manifest} lists no usable image",
                            "each row needs prompt_id, k and file")

    def generate(self, requests: Sequence[ImageRequest]) -> list[GeneratorOutput]:
        return [self._read(request) for request in requests]

    def _read(self, request: ImageRequest) -> GeneratorOutput:
        file = self.files.get((request.prompt_id, request.k))
        if file is None:
            return Unavailable("missing", f"no manifest row for {request.prompt_id} k={request.k}")
        if not file.is_file():
            return Unavailable("missing", f"manifest names {file}, which does not exist")
        try:
            pixels = decode_rgb(file)
        except UnreadableImage as exc:
            return Unavailable("corrupt", f"{file}: {exc}")
        data = file.read_bytes()
        if not data.startswith(PNG_MAGIC):
            data = encode_png(Image.fromarray(pixels))
        return EncodedImage(data, source=str(file))

    def notes(self, requests: Sequence[ImageRequest]) -> list[str]:
        """Rows outside the plan, unlisted image files and manifest problems."""
        planned = {(r.prompt_id, r.k) for r in requests}
        extra_rows = sorted(f"{p}_{k}" for p, k in self.files if (p, k) not in planned)
        listed = {f.resolve() for f in self.files.values()}
        unlisted = sorted(str(p.relative_to(self.folder)) for p in self.folder.rglob("*")
                          if p.suffix.lower() in IMAGE_SUFFIXES and p.resolve() not in listed)
        notes = list(self.problems)
        outside = self._outside_folder()
        if outside:
            notes.append(f"{len(outside)} manifest rows name files outside {self.folder} (absolute paths or ../, "
                         f"allowed for folder manifests): {_examples(outside)}")
        if extra_rows:
            notes.append(f"{len(extra_rows)} manifest rows are not in this run's plan (unknown prompt, k "
                         f"beyond the protocol, or left out by --limit): {_examples(extra_rows)}")
        if unlisted:
            notes.append(f"{len(unlisted)} image files in {self.folder} are not in the manifest: "
                         f"{_examples(unlisted)}")
        return notes

    @classmethod
    def weights_status(cls) -> str:
        return "n/a (your images)"

    def _outside_folder(self) -> list[str]:
        root = self.folder.resolve()
        return sorted(str(f) for f in self.files.values() if not f.resolve().is_relative_to(root))

    def describe(self) -> dict[str, Any]:
        manifest_sha = sha256_file(self.manifest)
        return {**super().describe(), "hub_id": None, "revision": None, "settings": {},
                "folder": str(self.folder.resolve()), "manifest": str(self.manifest.resolve()),
                "manifest_sha256": manifest_sha,
                "paths": "manifest files are relative to the manifest's folder, or absolute",
                "files_outside_folder": len(self._outside_folder())}
