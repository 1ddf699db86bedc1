"""The content-addressed feature cache: key, round trip, atomic shards, and extraction through it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from extractor_helpers import noise_images

from divgenbench.errors import ConfigError
from divgenbench.extractors.base import FeatureRecord, Fingerprint
from divgenbench.extractors.cache import FeatureCache, cache_key
from divgenbench.rundir.features import ImportedFeatures, save_feature_sidecar
from divgenbench.extractors.tiny_faces import TinyArcFaceExtractor
from divgenbench.pipeline import extract_features
from divgenbench.rundir import RunDir

SHA_A, SHA_B, SHA_C = "a" * 64, "b" * 64, "c" * 64
PRINT = Fingerprint("toy", "face-embedding", weights_sha256="1" * 64, preprocessing={"size": 112})


def test_key_is_fingerprint_digest_and_image_hash():
    assert cache_key(SHA_A, PRINT) == f"{PRINT.digest}/{SHA_A}"
    changes = [Fingerprint("toy", "face-embedding", weights_sha256="2" * 64, preprocessing={"size": 112}),
               Fingerprint("toy", "face-embedding", weights_sha256="1" * 64, preprocessing={"size": 128}),
               Fingerprint("toy", "face-embedding", weights_sha256="1" * 64, preprocessing={"size": 112}, dtype="float16"),
               Fingerprint("toy", "face-embedding", weights_sha256="1" * 64, preprocessing={"size": 112}, code_version="2")]
    keys = {cache_key(SHA_A, f) for f in changes} | {cache_key(SHA_A, PRINT), cache_key(SHA_B, PRINT)}
    assert len(keys) == 6  # weights, preprocessing, dtype, code version and image each move the key
    with pytest.raises(ConfigError, match="sha256"):
        cache_key("A" * 64, PRINT)


def test_round_trip_keeps_arrays_statuses_and_skips_file_failures(tmp_path):
    cache = FeatureCache(tmp_path / "features")
    ok = FeatureRecord("ok", {"embedding": np.arange(4, dtype=np.float32), "det_score": np.array(0.75, np.float32)})
    stored = cache.put_many(PRINT, {SHA_A: ok, SHA_B: FeatureRecord("no-face", message="none"),
                                    SHA_C: FeatureRecord("unreadable", message="truncated")})
    assert stored == 2
    got = cache.get_many(PRINT, [SHA_A, SHA_B, SHA_C])
    assert set(got) == {SHA_A, SHA_B}  # a broken file is read again next time
    np.testing.assert_array_equal(got[SHA_A].arrays["embedding"], ok.arrays["embedding"])
    assert got[SHA_A].arrays["det_score"].shape == () and float(got[SHA_A].arrays["det_score"]) == 0.75
    assert (got[SHA_B].status, got[SHA_B].message, got[SHA_B].arrays) == ("no-face", "none", {})
    other = Fingerprint("toy", "face-embedding", weights_sha256="2" * 64)
    assert cache.get_many(other, [SHA_A]) == {}


def test_lost_index_and_damaged_shards(tmp_path):
    cache = FeatureCache(tmp_path / "features")
    cache.put_many(PRINT, {SHA_A: FeatureRecord("ok", {"x": np.ones(2)})})
    cache.put_many(PRINT, {SHA_B: FeatureRecord("ok", {"x": np.zeros(2)})})
    folder = tmp_path / "features" / PRINT.digest
    (folder / "index.json").write_text(json.dumps({SHA_A: "gone.safetensors"}))  # a racing writer's index
    assert set(cache.get_many(PRINT, [SHA_B])) == {SHA_B}  # found by scanning the unindexed shard
    (folder / "shards" / ".tmp-123-half.safetensors").write_bytes(b"\x00" * 10)  # a killed writer's leftover
    for shard in (folder / "shards").glob("[!.]*.safetensors"):
        shard.write_bytes(b"garbage")
    assert cache.get_many(PRINT, [SHA_A, SHA_B]) == {}  # damaged shards are misses, not errors
    assert len(cache.damaged) == 2  # … reported and deleted
    [entry] = cache.entries()
    assert entry.fingerprint["extractor"] == "toy" and entry.shards == 0
    assert [e.digest for e in cache.clear("other")] == [] and len(cache.clear("toy")) == 1
    assert cache.entries() == []


def test_extraction_goes_through_the_cache(tiny_face_dir, tmp_path, onnx_runs):
    items = noise_images(tmp_path / "images", 4)
    duplicate = type(items[0])("copy", items[0].path, items[0].sha256, "id", "id-0009")
    extractor = TinyArcFaceExtractor(directory=tiny_face_dir)
    advanced = []
    first = extract_features(extractor, items + [duplicate], advanced.append)
    assert onnx_runs.calls == 4 + 1  # four distinct images detected, one recognition batch
    assert sum(advanced) == 5
    np.testing.assert_array_equal(first[0].arrays["embedding"], first[4].arrays["embedding"])

    fresh = TinyArcFaceExtractor(directory=tiny_face_dir)  # a new process: nothing loaded
    again = extract_features(fresh, items, lambda n: None)
    assert onnx_runs.calls == 5 and fresh._models is None  # all hits: the model was never opened
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a.arrays["embedding"], b.arrays["embedding"])

    more = noise_images(tmp_path / "images", 2, seed=1)
    extract_features(fresh, items + more, lambda n: None)
    assert onnx_runs.calls == 5 + 2 + 1  # only the two new images


def test_a_flipped_bit_in_a_shard_is_never_used_and_is_reported(tmp_path, caplog):
    cache = FeatureCache(tmp_path / "features")
    cache.put_many(PRINT, {SHA_A: FeatureRecord("ok", {"x": np.arange(8, dtype=np.float32)})})
    [shard] = (tmp_path / "features" / PRINT.digest / "shards").glob("*.safetensors")
    data = bytearray(shard.read_bytes())
    data[-5] ^= 0x01  # one bit of the array bytes: still a valid safetensors file, a different number
    shard.write_bytes(bytes(data))
    fresh = FeatureCache(tmp_path / "features")
    assert fresh.get_many(PRINT, [SHA_A]) == {}  # a miss: recomputed, never the flipped value
    assert fresh.damaged == [shard] and not shard.exists()
    assert "damaged" in caplog.text and shard.name in caplog.text
    fresh.put_many(PRINT, {SHA_A: FeatureRecord("ok", {"x": np.zeros(8, dtype=np.float32)})})
    np.testing.assert_array_equal(fresh.get_many(PRINT, [SHA_A])[SHA_A].arrays["x"], np.zeros(8))


def test_unchecksummed_shards_of_the_old_layout_are_ignored(tmp_path):
    cache = FeatureCache(tmp_path / "features")
    cache.put_many(PRINT, {SHA_A: FeatureRecord("ok", {"x": np.ones(2)})})
    folder = tmp_path / "features" / PRINT.digest
    [shard] = (folder / "shards").glob("*.safetensors")
    shard.rename(shard.with_name("0123abcd.safetensors"))  # a version-1 name carries no checksum
    (folder / "index.json").unlink()
    assert cache.get_many(PRINT, [SHA_A]) == {}


def test_run_sidecars_serve_their_run_only_and_never_enter_the_cache(tmp_path):
    run = RunDir(tmp_path / "run")
    items = noise_images(tmp_path / "images", 3)
    records = [FeatureRecord("ok", {"embedding": np.full(3, i, np.float32)}) for i in range(3)]
    save_feature_sidecar(run, PRINT, items, records)
    replaced = type(items[2])(items[2].key, items[2].path, SHA_C, "id", items[2].prompt_id)  # image changed since
    imported = ImportedFeatures.from_run(run, items[:2] + [replaced])
    got = imported.get_many(PRINT, [i.sha256 for i in items[:2]] + [SHA_C])
    assert set(got) == {items[0].sha256, items[1].sha256}  # the replaced image is extracted again
    np.testing.assert_array_equal(got[items[1].sha256].arrays["embedding"], np.full(3, 1, np.float32))
    assert imported.served(PRINT) == set(got)
    assert FeatureCache().get_many(PRINT, [i.sha256 for i in items]) == {}  # the trusted cache is untouched
    other = Fingerprint("toy", "face-embedding", weights_sha256="2" * 64)
    assert imported.get_many(other, [items[0].sha256]) == {}  # another extractor's features never match


def test_cache_hits_pre_empt_imported_features(tmp_path):
    """A record computed here wins over a run's sidecar claim about the same image."""
    run = RunDir(tmp_path / "run")
    items = noise_images(tmp_path / "images", 2)
    save_feature_sidecar(run, PRINT, items, [FeatureRecord("ok", {"embedding": np.full(3, 9.0, np.float32)})] * 2)
    cache = FeatureCache(tmp_path / "features")
    cache.put_many(PRINT, {items[0].sha256: FeatureRecord("ok", {"embedding": np.zeros(3, np.float32)})})

    class Refuse:
        def fingerprint(self):
            return PRINT

        def query(self, item):
            return None

        def extract(self, chunk):
            raise AssertionError("everything was cached or imported")

    imported = ImportedFeatures.from_run(run, items)
    got = extract_features(Refuse(), items, lambda n: None, cache, imported)
    np.testing.assert_array_equal(got[0].arrays["embedding"], np.zeros(3))  # computed here
    np.testing.assert_array_equal(got[1].arrays["embedding"], np.full(3, 9.0))  # imported, this run only
    assert imported.served(PRINT) == {items[1].sha256}
    assert set(cache.get_many(PRINT, [i.sha256 for i in items])) == {items[0].sha256}


@pytest.mark.parametrize("damage", ["not-json", "items-not-a-list", "missing-sha256"])
def test_malformed_sidecars_are_skipped_not_a_traceback(tmp_path, damage, caplog):
    run = RunDir(tmp_path / "run")
    items = noise_images(tmp_path / "images", 1)
    save_feature_sidecar(run, PRINT, items, [FeatureRecord("ok", {"embedding": np.ones(3, np.float32)})])
    index = run.features_dir / "face-embedding.json"
    data = json.loads(index.read_text())
    if damage == "not-json":
        index.write_bytes(b"\xff{")
    elif damage == "items-not-a-list":
        index.write_text(json.dumps({**data, "items": 5}))
    else:
        del data["items"][0]["sha256"]
        index.write_text(json.dumps(data))
    assert ImportedFeatures.from_run(run, items).records == {}
    assert "face-embedding features sidecar" in caplog.text
