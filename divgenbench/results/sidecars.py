"""A finished run read back from disk: results.json plus its sidecars (samples.jsonl, features/).

``compare`` and ``report`` work from these alone, so a result can be re-scored and re-rendered without
the images or any model; images are only used (for thumbnails) when they are still there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import DataError
from ..extractors.base import FeatureRecord, ImageItem
from ..generators.base import GeneratedImage
from ..metrics.base import FeatureTable
from ..prompts import prompts_for
from ..quality.base import quality_sidecar
from ..prompts.bank import PromptBank
from ..protocol import DEFAULT_PROTOCOL, PROTOCOLS
from ..rundir import RunDir
from ..rundir.features import load_feature_sidecar, sidecar_paths
from ..rundir.samples import image_items, read_samples
from .io import load_results, results_path
from .models import Results

MISSING = "missing"


def bank_source(results: Results) -> str:
    """Where to reload the run's prompt bank: the hub copy hashes as the bundled one, so use that."""
    source = results.prompt_bank.source
    return "bundled" if source.startswith(("bundled", "hub:")) else source


@dataclass
class LoadedRun:
    """One run on disk; everything is read lazily and at most once."""

    results_file: Path
    results: Results
    run: RunDir = field(init=False)

    def __post_init__(self) -> None:
        self.run = RunDir(self.results_file.parent)

    @property
    def label(self) -> str:
        return self.results.model.name

    @cached_property
    def bank(self) -> PromptBank:
        protocol = PROTOCOLS.get(self.results.protocol.name, PROTOCOLS[DEFAULT_PROTOCOL])  # its prompt set
        bank = prompts_for(protocol, bank_source(self.results), self.results.prompt_bank.version)
        if bank.sha256 != self.results.prompt_bank.sha256:
            raise DataError(f"{self.results_file} was made with prompt bank {self.results.prompt_bank.sha256[:12]}…, "
                            f"{bank.source} hashes {bank.sha256[:12]}…",
                            "use the toolkit version that wrote the results")
        return bank

    @cached_property
    def samples(self) -> list[GeneratedImage]:
        return read_samples(self.run)

    @cached_property
    def items(self) -> dict[str, list[ImageItem]]:
        return image_items(self.samples, self.bank, self.run)

    def has_features(self, feature: str) -> bool:
        return all(p.exists() for p in sidecar_paths(self.run, feature))

    def feature_table(self, feature: str, dimensions: Sequence[str]) -> FeatureTable:
        """The images of ``dimensions`` in run order with their sidecar records (``missing`` if absent)."""
        recorded = self.results.extractors.get(feature)
        return self._table(feature, recorded.model_dump() if recorded else None,
                           [item for dimension in dimensions for item in self.items[dimension]])

    def quality_table(self, name: str) -> FeatureTable:
        """Every image of the run with quality scorer ``name``'s per-image scores from its sidecar."""
        recorded = self.results.quality_scorers.get(name)
        return self._table(quality_sidecar(name), recorded.fingerprint.model_dump() if recorded else None,
                           [item for items in self.items.values() for item in items])

    def _table(self, sidecar: str, recorded: dict | None, items: list[ImageItem]) -> FeatureTable:
        """``items`` with their records from ``sidecar``, which must be what the results file recorded and made
        from the very images samples.jsonl lists."""
        fingerprint, records, hashes, _ = load_feature_sidecar(self.run, sidecar)
        if recorded != fingerprint:
            raise DataError(f"the {sidecar} features in {self.run.features_dir} were not made by the extractor "
                            f"recorded in {self.results_file}",
                            f"re-score the run so results and sidecar agree: `divgenbench eval -o {self.run.root}`")
        foreign = [item.key for item in items if item.key in hashes and hashes[item.key] != item.sha256]
        if foreign:
            raise DataError(f"the {sidecar} features in {self.run.features_dir} were made from other images than "
                            f"{self.run.samples_path.name} lists (e.g. {foreign[0]})",
                            f"re-score the run so sidecars and samples agree: `divgenbench score {self.run.root}`")
        return FeatureTable(items, [records.get(item.key) or FeatureRecord(MISSING, message="not in the sidecar")
                                    for item in items], fingerprint)


def open_run(path: Path | str) -> LoadedRun:
    """A run directory or its results.json."""
    file = results_path(path)
    return LoadedRun(file, load_results(file))
