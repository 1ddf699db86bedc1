"""The style reference for ASC (SPEC §4): WikiArt split into X_train / X_test, embedded once, cached.

A reference lives in ``$DIVGENBENCH_HOME/references/<name>/``:

- ``features.safetensors``: ``train`` (N_train, d) and ``test`` (N_test, d) float32 unit vectors, plus
  ``train_rows`` / ``test_rows`` (their rows in the source catalogue);
- ``items.json``: the catalogue (key and style of every source image, in key order);
- ``manifest.json``: source, split settings, the style extractor's fingerprint (and digest), counts,
  unreadable images, and the sha256 of ``features.safetensors`` — the hash that results record.

Split [choice]: X_test holds ``test_size`` (800) images stratified over the styles with proportional
allocation (largest remainder; ties to the alphabetically first style), drawn with
``numpy.random.default_rng(seed)`` style by style in sorted order from the catalogue sorted by key; X_train
is every other image. Seed [choice]: 20251230, the prompt bank's.

Builds stream: the catalogue holds keys and labels only; images are decoded chunk by chunk, and every
embedded chunk is written to ``parts/`` at once, so an interrupted build resumes where it stopped.

Sources: ``huggan/wikiart`` (or any Hugging Face image dataset with a style ``ClassLabel``) through
``datasets``; a folder with one sub-folder of images per style; and, for smoke runs only, a procedural
set of 27 seeded pattern "styles" that needs no download (``tiny-procedural``).
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from . import store
from .errors import ConfigError, DataError, MissingWeightsError
from .hashing import sha256_bytes
from .registry import check_plugin_name
from .rundir import atomic_write_bytes, atomic_write_json

log = logging.getLogger(__name__)

REFERENCE_VERSION = 1
SPLIT_SEED = 20251230
TEST_SIZE = 800
CHUNK = 256
WIKIART_HUB = "huggan/wikiart"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"}


def references_root() -> Path:
    return store.home() / "references"


# --- the split ------------------------------------------------------------------------------------------
def proportional_quotas(counts: dict[str, int], total: int) -> dict[str, int]:
    """Largest-remainder allocation of ``total`` over styles in proportion to their sizes."""
    size = sum(counts.values())
    exact = {style: total * n / size for style, n in counts.items()}
    quotas = {style: int(np.floor(share)) for style, share in exact.items()}
    by_remainder = sorted(counts, key=lambda s: (-(exact[s] - quotas[s]), s))
    for style in by_remainder[:total - sum(quotas.values())]:
        quotas[style] += 1
    return quotas


def stratified_test_rows(labels: Sequence[str], test_size: int, seed: int = SPLIT_SEED) -> np.ndarray:
    """Sorted rows of X_test: ``test_size`` rows stratified over ``labels`` (see module docstring)."""
    if not 0 < test_size < len(labels):
        raise ConfigError(f"test size {test_size} must be between 1 and the {len(labels)} images minus one",
                          "pass a smaller --test-size or a larger source")
    rows_by_style: dict[str, list[int]] = {}
    for row, label in enumerate(labels):
        rows_by_style.setdefault(label, []).append(row)
    quotas = proportional_quotas({s: len(r) for s, r in rows_by_style.items()}, test_size)
    rng = np.random.default_rng(seed)
    chosen = [rng.choice(np.asarray(rows_by_style[s]), quotas[s], replace=False) for s in sorted(rows_by_style)]
    return np.sort(np.concatenate(chosen)).astype(np.int64)


# --- sources --------------------------------------------------------------------------------------------
class ReferenceSource(Protocol):
    """A labelled image collection: its catalogue, and images read by catalogue row."""

    def describe(self) -> dict[str, Any]: ...

    def catalogue(self) -> list[tuple[str, str]]:
        """(key, style) of every image, sorted by key."""

    def read(self, rows: Sequence[int]) -> list[tuple[np.ndarray | None, str]]:
        """(RGB uint8 image or None, failure message) per row."""


class FolderSource:
    """``FOLDER/<style>/**/<image>``: one sub-folder per style."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser()
        if not self.root.is_dir():
            raise DataError(f"reference source {self.root} is not a folder",
                            f"pass {WIKIART_HUB} or a folder with one sub-folder of images per style")

    def describe(self) -> dict[str, Any]:
        return {"kind": "folder", "path": str(self.root.resolve())}

    @cached_property
    def _entries(self) -> list[tuple[str, str]]:
        entries = [(path.relative_to(self.root).as_posix(), style.name)
                   for style in self.root.iterdir() if style.is_dir() and not style.name.startswith(".")
                   for path in style.rglob("*") if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()]
        if not entries:
            raise DataError(f"no images found under {self.root}/<style>/",
                            "put each style's images in a sub-folder named after the style")
        return sorted(entries)

    def catalogue(self) -> list[tuple[str, str]]:
        return list(self._entries)

    def read(self, rows):
        from .extractors.images import load_rgb
        from .extractors.runtime import parallel_map

        loaded = parallel_map(lambda row: load_rgb(self.root / self._entries[row][0]), rows)
        return [(array, failure.message if failure else "") for array, failure in loaded]


class HubDatasetSource:
    """A Hugging Face image dataset with a style ``ClassLabel`` (``huggan/wikiart``: column ``style``)."""

    def __init__(self, dataset_id: str, revision: str = "main", split: str = "train",
                 label_column: str = "style", image_column: str = "image") -> None:
        self.dataset_id, self.revision, self.split = dataset_id, revision, split
        self.label_column, self.image_column = label_column, image_column

    def describe(self) -> dict[str, Any]:
        return {"kind": "hub-dataset", "dataset": self.dataset_id, "revision": self.revision, "split": self.split,
                "label_column": self.label_column}

    @cached_property
    def _dataset(self):
        import datasets

        try:
            return datasets.load_dataset(self.dataset_id, split=self.split, revision=self.revision)
        except Exception as exc:  # offline, unknown id, gated
            raise MissingWeightsError(
                f"cannot load dataset {self.dataset_id!r} (revision {self.revision}): {type(exc).__name__}: {exc}",
                "run where the hub is reachable (the parquet files are cached by `datasets`), or pass a "
                "folder with one sub-folder per style") from exc

    def catalogue(self) -> list[tuple[str, str]]:
        ds = self._dataset
        feature = ds.features[self.label_column]
        labels = list(ds.select_columns([self.label_column])[self.label_column])
        names = [feature.int2str(int(v)) if hasattr(feature, "int2str") else str(v) for v in labels]
        return [(f"{row:07d}", name) for row, name in enumerate(names)]  # keys sort as rows

    def read(self, rows):
        out: list[tuple[np.ndarray | None, str]] = []
        for row in self._dataset.select(list(rows)):
            try:
                out.append((np.asarray(row[self.image_column].convert("RGB"), dtype=np.uint8), ""))
            except Exception as exc:  # a corrupt image in the dataset: recorded, the build goes on
                out.append((None, f"{type(exc).__name__}: {exc}"))
        return out


class ProceduralSource:
    """27 seeded pattern families (stripes, checks, rings, blobs with their own palettes): smoke only."""

    def __init__(self, styles: int = 27, per_style: int = 8, size: int = 48, seed: int = 0) -> None:
        self.styles, self.per_style, self.size, self.seed = styles, per_style, size, seed

    def describe(self) -> dict[str, Any]:
        return {"kind": "procedural", "styles": self.styles, "per_style": self.per_style, "size": self.size,
                "seed": self.seed}

    def catalogue(self) -> list[tuple[str, str]]:
        return [(f"style-{s:02d}/{i:03d}", f"style-{s:02d}") for s in range(self.styles)
                for i in range(self.per_style)]

    def read(self, rows):
        return [(self.image(row // self.per_style, row % self.per_style), "") for row in rows]

    def image(self, style: int, index: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, style, index])
        style_rng = np.random.default_rng([self.seed, style])
        palette = style_rng.integers(0, 256, size=(2, 3)).astype(np.float64)
        y, x = np.mgrid[0:self.size, 0:self.size] / self.size
        angle, frequency = style_rng.uniform(0, np.pi), style_rng.uniform(2, 12)
        phase = rng.uniform(0, 2 * np.pi)
        pattern = [np.sin(2 * np.pi * frequency * (x * np.cos(angle) + y * np.sin(angle)) + phase),
                   np.sign(np.sin(frequency * np.pi * x + phase) * np.sin(frequency * np.pi * y)),
                   np.sin(2 * np.pi * frequency * np.hypot(x - rng.uniform(), y - rng.uniform()))][style % 3]
        mix = (pattern[..., None] + 1) / 2
        noise = rng.normal(0, 8 + 4 * (style % 5), size=(self.size, self.size, 3))
        return np.clip(palette[0] * mix + palette[1] * (1 - mix) + noise, 0, 255).astype(np.uint8)


def source_from(spec: str, revision: str = "main") -> ReferenceSource:
    """``huggan/wikiart`` (any ``owner/name`` that is not a folder) or a folder path."""
    path = Path(spec).expanduser()
    if path.exists():
        return FolderSource(path)
    if spec.count("/") == 1 and not spec.startswith((".", "/", "~")):
        return HubDatasetSource(spec, revision=revision)
    raise DataError(f"reference source {spec!r} is neither a folder nor a hub dataset id",
                    f"pass {WIKIART_HUB} or a folder with one sub-folder of images per style")


# --- build, store, load ---------------------------------------------------------------------------------
@dataclass
class StyleReference:
    """A built reference: the train/test features and what made them."""

    name: str
    train: np.ndarray
    test: np.ndarray
    manifest: dict[str, Any]
    train_labels: np.ndarray  # WikiArt style of each X_train row: SLC reads the label of each nearest neighbour
    test_labels: np.ndarray

    @property
    def sha256(self) -> str:
        return self.manifest["features_sha256"]

    @property
    def fingerprint_digest(self) -> str:
        return self.manifest["fingerprint_digest"]

    def info(self) -> dict[str, Any]:
        """What the results file records about the reference (``Results.references``)."""
        return {"name": self.name, "features_sha256": self.sha256, "fingerprint_digest": self.fingerprint_digest,
                "train": len(self.train), "test": len(self.test), "source": self.manifest.get("source", {})}


class StyleEmbedder(Protocol):
    name: str

    def fingerprint(self): ...

    def embed(self, images: Sequence[np.ndarray]) -> np.ndarray: ...


def build_reference(source: ReferenceSource, embedder: StyleEmbedder, name: str, *, test_size: int = TEST_SIZE,
                    seed: int = SPLIT_SEED, chunk: int = CHUNK, overwrite: bool = False,
                    advance: Callable[[int], None] | None = None) -> StyleReference:
    """Split, embed (resumably, chunk by chunk) and store a reference; returns it loaded."""
    check_plugin_name(name)
    folder = references_root() / name
    if overwrite and folder.exists():
        shutil.rmtree(folder)
    fingerprint = embedder.fingerprint()
    catalogue = source.catalogue()
    keys, labels = [k for k, _ in catalogue], [label for _, label in catalogue]
    test_rows = stratified_test_rows(labels, test_size, seed)
    plan = {"version": REFERENCE_VERSION, "source": source.describe(), "fingerprint": fingerprint.to_dict(),
            "split": {"strategy": "stratified-proportional", "seed": seed, "test_size": test_size},
            "catalogue_sha256": sha256_bytes(json.dumps(catalogue).encode())}
    if (folder / "manifest.json").exists():
        existing = read_manifest(name)
        if {k: existing.get(k) for k in plan} == plan:
            if advance:
                advance(len(catalogue))
            return load_reference(name)
        raise ConfigError(f"reference {name!r} already exists with other settings (source, extractor or split)",
                          "pass another --name, or --overwrite to rebuild it")
    parts = folder / "parts"
    plan_path = parts / "plan.json"
    if plan_path.exists() and json.loads(plan_path.read_text()) != plan:
        raise ConfigError(f"an unfinished build of {name!r} used other settings",
                          "pass --overwrite to start it again, or another --name")
    atomic_write_json(plan_path, plan)

    from safetensors.numpy import load_file, save

    for start in range(0, len(catalogue), chunk):
        part = parts / f"part-{start:08d}.safetensors"
        rows = list(range(start, min(start + chunk, len(catalogue))))
        if not part.exists():
            images = source.read(rows)
            ok = [i for i, (image, _) in enumerate(images) if image is not None]
            vectors = embedder.embed([images[i][0] for i in ok]) if ok else np.zeros((0, 1), np.float32)
            failed = {keys[rows[i]]: message for i, (image, message) in enumerate(images) if image is None}
            atomic_write_json(part.with_suffix(".json"), {"failed": failed})
            atomic_write_bytes(part, save({"rows": np.asarray([rows[i] for i in ok], dtype=np.int64),
                                           "embedding": np.ascontiguousarray(vectors, dtype=np.float32)}))
        if advance:
            advance(len(rows))

    embedded_rows, vectors, failed = [], [], {}
    for start in range(0, len(catalogue), chunk):
        part = parts / f"part-{start:08d}.safetensors"
        tensors = load_file(str(part))
        if len(tensors["rows"]):
            embedded_rows.append(tensors["rows"])
            vectors.append(tensors["embedding"])
        failed.update(json.loads(part.with_suffix(".json").read_text())["failed"])
    if not vectors:
        raise DataError(f"no image of {source.describe()} could be read", "check the source's images")
    rows = np.concatenate(embedded_rows)
    features = np.concatenate(vectors)
    in_test = np.isin(rows, test_rows)
    tensors = {"train": features[~in_test], "test": features[in_test], "train_rows": rows[~in_test],
               "test_rows": rows[in_test]}
    if not len(tensors["train"]) or not len(tensors["test"]):
        raise DataError(f"reference {name!r} would have an empty train or test set", "check the source's images")
    blob = save({k: np.ascontiguousarray(v) for k, v in tensors.items()})
    atomic_write_bytes(folder / "features.safetensors", blob)
    atomic_write_json(folder / "items.json", {"keys": keys, "labels": labels})
    test_labels = [labels[r] for r in tensors["test_rows"]]
    manifest = {**plan, "name": name, "fingerprint_digest": fingerprint.digest, "smoke": fingerprint.smoke,
                "n_images": len(catalogue), "n_train": int(len(tensors["train"])), "n_test": int(len(tensors["test"])),
                "test_per_style": {s: test_labels.count(s) for s in sorted(set(labels))},
                "unreadable": failed, "features_sha256": sha256_bytes(blob)}
    atomic_write_json(folder / "manifest.json", manifest)
    shutil.rmtree(parts)
    return load_reference(name)


def read_manifest(name: str) -> dict[str, Any]:
    check_plugin_name(name)  # names come from results files too: a plain name, never a path
    path = references_root() / name / "manifest.json"
    if not path.exists():
        raise ConfigError(f"no style reference named {name!r} in {references_root()}",
                          "build one with `divgenbench reference build`, or list them with `divgenbench reference info`")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} is not valid JSON ({exc})", f"rebuild it: divgenbench reference build --name {name} "
                                                             "--overwrite") from exc


def load_reference(name: str) -> StyleReference:
    """Read a reference and check its features against the hash in its manifest."""
    from safetensors.numpy import load

    manifest = read_manifest(name)
    path = references_root() / name / "features.safetensors"
    blob = path.read_bytes() if path.exists() else b""
    if sha256_bytes(blob) != manifest.get("features_sha256"):
        raise DataError(f"{path} is missing or does not match the sha256 in its manifest",
                        f"rebuild it: divgenbench reference build --name {name} --overwrite")
    tensors = load(blob)
    labels = np.asarray(read_labels(name, manifest))
    return StyleReference(name, tensors["train"], tensors["test"], manifest, labels[tensors["train_rows"]],
                          labels[tensors["test_rows"]])


def read_labels(name: str, manifest: dict[str, Any]) -> list[str]:
    """The style label of every catalogue row, checked against the catalogue hash the manifest recorded."""
    path = references_root() / name / "items.json"
    try:
        items = json.loads(path.read_text())
        catalogue = [[key, label] for key, label in zip(items["keys"], items["labels"], strict=True)]
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise DataError(f"{path} is missing or unreadable ({type(exc).__name__})",
                        f"rebuild it: divgenbench reference build --name {name} --overwrite") from exc
    if sha256_bytes(json.dumps(catalogue).encode()) != manifest.get("catalogue_sha256"):
        raise DataError(f"{path} does not match the catalogue sha256 in its manifest",
                        f"rebuild it: divgenbench reference build --name {name} --overwrite")
    return items["labels"]


def list_references() -> list[dict[str, Any]]:
    root = references_root()
    if not root.is_dir():
        return []
    return [read_manifest(p.name) for p in sorted(root.iterdir()) if (p / "manifest.json").exists()]


def pull_reference(hub_id: str, name: str | None = None, revision: str = "main") -> StyleReference:
    """Fetch a prebuilt reference (a hub *dataset* repo holding the three files above) and verify it."""
    from huggingface_hub import hf_hub_download

    name = check_plugin_name(name or hub_id.split("/")[-1].lower())
    folder = references_root() / name
    folder.mkdir(parents=True, exist_ok=True)
    for filename in ("manifest.json", "items.json", "features.safetensors"):
        try:
            fetched = Path(hf_hub_download(hub_id, filename, repo_type="dataset", revision=revision))
        except Exception as exc:  # offline, missing repo or file
            raise MissingWeightsError(
                f"cannot fetch {filename} of reference {hub_id!r} (revision {revision}): {type(exc).__name__}",
                f"run where the hub is reachable, or build it: divgenbench reference build --source {WIKIART_HUB}"
            ) from exc
        atomic_write_bytes(folder / filename, fetched.read_bytes())
    manifest = read_manifest(name)
    if manifest.get("name") != name:
        atomic_write_json(folder / "manifest.json", {**manifest, "name": name, "pulled_from": hub_id})
    return load_reference(name)


# --- the reference an evaluation uses -------------------------------------------------------------------
def tiny_reference_name(digest: str) -> str:
    return f"tiny-procedural-{digest[:8]}"


class StyleReferenceLoader:
    """``MetricContext.style_reference``: the reference built with the style extractor's exact fingerprint.

    ``requested`` names one; otherwise the only reference with a matching fingerprint digest is used (a
    ``huggan/wikiart`` one first when several match). A smoke extractor without one gets the procedural
    tiny reference, built on the spot and cached. Anything else leaves ASC undefined with the reason.
    """

    def __init__(self, extractor_name: str, requested: str | None = None) -> None:
        self.extractor_name = extractor_name
        self.requested = requested
        self.used: StyleReference | None = None
        self._retrieval = None  # RetrievalReference of the resolved reference, built on first use

    def _embedder(self):
        from .extractors import EXTRACTORS

        return EXTRACTORS.get(self.extractor_name)()

    def resolve(self) -> StyleReference:
        embedder = self._embedder()
        fingerprint = embedder.fingerprint()
        if self.requested:
            reference = load_reference(self.requested)
            if reference.fingerprint_digest != fingerprint.digest:
                raise ConfigError(f"style reference {self.requested!r} was built with another style extractor "
                                  f"({reference.manifest['fingerprint']['extractor']}, digest "
                                  f"{reference.fingerprint_digest}) than {self.extractor_name} ({fingerprint.digest})",
                                  "rebuild it with this extractor, or pick a matching one (`divgenbench reference info`)")
            return reference
        matching = [m for m in list_references() if m.get("fingerprint_digest") == fingerprint.digest]
        matching.sort(key=lambda m: (m["source"].get("dataset") != WIKIART_HUB, m["name"]))
        if matching:
            return load_reference(matching[0]["name"])
        if fingerprint.smoke:
            return build_reference(ProceduralSource(), embedder, tiny_reference_name(fingerprint.digest),
                                   test_size=54, chunk=CHUNK)
        raise DataError(f"no style reference built with {self.extractor_name} (fingerprint {fingerprint.digest})",
                        f"run `divgenbench reference build --source {WIKIART_HUB}` or pull one with --from-hub")

    def __call__(self):
        """(the X_train retrieval index, X_test features); normalised once, shared by ASC and SLC."""
        from .metrics.irs import RetrievalReference

        if self.used is None:
            self.used = self.resolve()
            self._retrieval = RetrievalReference(self.used.train)
        return self._retrieval, self.used.test

    def labels(self):
        """(X_train labels, X_test labels): the WikiArt style of every reference row, for SLC."""
        self()
        return self.used.train_labels, self.used.test_labels

    @property
    def info(self) -> dict[str, Any] | None:
        return self.used.info() if self.used else None
