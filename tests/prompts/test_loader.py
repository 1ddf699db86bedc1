"""load_prompts: bundled, hub (through `datasets`, with offline fallback and hash refusal), folder."""

from __future__ import annotations

import json
import logging
import re
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
        fh.write('{"id":"id-0801","dimension":"id","text":"extra","template":"t","attributes":{"group":"g"}}\n')
    with pytest.raises(DataError, match="manifest says"):
        load_prompts(str(folder))


def test_malformed_and_missing_files_are_reported(tmp_path):
    folder = tmp_path / "bad"
    shutil.copytree(bundled_dir(), folder)
    (folder / "style.jsonl").write_text("{not json\n")
    with pytest.raises(DataError, match=r"style.jsonl line 1: not valid JSON"):
        load_prompts(str(folder))
    (folder / "style.jsonl").unlink()
    with pytest.raises(DataError, match="cannot read prompts file"):
        load_prompts(str(folder))


def test_unknown_source_names_the_choices():
    with pytest.raises(ConfigError, match="neither 'bundled'"):
        load_prompts("/no/such/folder")


RECORD = {"id": "id-9999", "dimension": "id", "text": "t", "template": "t", "attributes": {"group": "g"}}


@pytest.mark.parametrize("file, line, message", [
    ("id", "[1, 2]", "is a JSON list, not an object"),
    ("id", '"text"', "is a JSON str, not an object"),
    ("id", json.dumps({**RECORD, "id": "../../x/tonal"}), "is not a plain name"),
    ("id", json.dumps({**RECORD, "id": "a/b"}), "is not a plain name"),
    ("id", json.dumps({**RECORD, "id": ".hidden"}), "is not a plain name"),
    ("id", json.dumps({**RECORD, "id": "x" * 300}), "is not a plain name"),
    ("id", json.dumps({**RECORD, "id": "id-0001"}), "repeats prompt id 'id-0001' (first in id.jsonl line 1)"),
    ("tonal", json.dumps({**RECORD, "id": "style-0001", "dimension": "tonal",
                          "attributes": {"keyword": "k"}}), "repeats prompt id 'style-0001'"),
    ("id", json.dumps({**RECORD, "attributes": {}}), "lacks attributes group"),
    ("id", json.dumps({**RECORD, "attributes": []}), "field attributes is not a dict"),
    ("id", json.dumps({**RECORD, "text": 5}), "field text is not a str"),
    ("id", json.dumps({k: v for k, v in RECORD.items() if k != "template"}), "has fields"),
    ("id", json.dumps({**RECORD, "dimension": "tonal"}), "has dimension 'tonal' in the id file"),
    ("layout", json.dumps({**RECORD, "dimension": "layout", "attributes": {"class": "cat", "count": "2"}}),
     "attribute count '2' is not a whole number"),
    ("id", '{"id": ' + "1" * 5000 + "}", "5000 digits"),
])
def test_untrusted_prompt_records_are_refused_with_their_line(tmp_path, file, line, message):
    folder = tmp_path / "bank"
    shutil.copytree(bundled_dir(), folder)
    (folder / "manifest.json").unlink()  # a custom bank
    with open(folder / f"{file}.jsonl", "a") as fh:
        fh.write(line + "\n")
    with pytest.raises(DataError, match=re.escape(message)) as caught:
        load_prompts(str(folder))
    assert f"{file}.jsonl line" in str(caught.value)


def test_a_list_as_prompt_manifest_is_one_error(tmp_path):
    folder = tmp_path / "bank"
    shutil.copytree(bundled_dir(), folder)
    (folder / "manifest.json").write_text("[]")
    with pytest.raises(DataError, match="is a JSON list, not an object"):
        load_prompts(str(folder))
