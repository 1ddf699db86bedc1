"""``folder``: a user's images + manifest; missing and corrupt images are reported, the rest scored."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from divgenbench.errors import DataError
from divgenbench.generators import GENERATORS, GenerationSettings
from divgenbench.generators.runner import plan_requests
from divgenbench.pipeline import EvalConfig, evaluate_and_write as evaluate
from divgenbench.prompts import load_prompts
from divgenbench.protocol import get_protocol

LIMIT = 3


@pytest.fixture()
def user_folder(tmp_path):
    """One 64×64 image per planned request; then one file deleted, one truncated, one saved as JPEG,
    plus an unlisted file, a row outside the plan and a malformed line."""
    folder = tmp_path / "mine"
    (folder / "imgs").mkdir(parents=True)
    rng = np.random.default_rng(0)
    requests = plan_requests(load_prompts("bundled"), get_protocol("divgenbench-v1"), LIMIT)
    rows = []
    for request in requests:
        name = f"imgs/{request.prompt_id}-{request.k}.png"
        Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(folder / name)
        rows.append({"prompt_id": request.prompt_id, "k": request.k, "file": name})
    missing, corrupt, jpeg = requests[0], requests[-1], requests[LIMIT]  # an id, a tonal, a style image
    (folder / rows[0]["file"]).unlink()
    data = (folder / rows[-1]["file"]).read_bytes()
    (folder / rows[-1]["file"]).write_bytes(data[: len(data) // 2])
    Image.open(folder / rows[LIMIT]["file"]).save(folder / "imgs/style.jpg", quality=95)
    rows[LIMIT]["file"] = "imgs/style.jpg"
    Image.new("RGB", (8, 8)).save(folder / "imgs/unlisted.png")
    lines = [json.dumps(r) for r in rows] + [json.dumps({"prompt_id": "id-0002", "k": 0, "file": "x.png"}),
                                             "{not json"]
    (folder / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    return folder, requests, {"missing": missing, "corrupt": corrupt, "jpeg": jpeg}, rows


def test_folder_reports_missing_and_corrupt_images_and_scores_the_rest(user_folder, tmp_path):
    folder, requests, special, rows = user_folder
    config = EvalConfig(model="folder", model_args={"path": str(folder)}, output=tmp_path / "run", limit=LIMIT,
                        extractor_set="tiny", resamples=50)
    results = evaluate(config)
    skipped = {s.key: s for s in results.diagnostics.skipped_images}
    key = lambda r: f"{r.prompt_id}_{r.k}"  # noqa: E731
    assert skipped[key(special["missing"])].reason == "missing"
    assert skipped[key(special["corrupt"])].reason == "corrupt"
    assert "imgs/tonal" in skipped[key(special["corrupt"])].message
    assert len(skipped) == 2
    pvs = results.scores["pvs"]
    assert pvs.status == "computed" and pvs.n == LIMIT - 1  # the corrupt tonal image is left out
    assert results.diagnostics.images == {"id": LIMIT - 1, "style": LIMIT, "layout": 4 * LIMIT, "tonal": LIMIT - 1}

    samples = {(s["prompt_id"], s["k"]): s for s in map(json.loads, (tmp_path / "run/samples.jsonl").read_text().splitlines())}
    png_row = rows[1]
    source_sha = hashlib.sha256((folder / png_row["file"]).read_bytes()).hexdigest()
    assert samples[(png_row["prompt_id"], png_row["k"])]["sha256"] == source_sha  # PNGs are copied byte for byte
    jpeg = special["jpeg"]
    copied = tmp_path / "run" / samples[(jpeg.prompt_id, jpeg.k)]["path"]
    assert copied.read_bytes().startswith(b"\x89PNG")
    assert np.array_equal(np.asarray(Image.open(copied)), np.asarray(Image.open(folder / "imgs/style.jpg")))

    notes = " | ".join(results.diagnostics.notes)
    assert "1 malformed rows skipped: line" in notes
    assert "id-0002_0" in notes  # a row outside the plan
    assert "imgs/unlisted.png" in notes and "imgs/id-0001-0.png" not in notes


def test_csv_manifest_maps_the_same_files(user_folder):
    folder, _, _, rows = user_folder
    lines = ["prompt_id,k,file"] + [f"{r['prompt_id']},{r['k']},{r['file']}" for r in rows]
    (folder / "manifest.csv").write_text("\n".join(lines) + "\n")
    jsonl = GENERATORS.get("folder")(GenerationSettings(), {"path": str(folder)})
    csv = GENERATORS.get("folder")(GenerationSettings(), {"path": str(folder), "manifest": "manifest.csv"})
    assert csv.files == {k: v for k, v in jsonl.files.items() if k != ("id-0002", 0)}
    (folder / "bad.csv").write_text("prompt,k\nid-0001,0\n")
    with pytest.raises(DataError, match="has no column prompt_id, file"):
        GENERATORS.get("folder")(GenerationSettings(), {"path": str(folder), "manifest": "bad.csv"})


def folder_generator(folder, **args):
    return GENERATORS.get("folder")(GenerationSettings(), {"path": str(folder), **args})


@pytest.mark.parametrize("content, message", [
    (b'{"prompt_id": "id-0001", "k": 0, "file": "\xff\xfe.png"}\n', "is not UTF-8 text"),
    (b"[1, 2]\n", "lists no usable image"),
    (b'{"prompt_id": "id-0001", "k": ' + b"9" * 5000 + b', "file": "a.png"}\n', "lists no usable image"),
    (b"[" * 100_000 + b"]" * 100_000 + b"\n", "lists no usable image"),
])
def test_hostile_manifests_are_one_data_error(tmp_path, content, message):
    (tmp_path / "manifest.jsonl").write_bytes(content)
    with pytest.raises(DataError, match=message):
        folder_generator(tmp_path)


def test_a_huge_manifest_is_refused_without_reading_it_whole(tmp_path, monkeypatch):
    from divgenbench import strictjson

    monkeypatch.setattr(strictjson, "MAX_JSON_BYTES", 100)
    (tmp_path / "manifest.jsonl").write_text(json.dumps({"prompt_id": "id-0001", "k": 0, "file": "a.png"}) * 10)
    with pytest.raises(DataError, match="over the 100-byte limit"):
        folder_generator(tmp_path)


def test_files_outside_the_folder_follow_the_absolute_path_rule_and_are_recorded(tmp_path):
    inside, outside = tmp_path / "mine", tmp_path / "elsewhere"
    inside.mkdir()
    outside.mkdir()
    Image.new("RGB", (8, 8)).save(outside / "far.png")
    Image.new("RGB", (8, 8)).save(inside / "near.png")
    rows = [{"prompt_id": "id-0001", "k": 0, "file": str(outside / "far.png")},
            {"prompt_id": "id-0001", "k": 1, "file": "../elsewhere/far.png"},
            {"prompt_id": "id-0002", "k": 0, "file": "near.png"}]
    (inside / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    generator = folder_generator(inside)
    described = generator.describe()
    assert described["files_outside_folder"] == 2 and "absolute" in described["paths"]
    assert any("2 manifest rows name files outside" in note for note in generator.notes([]))
