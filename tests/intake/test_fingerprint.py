import random
import re
import shutil
import struct
import subprocess
import warnings
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageDraw

from apps.intake.fingerprint import (
    PHASH_MATCH_DISTANCE,
    Fingerprint,
    FingerprintError,
    fingerprint_file,
    hamming_distance,
    is_near_duplicate,
)

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")


def scene(seed: int, size: tuple[int, int] = (800, 600)) -> Image.Image:
    """A photograph stand-in: random shapes and colours, the same for the same seed."""
    rng = random.Random(seed)  # noqa: S311  reproducible test pictures, not secrets
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    width, height = size
    for _ in range(25):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        box = (x0, y0, x0 + rng.randrange(20, width // 2), y0 + rng.randrange(20, height // 2))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    return image


def write_png_bomb(path: Path, width: int = 20000, height: int = 20000) -> None:
    """A valid, 50 kB, all-black 1-bit PNG of 400 megapixels, written row by row to spare memory."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the packed pixels
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def fingerprint_of(path: Path, mime_type: str) -> Fingerprint:
    fingerprint = fingerprint_file(path, mime_type)
    assert fingerprint is not None
    return fingerprint


def test_hamming_distance_counts_differing_bits() -> None:
    assert hamming_distance("0000000000000000", "000000000000000f") == 4
    assert hamming_distance("0000000000000000", "ffffffffffffffff") == 64
    assert hamming_distance("8000000000000001", "0000000000000000") == 2
    assert hamming_distance("a5a5a5a5a5a5a5a5", "a5a5a5a5a5a5a5a5") == 0
    assert hamming_distance("ABCDEF0123456789", "abcdef0123456789") == 0


@pytest.mark.parametrize(
    ("a", "b"), [("0000", "00000000"), ("0x000000000000ff", "00000000000000ff"), ("00_0000000000000", "0" * 16)]
)
def test_hamming_distance_refuses_anything_but_equal_length_hex(a: str, b: str) -> None:
    with pytest.raises(ValueError, match="hex"):
        hamming_distance(a, b)


def test_near_duplicate_threshold_is_inclusive() -> None:
    assert PHASH_MATCH_DISTANCE == 10
    assert is_near_duplicate("0000000000000000", "00000000000003ff") is True  # 10 bits
    assert is_near_duplicate("0000000000000000", "00000000000007ff") is False  # 11 bits


def test_an_image_gets_a_64_bit_phash(tmp_path: Path) -> None:
    path = tmp_path / "scene.png"
    scene(1).save(path)

    fingerprint = fingerprint_of(path, "image/png")

    assert fingerprint.algorithm == "phash"
    assert fingerprint.source == "image"
    assert re.fullmatch(r"[0-9a-f]{16}", fingerprint.value)
    assert fingerprint_of(path, "Image/PNG; charset=binary") == fingerprint


def test_a_resized_recompressed_copy_is_a_near_duplicate(tmp_path: Path) -> None:
    original, copy = tmp_path / "original.png", tmp_path / "copy.jpg"
    scene(1).save(original)
    scene(1).resize((400, 300), Image.Resampling.BILINEAR).save(copy, quality=70)

    distance = hamming_distance(fingerprint_of(original, "image/png").value, fingerprint_of(copy, "image/jpeg").value)

    assert distance <= 4
    assert is_near_duplicate(fingerprint_of(original, "image/png").value, fingerprint_of(copy, "image/jpeg").value)


def test_a_different_image_is_not_a_near_duplicate(tmp_path: Path) -> None:
    for seed in (1, 2, 3):
        scene(seed).save(tmp_path / f"{seed}.png")
    values = [fingerprint_of(tmp_path / f"{seed}.png", "image/png").value for seed in (1, 2, 3)]

    for a, b in ((0, 1), (0, 2), (1, 2)):
        assert hamming_distance(values[a], values[b]) > PHASH_MATCH_DISTANCE
        assert not is_near_duplicate(values[a], values[b])


def test_a_photo_stored_sideways_with_an_exif_rotation_hashes_like_the_upright_one(tmp_path: Path) -> None:
    upright, sideways = tmp_path / "upright.png", tmp_path / "sideways.png"
    scene(4).save(upright)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90 degrees clockwise to display"
    # Stored turned a quarter anticlockwise, as a camera held on its side would write it.
    scene(4).transpose(Image.Transpose.ROTATE_90).save(sideways, exif=exif)
    sideways_raw = tmp_path / "sideways-without-tag.png"
    scene(4).transpose(Image.Transpose.ROTATE_90).save(sideways_raw)

    assert fingerprint_of(sideways, "image/png").value == fingerprint_of(upright, "image/png").value
    # Without the tag the same pixels are a different picture: the rotation is what made them match.
    assert not is_near_duplicate(
        fingerprint_of(sideways_raw, "image/png").value, fingerprint_of(upright, "image/png").value
    )


def test_transparent_pixels_hash_as_white_whatever_colour_they_hide(tmp_path: Path) -> None:
    on_white, transparent = tmp_path / "white.png", tmp_path / "transparent.png"
    picture = scene(5)
    picture.paste((255, 255, 255), (0, 0, 400, 600))
    picture.save(on_white)
    rgba = scene(5).convert("RGBA")
    rgba.paste((12, 200, 7, 0), (0, 0, 400, 600))  # green, but fully transparent
    rgba.save(transparent)

    assert fingerprint_of(transparent, "image/png").value == fingerprint_of(on_white, "image/png").value


@pytest.mark.parametrize(
    ("mime_type", "payload"),
    [("application/pdf", b"%PDF-1.7\n"), ("image/svg+xml", b"<svg/>"), ("audio/mpeg", b"ID3"), ("image/heic", b"")],
)
def test_types_without_a_perceptual_hash_get_none(tmp_path: Path, mime_type: str, payload: bytes) -> None:
    path = tmp_path / "file"
    path.write_bytes(payload)

    assert fingerprint_file(path, mime_type) is None


def test_random_bytes_claiming_to_be_a_jpeg_raise_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.jpg"
    path.write_bytes(random.Random(0).randbytes(4096))  # noqa: S311  test data

    with pytest.raises(FingerprintError, match="unreadable image: UnidentifiedImageError") as raised:
        fingerprint_file(path, "image/jpeg")

    assert raised.value.reason.startswith("unreadable image: UnidentifiedImageError")


def test_a_truncated_jpeg_raises(tmp_path: Path) -> None:
    whole, truncated = tmp_path / "whole.jpg", tmp_path / "truncated.jpg"
    scene(6).save(whole, quality=90)
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])

    with pytest.raises(FingerprintError, match="unreadable image: OSError: image file is truncated"):
        fingerprint_file(truncated, "image/jpeg")


def test_a_decompression_bomb_is_refused_without_decoding_it(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    write_png_bomb(path)

    with pytest.raises(FingerprintError, match=r"^decompression bomb"):
        fingerprint_file(path, "image/png")


def test_an_image_just_over_the_pixel_limit_is_refused_even_where_pillow_only_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.png"
    scene(7, (120, 120)).save(path)
    # Between one and two times the limit Pillow only warns; production does not turn warnings into errors.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100 * 100)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with pytest.raises(FingerprintError, match=r"^decompression bomb: 120x120 = 14400 pixels, limit 10000$"):
            fingerprint_file(path, "image/png")


def test_the_original_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "scene.jpg"
    scene(8).save(path)
    before = (path.read_bytes(), path.stat().st_mtime_ns)

    fingerprint_file(path, "image/jpeg")

    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


# Video ---------------------------------------------------------------------------------------------------------------


def ffmpeg(*arguments: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *arguments], check=True, timeout=60)  # noqa: S607


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-t", "2", str(folder / "clip.mp4"))
    ffmpeg("-i", str(folder / "clip.mp4"), "-vf", "scale=160:120", "-crf", "35", str(folder / "smaller.mp4"))
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-t", "0.5", str(folder / "short.mp4"))
    ffmpeg("-f", "lavfi", "-i", "mandelbrot=size=320x240:rate=10", "-t", "2", str(folder / "other.mp4"))
    ffmpeg("-f", "lavfi", "-i", "sine=duration=2", str(folder / "audio-only.mp4"))
    return folder


@needs_ffmpeg
def test_a_video_is_fingerprinted_by_its_frame_at_one_second(clips: Path) -> None:
    fingerprint = fingerprint_of(clips / "clip.mp4", "video/mp4")

    assert fingerprint.algorithm == "phash"
    assert fingerprint.source == "video frame at 1.0 s"
    assert re.fullmatch(r"[0-9a-f]{16}", fingerprint.value)
    assert fingerprint_of(clips / "clip.mp4", "video/mp4") == fingerprint


@needs_ffmpeg
def test_a_clip_shorter_than_a_second_is_fingerprinted_by_its_first_frame(clips: Path) -> None:
    assert fingerprint_of(clips / "short.mp4", "video/mp4").source == "video frame at 0.0 s"


@needs_ffmpeg
def test_a_downscaled_reencoded_video_is_a_near_duplicate_and_another_is_not(clips: Path) -> None:
    clip = fingerprint_of(clips / "clip.mp4", "video/mp4").value

    assert is_near_duplicate(clip, fingerprint_of(clips / "smaller.mp4", "video/mp4").value)
    assert not is_near_duplicate(clip, fingerprint_of(clips / "other.mp4", "video/quicktime").value)


@needs_ffmpeg
def test_a_video_without_a_picture_raises(clips: Path) -> None:
    with pytest.raises(FingerprintError) as raised:
        fingerprint_file(clips / "audio-only.mp4", "video/mp4")

    assert raised.value.reason == (
        "ffmpeg could not read the video: Stream map '0:v:0' matches no streams. "
        "To ignore this, add a trailing '?' to the map."
    )


@needs_ffmpeg
def test_a_corrupt_video_raises(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.mp4"
    path.write_bytes(random.Random(1).randbytes(4096))  # noqa: S311  test data

    with pytest.raises(FingerprintError) as raised:
        fingerprint_file(path, "video/mp4")

    assert raised.value.reason == (
        "ffmpeg could not read the video: [mov,mp4,m4a,3gp,3g2,mj2] moov atom not found "
        "input: Invalid data found when processing input"
    )


@needs_ffmpeg
def test_a_playlist_posing_as_a_video_is_not_followed(clips: Path, tmp_path: Path) -> None:
    # An HLS playlist would make ffmpeg open the files (or URLs) it names: here a real clip.
    playlist = tmp_path / "playlist.mp4"
    playlist.write_text(f"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.0,\n{clips / 'clip.mp4'}\n#EXT-X-ENDLIST\n")

    with pytest.raises(FingerprintError, match="ffmpeg could not read the video"):
        fingerprint_file(playlist, "video/mp4")


def test_video_gets_none_when_ffmpeg_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    monkeypatch.setenv("PATH", str(tmp_path))

    assert fingerprint_file(path, "video/mp4") is None
