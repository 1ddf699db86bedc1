"""The WikiArt style reference: stratified split, resumable builds, storage, hub pull, evaluation wiring."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from divgenbench import reference as ref
from divgenbench.errors import ConfigError, DataError, MissingWeightsError
from divgenbench.extractors.style import TinyCsdExtractor

STYLE_NAMES = ["Baroque", "Cubism", "Ukiyo_e"]


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("DIVGENBENCH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture(scope="module")
def style_folder(tmp_path_factory) -> Path:
    """3 styles of 7, 5 and 4 tiny images (each style its own palette), plus one corrupt file."""
    root = tmp_path_factory.mktemp("wikiart-like")
    rng = np.random.default_rng(0)
    for style, count in zip(STYLE_NAMES, (7, 5, 4)):
        (root / style).mkdir()
        base = rng.integers(0, 256, 3)
        for i in range(count):
            pixels = np.clip(base + rng.normal(0, 40, (40, 40, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / style / f"{i:02d}.png")
    (root / "Cubism" / "zz-corrupt.jpg").write_bytes(b"\xff\xd8 broken jpeg")
    return root


# --- split -------------------------------------------------------------------------------------------------
def test_spec_split_800_of_27_imbalanced_styles_is_proportional_and_seeded():
    rng = np.random.default_rng(5)
    sizes = rng.integers(90, 13000, 27)
    labels = [f"style-{s:02d}" for s, n in enumerate(sizes) for _ in range(n)]
    test = ref.stratified_test_rows(labels, 800, seed=ref.SPLIT_SEED)
    assert len(test) == 800 and len(np.unique(test)) == 800 and (np.diff(test) > 0).all()
    per_style = Counter(labels[r] for r in test)
    for s, n in enumerate(sizes):
        assert abs(per_style.get(f"style-{s:02d}", 0) - 800 * n / len(labels)) < 1  # largest remainder
    np.testing.assert_array_equal(test, ref.stratified_test_rows(labels, 800, seed=ref.SPLIT_SEED))
    assert not np.array_equal(test, ref.stratified_test_rows(labels, 800, seed=1))


def test_quotas_add_up_and_refuse_impossible_sizes():
    quotas = ref.proportional_quotas({"a": 1, "b": 1, "c": 1}, 2)
    assert quotas == {"a": 1, "b": 1, "c": 0}  # equal remainders: alphabetical
    with pytest.raises(ConfigError, match="test size"):
        ref.stratified_test_rows(["a", "b"], 2)


# --- build and load ---------------------------------------------------------------------------------------
def test_build_from_folder_splits_embeds_and_stores_with_hash(style_folder, home):
    embedder = TinyCsdExtractor(batch_size=3)
    built = ref.build_reference(ref.FolderSource(style_folder), embedder, "mini", test_size=4, chunk=5)
    manifest = built.manifest
    assert manifest["n_images"] == 17 and manifest["n_test"] == 4 and manifest["n_train"] == 12
    assert list(manifest["unreadable"]) == ["Cubism/zz-corrupt.jpg"]
    assert manifest["test_per_style"] == {"Baroque": 2, "Cubism": 1, "Ukiyo_e": 1}  # 4 × 7/17, 6/17, 4/17
    assert manifest["fingerprint_digest"] == embedder.fingerprint().digest and manifest["smoke"] is True
    assert not (home / "references" / "mini" / "parts").exists()

    loaded = ref.load_reference("mini")
    np.testing.assert_array_equal(loaded.train, built.train)
    np.testing.assert_allclose(np.linalg.norm(loaded.test, axis=1), 1, atol=1e-6)
    items = json.loads((home / "references" / "mini" / "items.json").read_text())
    keys = items["keys"]
    from safetensors.numpy import load_file

    rows = load_file(str(home / "references" / "mini" / "features.safetensors"))
    assert set(rows["train_rows"]).isdisjoint(rows["test_rows"])
    assert len(set(rows["train_rows"]) | set(rows["test_rows"])) == 16
    first_test = style_folder / keys[rows["test_rows"][0]]
    direct = embedder.embed([np.asarray(Image.open(first_test).convert("RGB"))])[0]
    np.testing.assert_allclose(loaded.test[0], direct, atol=1e-6)
    # each feature row carries its WikiArt style (the folder name), which SLC reads
    assert list(loaded.test_labels) == [keys[r].split("/")[0] for r in rows["test_rows"]]
    assert list(loaded.train_labels) == [keys[r].split("/")[0] for r in rows["train_rows"]]


def test_labels_that_do_not_match_the_catalogue_hash_are_refused(style_folder, home):
    ref.build_reference(ref.FolderSource(style_folder), TinyCsdExtractor(), "mini", test_size=4, chunk=5)
    items_path = home / "references" / "mini" / "items.json"
    items = json.loads(items_path.read_text())
    items["labels"][0] = "Cubism" if items["labels"][0] != "Cubism" else "Baroque"
    items_path.write_text(json.dumps(items))
    with pytest.raises(DataError, match="does not match the catalogue sha256"):
        ref.load_reference("mini")


def test_build_resumes_after_interruption_and_reuses_a_finished_build(style_folder):
    embedder = TinyCsdExtractor()
    calls = []
    original = embedder.embed

    def flaky(images):
        calls.append(len(images))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(images)

    embedder.embed = flaky
    source = ref.FolderSource(style_folder)
    with pytest.raises(KeyboardInterrupt):
        ref.build_reference(source, embedder, "resume", test_size=3, chunk=6)
    calls.clear()
    embedder.embed = lambda images: (calls.append(len(images)), original(images))[1]
    first = ref.build_reference(source, embedder, "resume", test_size=3, chunk=6)
    assert len(calls) == 2  # chunks 2 and 3 only; chunk 1 came from parts/
    calls.clear()
    again = ref.build_reference(source, embedder, "resume", test_size=3, chunk=6)
    assert calls == [] and again.sha256 == first.sha256
    fresh = ref.build_reference(source, TinyCsdExtractor(), "fresh", test_size=3, chunk=17)
    np.testing.assert_allclose(fresh.train, first.train, atol=1e-5)  # chunking moves float32 bits only
    np.testing.assert_allclose(fresh.test, first.test, atol=1e-5)
    with pytest.raises(ConfigError, match="other settings"):
        ref.build_reference(source, embedder, "resume", test_size=4, chunk=6)


def test_tampered_features_and_unknown_names_are_clear_errors(style_folder, home):
    ref.build_reference(ref.FolderSource(style_folder), TinyCsdExtractor(), "mini", test_size=3)
    features = home / "references" / "mini" / "features.safetensors"
    features.write_bytes(features.read_bytes()[:-4] + b"\0\0\0\0")
    with pytest.raises(DataError, match="does not match the sha256"):
        ref.load_reference("mini")
    with pytest.raises(ConfigError, match="no style reference named"):
        ref.load_reference("nope")
    with pytest.raises(DataError, match="not a folder|neither"):
        ref.source_from("no/such/thing/here")


def test_hub_dataset_source_reads_labels_and_images_through_datasets():
    import datasets

    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)) for _ in range(6)]
    features = datasets.Features({"image": datasets.Image(), "style": datasets.ClassLabel(names=STYLE_NAMES)})
    local = datasets.Dataset.from_dict({"image": images, "style": [0, 1, 2, 0, 1, 2]}, features=features)
    source = ref.HubDatasetSource("huggan/wikiart")
    source.__dict__["_dataset"] = local  # the parquet files `load_dataset` would have cached
    catalogue = source.catalogue()
    assert catalogue[:3] == [("0000000", "Baroque"), ("0000001", "Cubism"), ("0000002", "Ukiyo_e")]
    read = source.read([4, 1])
    np.testing.assert_array_equal(read[0][0], np.asarray(images[4]))
    assert read[1][0].shape == (24, 24, 3) and read[1][1] == ""


def test_pull_from_hub_verifies_and_offline_is_a_clear_error(style_folder, home, tmp_path, monkeypatch):
    built = ref.build_reference(ref.FolderSource(style_folder), TinyCsdExtractor(), "mini", test_size=3)
    published = home / "references" / "mini"
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "hf_hub_download",
                        lambda repo, filename, **kw: str(published / filename))
    pulled = ref.pull_reference("someone/WikiArt-CSD-Tiny", revision="v1")
    assert pulled.name == "wikiart-csd-tiny" and pulled.sha256 == built.sha256
    np.testing.assert_array_equal(pulled.test, built.test)

    def offline(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", offline)
    with pytest.raises(MissingWeightsError, match="someone/other"):
        ref.pull_reference("someone/other")


# --- CLI and evaluation -----------------------------------------------------------------------------------
def test_cli_build_and_info(style_folder):
    from divgenbench.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["reference", "build", "--source", str(style_folder), "--extractor", "tiny-csd",
                                 "--test-size", "3", "--quiet"])
    assert result.exit_code == 0, result.output
    name = f"{style_folder.name.replace('_', '-')}-tiny-csd".lower()
    listing = runner.invoke(app, ["reference", "info"])
    assert listing.exit_code == 0 and "tiny-csd" in listing.output
    detail = runner.invoke(app, ["reference", "info", name])
    assert detail.exit_code == 0 and "features_sha256" in detail.output
    wrong = runner.invoke(app, ["reference", "build", "--source", str(style_folder), "--extractor", "photometric"])
    assert wrong.exit_code != 0 and "style embeddings" in str(wrong.exception)


def test_loader_builds_the_tiny_procedural_reference_and_checks_fingerprints(style_folder):
    loader = ref.StyleReferenceLoader("tiny-csd")
    train, test = loader()
    assert train.size == 27 * 8 - 54 and test.shape == (54, TinyCsdExtractor.embed_dim)
    assert loader.info and loader.info["name"].startswith("tiny-procedural") and loader.info["test"] == 54
    ref.build_reference(ref.FolderSource(style_folder), TinyCsdExtractor(), "mini", test_size=3)
    assert ref.StyleReferenceLoader("tiny-csd", "mini")()[1].shape[0] == 3

    class OtherSeedCsd(TinyCsdExtractor):
        seed = 1

    class OtherSeedLoader(ref.StyleReferenceLoader):
        def _embedder(self):
            return OtherSeedCsd()

    with pytest.raises(ConfigError, match="another style extractor"):
        OtherSeedLoader("tiny-csd", "mini").resolve()
