"""The insightface path (SCRFD → norm_crop → ArcFaceONNX on onnxruntime) on tiny random-weight models of
the real architectures, exported to ONNX by the builder."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from extractor_helpers import image_item, noise_images
from PIL import Image

from divgenbench import store
from divgenbench.errors import ConfigError, MissingWeightsError
from divgenbench.extractors import EXTRACTOR_SETS, EXTRACTORS
from divgenbench.extractors.faces import NO_FACE, PACK_ENV, ArcFaceExtractor
from divgenbench.extractors.images import UNREADABLE
from divgenbench.extractors.tiny_faces import EMBEDDING_DIM, TinyArcFaceExtractor
from divgenbench.hashing import sha256_file


@pytest.fixture
def tiny(tiny_face_dir) -> TinyArcFaceExtractor:
    return TinyArcFaceExtractor(directory=tiny_face_dir)


def test_tiny_models_have_the_real_interfaces(tiny):
    detector, recognizer = tiny._load()
    # insightface reads det_10g's layout from its outputs: 9 = three strides, two anchors, keypoints
    assert (detector.fmc, detector._feat_stride_fpn, detector._num_anchors, detector.use_kps) == (3, [8, 16, 32], 2, True)
    assert recognizer.input_size == (112, 112)
    assert (recognizer.input_mean, recognizer.input_std) == (127.5, 127.5)
    assert recognizer.output_shape[-1] == EMBEDDING_DIM


def test_embeddings_are_unit_512d_with_box_and_score(tiny, tmp_path):
    records = tiny.extract(noise_images(tmp_path, 5))
    assert all(r.ok for r in records)
    for r in records:
        assert r.arrays["embedding"].shape == (EMBEDDING_DIM,) and r.arrays["embedding"].dtype == np.float32
        assert np.linalg.norm(r.arrays["embedding"]) == pytest.approx(1.0, abs=1e-5)
        x1, y1, x2, y2 = r.arrays["bbox"]
        assert 0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1
        assert r.arrays["det_score"].shape == () and r.arrays["det_score"] >= tiny.det_thresh
    embeddings = np.stack([r.arrays["embedding"] for r in records])
    assert np.ptp(embeddings, axis=0).max() > 1e-3  # different images give different embeddings


def test_batching_does_not_change_features(tiny_face_dir, tmp_path, onnx_runs):
    items = noise_images(tmp_path, 6)
    together = TinyArcFaceExtractor(directory=tiny_face_dir, recognition_batch=64)
    runs_before = onnx_runs.calls
    batched = together.extract(items)
    # one detector run per image, one recognizer run for all six aligned crops
    assert onnx_runs.calls - runs_before == len(items) + 1
    one_by_one = [together.extract([item])[0] for item in items]
    pairs = TinyArcFaceExtractor(directory=tiny_face_dir, recognition_batch=2).extract(items)
    for a, b, c in zip(batched, one_by_one, pairs):
        np.testing.assert_allclose(a.arrays["embedding"], b.arrays["embedding"], atol=1e-5)
        np.testing.assert_allclose(a.arrays["embedding"], c.arrays["embedding"], atol=1e-5)
        np.testing.assert_array_equal(a.arrays["bbox"], b.arrays["bbox"])


def test_bad_and_unusual_images_are_reported_per_image(tiny, tmp_path):
    good = noise_images(tmp_path, 1)[0]
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"not a png at all")
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(good.path.read_bytes()[:200])
    gray, rgba, deep = tmp_path / "gray.png", tmp_path / "rgba.png", tmp_path / "deep.png"
    rgb = np.asarray(Image.open(good.path))
    Image.fromarray(rgb[..., 0]).save(gray)
    Image.fromarray(np.dstack([rgb, np.full(rgb.shape[:2], 128, np.uint8)])).save(rgba)
    Image.fromarray((rgb[..., 1].astype(np.uint16) * 257)).save(deep)  # 16-bit grayscale
    large = tmp_path / "large.png"
    Image.fromarray(np.tile(rgb, (40, 60, 1))).save(large)  # 2560×3840
    huge = tmp_path / "huge.png"
    Image.new("1", (9000, 9000)).save(huge)  # 81 Mpx: refused before decoding
    paths = [corrupt, truncated, gray, rgba, deep, large, huge, good.path]
    records = tiny.extract([image_item(p) for p in paths])
    statuses = dict(zip((p.name for p in paths), (r.status for r in records)))
    assert statuses == {"corrupt.png": UNREADABLE, "truncated.png": UNREADABLE, "gray.png": "ok", "rgba.png": "ok",
                        "deep.png": "ok", "large.png": "ok", "huge.png": UNREADABLE, good.path.name: "ok"}
    assert "exceeds" in records[6].message


def test_images_without_a_face_are_counted_not_dropped(tiny_face_dir, tmp_path):
    strict = TinyArcFaceExtractor(directory=tiny_face_dir, det_thresh=0.9999)
    records = strict.extract(noise_images(tmp_path, 3))
    assert [r.status for r in records] == [NO_FACE] * 3 and all(not r.arrays for r in records)
    assert strict.fingerprint().digest != TinyArcFaceExtractor(directory=tiny_face_dir).fingerprint().digest


def test_tiny_fingerprint_is_smoke_and_stable(tiny_face_dir):
    a, b = TinyArcFaceExtractor(directory=tiny_face_dir).fingerprint(), TinyArcFaceExtractor().fingerprint()
    assert a.smoke and a.digest == b.digest  # seeded: rebuilding the weights gives the same identity
    assert TinyArcFaceExtractor(seed=1).fingerprint().digest != a.digest
    assert a.preprocessing["detector"].startswith("SCRFD 128x128") and "det_thresh 0.5" in a.preprocessing["detector"]


def test_extractor_sets_use_the_face_extractors():
    assert EXTRACTOR_SETS["default"]["face-embedding"] == "arcface"
    assert EXTRACTOR_SETS["tiny"]["face-embedding"] == "tiny-arcface"
    assert {EXTRACTORS.get(n).feature for n in ("arcface", "tiny-arcface", "dlib")} == {"face-embedding"}


def test_arcface_without_weights_names_hub_file_hash_and_path(tmp_path):
    extractor = ArcFaceExtractor()
    fingerprint = extractor.fingerprint()  # pinned hashes: no file needed to say what the features are
    assert fingerprint.model_id == store.BUFFALO_L_HUB and not fingerprint.smoke
    assert fingerprint.preprocessing["weights"]["w600k_r50.onnx"] == store.ARCFACE_R50.sha256
    with pytest.raises(MissingWeightsError) as raised:
        extractor.extract(noise_images(tmp_path, 1))
    message = raised.value.one_line()
    for part in (store.SCRFD_10G.hub_id, store.SCRFD_10G.filename, store.SCRFD_10G.sha256,
                 str(store.SCRFD_10G.local_path), "divgenbench models download"):
        assert part in message


def test_arcface_runs_a_local_pack_folder(tiny_face_dir, tmp_path, monkeypatch):
    pack = tmp_path / "buffalo_l"
    pack.mkdir()
    shutil.copy(tiny_face_dir / "det.onnx", pack / "det_10g.onnx")
    shutil.copy(tiny_face_dir / "rec.onnx", pack / "w600k_r50.onnx")
    monkeypatch.setenv(PACK_ENV, str(pack))
    extractor = ArcFaceExtractor(det_thresh=0.5)
    fingerprint = extractor.fingerprint()
    assert fingerprint.model_id == f"local:{pack}"
    assert fingerprint.preprocessing["weights"]["det_10g.onnx"] == sha256_file(pack / "det_10g.onnx")
    items = noise_images(tmp_path, 2)
    ours = extractor.extract(items)

    class TinyAt640(TinyArcFaceExtractor):
        detector_size = ArcFaceExtractor.detector_size  # the paper's input size instead of the tiny 128

    reference = TinyAt640(directory=tiny_face_dir).extract(items)
    assert all(r.ok for r in ours)
    for a, b in zip(ours, reference):  # same files, same code path: the same features
        np.testing.assert_array_equal(a.arrays["embedding"], b.arrays["embedding"])
    (pack / "w600k_r50.onnx").unlink()
    with pytest.raises(ConfigError, match="w600k_r50.onnx"):
        ArcFaceExtractor().fingerprint()
