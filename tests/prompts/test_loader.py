"""load_prompts: bundled, hub (through `datasets`, with offline fallback and hash refusal), folder."""

from __future__ import annotations

import json
import logging
import shutil

import pytest

from divgenbench.errors import ConfigError, DataError
from divgenbench.prompts.bank import bundled_dir, export_datasets, load_prompts


@pytest.fixture(scope="module")
def bank():
    return load_prompts("bundled")


@pytest.fixture(scope="module")
def exported(bank, tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    export_datasets(bank, out)
    return out


def test_bundled_hash_matches_manifest(bank):
    manifest = json.loads((bundled_dir() / "manifest.json").read_text())
    assert bank.sha256 == manifest["sha256"] and bank.version == "v1"
    assert {d: f["count"] for d, f in manifest["files"].items()} == {"id": 800, "style": 800, "layout": 800, "tonal": 800}


def test_exported_datasets_load_back_with_the_same_hash(bank, exported):
    """The hub code path (datasets.load_dataset, one config per dimension) on the exported copy."""
    from datasets import load_from_disk

    assert load_from_disk(str(exported / "layout"))["train"].num_rows == 800
    again = load_prompts(f"hub:{exported}")
    assert again.sha256 == bank.sha256 and again.source.startswith("hub:")
    assert again["id"][0] == bank["id"][0]


def test_hub_copy_with_another_hash_is_refused(exported, tmp_path):
    tampered = tmp_path / "tampered"
    shutil.copytree(exported, tampered)
    lines = (tampered / "tonal.jsonl").read_text().splitlines()
    record = json.loads(lines[0])
    record["text"] += " (edited)"
    lines[0] = json.dumps(record)
    (tampered / "tonal.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="hashes"):
        load_prompts(f"hub:{tampered}")


def test_unreachable_hub_falls_back_to_bundled_with_a_notice(bank, caplog):
    with caplog.at_level(logging.WARNING):
        fallback = load_prompts("hub:divgenbench/does-not-exist@v1")
    assert fallback.sha256 == bank.sha256 and fallback.source == "bundled:v1"
    assert "using the bundled copy" in caplog.text


def test_folder_source_checks_its_manifest(tmp_path):
    folder = tmp_path / "bank"
    shutil.copytree(bundled_dir(), folder)
    assert load_prompts(str(folder)).source == str(folder)
    with open(folder / "id.jsonl", "a") as fh:
        fh.write('{"id":"id-0801","dimension":"id","text":"extra","template":"t","attributes":{}}\n')
    with pytest.raises(DataError, match="manifest says"):
        load_prompts(str(folder))


def test_malformed_and_missing_files_are_reported(tmp_path):
    folder = tmp_path / "bad"
    shutil.copytree(bundled_dir(), folder)
    (folder / "style.jsonl").write_text("{not json\n")
    with pytest.raises(DataError, match=r"style.jsonl is not valid JSONL \(line 1"):
        load_prompts(str(folder))
    (folder / "style.jsonl").unlink()
    with pytest.raises(DataError, match="cannot read prompts file"):
        load_prompts(str(folder))


def test_unknown_source_names_the_choices():
    with pytest.raises(ConfigError, match="neither 'bundled'"):
        load_prompts("/no/such/folder")
