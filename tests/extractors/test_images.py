"""load_rgb: images from elsewhere are read by stated rules (bit depth, orientation, float range, alpha)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from divgenbench.extractors.images import load_rgb


def grey_of(path) -> np.ndarray:
    pixels, failure = load_rgb(path)
    assert failure is None, failure
    assert pixels.dtype == np.uint8 and pixels.shape[2] == 3
    assert (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all()
    return pixels[..., 0]


def test_16_bit_greyscale_is_scaled_by_its_bit_depth_not_its_values(tmp_path):
    """A dark 16-bit image (max 1000 of 65535) stays dark; it is not stretched to fill 0..255."""
    values = np.linspace(0, 1000, 32 * 32).reshape(32, 32).astype(np.uint16)
    for suffix in ("png", "tif"):
        path = tmp_path / f"dark.{suffix}"
        Image.fromarray(values).save(path)
        np.testing.assert_array_equal(grey_of(path), np.round(values / 65535 * 255).astype(np.uint8))
    full = tmp_path / "full.png"
    Image.fromarray(np.full((4, 4), 65535, np.uint16)).save(full)
    assert (grey_of(full) == 255).all()


def test_float_tiffs_are_read_as_unit_intensities(tmp_path):
    values = np.array([[-0.5, 0.0, 0.25], [0.5, 1.0, 3.0]], dtype=np.float32)
    path = tmp_path / "float.tif"
    Image.fromarray(values).save(path)
    np.testing.assert_array_equal(grey_of(path), [[0, 0, 64], [128, 255, 255]])


def test_exif_orientation_is_applied(tmp_path):
    """A 2×1 image tagged 'rotate 90° clockwise to view' (orientation 6) is read upright: 1 wide, 2 tall."""
    pixels = np.zeros((1, 2, 3), np.uint8)
    pixels[0, 0] = (255, 0, 0)  # red left, black right
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = 6
    path = tmp_path / "rotated.jpg"
    image.resize((20, 10), Image.NEAREST).save(path, exif=exif, quality=100)
    loaded, failure = load_rgb(path)
    assert failure is None and loaded.shape == (20, 10, 3)
    assert loaded[2, 5, 0] > 200 and loaded[-3, 5, 0] < 60  # the red half is now on top


def test_alpha_is_composited_over_white(tmp_path):
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[0, 0, 3], rgba[0, 1, 3], rgba[1, :, 3] = 0, 255, 128
    path = tmp_path / "alpha.png"
    Image.fromarray(rgba).save(path)
    loaded, _ = load_rgb(path)
    assert loaded[0, 0].tolist() == [255, 255, 255]  # fully transparent: white
    assert loaded[0, 1].tolist() == [200, 0, 0]  # opaque: the colour
    assert loaded[1, 0].tolist() == [227, 127, 127]  # half: between the two
