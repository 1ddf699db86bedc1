"""Leaderboard entries: one JSON file per model under ``leaderboard/entries/``, and their validation.

[choice] Entry format: a wrapper, not a bare results file. ``submission`` holds what a results file cannot
know (display name, model id, revision, license, contact, method, reward); ``kind`` is ``reproduced``
(``results`` holds a full, unmodified results v1 file made by ``divgenbench eval``) or ``paper-reported``
(``reported`` holds published point values and their source; no intervals, never mixed with a results
file). One wrapper keeps a submission to one file, one pull request, one validate call.

``validate_entry_file`` lists every problem at once, each with the field path at fault.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from ..errors import ConfigError, DivGenBenchError
from ..metrics import METRICS, metric_info
from ..prompts.bank import bundled_dir
from ..registry import check_plugin_name
from ..results.io import FILE, ROOT, Problem, parse_json_text, problems_from_validation
from ..strictjson import read_bounded
from ..results.models import Results, StrictModel

ENTRY_VERSION = "1"
RANKED_PROTOCOL = "divgenbench-v1"
MAX_ENTRY_BYTES = 1 << 20  # a results file is ~10–100 kB; images and sidecars never go into an entry
DEFAULT_EXTRACTOR_SET = "default"
#: [choice] fingerprint fields that must equal the default set's; dtype may differ (fp16 on GPU, fp32 on CPU)
FINGERPRINT_IDENTITY = ("extractor", "model_id", "revision", "weights_sha256", "preprocessing", "code_version")
#: Table 1's quality columns (SPEC §7), in the paper's order: key → column title
PAPER_QUALITY: dict[str, str] = {
    "aesthetic-v2.5": "Aesthetic", "imagereward": "ImageReward", "pickscore": "PickScore", "q-align": "Q-Align",
    "hps-v2.1": "HPS-v2.1", "clip-score": "CLIP", "deqa-score": "DeQA", "geneval": "GenEval",
}
#: [choice] bounds any Table 1 value must lie in, on the SPEC §8 scales (raw cosines for HPS, PickScore, CLIP;
#: 1–10 aesthetic; 1–5 Q-Align and DeQA; GenEval a share; ImageReward a z-score, generously bounded)
QUALITY_RANGES: dict[str, tuple[float, float]] = {
    "aesthetic-v2.5": (0.0, 10.0), "imagereward": (-10.0, 10.0), "pickscore": (-1.0, 1.0), "q-align": (1.0, 5.0),
    "hps-v2.1": (-1.0, 1.0), "clip-score": (-1.0, 1.0), "deqa-score": (1.0, 5.0), "geneval": (0.0, 1.0),
}
#: [choice] ASC's own range is open above (its bound is a reference's N_train, which a paper row does not
#: name); the paper's ASC values lie near 1, so a reported value above this is a typo or an attack
REPORTED_ASC_MAX = 100.0


class Submission(StrictModel):
    """Who and what: everything a reader needs to find, license-check and reproduce the model."""

    name: str = Field(min_length=1, max_length=80, description="Display name on the leaderboard")
    model_id: str = Field(min_length=1, description="Hub id or URL of the evaluated weights")
    revision: str | None = Field(None, description="Commit or tag of the weights (required for reproduced)")
    license: str = Field(min_length=1)
    contact: str = Field(min_length=1, description="E-mail, GitHub handle or URL of whoever answers questions")
    base_model: str | None = None
    method: str | None = Field(None, description="Training method, e.g. D2-Align")
    reward: str | None = Field(None, description="Reward model(s) used in training, e.g. HPS-v2.1")
    url: str | None = Field(None, description="Paper or model card")
    notes: str | None = Field(None, max_length=2000)

    @field_validator("url")
    @classmethod
    def _web_address(cls, url: str | None) -> str | None:
        """Only http(s) links: a ``javascript:`` address would run in the reader's browser."""
        if url is not None and not url.lower().startswith(("https://", "http://")):
            raise ValueError("must be an https:// (or http://) address")
        return url


class Reported(StrictModel):
    """Published numbers, not reproduced here: point values only."""

    source: str = Field(min_length=1, description="Citation: paper, table")
    scores: dict[str, float]
    quality: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_scores(self) -> Reported:
        ranked = metric_info(ranked_only=True)
        unknown = sorted(set(self.scores) - set(ranked))
        if unknown:
            raise ValueError(f"unknown scores {unknown}; expected {sorted(ranked)}")
        unknown = sorted(set(self.quality) - set(PAPER_QUALITY))
        if unknown:
            raise ValueError(f"unknown quality columns {unknown}; expected {sorted(PAPER_QUALITY)}")
        bounds = {key: (info.range[0], min(info.range[1], REPORTED_ASC_MAX) if key == "asc" else info.range[1])
                  for key, info in ranked.items()}
        outside = [f"{key} {value!r} is outside [{bounds[key][0]}, {bounds[key][1]}]"
                   for key, value in self.scores.items() if not bounds[key][0] <= value <= bounds[key][1]]
        outside += quality_outside_ranges(self.quality)
        if outside:
            raise ValueError("; ".join(outside))
        return self


def quality_outside_ranges(values: dict[str, float | None]) -> list[str]:
    """Table 1 quality values outside :data:`QUALITY_RANGES` (the leaderboard ranks and prints them)."""
    return [f"{key} {value!r} is outside [{QUALITY_RANGES[key][0]}, {QUALITY_RANGES[key][1]}]"
            for key, value in values.items()
            if key in QUALITY_RANGES and value is not None
            and not QUALITY_RANGES[key][0] <= value <= QUALITY_RANGES[key][1]]


class Entry(StrictModel):
    entry_version: Literal["1"] = ENTRY_VERSION
    kind: Literal["reproduced", "paper-reported"]
    submission: Submission
    results: Results | None = None
    reported: Reported | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Entry:
        if self.kind == "reproduced" and (self.results is None or self.reported is not None):
            raise ValueError("a reproduced entry holds `results` (a results v1 file) and no `reported`")
        if self.kind == "paper-reported" and (self.reported is None or self.results is not None):
            raise ValueError("a paper-reported entry holds `reported` and no `results`")
        return self


@cache
def bundled_bank_sha256() -> str:
    return json.loads((bundled_dir() / "manifest.json").read_text())["sha256"]


def expected_fingerprints() -> dict[str, dict | str]:
    """feature kind → the default set's fingerprint dict, or why it cannot be had (no extractor yet)."""
    from ..extractors import EXTRACTOR_SETS, EXTRACTORS

    expected: dict[str, dict | str] = {}
    default = EXTRACTOR_SETS[DEFAULT_EXTRACTOR_SET]
    for key in metric_info(ranked_only=True):
        feature = METRICS.get(key).feature
        name = default.get(feature)
        if name is None:
            expected[feature] = f"this toolkit's default extractor set has no {feature} extractor yet"
            continue
        try:
            expected[feature] = EXTRACTORS.get(name)().fingerprint().to_dict()
        except (DivGenBenchError, ImportError) as exc:
            expected[feature] = f"cannot build the default {feature} extractor {name!r}: {exc}"
    return expected


def results_problems(results: Results, expected: dict[str, dict | str]) -> list[Problem]:
    """What keeps a valid results file off the leaderboard (SPEC §3, §6): a full, non-smoke v1 run."""
    if results.smoke or results.model.smoke:  # the one reason that matters: nothing else about it can be fixed
        return [Problem("results.smoke", "smoke results (tiny models or extractors) are never ranked: evaluate the "
                                         "real model with the default extractors and no --limit")]
    problems = []
    if results.protocol.name != RANKED_PROTOCOL:
        problems.append(Problem("results.protocol.name",
                                f"ranked runs use protocol {RANKED_PROTOCOL!r}, got {results.protocol.name!r}"))
    if results.protocol.limit is not None:
        problems.append(Problem("results.protocol.limit", f"a --limit {results.protocol.limit} run is partial"))
    if results.protocol.shard is not None:
        problems.append(Problem("results.protocol.shard", "a single shard is partial: merge the shards first"))
    if results.prompt_bank.sha256 != bundled_bank_sha256():
        problems.append(Problem("results.prompt_bank.sha256",
                                f"{results.prompt_bank.sha256[:12]}… is not the bundled bank's "
                                f"{bundled_bank_sha256()[:12]}…: re-run on the bundled bank"))
    for feature, want in expected.items():
        path = f"results.extractors.{feature}"
        have = results.extractors.get(feature)
        if isinstance(want, str):
            problems.append(Problem(path, want))
        elif have is None:
            problems.append(Problem(path, f"missing: the run must use the default {want['extractor']!r} extractor"))
        else:
            if have.smoke:
                problems.append(Problem(f"{path}.smoke", "a random-weight extractor is never ranked"))
            recorded = have.model_dump()
            for field in FINGERPRINT_IDENTITY:
                if recorded[field] != want[field]:
                    problems.append(Problem(f"{path}.{field}", f"{recorded[field]!r}, expected {want[field]!r}"))
    for key, info in metric_info(ranked_only=True).items():
        score = results.scores.get(key)
        if score is None or score.status != "computed":
            problems.append(Problem(f"results.scores.{key}", f"{info.name} must be computed"
                                    + (f" ({score.reason})" if score is not None and score.reason else "")))
        elif score.interval is None:
            problems.append(Problem(f"results.scores.{key}.interval", f"{info.name} needs its bootstrap interval"))
    problems += [Problem("results.quality", message)
                 for message in quality_outside_ranges({k: v.value for k, v in results.quality.items()})]
    return problems


def entry_problems(entry: Entry, expected: dict[str, dict | str]) -> list[Problem]:
    if entry.kind == "paper-reported":
        missing = [k for k in metric_info(ranked_only=True) if k not in entry.reported.scores]
        return [Problem("reported.scores", f"missing {', '.join(missing)}")] if missing else []
    problems = results_problems(entry.results, expected)
    if not (entry.submission.revision or entry.results.model.revision):
        problems.append(Problem("submission.revision", "name the revision (commit or tag) of the weights"))
    return problems


def is_bare_results(raw: object) -> bool:
    """A results v1 file passed where an entry belongs (the commonest first submission mistake)."""
    return isinstance(raw, dict) and "kind" not in raw and {"toolkit", "scores"} <= raw.keys()


def check_entry_bytes(name: str, data: bytes, expected: dict[str, dict | str] | None = None
                      ) -> tuple[Entry | None, list[Problem]]:
    """Parse and check one entry file's bytes; ``name`` is its file stem (a future URL anchor)."""
    problems: list[Problem] = []
    try:
        check_plugin_name(name)
    except ConfigError:
        problems.append(Problem(FILE, f"file name {name!r}.json must be lowercase kebab-case, e.g. flux-d2align.json"))
    if len(data) > MAX_ENTRY_BYTES:
        return None, problems + [Problem(FILE, f"the file is over the {MAX_ENTRY_BYTES}-byte limit: "
                                               "submit results.json only, never images or sidecars")]
    raw, parse_problems = parse_json_text(data)
    if parse_problems:
        return None, problems + parse_problems
    if is_bare_results(raw):
        return None, problems + [Problem(FILE, "this is a results file, not a leaderboard entry: wrap it with "
                                               "`divgenbench leaderboard submit RESULTS --model-id … --revision … "
                                               "--license … --contact …`")]
    try:
        entry = Entry.model_validate_json(json.dumps(raw), strict=True)  # "0.5", true, "yes" are not numbers
    except ValidationError as exc:
        return None, problems + problems_from_validation(exc)
    except RecursionError:
        return None, problems + [Problem(ROOT, "nested too deeply")]
    return entry, problems + entry_problems(entry, expected if expected is not None else expected_fingerprints())


def check_entry_file(path: Path, expected: dict[str, dict | str] | None = None) -> tuple[Entry | None, list[Problem]]:
    try:
        data = read_bounded(path, MAX_ENTRY_BYTES)
    except OSError as exc:
        return None, [Problem(FILE, f"cannot read {path}: {exc.strerror or exc}")]
    return check_entry_bytes(path.stem, data, expected)


def entry_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


def check_entries(paths: Iterable[Path]) -> dict[Path, tuple[Entry | None, list[Problem]]]:
    expected = expected_fingerprints()
    return {path: check_entry_file(path, expected) for path in paths}
