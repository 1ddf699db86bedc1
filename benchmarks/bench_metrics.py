"""Time the diversity scores of a full `divgenbench-v1` run on synthetic features of the real sizes.

Every fast path is timed next to a straightforward baseline measured in the same run: IDS from the N×N cosine
matrix, nearest neighbours one query at a time with a gammaln scan for s*, SDI with Python loops over box
pairs, photometric statistics with a float64 per-image loop, and intervals by rescoring every resample from
scratch. Baselines too slow to run in full are run on a subset and extrapolated linearly; the output says so.

    python benchmarks/bench_metrics.py [--train 50000 --resamples 1000 ...]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.special import gammaln

from divgenbench.metrics import (
    RetrievalReference,
    asc_statistic,
    bootstrap_interval,
    ids_statistic,
    per_prompt_layout_dissimilarity,
    photometric_stats,
    prdc_statistics,
    precision_recall_density_coverage,
    pvs_statistic,
    scd_statistic,
    sdi_statistic,
    slc_statistic,
    spectral_covariance_distance,
    vendi_score,
    vendi_statistic,
)


@dataclass
class Row:
    component: str
    fast_s: float
    baseline_s: float
    note: str = ""


def timed(call: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def extrapolated(call: Callable[[int], object], done: int, total: int) -> tuple[float, str]:
    """Time `call(done)` (which does `done` of `total` units of work) and scale to `total`."""
    _, seconds = timed(lambda: call(done))
    if done >= total:
        return seconds, ""
    return seconds * total / done, f"baseline extrapolated from {done} of {total}"


# ---- synthetic inputs of the real sizes -------------------------------------------------------------------


def clustered_features(rng, centres, size, noise=0.6, dtype=np.float32):
    labels = rng.integers(0, len(centres), size)
    return (centres[labels] + noise * rng.standard_normal((size, centres.shape[1]))).astype(dtype)


def random_layout(rng, max_boxes):
    count = rng.integers(0, max_boxes + 1)
    x, y = np.sort(rng.uniform(size=(count, 2)), axis=1), np.sort(rng.uniform(size=(count, 2)), axis=1)
    return np.column_stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]])


# ---- baselines --------------------------------------------------------------------------------------------


def baseline_ids(embeddings):
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    return (unit @ unit.T)[np.triu_indices(len(unit), 1)].mean()


def baseline_nearest(train_unit, queries):
    unit = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    return np.array([np.argmin(np.linalg.norm(train_unit - query, axis=1)) for query in unit])


def baseline_support(k, n, n_train):
    if k == n:
        return n_train
    s = np.arange(k, n_train + 1, dtype=np.float64)
    return int(s[np.argmax(gammaln(s + 1) - gammaln(s - k + 1) - n * np.log(s))])


def baseline_iou(a, b):
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    intersection = max(width, 0.0) * max(height, 0.0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - intersection
    return intersection / union if union > 0 else 0.0


def baseline_similarity(a, b):
    if len(a) == 0 or len(b) == 0:
        return float(len(a) == len(b))
    ious = np.array([[baseline_iou(box_a, box_b) for box_b in b] for box_a in a])
    rows, cols = linear_sum_assignment(ious, maximize=True)
    return ious[rows, cols].sum() / max(len(a), len(b))


def baseline_sdi(layouts):
    values = []
    for images in layouts:
        pairs = [(i, j) for i in range(len(images)) for j in range(i + 1, len(images))]
        values.append(1 - np.mean([baseline_similarity(images[i], images[j]) for i, j in pairs]))
    return float(np.mean(values))


def baseline_photometric(images):
    rows = []
    for image in images:
        rgb = image.astype(np.float64) / 255
        brightest, darkest = rgb.max(axis=2), rgb.min(axis=2)
        saturation = np.where(brightest > 0, (brightest - darkest) / np.where(brightest > 0, brightest, 1), 0)
        gray = rgb @ np.array([0.299, 0.587, 0.114])
        rows.append((saturation.mean(), brightest.mean(), gray.std()))
    return np.array(rows)


def baseline_scd(a, b):
    spectra = [np.sort(np.linalg.eigvalsh(np.cov(x.T, bias=True)))[::-1] for x in (a, b)]
    return ((spectra[0] - spectra[1]) ** 2).sum()


def baseline_vendi(features):
    """The n×n cosine kernel decomposed directly (the `vendi-score` package's `score_K`)."""
    unit = features / np.linalg.norm(features, axis=1, keepdims=True)
    eigenvalues = np.clip(np.linalg.eigvalsh(unit @ unit.T / len(unit)), 0, None)
    positive = eigenvalues[eigenvalues > 0]
    return np.exp(-(positive * np.log(positive)).sum())


def baseline_prdc(real, fake, k=5):
    """The `prdc` package's arithmetic on the gathered rows (without its print)."""
    def distances(a, b):
        return np.sqrt(np.clip((a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2 * a @ b.T, 0, None))

    real_radii = np.partition(distances(real, real), k, axis=1)[:, k]
    fake_radii = np.partition(distances(fake, fake), k, axis=1)[:, k]
    cross = distances(real, fake)
    return ((cross < real_radii[:, None]).any(axis=0).mean(), (cross < fake_radii[None]).any(axis=1).mean(),
            (cross < real_radii[:, None]).sum(axis=0).mean() / k, (cross.min(axis=1) < real_radii).mean())


def baseline_intervals(score_rows, indices):
    scores = [score_rows(row) for row in indices]
    return np.percentile(scores, [2.5, 97.5])


# ---- the benchmark ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=800)
    parser.add_argument("--face-dim", type=int, default=512)
    parser.add_argument("--train", type=int, default=50_000, help="style reference (WikiArt X_train) size")
    parser.add_argument("--test", type=int, default=800, help="held-out X_test size")
    parser.add_argument("--synth", type=int, default=800, help="Style images")
    parser.add_argument("--style-dim", type=int, default=768)
    parser.add_argument("--layout-prompts", type=int, default=200)
    parser.add_argument("--layouts-per-prompt", type=int, default=4)
    parser.add_argument("--max-boxes", type=int, default=5)
    parser.add_argument("--tonal", type=int, default=800)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--photo-images", type=int, default=64)
    parser.add_argument("--photo-size", type=int, default=720)
    parser.add_argument("--baseline-resamples", type=int, default=10, help="resamples the slow baselines run")
    parser.add_argument("--baseline-queries", type=int, default=40, help="queries the one-by-one NN baseline runs")
    parser.add_argument("--spectral-resamples", type=int, default=10,
                        help="resamples SCD/Vendi/PRDC intervals run (slow per resample); scaled up")
    parser.add_argument("--reference-relative-only", action="store_true", help="time only the SPEC §8 extras")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    resamples, seed = args.resamples, 0
    draws = np.random.default_rng(seed).integers  # same draws as divgenbench.metrics.bootstrap

    faces = rng.standard_normal((args.faces, args.face_dim)) + 0.6 * rng.standard_normal(args.face_dim)
    style_centres = 1.5 * rng.standard_normal((27, args.style_dim))
    train = clustered_features(rng, style_centres, args.train)
    test = clustered_features(rng, style_centres, args.test)
    synth = clustered_features(rng, style_centres[:9], args.synth)
    layouts = [
        [random_layout(rng, args.max_boxes) for _ in range(args.layouts_per_prompt)]
        for _ in range(args.layout_prompts)
    ]
    tonal = rng.uniform(size=(args.tonal, 3)) * [1.0, 1.0, 0.5]
    if args.reference_relative_only:
        print_rows(reference_relative_rows(args, rng, faces))
        return

    def score_everything():
        reference = RetrievalReference(train)
        return {
            "IDS": bootstrap_interval(ids_statistic(faces), resamples=resamples, seed=seed),
            "ASC": bootstrap_interval(asc_statistic(reference, test, synth), resamples=resamples, seed=seed),
            "SDI": bootstrap_interval(
                sdi_statistic(per_prompt_layout_dissimilarity(layouts)), resamples=resamples, seed=seed
            ),
            "PVS": bootstrap_interval(pvs_statistic(tonal), resamples=resamples, seed=seed),
        }

    scores, total_fast = timed(score_everything)
    rows: list[Row] = []

    def interval(statistic):
        return bootstrap_interval(statistic, resamples=resamples, seed=seed)

    def slow_interval(score_rows, n_prompts, slow=True):
        indices = draws(0, n_prompts, size=(resamples, n_prompts))
        done = min(args.baseline_resamples, resamples) if slow else resamples
        return extrapolated(lambda count: baseline_intervals(score_rows, indices[:count]), done, resamples)

    # IDS
    statistic, fast = timed(lambda: ids_statistic(faces))
    _, base = timed(lambda: baseline_ids(faces))
    rows.append(Row("IDS value", fast, base))
    _, fast = timed(lambda: interval(statistic))
    rows.append(Row("IDS interval", fast, *slow_interval(lambda row: baseline_ids(faces[row]), args.faces)))

    # ASC: the value needs nearest neighbours of test and synth; a resample only recounts hits
    reference, fast_reference = timed(lambda: RetrievalReference(train))
    statistic, fast = timed(lambda: asc_statistic(reference, test, synth))
    train_unit = train.astype(np.float64) / np.linalg.norm(train.astype(np.float64), axis=1, keepdims=True)
    _, seconds = timed(lambda: baseline_nearest(train_unit, synth[: args.baseline_queries]))
    _, search = timed(lambda: baseline_support(args.synth // 2, args.synth, args.train))
    rows.append(Row(
        "ASC value", fast_reference + fast, seconds / args.baseline_queries * (args.test + args.synth) + 2 * search,
        f"baseline: one query at a time, extrapolated from {args.baseline_queries} of {args.test + args.synth}",
    ))
    _, fast = timed(lambda: interval(statistic))
    test_support = reference.irs_support(reference.nearest(test))
    rows.append(Row("ASC interval", fast, *slow_interval(
        lambda row: baseline_support(np.unique(reference.nearest(synth[np.unique(row)])).size,
                                     np.unique(row).size, args.train) / test_support,
        args.synth,
    )))
    rows[-1].note += " (baseline reruns the chunked nearest-neighbour search per resample)"

    # SDI
    values, fast = timed(lambda: per_prompt_layout_dissimilarity(layouts))
    _, base = timed(lambda: baseline_sdi(layouts))
    rows.append(Row("SDI value", fast, base))
    _, fast = timed(lambda: interval(sdi_statistic(values)))
    rows.append(Row("SDI interval", fast, *slow_interval(
        lambda row: baseline_sdi([layouts[p] for p in row]), args.layout_prompts
    )))

    # PVS from photometric triples
    statistic, fast = timed(lambda: pvs_statistic(tonal))
    _, base = timed(lambda: tonal.std(axis=0).sum())
    rows.append(Row("PVS value", fast, base))
    _, fast = timed(lambda: interval(statistic))
    rows.append(Row("PVS interval", fast, *slow_interval(lambda row: tonal[row].std(axis=0).sum(), args.tonal, False)))

    rows += reference_relative_rows(args, rng, faces)

    # photometric statistics of full-size images, benched separately
    images = rng.integers(0, 256, size=(args.photo_images, args.photo_size, args.photo_size, 3), dtype=np.uint8)
    fast_stats, fast_photo = timed(lambda: photometric_stats(images))
    base_stats, base_photo = timed(lambda: baseline_photometric(images))
    max_gap = np.abs(fast_stats - base_stats).max()

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
          f"numpy {np.__version__}")
    print(f"sizes: faces {args.faces}x{args.face_dim}; style {args.synth}+{args.test} queries vs "
          f"{args.train}x{args.style_dim}; layouts {args.layout_prompts}x{args.layouts_per_prompt} "
          f"(<= {args.max_boxes} boxes); tonal {args.tonal}; {resamples} resamples, seed {seed}\n")
    for name, result in scores.items():
        print(f"{name} = {result.value:.4f}  95% CI [{result.low:.4f}, {result.high:.4f}]  n={result.n}")
    print(f"\nwhole scoring, all four scores with intervals: {total_fast:.2f} s\n")
    print_rows(rows)
    print(f"\nphotometric stats, {args.photo_images} images {args.photo_size}x{args.photo_size}: "
          f"{args.photo_images / fast_photo:.0f} images/s (baseline float64 per-image loop "
          f"{args.photo_images / base_photo:.0f} images/s, ratio {base_photo / fast_photo:.1f}x, "
          f"max |difference| {max_gap:.1e})")


def print_rows(rows: list[Row]) -> None:
    print(f"{'component':<16}{'fast (s)':>10}{'baseline (s)':>14}{'ratio':>10}  note")
    for row in rows:
        print(f"{row.component:<16}{row.fast_s:>10.4f}{row.baseline_s:>14.3f}{row.baseline_s / row.fast_s:>9.1f}x  "
              f"{row.note}")


def reference_relative_rows(args, rng, faces) -> list[Row]:
    """SPEC §8 extras on ID faces against a "base model" face set of the same size (1 image per prompt).

    SCD and Vendi intervals need a full eigendecomposition per resample for fast path and baseline alike (the
    fast path only avoids gathering rows), and PRDC O(n²) masked comparisons per resample, so their intervals run
    `--spectral-resamples` resamples, scaled to `--resamples`.
    """
    base_faces = faces + 0.5 * rng.standard_normal(faces.shape)
    prompts = np.arange(args.faces)
    resamples, few = args.resamples, min(args.spectral_resamples, args.resamples)
    indices = np.random.default_rng(0).integers(0, args.faces, size=(resamples, args.faces))
    rows = []

    _, fast = timed(lambda: spectral_covariance_distance(base_faces, faces))
    _, base = timed(lambda: baseline_scd(base_faces, faces))
    rows.append(Row("SCD value", fast, base, "baseline: np.cov + eigvalsh per set"))
    statistic = scd_statistic(base_faces, faces, prompts, prompts)
    fast, note = extrapolated(lambda count: bootstrap_interval(statistic, resamples=count), few, resamples)
    base, _ = extrapolated(lambda count: [baseline_scd(base_faces[row], faces[row]) for row in indices[:count]],
                           few, resamples)
    rows.append(Row("SCD interval", fast, base, f"both {note}"))

    _, fast = timed(lambda: vendi_score(faces))
    _, base = timed(lambda: baseline_vendi(faces))
    rows.append(Row("Vendi value", fast, base, f"dual {args.face_dim}² vs the {args.faces}² kernel"))
    statistic = vendi_statistic(faces)
    fast, note = extrapolated(lambda count: bootstrap_interval(statistic, resamples=count), few, resamples)
    base, _ = extrapolated(lambda count: [baseline_vendi(faces[row]) for row in indices[:count]], few, resamples)
    rows.append(Row("Vendi interval", fast, base, f"both {note}"))

    _, fast = timed(lambda: precision_recall_density_coverage(base_faces, faces))
    _, base = timed(lambda: baseline_prdc(base_faces, faces))
    rows.append(Row("PRDC value", fast, base, "baseline: the prdc package's arithmetic"))
    statistics = prdc_statistics(base_faces, faces, prompts, prompts)
    fast, _ = extrapolated(lambda count: [bootstrap_interval(s, resamples=count) for s in statistics.values()],
                           few, resamples)
    base, note = extrapolated(
        lambda count: [baseline_prdc(base_faces[np.unique(row)], faces[np.unique(row)]) for row in indices[:count]],
        few, resamples)
    rows.append(Row("PRDC interval", fast, base, f"both {note}"))

    labels = rng.integers(0, 27, args.synth)
    test_labels = rng.integers(0, 27, args.test)
    _, fast = timed(lambda: bootstrap_interval(slc_statistic(labels, test_labels), resamples=resamples))
    _, base = timed(lambda: [np.unique(labels[np.unique(row)]).size for row in indices])
    rows.append(Row("SLC interval", fast, base, "baseline: np.unique per resample"))
    return rows


if __name__ == "__main__":
    main()
