import random
import shutil
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageChops, ImageCms, ImageDraw, ImageFilter, ImageStat

from apps.intake.derive import DerivativeFile, DeriveError, make_derivatives
from tests.intake.test_fingerprint import ffmpeg, scene, write_png_bomb

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")

# What Pillow's JPEG encoder writes on its own (the JFIF header), and nothing else.
CLEAN_JPEG_INFO = {"jfif": 257, "jfif_version": (1, 1), "jfif_unit": 0, "jfif_density": (1, 1)}


def photo_with_gps(path: Path, size: tuple[int, int] = (4000, 3000)) -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Witness phone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (50.0, 27.0, 3.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (30.0, 31.0, 25.2)
    picture = scene(1, size)
    ImageDraw.Draw(picture).text((size[0] // 10, size[1] // 10), "PLATE AB 1234", fill="black", font_size=size[1] // 8)
    picture.save(path, exif=exif, comment=b"taken by a witness", quality=90)


def sizes(derivatives: list[DerivativeFile]) -> list[tuple[str, int, int, bool]]:
    return [(d.kind, d.width, d.height, d.blurred) for d in derivatives]


def edge_variance(image: Image.Image) -> float:
    return float(ImageStat.Stat(image.convert("L").filter(ImageFilter.FIND_EDGES)).var[0])


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    return float(ImageStat.Stat(ImageChops.difference(a.convert("L"), b.convert("L"))).mean[0])


def test_an_image_gets_a_1600_px_preview_and_a_320_px_thumbnail(tmp_path: Path) -> None:
    original = tmp_path / "photo.jpg"
    photo_with_gps(original)

    derivatives = make_derivatives(original, "image/jpeg", out_dir=tmp_path / "out", blur=False)

    assert sizes(derivatives) == [("preview", 1600, 1200, False), ("thumbnail", 320, 240, False)]
    for derivative in derivatives:
        assert derivative.content_type == "image/jpeg"
        assert derivative.path.parent == tmp_path / "out"
        with Image.open(derivative.path) as written:
            assert (written.format, written.size) == ("JPEG", (derivative.width, derivative.height))
    assert sorted(tmp_path.joinpath("out").iterdir()) == sorted(d.path for d in derivatives)


def test_a_small_image_is_never_enlarged(tmp_path: Path) -> None:
    original = tmp_path / "small.png"
    scene(2, (200, 100)).save(original)

    derivatives = make_derivatives(original, "image/png", out_dir=tmp_path, blur=False)

    assert sizes(derivatives) == [("preview", 200, 100, False), ("thumbnail", 200, 100, False)]


def test_a_portrait_photo_stored_sideways_comes_out_upright(tmp_path: Path) -> None:
    original = tmp_path / "sideways.jpg"
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    scene(3, (4000, 3000)).save(original, exif=exif)

    derivatives = make_derivatives(original, "image/jpeg", out_dir=tmp_path / "out", blur=False)

    assert sizes(derivatives) == [("preview", 1200, 1600, False), ("thumbnail", 240, 320, False)]


def test_derivatives_carry_no_metadata_even_when_the_original_has_gps(tmp_path: Path) -> None:
    original = tmp_path / "photo.jpg"
    photo_with_gps(original, (1000, 750))
    with Image.open(original) as source:
        assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
        assert source.info["comment"] == b"taken by a witness"

    for derivative in make_derivatives(original, "image/jpeg", out_dir=tmp_path / "out", blur=False):
        with Image.open(derivative.path) as written:
            assert dict(written.getexif()) == {}
            assert written.info == CLEAN_JPEG_INFO


def test_the_colour_profile_is_applied_then_dropped(tmp_path: Path) -> None:
    original = tmp_path / "with-profile.png"
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGB", (400, 300), (200, 40, 90)).save(original, icc_profile=srgb)

    for derivative in make_derivatives(original, "image/png", out_dir=tmp_path / "out", blur=False):
        with Image.open(derivative.path) as written:
            assert written.info == CLEAN_JPEG_INFO
            red, green, blue = written.getpixel((10, 10))  # type: ignore[misc]
            assert abs(red - 200) <= 2
            assert abs(green - 40) <= 2
            assert abs(blue - 90) <= 2


def test_graphic_material_is_blurred_beyond_recognition(tmp_path: Path) -> None:
    original = tmp_path / "photo.jpg"
    photo_with_gps(original, (2000, 1500))

    plain = make_derivatives(original, "image/jpeg", out_dir=tmp_path / "plain", blur=False)
    blurred = make_derivatives(original, "image/jpeg", out_dir=tmp_path / "blurred", blur=True)

    assert sizes(blurred) == [("preview", 1600, 1200, True), ("thumbnail", 320, 240, True)]
    for clear, blurry in zip(plain, blurred, strict=True):
        with Image.open(clear.path) as clear_image, Image.open(blurry.path) as blurry_image:
            assert mean_difference(clear_image, blurry_image) > 20
            # Edges (outlines, text) are what make a picture recognisable: nearly all are gone.
            assert edge_variance(blurry_image) < edge_variance(clear_image) / 5
    with Image.open(blurred[0].path) as preview:
        assert edge_variance(preview) < 60


def test_the_same_input_gives_byte_identical_derivatives(tmp_path: Path) -> None:
    original = tmp_path / "photo.jpg"
    photo_with_gps(original, (2000, 1500))

    for blur in (False, True):
        first = make_derivatives(original, "image/jpeg", out_dir=tmp_path / f"first-{blur}", blur=blur)
        second = make_derivatives(original, "image/jpeg", out_dir=tmp_path / f"second-{blur}", blur=blur)

        assert [d.path.read_bytes() for d in first] == [d.path.read_bytes() for d in second]
        assert [d.path for d in first] != [d.path for d in second]


def test_the_original_is_never_rewritten(tmp_path: Path) -> None:
    original = tmp_path / "photo.jpg"
    photo_with_gps(original, (2000, 1500))
    before = (original.read_bytes(), original.stat().st_mtime_ns)

    make_derivatives(original, "image/jpeg", out_dir=tmp_path, blur=True)

    assert (original.read_bytes(), original.stat().st_mtime_ns) == before


def test_existing_files_in_the_output_folder_are_not_overwritten(tmp_path: Path) -> None:
    original = tmp_path / "photo.png"
    scene(5, (400, 300)).save(original)
    out = tmp_path / "out"
    first = make_derivatives(original, "image/png", out_dir=out, blur=False)
    kept = {d.path: d.path.read_bytes() for d in first}

    second = make_derivatives(original, "image/png", out_dir=out, blur=True)

    assert {d.path: d.path.read_bytes() for d in first} == kept
    assert len({d.path for d in first + second}) == 4


def test_a_corrupt_image_raises_and_writes_nothing(tmp_path: Path) -> None:
    original = tmp_path / "corrupt.jpg"
    original.write_bytes(random.Random(0).randbytes(4096))  # noqa: S311  test data
    out = tmp_path / "out"

    with pytest.raises(DeriveError, match=r"^unreadable image: UnidentifiedImageError"):
        make_derivatives(original, "image/jpeg", out_dir=out, blur=False)

    assert not out.exists()


def test_a_decompression_bomb_raises_and_writes_nothing(tmp_path: Path) -> None:
    original = tmp_path / "bomb.png"
    write_png_bomb(original)
    out = tmp_path / "out"
    out.mkdir()

    with pytest.raises(DeriveError, match=r"^decompression bomb") as raised:
        make_derivatives(original, "image/png", out_dir=out, blur=True)

    assert raised.value.reason.startswith("decompression bomb")
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("mime_type", ["application/pdf", "audio/mpeg", "image/svg+xml", "text/plain"])
def test_other_types_get_no_derivatives(tmp_path: Path, mime_type: str) -> None:
    original = tmp_path / "file"
    original.write_bytes(b"%PDF-1.7\n")

    assert make_derivatives(original, mime_type, out_dir=tmp_path / "out", blur=False) == []


# Video ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clips") / "clip.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=640x480:rate=10", "-t", "2", str(path))
    return path


@needs_ffmpeg
def test_a_video_gets_a_poster_frame_and_its_thumbnail(clip: Path, tmp_path: Path) -> None:
    derivatives = make_derivatives(clip, "video/mp4", out_dir=tmp_path, blur=False)

    assert sizes(derivatives) == [("poster", 640, 480, False), ("thumbnail", 320, 240, False)]
    for derivative in derivatives:
        with Image.open(derivative.path) as written:
            assert (written.format, written.size, written.info) == (
                "JPEG",
                (derivative.width, derivative.height),
                CLEAN_JPEG_INFO,
            )


@needs_ffmpeg
def test_a_graphic_video_gets_blurred_deterministic_derivatives(clip: Path, tmp_path: Path) -> None:
    first = make_derivatives(clip, "video/mp4", out_dir=tmp_path / "first", blur=True)
    second = make_derivatives(clip, "video/mp4", out_dir=tmp_path / "second", blur=True)
    plain = make_derivatives(clip, "video/mp4", out_dir=tmp_path / "plain", blur=False)

    assert sizes(first) == [("poster", 640, 480, True), ("thumbnail", 320, 240, True)]
    assert [d.path.read_bytes() for d in first] == [d.path.read_bytes() for d in second]
    with Image.open(first[0].path) as blurry, Image.open(plain[0].path) as clear:
        assert edge_variance(blurry) < edge_variance(clear) / 5


@needs_ffmpeg
def test_an_unreadable_video_raises_and_writes_nothing(tmp_path: Path) -> None:
    original = tmp_path / "corrupt.mp4"
    original.write_bytes(random.Random(1).randbytes(4096))  # noqa: S311  test data
    out = tmp_path / "out"

    with pytest.raises(DeriveError, match=r"^ffmpeg could not read the video: "):
        make_derivatives(original, "video/mp4", out_dir=out, blur=False)

    assert not out.exists()


def test_a_video_gets_no_derivatives_when_ffmpeg_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = tmp_path / "clip.mp4"
    original.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    monkeypatch.setenv("PATH", str(tmp_path))

    assert make_derivatives(original, "video/mp4", out_dir=tmp_path / "out", blur=False) == []
