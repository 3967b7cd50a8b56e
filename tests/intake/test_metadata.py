"""The describe step's metadata extraction, on files made here: exact values, hostile input, missing tools."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import PIL
import pypdf
import pytest
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from apps.demo.photo import PhotoMetadata, insert_app13, make_placeholder_photo, photoshop_app13_segment
from apps.intake import metadata
from apps.intake.metadata import MAX_RAW_BYTES, MAX_VALUE_BYTES, MetadataResult, SkippedExtraction, extract_metadata

KYIV_WINTER = timezone(timedelta(hours=2))
HAS_FFMPEG = shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None
needs_ffmpeg = pytest.mark.skipif(not HAS_FFMPEG, reason="ffmpeg/ffprobe are not installed")


def _dms(degrees: int, minutes: int, seconds_hundredths: int) -> tuple[IFDRational, IFDRational, IFDRational]:
    return (IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds_hundredths, 100))


def _exif(
    *,
    lat_ref: str | None = "N",
    lon_ref: str | None = "E",
    latitude: Any = None,
    altitude_ref: bytes = b"\x00",
    offset: str | None = "+02:00",
) -> Image.Exif:
    """EXIF of a photo taken in Irpin: 50.5218 N, 30.2506 E, 95.5 m, 6 March 2022 10:15 at UTC+2."""
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS R5"
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    sub[0x9003] = "2022:03:06 10:15:00"
    if offset is not None:
        sub[0x9011] = offset
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if lat_ref is not None:
        gps[0x01] = lat_ref
    gps[0x02] = latitude if latitude is not None else _dms(50, 31, 1848)  # 50.5218
    if lon_ref is not None:
        gps[0x03] = lon_ref
    gps[0x04] = _dms(30, 15, 216)  # 30.2506
    gps[0x05] = altitude_ref
    gps[0x06] = IFDRational(955, 10)
    return exif


def _jpeg(path: Path, exif: Image.Exif | None = None, *, size: tuple[int, int] = (64, 48), **params: Any) -> Path:
    image = Image.effect_noise(size, 40).convert("RGB")
    image.save(path, "JPEG", exif=exif if exif is not None else Image.Exif(), **params)
    return path


def _assert_storable(raw: dict[str, Any]) -> None:
    """JSON without NaN, and nothing PostgreSQL's jsonb refuses (NUL, lone surrogates)."""
    text = json.dumps(raw, allow_nan=False, ensure_ascii=False)
    assert "\x00" not in text
    text.encode("utf-8")  # raises on lone surrogates


def _png_claiming_size(path: Path, width: int, height: int, exif: Image.Exif | None = None) -> Path:
    """A tiny PNG whose header claims width x height, as a decompression bomb does."""
    buffer = BytesIO()
    Image.new("1", (1, 1)).save(buffer, "PNG", exif=exif if exif is not None else Image.Exif())
    data = bytearray(buffer.getvalue())
    # 8-byte signature, then IHDR: length (4), type (4), width and height (4 each) ..., CRC over type + data.
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    path.write_bytes(bytes(data))
    return path


def _iim(*datasets: tuple[int, int, bytes]) -> bytes:
    return b"".join(
        struct.pack(">BBBH", 0x1C, record, number, len(value)) + value for record, number, value in datasets
    )


def _jpeg_with_iptc(path: Path, iim: bytes) -> Path:
    buffer = BytesIO()
    Image.new("RGB", (16, 16), (90, 90, 90)).save(buffer, "JPEG")
    path.write_bytes(insert_app13(buffer.getvalue(), photoshop_app13_segment(iim)))
    return path


# --- EXIF: time, camera, GPS ----------------------------------------------------------------------------------------


def test_jpeg_exif_gives_camera_capture_time_and_gps_point(tmp_path: Path) -> None:
    result = extract_metadata(_jpeg(tmp_path / "photo.jpg", _exif()), "image/jpeg")

    assert result.camera_make == "Canon"
    assert result.camera_model == "Canon EOS R5"
    assert result.captured_at == datetime(2022, 3, 6, 10, 15, 0, tzinfo=KYIV_WINTER)
    assert (result.latitude, result.longitude, result.altitude_m) == (
        Decimal("50.521800"),
        Decimal("30.250600"),
        Decimal("95.50"),
    )
    assert str(result.latitude) == "50.521800"
    assert str(result.altitude_m) == "95.50"
    assert result.tools == {"Pillow": PIL.__version__}
    assert result.skipped == []
    assert result.warnings == []
    assert result.raw["image"] == {"format": "JPEG", "width": 64, "height": 48}
    assert result.raw["exif"]["IFD0"] == {"Make": "Canon", "Model": "Canon EOS R5"}
    assert result.raw["exif"]["Exif"] == {"DateTimeOriginal": "2022:03:06 10:15:00", "OffsetTimeOriginal": "+02:00"}
    assert result.raw["exif"]["GPS"] == {
        "GPSLatitudeRef": "N",
        "GPSLatitude": [50.0, 31.0, 18.48],
        "GPSLongitudeRef": "E",
        "GPSLongitude": [30.0, 15.0, 2.16],
        "GPSAltitudeRef": 0,
        "GPSAltitude": 95.5,
    }
    _assert_storable(result.raw)


def test_south_west_and_below_sea_level_references_negate(tmp_path: Path) -> None:
    exif = _exif(lat_ref="S", lon_ref="W", altitude_ref=b"\x01")
    result = extract_metadata(_jpeg(tmp_path / "photo.jpg", exif), "image/jpeg")

    assert (result.latitude, result.longitude, result.altitude_m) == (
        Decimal("-50.521800"),
        Decimal("-30.250600"),
        Decimal("-95.50"),
    )
    assert result.warnings == []


def test_capture_time_without_time_zone_is_not_used(tmp_path: Path) -> None:
    exif = _exif(offset=None)
    exif.get_ifd(ExifTags.IFD.Exif)[0x9010] = "+03:00"  # OffsetTime belongs to DateTime, not DateTimeOriginal
    result = extract_metadata(_jpeg(tmp_path / "photo.jpg", exif), "image/jpeg")

    assert result.captured_at is None
    assert result.warnings == [
        (
            "The capture time 2022:03:06 10:15:00 has no time zone (no OffsetTimeOriginal), so it was not used as "
            "the capture time; the local time is kept in the raw metadata."
        )
    ]
    assert result.raw["exif"]["Exif"]["DateTimeOriginal"] == "2022:03:06 10:15:00"


def test_sub_second_capture_time_and_negative_offset(tmp_path: Path) -> None:
    exif = _exif(offset="-05:30")
    exif.get_ifd(ExifTags.IFD.Exif)[0x9291] = "25"
    result = extract_metadata(_jpeg(tmp_path / "photo.jpg", exif), "image/jpeg")

    assert result.captured_at == datetime(
        2022, 3, 6, 10, 15, 0, 250_000, tzinfo=timezone(-timedelta(hours=5, minutes=30))
    )


def test_impossible_capture_offset_is_not_used(tmp_path: Path) -> None:
    result = extract_metadata(_jpeg(tmp_path / "photo.jpg", _exif(offset="+25:00")), "image/jpeg")

    assert result.captured_at is None
    assert result.warnings == ["The capture time zone '+25:00' is not a valid UTC offset; it was not used."]


def test_gps_without_hemisphere_reference_is_not_used(tmp_path: Path) -> None:
    result = extract_metadata(_jpeg(tmp_path / "photo.jpg", _exif(lat_ref=None)), "image/jpeg")

    assert (result.latitude, result.longitude, result.altitude_m) == (None, None, None)
    assert result.warnings == [
        "The GPS latitude has no valid N/S reference (none); it was not used.",
        "Only one GPS coordinate is usable, so the GPS point was not used.",
    ]


def test_out_of_range_latitude_is_rejected(tmp_path: Path) -> None:
    result = extract_metadata(_jpeg(tmp_path / "photo.jpg", _exif(latitude=_dms(95, 0, 0))), "image/jpeg")

    assert (result.latitude, result.longitude) == (None, None)
    assert result.warnings == [
        "The GPS latitude 95.0 is out of range (at most 90); it was not used.",
        "Only one GPS coordinate is usable, so the GPS point was not used.",
    ]


def test_zero_denominator_in_gps_is_rejected(tmp_path: Path) -> None:
    latitude = (IFDRational(50, 1), IFDRational(31, 0), IFDRational(0, 1))
    result = extract_metadata(_jpeg(tmp_path / "photo.jpg", _exif(latitude=latitude)), "image/jpeg")

    assert result.latitude is None
    assert result.warnings[0].startswith("The GPS latitude ")
    assert result.warnings[0].endswith(" is not a valid value; it was not used.")
    _assert_storable(result.raw)


def test_null_island_is_not_used(tmp_path: Path) -> None:
    exif = _exif(latitude=_dms(0, 0, 0))
    exif.get_ifd(ExifTags.IFD.GPSInfo)[0x04] = _dms(0, 0, 0)
    result = extract_metadata(_jpeg(tmp_path / "photo.jpg", exif), "image/jpeg")

    assert (result.latitude, result.longitude, result.altitude_m) == (None, None, None)
    assert result.warnings == ["The GPS point is 0,0, which devices write when they have no fix; it was not used."]


def test_exif_text_utf8_and_non_utf8_bytes(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Виробник".encode()  # UTF-8, as phones write it
    exif[0x013B] = b"Caf\xe9 \xff\x00"  # neither UTF-8 nor anything declared: read as Latin-1
    exif[0x8298] = b"Photographer\x00Editor\x00"  # EXIF's "photographer NUL editor" form
    result = extract_metadata(_jpeg(tmp_path / "photo.jpg", exif), "image/jpeg")

    assert result.camera_make == "Виробник"
    assert result.byline == "Café ÿ"
    assert result.copyright == "Photographer; Editor"
    assert result.raw["exif"]["IFD0"]["Copyright"] == "Photographer\ufffdEditor"
    _assert_storable(result.raw)


def test_tiff_tags_are_read(tmp_path: Path) -> None:
    # Pillow's TIFF writer keeps IFD0 tags only (no EXIF or GPS sub-IFDs), which is enough to show
    # that TIFF files, whose metadata lives in the image's own tags, are read.
    path = tmp_path / "scan.tif"
    Image.new("RGB", (8, 8)).save(path, "TIFF", exif=_exif())
    result = extract_metadata(path, "image/tiff")

    assert (result.camera_make, result.camera_model) == ("Canon", "Canon EOS R5")
    assert result.raw["exif"]["IFD0"]["Make"] == "Canon"
    assert result.raw["exif"]["IFD0"]["ImageWidth"] == 8
    assert result.warnings == []
    _assert_storable(result.raw)


# --- IPTC and XMP ---------------------------------------------------------------------------------------------------

DEMO = PhotoMetadata(
    caption='<script>alert(1)</script> Smoke over Irpin & "Bucha"',
    credit="Getty Images",
    byline="Jane Photographer",
    copyright_notice="2022 Getty Images",
    city="Ірпінь",
    province_state="Київська область",
    country="Україна",
    country_code="UKR",
)


def test_iptc_caption_credit_byline_copyright_and_place(tmp_path: Path) -> None:
    path = tmp_path / "demo.jpg"
    path.write_bytes(make_placeholder_photo(metadata=DEMO, width=120, height=80, label="PLACEHOLDER"))
    result = extract_metadata(path, "image/jpeg")

    assert result.caption == '<script>alert(1)</script> Smoke over Irpin & "Bucha"'
    assert result.credit == "Getty Images"
    assert result.byline == "Jane Photographer"
    assert result.copyright == "2022 Getty Images"
    assert result.raw["iptc"] == {
        "1:90": "\x1b%G",
        "2:0": 4,
        "2:80": "Jane Photographer",
        "2:90": "Ірпінь",
        "2:95": "Київська область",
        "2:100": "UKR",
        "2:101": "Україна",
        "2:110": "Getty Images",
        "2:116": "2022 Getty Images",
        "2:120": '<script>alert(1)</script> Smoke over Irpin & "Bucha"',
    }
    assert result.warnings == []
    _assert_storable(result.raw)


def test_iptc_wins_over_exif_description(tmp_path: Path) -> None:
    path = tmp_path / "demo.jpg"
    path.write_bytes(
        make_placeholder_photo(metadata=replace(DEMO, caption="IPTC caption"), width=120, height=80, label="X")
    )
    result = extract_metadata(path, "image/jpeg")

    assert result.caption == "IPTC caption"
    assert result.raw["exif"]["IFD0"]["ImageDescription"] == "IPTC caption"


def test_iptc_without_declared_charset_falls_back_to_latin1(tmp_path: Path) -> None:
    iim = _iim((2, 120, b"Caf\xe9 in Kyiv"), (2, 110, "Кредит".encode()), (2, 80, b"One"), (2, 80, b"Two"))
    result = extract_metadata(_jpeg_with_iptc(tmp_path / "iptc.jpg", iim), "image/jpeg")

    assert result.caption == "Café in Kyiv"
    assert result.credit == "Кредит"
    assert result.byline == "One; Two"
    assert result.raw["iptc"]["2:80"] == ["One", "Two"]


def test_iptc_declared_utf8_with_bad_bytes_shows_replacement_character(tmp_path: Path) -> None:
    iim = _iim((1, 90, b"\x1b%G"), (2, 120, b"bad \xff byte\x00"))
    result = extract_metadata(_jpeg_with_iptc(tmp_path / "iptc.jpg", iim), "image/jpeg")

    assert result.caption == "bad \ufffd byte"
    _assert_storable(result.raw)


def test_xmp_packet_is_kept_as_text(tmp_path: Path) -> None:
    packet = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        "<rdf:Description><dc:title>Ірпінь</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    path = _jpeg(tmp_path / "xmp.jpg", xmp=(packet + " " * 200).encode())
    result = extract_metadata(path, "image/jpeg")

    assert result.raw["xmp"] == packet
    assert result.warnings == []


# --- hostile images -------------------------------------------------------------------------------------------------


def test_truncated_jpeg_warns_and_keeps_header_metadata(tmp_path: Path) -> None:
    whole = _jpeg(tmp_path / "whole.jpg", _exif(), size=(256, 256)).read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(whole[: len(whole) // 2])
    result = extract_metadata(path, "image/jpeg")

    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("The image is truncated or damaged (OSError: image file is truncated")
    assert result.warnings[0].endswith("; metadata was read from the part present.")
    assert result.camera_make == "Canon"
    assert result.captured_at == datetime(2022, 3, 6, 10, 15, tzinfo=KYIV_WINTER)
    _assert_storable(result.raw)


def test_jpeg_cut_inside_its_headers_warns(tmp_path: Path) -> None:
    path = tmp_path / "cut.jpg"
    path.write_bytes(_jpeg(tmp_path / "whole.jpg", _exif()).read_bytes()[:30])
    result = extract_metadata(path, "image/jpeg")

    assert result.warnings == [
        "The image is truncated or damaged (OSError: Truncated File Read); no metadata was read."
    ]
    assert result.raw == {}


def test_truncated_png_warns(tmp_path: Path) -> None:
    path = tmp_path / "cut.png"
    buffer = BytesIO()
    Image.effect_noise((256, 256), 50).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    result = extract_metadata(path, "image/png")

    assert result.warnings == [
        "The image is truncated or damaged (OSError: image file is truncated); metadata was read from the part present."
    ]


@pytest.mark.parametrize("mime_type", ["image/jpeg", "video/mp4", "audio/mpeg", "application/pdf"])
def test_zero_byte_file_warns(tmp_path: Path, mime_type: str) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    result = extract_metadata(path, mime_type)

    assert result == MetadataResult(warnings=["The file is empty (0 bytes): there is no metadata to read."])


def test_decompression_bomb_is_reported_not_raised(tmp_path: Path) -> None:
    path = _png_claiming_size(tmp_path / "bomb.png", 100_000, 100_000)
    result = extract_metadata(path, "image/png")

    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("Possible decompression bomb: Image size (10000000000 pixels) exceeds limit")
    assert "decompression bomb" in result.warnings[0]
    assert result.raw == {}
    assert result.tools == {"Pillow": PIL.__version__}


def test_large_image_under_the_hard_limit_keeps_its_metadata_without_decoding(tmp_path: Path) -> None:
    # 100 megapixels: over Pillow's warning limit (about 89.5), under its error limit (twice that),
    # like the files of 100-megapixel cameras.
    path = _png_claiming_size(tmp_path / "big.png", 10_000, 10_000, exif=_exif())
    result = extract_metadata(path, "image/png")

    assert result.camera_make == "Canon"
    assert result.latitude == Decimal("50.521800")
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("Possible decompression bomb: Image size (100000000 pixels) exceeds limit")
    assert result.warnings[0].endswith("The pixel data was not decoded; the metadata in the headers was read.")
    assert result.raw["image"] == {"format": "PNG", "width": 10_000, "height": 10_000}


def test_not_an_image_warns(tmp_path: Path) -> None:
    path = tmp_path / "fake.jpg"
    path.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n")  # EPS would run Ghostscript
    result = extract_metadata(path, "image/jpeg")

    assert result.warnings == [
        (
            "Pillow does not recognise this file as an image it can read (JPEG, PNG, TIFF, WEBP, GIF, BMP, AVIF); "
            "no image metadata was read."
        )
    ]
    assert result.raw == {}


def test_huge_exif_value_is_cut_with_a_marker(tmp_path: Path) -> None:
    exif = _exif()
    exif.get_ifd(ExifTags.IFD.Exif)[0x9286] = b"ASCII\x00\x00\x00" + b"x" * 100_000  # UserComment
    path = tmp_path / "huge.png"
    Image.new("RGB", (4, 4)).save(path, "PNG", exif=exif)  # PNG's eXIf chunk has no 64 KiB limit
    result = extract_metadata(path, "image/png")

    comment = result.raw["exif"]["Exif"]["UserComment"]
    assert comment == "x" * MAX_VALUE_BYTES + "[... truncated by Custos: 100000 bytes in the file]"
    assert result.camera_make == "Canon"
    assert result.warnings == []
    _assert_storable(result.raw)


def test_jpeg_with_60_kib_user_comment_is_read_whole(tmp_path: Path) -> None:
    exif = _exif()
    exif.get_ifd(ExifTags.IFD.Exif)[0x9286] = b"UNICODE\x00" + ("Я" * 30_000).encode("utf-16-be")
    result = extract_metadata(_jpeg(tmp_path / "big-exif.jpg", exif), "image/jpeg")

    assert result.raw["exif"]["Exif"]["UserComment"] == "Я" * 30_000
    assert result.warnings == []


def test_raw_metadata_is_capped_in_total(tmp_path: Path) -> None:
    exif = _exif()
    for index in range(20):
        exif[0xC000 + index] = "y" * 60_000
    path = tmp_path / "bloated.png"
    Image.new("RGB", (4, 4)).save(path, "PNG", exif=exif)
    result = extract_metadata(path, "image/png")

    assert result.warnings == [
        "The metadata is larger than 1024 KiB; only the first part is kept (the file itself holds the rest)."
    ]
    assert len(json.dumps(result.raw, ensure_ascii=False).encode()) < MAX_RAW_BYTES + 1024
    assert result.camera_make == "Canon"  # normalised fields do not depend on what raw could keep
    _assert_storable(result.raw)


# --- dispatch -------------------------------------------------------------------------------------------------------


def test_unknown_type_gives_empty_result(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")

    assert extract_metadata(path, "text/plain") == MetadataResult()


def test_mime_type_case_and_parameters_are_ignored(tmp_path: Path) -> None:
    result = extract_metadata(_jpeg(tmp_path / "photo.jpg", _exif()), "Image/JPEG; charset=binary")

    assert result.camera_make == "Canon"


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        extract_metadata(tmp_path / "gone.jpg", "image/jpeg")


# --- PDF ------------------------------------------------------------------------------------------------------------


def _pdf(path: Path, info: dict[str, str], *, pages: int = 3, password: str | None = None) -> Path:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    writer.add_metadata(info)
    if password is not None:
        writer.encrypt(user_password=password, owner_password=password, algorithm="AES-128")
    with path.open("wb") as stream:
        writer.write(stream)
    return path


def test_pdf_page_count_author_and_creation_date(tmp_path: Path) -> None:
    path = _pdf(
        tmp_path / "report.pdf",
        {"/Author": "Олена <b>", "/CreationDate": "D:20220306101500+02'00'", "/Title": "Report"},
    )
    result = extract_metadata(path, "application/pdf")

    assert result.page_count == 3
    assert result.byline == "Олена <b>"
    assert result.captured_at == datetime(2022, 3, 6, 10, 15, tzinfo=KYIV_WINTER)
    assert result.tools == {"pypdf": pypdf.__version__}
    assert result.warnings == []
    assert result.raw["pdf"]["page_count"] == 3
    assert result.raw["pdf"]["encrypted"] is False
    assert result.raw["pdf"]["info"]["Title"] == "Report"
    _assert_storable(result.raw)


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        ("D:20220306081500Z", datetime(2022, 3, 6, 8, 15, tzinfo=UTC)),
        ("D:20220306101500+02'00", datetime(2022, 3, 6, 10, 15, tzinfo=KYIV_WINTER)),
        ("20220306034500-04'30'", datetime(2022, 3, 6, 3, 45, tzinfo=timezone(-timedelta(hours=4, minutes=30)))),
    ],
)
def test_pdf_date_forms(tmp_path: Path, created: str, expected: datetime) -> None:
    result = extract_metadata(_pdf(tmp_path / "doc.pdf", {"/CreationDate": created}), "application/pdf")

    assert result.captured_at == expected


@pytest.mark.parametrize(
    ("created", "warning"),
    [
        (
            "D:20220306101500",
            "The PDF creation date D:20220306101500 has no time zone, so it was not used as the capture time.",
        ),
        ("D:20220306", "The PDF creation date D:20220306 has no time of day; it was not used."),
        ("yesterday", "The PDF creation date 'yesterday' is not a PDF date; it was not used."),
        ("D:20221306101500Z", "The PDF creation date D:20221306101500Z is not a real date and time; it was not used."),
    ],
)
def test_pdf_date_without_zone_or_invalid_is_not_used(tmp_path: Path, created: str, warning: str) -> None:
    result = extract_metadata(_pdf(tmp_path / "doc.pdf", {"/CreationDate": created}), "application/pdf")

    assert result.captured_at is None
    assert result.warnings == [warning]
    assert result.raw["pdf"]["info"]["CreationDate"] == created


def test_password_protected_pdf_warns(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "locked.pdf", {"/Author": "Secret"}, password="s3cret")
    result = extract_metadata(path, "application/pdf")

    assert result.warnings == ["The PDF is protected by a password; its metadata could not be read."]
    assert result.page_count is None
    assert result.byline == ""
    assert result.raw == {"pdf": {"header": "%PDF-1.3", "encrypted": True}}


def test_garbage_pdf_warns(tmp_path: Path) -> None:
    path = tmp_path / "fake.pdf"
    path.write_bytes(b"%PDF-1.7\n\xff\xfe garbage \x00 with no objects")
    result = extract_metadata(path, "application/pdf")

    assert result.warnings == [
        "The PDF could not be read (PdfStreamError: Stream has ended unexpectedly); no metadata was read."
    ]
    assert (result.page_count, result.raw) == (None, {})


# --- video and audio (ffprobe) --------------------------------------------------------------------------------------


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=60)  # noqa: S607 - test tool on PATH


def test_missing_ffprobe_is_recorded_as_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # ffprobe's absence is a condition of the machine, so the machine is what is faked.
    monkeypatch.setattr(metadata.shutil, "which", lambda _name: None)
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    result = extract_metadata(path, "video/mp4")

    assert result == MetadataResult(skipped=[SkippedExtraction(tool="ffprobe", reason="ffprobe is not installed")])


@needs_ffmpeg
def test_video_metadata_from_ffprobe(tmp_path: Path) -> None:
    path = tmp_path / "clip.mov"
    _ffmpeg(
        *("-f", "lavfi", "-i", "color=c=black:s=64x48:d=1", "-t", "1", "-c:v", "mpeg4"),
        *("-metadata", "creation_time=2022-03-06T08:15:00Z"),
        *("-metadata", "location=+50.5218+030.2506+095.500/"),
        str(path),
    )
    result = extract_metadata(path, "video/quicktime")

    assert result.captured_at == datetime(2022, 3, 6, 8, 15, tzinfo=UTC)
    assert (result.latitude, result.longitude, result.altitude_m) == (
        Decimal("50.521800"),
        Decimal("30.250600"),
        Decimal("95.50"),
    )
    assert result.duration_seconds == Decimal("1.000000")
    assert set(result.tools) == {"ffprobe"}
    assert result.tools["ffprobe"] not in {"", "unknown"}
    assert result.warnings == [
        (
            "The capture time is the container's creation_time: UTC by the format's definition, "
            "but some cameras write local time there and editing tools the time they saved the file."
        )
    ]
    assert [stream["codec_name"] for stream in result.raw["ffprobe"]["streams"]] == ["mpeg4"]
    assert "filename" not in result.raw["ffprobe"]["format"]
    _assert_storable(result.raw)


@needs_ffmpeg
def test_apple_creation_date_keeps_its_offset(tmp_path: Path) -> None:
    path = tmp_path / "iphone.mov"
    _ffmpeg(
        *("-f", "lavfi", "-i", "color=c=black:s=64x48:d=1", "-t", "1", "-c:v", "mpeg4"),
        *("-metadata", "com.apple.quicktime.creationdate=2022-03-06T10:15:00+0200"),
        *("-metadata", "com.apple.quicktime.location.ISO6709=-33.8568+151.2153+012.000/"),
        *("-metadata", "com.apple.quicktime.make=Apple"),
        *("-metadata", "com.apple.quicktime.model=iPhone 13"),
        *("-movflags", "use_metadata_tags"),
        str(path),
    )
    result = extract_metadata(path, "video/quicktime")

    assert result.captured_at == datetime(2022, 3, 6, 10, 15, tzinfo=KYIV_WINTER)
    assert (result.camera_make, result.camera_model) == ("Apple", "iPhone 13")
    assert (result.latitude, result.longitude, result.altitude_m) == (
        Decimal("-33.856800"),
        Decimal("151.215300"),
        Decimal("12.00"),
    )
    assert result.warnings == []


@needs_ffmpeg
def test_audio_duration_and_artist(tmp_path: Path) -> None:
    path = tmp_path / "statement.wav"
    _ffmpeg("-f", "lavfi", "-i", "sine=d=2:r=8000", "-metadata", "artist=Олена", str(path))
    result = extract_metadata(path, "audio/wav")

    assert result.duration_seconds == Decimal("2.000000")
    assert result.byline == "Олена"
    assert result.captured_at is None
    assert result.raw["ffprobe"]["streams"][0]["codec_type"] == "audio"


@needs_ffmpeg
def test_unreadable_media_warns(tmp_path: Path) -> None:
    path = tmp_path / "-i"  # a name that would be an option if passed bare
    path.write_bytes(b"\x00\x01not a video at all" * 10)
    result = extract_metadata(path, "video/mp4")

    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("ffprobe could not read the file (")
    assert result.warnings[0].endswith("); no media metadata was read.")
    assert str(tmp_path) not in result.warnings[0]
    assert result.raw == {}


@needs_ffmpeg
def test_ffprobe_timeout_becomes_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metadata, "FFPROBE_TIMEOUT_SECONDS", 0.001)
    path = tmp_path / "statement.wav"
    _ffmpeg("-f", "lavfi", "-i", "sine=d=1:r=8000", str(path))
    result = extract_metadata(path, "audio/wav")

    assert result.warnings == ["ffprobe did not finish within 0.001 s; no media metadata was read."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+50.5218+030.2506/", (Decimal("50.521800"), Decimal("30.250600"), None)),
        ("+5031.308+03015.036+95.5/", (Decimal("50.521800"), Decimal("30.250600"), Decimal("95.50"))),
        ("-503118.48-0301502.16CRSWGS_84/", (Decimal("-50.521800"), Decimal("-30.250600"), None)),
    ],
)
def test_iso6709_forms(text: str, expected: tuple[Decimal, Decimal, Decimal | None]) -> None:
    result = MetadataResult()
    metadata._iso6709(text, result)

    assert (result.latitude, result.longitude, result.altitude_m) == expected
    assert result.warnings == []


@pytest.mark.parametrize("text", ["+95.0+030.0/", "nowhere", "+50.5+30.2/"])
def test_iso6709_rejects_off_globe_and_malformed(text: str) -> None:
    result = MetadataResult()
    metadata._iso6709(text, result)

    assert (result.latitude, result.longitude) == (None, None)
    assert len(result.warnings) >= 1


def test_pdf_with_cyclic_page_tree_warns(tmp_path: Path) -> None:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>",  # its own grandparent
    ]
    body, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, content in enumerate(objects, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    path = tmp_path / "loop.pdf"
    path.write_bytes(bytes(body))
    result = extract_metadata(path, "application/pdf")

    assert result.page_count is None
    assert result.warnings == ["The PDF page count could not be read (PdfReadError: Detected cyclic page references.)."]
