"""``report``: one self-contained HTML page for one or more results (charts, image grids, diagnostics).

Everything comes from ``results.json`` and its sidecars; thumbnails come from the run's images when they
are still on disk (a note says so when they are not). Results of several runs are drawn side by side.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..compare import Comparison, compare_runs
from ..errors import ConfigError, DataError
from ..hashing import sha256_file
from ..metrics import METRICS, metric_info
from ..protocol import ALL_PROMPT_DIMENSIONS, DIMENSIONS, evenly_spaced
from ..results.labels import run_labels
from ..results.models import Results, ScoreValue, utc_now
from ..results.sidecars import LoadedRun, open_run
from ..rundir import atomic_write_bytes
from . import plots
from .templating import data_uri, number, percent, render

GRID_PROMPTS = 8  # prompts per dimension in a grid: enough to see collapse, small enough to stay light
THUMBNAIL_PX = 112
SKIPPED_ROWS = 50
#: [choice] the order of the scatter's quality rows: the paper's reward first, then the others
QUALITY_PREFERENCE = ("hps-v2.1", "pickscore", "imagereward", "clip-score", "aesthetic-v2.5")
DIMENSION_TITLES = {"id": "ID (faces)", "style": "Style", "layout": "Layout", "tonal": "Tonal"}
RADAR_AXES = (("ids", "1 − IDS"), ("asc", "ASC"), ("sdi", "SDI"), ("pvs", "PVS"))
FEW_PROMPTS = 20  # [choice] below this many prompts an interval is flagged as uninformative


@dataclass
class Thumbnail:
    key: str
    uri: str | None


@dataclass
class GridRow:
    prompt_id: str
    text: str
    thumbnails: list[Thumbnail]


@dataclass
class LayoutRow:
    prompt_id: str
    text: str
    requested: Any
    detected: list[int] | None
    dissimilarity: float | None


@dataclass
class RunView:
    """What the template shows about one run."""

    anchor: str
    label: str
    results: Results
    facts: list[tuple[str, str]]
    warnings: list[str]
    grids: dict[str, list[GridRow]]
    missing_images: int
    layout_rows: list[LayoutRow]
    layout_source: str
    skipped_by_reason: dict[str, int]
    notes: list[str] = field(default_factory=list)
    caveats: dict[str, str] = field(default_factory=dict)  # score key → why its interval says little


def point(score: ScoreValue | None, flip: bool = False) -> plots.Point:
    """A score as a chart point; ``flip`` draws 1 − score (IDS on the radar), its interval flipped too."""
    if score is None or score.value is None:
        return plots.Point(None)
    low, high = (score.interval.low, score.interval.high) if score.interval else (None, None)
    if flip:
        return plots.Point(1 - score.value, None if high is None else 1 - high, None if low is None else 1 - low)
    return plots.Point(score.value, low, high)


def score_limits(value_range: tuple[float, float]) -> tuple[float, float | None]:
    """The bar chart's value axis for a score of ``value_range``: all of it, open at the top when unbounded
    (ASC)."""
    low, high = value_range
    return (low, high if math.isfinite(high) else None)


def interval_caveats(results: Results) -> dict[str, str]:
    """Score key → why its interval says little, for the scores where it does.

    [choice] Three cases: a smoke run (random weights: the interval is about noise, not a model); fewer than
    ``FEW_PROMPTS`` prompts (a percentile bootstrap over a handful of prompts is too narrow to trust); a
    zero-width interval (the statistic is saturated: ASC when every Style image retrieves a different
    reference image, k = n, gives IRS∞ = 1 in every resample).
    """
    caveats = {}
    for key, score in results.scores.items():
        if score.value is None:
            continue
        if results.smoke:
            caveats[key] = "smoke run: random weights, so the interval describes noise, not a model"
        elif score.interval is not None and score.interval.low == score.interval.high:
            caveats[key] = ("zero-width interval: the statistic is saturated (every resample gives the same value"
                            + (", k = n retrievals" if key == "asc" else "") + "), so it measures no uncertainty")
        elif score.n < FEW_PROMPTS:
            caveats[key] = f"only {score.n} prompts: a bootstrap over so few prompts understates the uncertainty"
    return caveats


@dataclass
class ComparisonView:
    """The report's A − B section (two runs): the paired bootstrap, or why the runs cannot be compared."""

    label_a: str
    label_b: str
    comparison: Comparison | None
    reason: str | None = None


def comparison_view(runs: Sequence[LoadedRun], labels: Sequence[str]) -> ComparisonView | None:
    if len(runs) != 2:
        return None
    try:
        return ComparisonView(labels[0], labels[1], compare_runs(runs[0].results_file, runs[1].results_file))
    except DataError as exc:
        return ComparisonView(labels[0], labels[1], None, exc.one_line())


def prompt_lookup(run: LoadedRun, notes: list[str]) -> dict[str, Any]:
    try:
        return run.bank.by_id()
    except DataError as exc:
        notes.append(f"prompt texts unavailable: {exc.one_line()}")
        return {}


def thumbnail(root: Path, path: Path, sha256: str) -> str | None:
    """A JPEG data URI of ``path``, only when it is a file inside the run folder ``root`` (after resolving
    links) whose sha256 is the recorded one: ``samples.jsonl`` comes with the folder, and whatever it names
    lands in a report people share. Decompression bombs and unreadable files give None too."""
    from PIL import Image

    from ..extractors.images import load_rgb

    try:
        resolved = path.resolve()
        if not (resolved.is_relative_to(root.resolve()) and resolved.is_file() and sha256_file(resolved) == sha256):
            return None
    except (OSError, RuntimeError):  # unreadable, or a symlink loop
        return None
    pixels, failure = load_rgb(resolved)
    if failure is not None:
        return None
    image = Image.fromarray(pixels)
    image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return data_uri(buffer.getvalue(), "image/jpeg")


def image_grids(run: LoadedRun, prompts: dict[str, Any]) -> tuple[dict[str, list[GridRow]], int, int]:
    """Evenly spaced prompts per dimension with all their images; also how many images are not on disk, and
    how many were refused (outside the run folder, changed since scoring, or unreadable)."""
    present = {sample.dimension for sample in run.samples}  # an hpdv2 run has its four categories instead
    by_prompt: dict[str, dict[str, list]] = {d: {} for d in ALL_PROMPT_DIMENSIONS if d in present} or \
        {d: {} for d in DIMENSIONS}
    for sample in run.samples:
        by_prompt.setdefault(sample.dimension, {}).setdefault(sample.prompt_id, []).append(sample)
    grids: dict[str, list[GridRow]] = {}
    missing = refused = 0
    for dimension, groups in by_prompt.items():
        rows = []
        for prompt_id in evenly_spaced(list(groups), GRID_PROMPTS):
            thumbs = []
            for sample in sorted(groups[prompt_id], key=lambda s: s.k):
                path = run.run.root / sample.path
                present = path.exists()
                uri = thumbnail(run.run.root, path, sample.sha256) if present else None
                missing += not present
                refused += present and uri is None
                thumbs.append(Thumbnail(Path(sample.path).stem, uri))
            prompt = prompts.get(prompt_id)
            rows.append(GridRow(prompt_id, prompt.text if prompt else "", thumbs))
        if rows:
            grids[dimension] = rows
    return grids, missing, refused


def layout_rows(run: LoadedRun, prompts: dict[str, Any]) -> tuple[list[LayoutRow], str]:
    """Per-prompt Layout figures: re-derived from the boxes sidecar when present, else the diagnostics."""
    per_prompt = dict(run.results.diagnostics.layout_per_prompt)
    detected: dict[str, list[int]] = {}
    source = "diagnostics in results.json"
    sdi = METRICS.get("sdi")() if "sdi" in METRICS else None
    if sdi is not None and sdi.feature in run.results.extractors and run.has_features(sdi.feature):
        table = run.feature_table(sdi.feature, sdi.dimensions)
        per_prompt = sdi.diagnostics(table).get("layout_per_prompt", per_prompt)
        for item, record in zip(table.items, table.records):
            if record.ok:
                detected.setdefault(item.prompt_id, []).append(int(record.arrays["boxes"].reshape(-1, 4).shape[0]))
        source = f"{sdi.feature} features sidecar"
    rows = []
    for prompt_id in sorted(set(per_prompt) | set(detected)):
        prompt = prompts.get(prompt_id)
        rows.append(LayoutRow(prompt_id, prompt.text if prompt else "",
                              prompt.attributes.get("count") if prompt else None,
                              detected.get(prompt_id), per_prompt.get(prompt_id)))
    return rows, source


def facts(results: Results) -> list[tuple[str, str]]:
    model, protocol, env = results.model, results.protocol, results.environment
    settings = ", ".join(f"{k}={v}" for k, v in model.settings.items())
    return [
        ("model", f"{model.name} ({model.adapter})"),
        ("hub id / revision", f"{model.hub_id or '—'} @ {model.revision or '—'}"),
        ("model args", ", ".join(f"{k}={v}" for k, v in model.args.items()) or "—"),
        ("settings", settings or "—"),
        ("protocol", protocol.name + (f" (limit {protocol.limit} prompts per dimension)" if protocol.limit else "")),
        ("prompt bank", f"{results.prompt_bank.version} · sha256 {results.prompt_bank.sha256[:16]}… · "
                        f"{results.prompt_bank.source}"),
        ("toolkit", f"{results.toolkit.name} {results.toolkit.version} ({results.toolkit.git_hash or 'no git hash'})"),
        ("environment", f"Python {env.python} · torch {env.torch or '—'} · CUDA {env.cuda or '—'} · "
                        f"GPU {env.gpu or 'none'}"),
        ("written", results.created_utc),
        ("total time", f"{results.timings['total_s']:.1f} s" if "total_s" in results.timings else "—"),
    ]


def warnings(results: Results) -> list[str]:
    out = []
    if results.smoke:
        out.append("SMOKE run: tiny models or random-weight extractors. The numbers check the plumbing and "
                   "are not comparable to any real model.")
    if results.is_limited():
        out.append("Partial run (--limit or a shard): intervals are wide and the result is never ranked.")
    return out


def run_view(run: LoadedRun, label: str, index: int) -> RunView:
    notes: list[str] = []
    prompts = prompt_lookup(run, notes)
    try:
        grids, missing, refused = image_grids(run, prompts)
    except DataError as exc:
        grids, missing, refused = {}, 0, 0
        notes.append(f"no image grids: {exc.one_line()}")
    if refused:
        notes.append(f"{refused} images not shown: outside the run folder, changed since they were scored "
                     "(sha256 differs from samples.jsonl) or unreadable")
    try:
        rows, source = layout_rows(run, prompts)
    except DataError as exc:
        rows, source = [], ""
        notes.append(f"no per-prompt Layout table: {exc.one_line()}")
    skipped = Counter(s.reason for s in run.results.diagnostics.skipped_images)
    return RunView(f"run-{index}", label, run.results, facts(run.results), warnings(run.results), grids, missing,
                   rows, source, dict(skipped), notes + style_notes(run.results),
                   interval_caveats(run.results))


def own_metric_info() -> dict[str, Any]:
    """The metrics of a run on its own (summary, bars); reference-relative ones get their own table."""
    return {k: v for k, v in metric_info().items() if not METRICS.get(k).needs_reference_run}


def reference_relative_keys(runs: Sequence[LoadedRun]) -> list[str]:
    """Reference-relative metrics computed for at least one run, in registry order."""
    return [k for k in metric_info() if METRICS.get(k).needs_reference_run
            and any(r.results.scores.get(k) and r.results.scores[k].value is not None for r in runs)]


def style_notes(results: Results) -> list[str]:
    """Why ASC may say little at small n, and what SLC says instead (SPEC §8)."""
    asc, slc = results.scores.get("asc"), results.scores.get("slc")
    if not (asc and asc.value is not None and results.diagnostics.metrics.get("asc", {}).get("saturated")):
        return []
    note = ("ASC is saturated: no two Style images share a nearest WikiArt image (k = n), so IRS∞ equals N_train by "
            "definition and ASC cannot tell this model from WikiArt itself. This is the usual case for small Style "
            "sets (the quick protocol's 100 images).")
    if slc and slc.value is not None:
        note += f" Read SLC = {number(slc.value)} instead: styles reached relative to as many held-out artworks."
    return [note]


def charts(labels: list[str], runs: Sequence[LoadedRun]) -> dict[str, Any]:
    """Data URIs of the score bars, the radar and (when any run has quality scores) the scatter."""
    info = own_metric_info()
    keys = [k for k in info if any(k in r.results.scores for r in runs)]
    bar_panels = [plots.Panel(f"{info[k].name} {'↓' if info[k].direction == 'lower' else '↑'}",
                              [point(r.results.scores.get(k)) for r in runs], score_limits(info[k].range))
                  for k in keys]
    radar_values = [[point(r.results.scores.get(k), flip=k == "ids").value for k, _ in RADAR_AXES] for r in runs]
    missing = [f"{label}: {', '.join(name for (_, name), v in zip(RADAR_AXES, row) if v is None)}"
               for label, row in zip(labels, radar_values) if None in row]
    out: dict[str, Any] = {
        "bars": data_uri(plots.score_bars(labels, bar_panels), "image/svg+xml") if keys else None,
        "radar": data_uri(plots.radar(labels, [name for _, name in RADAR_AXES], radar_values), "image/svg+xml"),
        "radar_missing": missing, "scatter": None, "quality_names": [],
    }
    available = {k for r in runs for k, v in r.results.quality.items() if v.value is not None}
    quality_keys = [k for k in QUALITY_PREFERENCE if k in available] + sorted(available - set(QUALITY_PREFERENCE))
    diversity = [(k, name) for k, name in RADAR_AXES if any(point(r.results.scores.get(k)).value is not None
                                                             for r in runs)]
    if quality_keys and diversity:
        quality_panels = [plots.Panel(next(r.results.quality[k].name for r in runs if k in r.results.quality),
                                      [point(r.results.quality.get(k)) for r in runs]) for k in quality_keys]
        panels = [plots.Panel(axis_name, [point(r.results.scores.get(k), flip=k == "ids") for r in runs])
                  for k, axis_name in diversity]
        out["scatter"] = data_uri(plots.quality_scatter(labels, quality_panels, panels), "image/svg+xml")
        out["quality_names"] = [panel.title for panel in quality_panels]
    return out


def render_report(runs: Sequence[LoadedRun]) -> str:
    if not runs:
        raise DataError("report needs at least one results file", "pass RUN_DIR or results.json paths")
    labels = run_labels([r.results for r in runs], [r.run.root.name for r in runs])
    views = [run_view(run, label, i) for i, (run, label) in enumerate(zip(runs, labels))]
    quality_names = {k: v.name for r in runs for k, v in sorted(r.results.quality.items())}
    banners: dict[str, list[str]] = {}
    for view in views:
        for warning in view.warnings:
            banners.setdefault(warning, []).append(view.label)
    # quality-only runs (the hpdv2 protocol) carry no diversity score: their report leaves those sections out
    diversity = any(r.results.scores for r in runs)
    return render("report.html.j2", views=views, banners=banners, charts=charts(labels, runs), diversity=diversity,
                  metric_info=own_metric_info(), relative_keys=reference_relative_keys(runs),
                  all_metric_info=metric_info(),
                  quality_names=quality_names, dimension_titles=DIMENSION_TITLES, toolkit_version=__version__,
                  generated=utc_now(), number=number, percent=percent, skipped_rows=SKIPPED_ROWS,
                  comparison=comparison_view(runs, labels))


REPORT_SUFFIXES = (".html", ".htm")
#: what every page this toolkit renders carries in its head (``_base.html.j2``)
REPORT_MARK = b'<meta name="generator" content="divgenbench'


def check_report_target(output: Path) -> None:
    """Refuse an ``-o`` that would overwrite anything but an earlier report (a results file, a folder, …)."""
    fix = "pass -o with a new .html file name, e.g. -o report.html"
    if output.suffix.lower() not in REPORT_SUFFIXES:
        raise ConfigError(f"report output {output} is not an .html file", fix)
    try:
        if output.is_dir():
            raise ConfigError(f"report output {output} is a folder", fix)
        if not output.exists():
            return
        with open(output, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:  # a name too long, a file where a folder should be, no permission
        raise ConfigError(f"cannot write the report to {output} ({exc.strerror or exc})", fix) from exc
    if REPORT_MARK not in head:
        raise ConfigError(f"refusing to overwrite {output}: it is not a DivGenBench report", fix)


def write_report(paths: Sequence[Path | str], output: Path) -> Path:
    """Render the report of ``paths`` (run directories or results files) to ``output``, which must be a new
    .html file or an earlier report; a file that cannot be written is one ConfigError."""
    output = Path(output)
    check_report_target(output)
    html = render_report([open_run(p) for p in paths])
    try:
        atomic_write_bytes(output, html.encode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot write the report to {output} ({exc.strerror or exc})",
                          "pass -o with a writable .html path") from exc
    return output
