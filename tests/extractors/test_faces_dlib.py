"""dlib's real descriptor (weights from face-recognition-models) on real photographs that packages ship:
insightface's t1.jpg group photo and scikit-image's astronaut."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from extractor_helpers import image_item
from PIL import Image, ImageEnhance

from divgenbench.extractors.dlib_faces import DlibFaceExtractor
from divgenbench.extractors.faces import ArcFaceExtractor
from divgenbench.metrics.ids import identity_divergence_score


def group_photo() -> Path:
    import insightface

    return Path(insightface.__file__).parent / "data" / "images" / "t1.jpg"


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> dict[str, list[Path]]:
    """One crop per person of t1.jpg plus the astronaut, and augmented copies of the astronaut."""
    import dlib
    import skimage.data

    folder = tmp_path_factory.mktemp("photos")
    t1 = np.asarray(Image.open(group_photo()).convert("RGB"))
    people = []
    for i, box in enumerate(dlib.get_frontal_face_detector()(t1, 0)):
        cx, cy, half = box.center().x, box.center().y, int(box.width() * 1.2)
        path = folder / f"person-{i}.png"
        Image.fromarray(t1[max(cy - half, 0):cy + half, max(cx - half, 0):cx + half]).save(path)
        people.append(path)
    astronaut = Image.fromarray(skimage.data.astronaut())
    variants = {"original": astronaut, "flip": astronaut.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
                "shift": astronaut.crop((8, 6, 512, 512)), "brighter": ImageEnhance.Brightness(astronaut).enhance(1.3),
                "darker": ImageEnhance.Brightness(astronaut).enhance(0.75)}
    augmented = []
    for name, image in variants.items():
        image.save(folder / f"astronaut-{name}.png")
        augmented.append(folder / f"astronaut-{name}.png")
    return {"people": people + [augmented[0]], "augmented": augmented, "group": [group_photo()]}


def embeddings(paths: list[Path]) -> np.ndarray:
    records = DlibFaceExtractor().extract([image_item(p) for p in paths])
    assert [r.status for r in records] == ["ok"] * len(paths)
    return np.stack([r.arrays["embedding"] for r in records])


def test_finds_the_faces_of_the_group_photo(photos):
    assert len(photos["people"]) >= 6  # six people in t1.jpg, plus the astronaut
    record = DlibFaceExtractor().extract([image_item(group_photo())])[0]
    assert record.ok and record.arrays["embedding"].shape == (128,)
    assert np.linalg.norm(record.arrays["embedding"]) == pytest.approx(1.0, abs=1e-6)


def test_different_people_diverge_more_than_one_person_augmented(photos):
    people, same = embeddings(photos["people"]), embeddings(photos["augmented"])
    cross = people @ people.T
    within = same @ same.T
    assert cross[np.triu_indices(len(people), 1)].max() < within[np.triu_indices(len(same), 1)].min()
    assert identity_divergence_score(people) < identity_divergence_score(same) - 0.05
    assert identity_divergence_score(same) > 0.95  # flip, shift and brightness keep the identity


def test_batched_descriptors_match_one_by_one(photos):
    paths = photos["augmented"][:3]
    together = embeddings(paths)
    alone = np.concatenate([embeddings([p]) for p in paths])
    np.testing.assert_allclose(together, alone, atol=1e-6)


def test_dlib_results_carry_their_own_fingerprint():
    dlib_print, arcface_print = DlibFaceExtractor().fingerprint(), ArcFaceExtractor().fingerprint()
    assert dlib_print.extractor == "dlib" and dlib_print.digest != arcface_print.digest
    assert dlib_print.model_id == "pypi:face-recognition-models" and dlib_print.revision
    assert set(dlib_print.preprocessing["weights"]) == {"shape_predictor_5_face_landmarks.dat",
                                                        "dlib_face_recognition_resnet_model_v1.dat"}
