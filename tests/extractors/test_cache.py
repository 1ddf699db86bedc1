"""The content-addressed feature cache: key, round trip, atomic shards, and extraction through it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from extractor_helpers import noise_images

from divgenbench.errors import ConfigError
from divgenbench.extractors.base import FeatureRecord, Fingerprint
from divgenbench.extractors.cache import FeatureCache, cache_key
from divgenbench.rundir.features import import_run_sidecars, save_feature_sidecar
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
    [entry] = cache.entries()
    assert entry.fingerprint["extractor"] == "toy" and entry.shards == 2
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


def test_run_sidecars_refill_an_empty_cache(tmp_path):
    run = RunDir(tmp_path / "run")
    items = noise_images(tmp_path / "images", 2)
    records = [FeatureRecord("ok", {"embedding": np.full(3, i, np.float32)}) for i in range(2)]
    save_feature_sidecar(run, PRINT, items, records)
    assert import_run_sidecars(run) == 2
    assert import_run_sidecars(run) == 0  # already there: no new shard
    got = FeatureCache().get_many(PRINT, [i.sha256 for i in items])
    np.testing.assert_array_equal(got[items[1].sha256].arrays["embedding"], np.full(3, 1, np.float32))
