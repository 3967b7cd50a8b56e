"""The intake pipeline's "describe" step: read what an evidence file says about itself.

Images give EXIF, IPTC-IIM and XMP (Pillow), video and audio give container and
stream metadata (ffprobe), PDFs give their document information (pypdf). All of
it is kept as JSON in ``MetadataResult.raw``; the few fields an investigator
searches on (capture time, camera, GPS point, caption and credit) are also
normalised into typed fields for their own columns.

Every file here is hostile until shown otherwise: truncated or corrupt images,
decompression bombs, empty files, oversized metadata, script in captions and
bytes in no known encoding. So :func:`extract_metadata` never raises because of
what a file contains. Each reader's failure becomes a readable warning for the
item's page, and a missing tool (no ffprobe) is recorded as a skipped
extraction with its reason. Text is kept verbatim, markup included: escaping
is the template's job, and the data must stay what the file said.

A wrong time or place is worse than none: a capture time without a time zone,
a GPS coordinate without its hemisphere or off the globe, and a 0,0 point are
left out of the normalised fields, with a warning, while the values the file
holds stay in ``raw``.

Python's ``warnings.catch_warnings`` changes process-wide state, so one
process should not run two extractions in threads at once. Celery's default
prefork pool runs one task per process.

The module is pure: it touches no database and no Django setting, so the task
that calls it owns storage, custody and retries.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

import PIL
import pypdf
from PIL import ExifTags, Image, ImageFile, IptcImagePlugin, TiffImagePlugin, UnidentifiedImageError

# A raw value longer than this (in UTF-8 bytes) is cut, with a marker: the file
# itself stays in storage, and a megabyte of MakerNote helps nobody on a page.
MAX_VALUE_BYTES = 64 * 1024
# Ceiling on the whole raw JSON, so one hostile file cannot bloat the table.
MAX_RAW_BYTES = 1024 * 1024
FFPROBE_TIMEOUT_SECONDS = 60
# The normalised fields are cut to the evidence item's column sizes
# (apps.evidence.models.EvidenceItem.camera_make/camera_model/extracted_credit).
CAMERA_MAX_CHARS = 200
CREDIT_MAX_CHARS = 500

# A hostile file can make a parser emit thousands of warnings; the page needs a few.
_MAX_WARNINGS = 50
# Checking an image for truncation means decoding it. JPEG decodes at 1/8 scale
# (cheap at any size); other formats decode only up to this many pixels, which
# bounds the memory one check can take.
_DECODE_CHECK_MAX_PIXELS = 40_000_000
# Formats Pillow may try (JPEG covers MPO, which Pillow reaches through JPEG). Restricting
# them keeps Pillow from handing a file that merely claims to be an image to a plugin
# that runs an external program (EPS runs Ghostscript) or to an obscure decoder.
_PILLOW_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP", "GIF", "BMP", "AVIF")

_MICRODEGREE = Decimal("0.000001")
_CENTIMETRE = Decimal("0.01")
_MICROSECOND = Decimal("0.000001")
# Altitudes outside this range (metres) are not from a camera on or over the
# ground; the column holds at most 999999.99.
_ALTITUDE_RANGE = (Decimal(-12_000), Decimal(100_000))
# Real UTC offsets run from -12:00 to +14:00.
_MAX_UTC_OFFSET = timedelta(hours=14)


@dataclass(frozen=True)
class SkippedExtraction:
    """An extraction that did not run, and why: the item's page must say what was not looked at."""

    tool: str
    reason: str


@dataclass
class MetadataResult:
    """What the describe step found, raw and normalised; see the module docstring for the rules."""

    # JSON-serialisable only, every string free of NUL and lone surrogates (PostgreSQL's
    # jsonb refuses both). Sections: "image", "exif", "iptc", "xmp", "ffprobe", "pdf".
    raw: dict[str, Any] = field(default_factory=dict)
    # Always timezone-aware; None when the file gives no time with a known offset.
    captured_at: datetime | None = None
    camera_make: str = ""
    camera_model: str = ""
    latitude: Decimal | None = None  # 6 decimal places (about 0.1 m)
    longitude: Decimal | None = None  # 6 decimal places
    altitude_m: Decimal | None = None  # 2 decimal places
    caption: str = ""
    credit: str = ""
    byline: str = ""
    copyright: str = ""
    page_count: int | None = None
    duration_seconds: Decimal | None = None
    tools: dict[str, str] = field(default_factory=dict)  # tool -> version actually used
    skipped: list[SkippedExtraction] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # readable sentences for the item's page


def extract_metadata(path: Path, mime_type: str) -> MetadataResult:
    """Read the metadata of the file at ``path``, choosing the readers by ``mime_type``.

    image/* goes to Pillow, video/* and audio/* to ffprobe, application/pdf to
    pypdf; any other type gives an empty result. Problems with the file's
    content come back as warnings, never as exceptions. An OSError from
    ``path.stat()`` (a missing or unreadable file) does propagate: that is a
    fault of storage, not a property of the evidence, and must not pass for
    "no metadata".
    """
    result = MetadataResult()
    kind = mime_type.split(";", 1)[0].strip().lower()
    if kind.startswith("image/"):
        reader: Callable[[Path, MetadataResult, dict[str, Any]], None] = _describe_image
    elif kind.startswith(("video/", "audio/")):
        reader = _describe_media
    elif kind == "application/pdf":
        reader = _describe_pdf
    else:
        return result
    if path.stat().st_size == 0:
        result.warnings.append("The file is empty (0 bytes): there is no metadata to read.")
        return result
    sections: dict[str, Any] = {}
    reader(path, result, sections)
    result.raw = _cap_raw(sections, result)
    _clean_fields(result)
    result.warnings = _tidy_warnings(result.warnings, path)
    return result


# --- images ----------------------------------------------------------------------------------------------------------


def _describe_image(path: Path, result: MetadataResult, sections: dict[str, Any]) -> None:
    result.tools["Pillow"] = PIL.__version__
    # Warnings are recorded rather than raised so that Pillow's DecompressionBombWarning
    # (over MAX_IMAGE_PIXELS but under twice that: 100-megapixel cameras land here) still
    # lets us read the headers; only pixel decoding is refused for such an image.
    # DecompressionBombError (over twice the limit) stops Image.open itself. The global
    # MAX_IMAGE_PIXELS is left alone.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _read_image(path, result, sections, caught)
    for warning in caught:
        if issubclass(warning.category, Image.DecompressionBombWarning):
            result.warnings.append(
                f"Possible decompression bomb: {warning.message} "
                "The pixel data was not decoded; the metadata in the headers was read."
            )
        else:
            result.warnings.append(f"Pillow: {warning.message}")


def _read_image(
    path: Path, result: MetadataResult, sections: dict[str, Any], caught: list[warnings.WarningMessage]
) -> None:
    Image.init()
    formats = [name for name in _PILLOW_FORMATS if name in Image.OPEN]
    try:
        image = Image.open(path, formats=formats)
    except Image.DecompressionBombError as exc:
        result.warnings.append(
            f"Possible decompression bomb: {exc} The image was not opened, so no image metadata was read."
        )
        return
    except UnidentifiedImageError:
        result.warnings.append(
            f"Pillow does not recognise this file as an image it can read ({', '.join(formats)}); "
            "no image metadata was read."
        )
        return
    except Exception as exc:  # noqa: BLE001 - a parser failing on hostile input is a finding, not a crash
        result.warnings.append(f"The image is truncated or damaged ({_error_text(exc)}); no metadata was read.")
        return
    with image:
        bomb = any(issubclass(w.category, Image.DecompressionBombWarning) for w in caught)
        sections["image"] = {"format": image.format, "width": image.width, "height": image.height}
        # Decode first: for PNG, decoding also reads the chunks after the pixel data,
        # where some writers put EXIF, text and XMP.
        _check_image_data(image, result, bomb=bomb)
        _guarded(result, "EXIF", lambda: _read_exif(image, result, sections))
        _guarded(result, "IPTC", lambda: _read_iptc(image, result, sections))
        _guarded(result, "XMP", lambda: _read_xmp(image, sections))


def _check_image_data(image: Image.Image, result: MetadataResult, *, bomb: bool) -> None:
    """Decode the pixels (cheaply where possible) to find out whether the file is whole."""
    if bomb:
        return
    if image.format in {"JPEG", "MPO"}:
        # DCT scaling still reads every byte of the scan, at 1/64 of the memory.
        image.draft(None, (1, 1))
    elif image.width * image.height > _DECODE_CHECK_MAX_PIXELS:
        result.warnings.append(
            f"The image ({image.width}x{image.height}) is too large to decode for a damage check here; "
            "whether it is complete was not checked."
        )
        return
    try:
        image.load()
    except Image.DecompressionBombError as exc:
        result.warnings.append(f"Possible decompression bomb: {exc} The pixel data was not decoded.")
    except Exception as exc:  # noqa: BLE001 - decoders raise OSError, SyntaxError, ValueError, zlib.error...
        result.warnings.append(
            f"The image is truncated or damaged ({_error_text(exc)}); metadata was read from the part present."
        )


_IFD_POINTERS = {ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo, ExifTags.IFD.Interop}
# Vendor blobs and embedded structures: no text meaning, kept in the file itself.
_EXIF_BINARY = {
    0x927C: "MakerNote",
    0xC4A5: "PrintImageMatching",
    0x8773: "InterColorProfile",
    0x83BB: "IPTCNAA",  # read into the "iptc" section
    0x8649: "ImageResources",
    0x02BC: "XMLPacket",  # read into the "xmp" section
}
_EXIF_UTF16LE = {0x9C9B, 0x9C9C, 0x9C9D, 0x9C9E, 0x9C9F}  # Windows XPTitle ... XPSubject
_USER_COMMENT = 0x9286
_SHORT_BINARY = 16  # bytes; longer binary values are decoded as text like any other


def _read_exif(image: Image.Image, result: MetadataResult, sections: dict[str, Any]) -> None:
    # The base-class getexif() reads what the headers hold; PngImageFile's override would
    # decode the whole image to look for a late eXIf chunk, which _check_image_data already
    # did when it was safe to.
    exif = Image.Image.getexif(image)
    big_endian = getattr(exif, "endian", ">") != "<"
    ifd0 = dict(exif)
    ifds: dict[str, dict[int, Any]] = {"IFD0": {tag: v for tag, v in ifd0.items() if tag not in _IFD_POINTERS}}
    for ifd, name in (
        (ExifTags.IFD.Exif, "Exif"),
        (ExifTags.IFD.GPSInfo, "GPS"),
        (ExifTags.IFD.Interop, "Interop"),
        (ExifTags.IFD.IFD1, "IFD1"),
    ):
        values = exif.get_ifd(ifd)
        if values:
            ifds[name] = {tag: v for tag, v in values.items() if tag not in _IFD_POINTERS}
    if not any(ifds.values()):
        return
    section: dict[str, Any] = {}
    for name, values in ifds.items():
        names = ExifTags.GPSTAGS if name == "GPS" else ExifTags.TAGS
        section[name] = {
            names.get(tag, f"0x{tag:04X}"): _exif_json(tag, value, big_endian=big_endian)
            for tag, value in values.items()
        }
    sections["exif"] = section

    base, sub, gps = ifds["IFD0"], ifds.get("Exif", {}), ifds.get("GPS", {})
    _set_camera(result, _exif_text(base.get(0x010F)), _exif_text(base.get(0x0110)))
    result.caption = result.caption or _exif_text(base.get(0x010E))
    result.byline = result.byline or _exif_text(base.get(0x013B))
    # EXIF Copyright may hold "photographer\0editor".
    result.copyright = result.copyright or "; ".join(
        part.strip() for part in _exif_text(base.get(0x8298), keep_nul=True).split("\0") if part.strip()
    )
    result.captured_at = _exif_captured_at(sub, result)
    if gps:
        _exif_gps(gps, result)


def _exif_json(tag: int, value: Any, *, big_endian: bool) -> Any:
    """One EXIF value in JSON terms; the exact bytes stay in the file."""
    if tag in _EXIF_BINARY and isinstance(value, bytes):
        return f"[{len(value)} bytes of binary data, not decoded]"
    if tag == _USER_COMMENT and isinstance(value, bytes):
        return _user_comment(value, big_endian=big_endian)
    if tag in _EXIF_UTF16LE and isinstance(value, bytes):
        return value.decode("utf-16-le", errors="replace").rstrip("\0")
    return _exif_plain(value)


def _exif_plain(value: Any) -> Any:
    if isinstance(value, TiffImagePlugin.IFDRational):
        fraction = _fraction(value)
        return None if fraction is None else float(fraction)
    if isinstance(value, bytes) and len(value) <= _SHORT_BINARY and not all(0x20 <= byte < 0x7F for byte in value):
        # BYTE and UNDEFINED values such as GPSVersionID (2, 2, 0, 0) or GPSAltitudeRef (0) are numbers.
        return value[0] if len(value) == 1 else list(value)
    if isinstance(value, str | bytes):
        return _exif_text(value, keep_nul=True).rstrip("\0")  # raw keeps the writer's spacing
    if isinstance(value, tuple | list):
        return [_exif_plain(item) for item in value]
    return value  # numbers and anything else: _json_safe makes them JSON-safe


def _user_comment(value: bytes, *, big_endian: bool) -> str:
    # EXIF UserComment starts with an 8-byte character code.
    code, body = value[:8], value[8:]
    if code == b"UNICODE\0":
        encoding = "utf-16" if body[:2] in {b"\xff\xfe", b"\xfe\xff"} else ("utf-16-be" if big_endian else "utf-16-le")
        text = body.decode(encoding, errors="replace")
    elif code in {b"ASCII\0\0\0", b"JIS\0\0\0\0\0", b"\0" * 8}:
        text = _decode_bytes(body)
    else:
        text = _decode_bytes(value)
    return text.rstrip("\0 ")


def _exif_text(value: Any, *, keep_nul: bool = False) -> str:
    """An EXIF text field as the writer meant it, stripped of padding.

    Pillow decodes EXIF ASCII as Latin-1, which maps every byte, so encoding back gives
    the stored bytes; those are UTF-8 in practice (MWG guidance, exiftool, phones).
    """
    if isinstance(value, str):
        try:
            data = value.encode("latin-1")
        except UnicodeEncodeError:
            text = value
        else:
            text = _decode_bytes(data)
    elif isinstance(value, bytes):
        text = _decode_bytes(value)
    else:
        return ""
    return text if keep_nul else text.strip("\0 \t\r\n")


def _decode_bytes(data: bytes) -> str:
    """Bytes of unknown encoding as text: UTF-8 when valid, else Latin-1.

    Modern writers use UTF-8; Latin-1 maps every byte to a character, so nothing
    is lost when a field is neither, and the text can be encoded back to the bytes.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _set_camera(result: MetadataResult, make: str, model: str) -> None:
    if make and not result.camera_make:
        result.camera_make = _fit(result, "camera make", make, CAMERA_MAX_CHARS)
    if model and not result.camera_model:
        result.camera_model = _fit(result, "camera model", model, CAMERA_MAX_CHARS)


_EXIF_DATETIME = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


def _exif_captured_at(sub: dict[int, Any], result: MetadataResult) -> datetime | None:
    """DateTimeOriginal with OffsetTimeOriginal, or None.

    Without OffsetTimeOriginal the time zone is unknown: guessing UTC, the server's
    zone or Kyiv could be hours wrong, so the local time stays in raw only, with a
    warning. OffsetTime (0x9010) is not used in its place: it belongs to DateTime,
    the time the file was last changed, possibly elsewhere. DateTimeDigitized is not
    used either: for a scan it is the scanning time.
    """
    original = _exif_text(sub.get(0x9003))
    if not original or original.strip(" :0") == "":
        return None
    match = _EXIF_DATETIME.fullmatch(original)
    if match is None:
        result.warnings.append(f"The capture time {original!r} is not an EXIF date and time; it was not used.")
        return None
    offset_text = _exif_text(sub.get(0x9011))
    if not offset_text or offset_text.strip(" :") == "":
        result.warnings.append(
            f"The capture time {original} has no time zone (no OffsetTimeOriginal), so it was not used as "
            "the capture time; the local time is kept in the raw metadata."
        )
        return None
    offset = _parse_offset(offset_text)
    if offset is None:
        result.warnings.append(f"The capture time zone {offset_text!r} is not a valid UTC offset; it was not used.")
        return None
    microsecond = 0
    subsec = _exif_text(sub.get(0x9291))
    if subsec.isdigit():
        microsecond = int(subsec[:6].ljust(6, "0"))
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=timezone(offset))
    except ValueError:
        result.warnings.append(f"The capture time {original} is not a real date and time; it was not used.")
        return None


def _parse_offset(text: str) -> timedelta | None:
    match = _EXIF_OFFSET.fullmatch(text.strip())
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    if int(minutes) >= 60:
        return None
    offset = timedelta(hours=int(hours), minutes=int(minutes)) * (-1 if sign == "-" else 1)
    return offset if abs(offset) <= _MAX_UTC_OFFSET else None


def _exif_gps(gps: dict[int, Any], result: MetadataResult) -> None:
    """GPS point from the GPS IFD; each coordinate takes its sign from its reference tag."""
    if _exif_text(gps.get(0x09)).upper() == "V":
        result.warnings.append(
            "The GPS receiver marked its fix as void (GPSStatus V): the position may be stale or wrong."
        )
    latitude = _exif_coordinate(gps, value_tag=0x02, ref_tag=0x01, name="latitude", refs="NS", limit=90, result=result)
    longitude = _exif_coordinate(
        gps, value_tag=0x04, ref_tag=0x03, name="longitude", refs="EW", limit=180, result=result
    )
    _set_point(result, latitude, longitude)
    if result.latitude is not None and 0x06 in gps:
        result.altitude_m = _exif_altitude(gps.get(0x06), gps.get(0x05), result)


def _exif_coordinate(
    gps: dict[int, Any], *, value_tag: int, ref_tag: int, name: str, refs: str, limit: int, result: MetadataResult
) -> Decimal | None:
    if value_tag not in gps:
        return None
    value = gps[value_tag]
    parts = list(value) if isinstance(value, tuple | list) else [value]
    fractions = [_fraction(part) for part in parts[:3]]
    if not fractions or any(part is None or part < 0 for part in fractions):
        result.warnings.append(f"The GPS {name} {_exif_plain(value)!r} is not a valid value; it was not used.")
        return None
    degrees = sum(
        (part / 60**index for index, part in enumerate(fractions) if part is not None),
        start=Fraction(0),
    )
    ref = _exif_text(gps.get(ref_tag)).upper()[:1]
    if ref not in refs or not ref:
        # Without N/S or E/W the point may be in the wrong hemisphere.
        result.warnings.append(
            f"The GPS {name} has no valid {'/'.join(refs)} reference ({ref or 'none'}); it was not used."
        )
        return None
    if degrees > limit:
        result.warnings.append(f"The GPS {name} {float(degrees)} is out of range (at most {limit}); it was not used.")
        return None
    signed = -degrees if ref == refs[1] else degrees
    return _decimal(signed, _MICRODEGREE)


def _exif_altitude(value: Any, ref: Any, result: MetadataResult) -> Decimal | None:
    altitude = _fraction(value)
    if altitude is None or altitude < 0:
        result.warnings.append(f"The GPS altitude {_exif_plain(value)!r} is not a valid value; it was not used.")
        return None
    if isinstance(ref, bytes):
        ref = ref[0] if ref else 0
    # EXIF: 0 (also the default when the tag is absent) is above sea level, 1 below.
    if ref is None:
        ref = 0
    if ref not in {0, 1}:
        result.warnings.append(f"The GPS altitude reference {ref!r} is not 0 or 1; the altitude was not used.")
        return None
    return _check_altitude(_decimal(-altitude if ref == 1 else altitude, _CENTIMETRE), result)


def _check_altitude(altitude: Decimal, result: MetadataResult) -> Decimal | None:
    low, high = _ALTITUDE_RANGE
    if not low <= altitude <= high:
        result.warnings.append(f"The altitude {altitude} m is out of range ({low} to {high} m); it was not used.")
        return None
    return altitude


def _set_point(result: MetadataResult, latitude: Decimal | None, longitude: Decimal | None) -> None:
    """Store both coordinates or neither: half a point is not a place (the model's constraint says so too)."""
    if latitude is None or longitude is None:
        if (latitude is None) != (longitude is None):
            result.warnings.append("Only one GPS coordinate is usable, so the GPS point was not used.")
        return
    if latitude == 0 and longitude == 0:
        result.warnings.append("The GPS point is 0,0, which devices write when they have no fix; it was not used.")
        return
    result.latitude, result.longitude = latitude, longitude


def _fraction(value: Any) -> Fraction | None:
    """An EXIF rational (or a number) as an exact fraction; None when it is not a finite number."""
    if isinstance(value, TiffImagePlugin.IFDRational):
        numerator, denominator = value.numerator, value.denominator
        if not isinstance(numerator, int) or not isinstance(denominator, int) or denominator == 0:
            return None
        return Fraction(numerator, denominator)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float) and math.isfinite(value):
        return Fraction(str(value))
    return None


def _decimal(value: Fraction, quantum: Decimal) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(quantum, rounding=ROUND_HALF_EVEN)


# IPTC datasets that hold binary numbers or images, not text.
_IPTC_NUMBERS = {(1, 0), (1, 20), (1, 22), (1, 120), (1, 122), (2, 0)}
_IPTC_BINARY = {(2, 125), (2, 200), (2, 201), (2, 202)}
_IPTC_UTF8 = b"\x1b%G"  # ISO 2022 escape for UTF-8, declared in 1:90


def _read_iptc(image: ImageFile.ImageFile, result: MetadataResult, sections: dict[str, Any]) -> None:
    """IPTC-IIM datasets, keyed "record:dataset" (2:120 caption, 2:110 credit, 2:80 by-line...)."""
    info = IptcImagePlugin.getiptcinfo(image)
    if not info:
        return
    charset = info.get((1, 90))
    utf8 = _IPTC_UTF8 in (charset if isinstance(charset, bytes) else b"")
    section: dict[str, Any] = {}
    for (record, number), value in sorted(info.items()):
        values = value if isinstance(value, list) else [value]
        decoded: list[Any] = []
        for item in values:
            if (record, number) in _IPTC_NUMBERS and len(item) <= 4:
                decoded.append(int.from_bytes(item, "big"))
            elif (record, number) in _IPTC_BINARY:
                decoded.append(f"[{len(item)} bytes of binary data, not decoded]")
            elif utf8:
                # Declared UTF-8: a bad byte is damage, shown as U+FFFD rather than re-guessed.
                decoded.append(item.decode("utf-8", errors="replace").rstrip("\0"))
            else:
                decoded.append(_decode_bytes(item).rstrip("\0"))
        section[f"{record}:{number}"] = decoded[0] if len(decoded) == 1 else decoded
    sections["iptc"] = section

    def text(key: str) -> str:
        value = section.get(key)
        items = value if isinstance(value, list) else [value]
        return "; ".join(item for item in items if isinstance(item, str) and item)

    # IPTC is the photo agencies' own record, so it wins over the EXIF equivalents.
    result.caption = text("2:120") or result.caption
    result.credit = _fit(result, "credit", text("2:110"), CREDIT_MAX_CHARS) or result.credit
    result.byline = text("2:80") or result.byline
    result.copyright = text("2:116") or result.copyright


def _read_xmp(image: Image.Image, sections: dict[str, Any]) -> None:
    """The XMP packet as text. It is not parsed: XML from a hostile file needs a hardened parser."""
    packet = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    if isinstance(packet, bytes):
        packet = _decode_bytes(packet)
    if isinstance(packet, str) and packet.strip("\0 \t\r\n"):
        # Writers pad packets with whitespace for in-place edits.
        sections["xmp"] = packet.rstrip("\0 \t\r\n")


# --- video and audio -------------------------------------------------------------------------------------------------


def _describe_media(path: Path, result: MetadataResult, sections: dict[str, Any]) -> None:
    executable = shutil.which("ffprobe")
    if executable is None:
        result.skipped.append(SkippedExtraction(tool="ffprobe", reason="ffprobe is not installed"))
        return
    result.tools["ffprobe"] = _ffprobe_version(executable)
    command = [
        executable,
        "-v",
        "error",
        # A "video" can be a playlist that points ffprobe at URLs: local files only.
        "-protocol_whitelist",
        "file",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        # The file: prefix stops a name such as "-i" or "http:x" being read as an option or a URL.
        f"file:{path.absolute()}",
    ]
    try:
        completed = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            command, capture_output=True, timeout=FFPROBE_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        result.warnings.append(
            f"ffprobe did not finish within {FFPROBE_TIMEOUT_SECONDS} s; no media metadata was read."
        )
        return
    except OSError as exc:
        result.skipped.append(SkippedExtraction(tool="ffprobe", reason=f"ffprobe could not be run: {exc}"))
        return
    if completed.returncode != 0:
        detail = _decode_bytes(completed.stderr).strip().splitlines()
        result.warnings.append(
            f"ffprobe could not read the file ({detail[-1] if detail else f'exit status {completed.returncode}'}); "
            "no media metadata was read."
        )
        return
    # ffprobe can succeed and still report damage (a cut-off stream, a bad atom).
    result.warnings.extend(f"ffprobe: {line}" for line in _decode_bytes(completed.stderr).splitlines()[:5] if line)
    _guarded(result, "ffprobe output", lambda: _read_ffprobe(completed.stdout, result, sections))


def _ffprobe_version(executable: str) -> str:
    try:
        completed = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [executable, "-version"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    match = re.match(rb"ffprobe version (\S+)", completed.stdout)
    return match.group(1).decode("ascii", errors="replace") if match else "unknown"


def _read_ffprobe(stdout: bytes, result: MetadataResult, sections: dict[str, Any]) -> None:
    data = json.loads(stdout.decode("utf-8", errors="replace"))
    if not isinstance(data, dict):
        raise TypeError("ffprobe printed no JSON object")
    fmt: dict[str, Any] = data["format"] if isinstance(data.get("format"), dict) else {}
    fmt.pop("filename", None)  # our storage path, not the evidence's
    streams: list[Any] = data["streams"] if isinstance(data.get("streams"), list) else []
    sections["ffprobe"] = {"format": fmt, "streams": streams}

    format_tags = fmt.get("tags")
    tags = {
        str(key).lower(): value
        for key, value in (format_tags.items() if isinstance(format_tags, dict) else [])
        if isinstance(value, str)
    }
    duration = _decimal_or_none(fmt.get("duration"))
    if duration is not None and duration >= 0:
        result.duration_seconds = duration.quantize(_MICROSECOND)
    _set_camera(
        result,
        (tags.get("com.apple.quicktime.make") or tags.get("com.android.manufacturer") or "").strip(),
        (tags.get("com.apple.quicktime.model") or tags.get("com.android.model") or "").strip(),
    )
    result.byline = tags.get("artist", "").strip()
    result.copyright = tags.get("copyright", "").strip()
    result.captured_at = _media_captured_at(tags, result)
    location = tags.get("com.apple.quicktime.location.iso6709") or tags.get("location")
    if location:
        _iso6709(location, result)


_EPOCH_PLACEHOLDERS = {
    datetime(1904, 1, 1, tzinfo=UTC),  # QuickTime's zero
    datetime(1970, 1, 1, tzinfo=UTC),  # Unix's zero
}


def _media_captured_at(tags: dict[str, str], result: MetadataResult) -> datetime | None:
    """Apple's creationdate (local time with its offset), else the container's creation_time.

    QuickTime and MP4 define creation_time as UTC, and ffprobe prints it so; some
    cameras write local time there, and re-encoding tools write the time they ran,
    so the page says where the time came from.
    """
    for key, note in (
        ("com.apple.quicktime.creationdate", None),
        (
            "creation_time",
            (
                "The capture time is the container's creation_time: UTC by the format's definition, "
                "but some cameras write local time there and editing tools the time they saved the file."
            ),
        ),
    ):
        text = tags.get(key, "").strip()
        if not text:
            continue
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            result.warnings.append(f"The {key} {text!r} is not a date and time; it was not used.")
            continue
        if moment.tzinfo is None or moment.utcoffset() is None:
            result.warnings.append(f"The {key} {text} has no time zone, so it was not used as the capture time.")
            continue
        if moment in _EPOCH_PLACEHOLDERS:
            result.warnings.append(f"The {key} {text} is a zero placeholder, not a real time; it was not used.")
            continue
        if note:
            result.warnings.append(note)
        return moment
    return None


# ISO 6709 as QuickTime and Android write it: "+50.5218+030.2506+095.500/"; degrees
# may also be written as DDMM.mmm or DDMMSS.ss, and a CRS may follow the altitude.
_ISO6709 = re.compile(
    r"(?P<lat>[+-]\d{2}(?:\d{2}(?:\d{2})?)?(?:\.\d+)?)"
    r"(?P<lon>[+-]\d{3}(?:\d{2}(?:\d{2})?)?(?:\.\d+)?)"
    r"(?P<alt>[+-]\d+(?:\.\d+)?)?"
    r"(?:CRS[A-Za-z0-9:_-]+)?/?"
)


def _iso6709(text: str, result: MetadataResult) -> None:
    match = _ISO6709.fullmatch(text.strip())
    if match is None:
        result.warnings.append(f"The location {text!r} is not an ISO 6709 point; it was not used.")
        return
    latitude = _iso6709_degrees(match["lat"], 2)
    longitude = _iso6709_degrees(match["lon"], 3)
    usable: list[Decimal | None] = []
    for name, value, limit in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if abs(value) > limit:
            result.warnings.append(f"The {name} {value} is out of range (at most {limit}); it was not used.")
            usable.append(None)
        else:
            usable.append(value.quantize(_MICRODEGREE, rounding=ROUND_HALF_EVEN))
    _set_point(result, usable[0], usable[1])
    if result.latitude is not None and match["alt"]:
        altitude = Decimal(match["alt"]).quantize(_CENTIMETRE, rounding=ROUND_HALF_EVEN)
        result.altitude_m = _check_altitude(altitude, result)


def _iso6709_degrees(text: str, degree_digits: int) -> Decimal:
    sign = -1 if text[0] == "-" else 1
    whole, _, decimals = text[1:].partition(".")
    fraction = Decimal(f"0.{decimals}") if decimals else Decimal(0)
    degrees = Decimal(whole[:degree_digits])
    rest = whole[degree_digits:]
    if not rest:
        value = degrees + fraction
    elif len(rest) == 2:
        value = degrees + (Decimal(rest) + fraction) / 60
    else:
        value = degrees + Decimal(rest[:2]) / 60 + (Decimal(rest[2:]) + fraction) / 3600
    return sign * value


def _decimal_or_none(value: Any) -> Decimal | None:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# --- PDF -------------------------------------------------------------------------------------------------------------


def _describe_pdf(path: Path, result: MetadataResult, sections: dict[str, Any]) -> None:
    result.tools["pypdf"] = pypdf.__version__
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with path.open("rb") as stream:
            _read_pdf(stream, result, sections)
    result.warnings.extend(f"pypdf: {warning.message}" for warning in caught)


def _read_pdf(stream: BinaryIO, result: MetadataResult, sections: dict[str, Any]) -> None:
    try:
        # A stream, not the path: given a path, pypdf reads the whole file into memory.
        reader = pypdf.PdfReader(stream, strict=False)
    except Exception as exc:  # noqa: BLE001 - a parser failing on hostile input is a finding, not a crash
        result.warnings.append(f"The PDF could not be read ({_error_text(exc)}); no metadata was read.")
        return
    section: dict[str, Any] = {"header": reader.pdf_header, "encrypted": reader.is_encrypted}
    sections["pdf"] = section
    if reader.is_encrypted and not _pdf_decrypt(reader, result):
        return
    _guarded(result, "PDF page count", lambda: _pdf_pages(reader, result, section))
    _guarded(result, "PDF document information", lambda: _pdf_info(reader, result, section))
    _guarded(result, "PDF XMP metadata", lambda: _pdf_xmp(reader, section))


def _pdf_decrypt(reader: pypdf.PdfReader, result: MetadataResult) -> bool:
    try:
        # Many PDFs are "encrypted" with an empty user password only to set permissions.
        opened = reader.decrypt("") != pypdf.PasswordType.NOT_DECRYPTED
    except Exception as exc:  # noqa: BLE001 - unknown or damaged encryption dictionaries raise anything
        result.warnings.append(f"The PDF is encrypted and could not be opened ({_error_text(exc)}).")
        return False
    if not opened:
        result.warnings.append("The PDF is protected by a password; its metadata could not be read.")
    return opened


def _pdf_pages(reader: pypdf.PdfReader, result: MetadataResult, section: dict[str, Any]) -> None:
    result.page_count = len(reader.pages)
    section["page_count"] = result.page_count


def _pdf_info(reader: pypdf.PdfReader, result: MetadataResult, section: dict[str, Any]) -> None:
    metadata = reader.metadata
    if metadata is None:
        return
    info: dict[str, Any] = {}
    for key in list(metadata.keys()):
        value: Any = metadata.get(key)
        if hasattr(value, "get_object"):
            value = value.get_object()
        info[str(key).lstrip("/")] = _decode_bytes(bytes(value)) if isinstance(value, bytes) else str(value)
    section["info"] = info
    result.byline = info.get("Author", "").strip()
    created = info.get("CreationDate", "").strip()
    if created:
        result.captured_at = _pdf_date(created, result)


_PDF_DATE = re.compile(
    r"(?:D:)?(?P<year>\d{4})(?P<month>\d{2})?(?P<day>\d{2})?(?P<hour>\d{2})?(?P<minute>\d{2})?(?P<second>\d{2})?"
    r"(?:(?P<utc>Z)(?:00'?00'?)?|(?P<sign>[+-])(?P<tzh>\d{2})(?:'?(?P<tzm>\d{2}))?'?)?"
)


def _pdf_date(text: str, result: MetadataResult) -> datetime | None:
    """A PDF date ("D:20220306101500+02'00'") as an aware datetime.

    The PDF specification says a date without an offset stands in an unknown
    relation to UTC, and a date without a time of day is not a moment; both give
    None with a warning.
    """
    match = _PDF_DATE.fullmatch(text)
    if match is None:
        result.warnings.append(f"The PDF creation date {text!r} is not a PDF date; it was not used.")
        return None
    if match["minute"] is None:
        result.warnings.append(f"The PDF creation date {text} has no time of day; it was not used.")
        return None
    if match["utc"]:
        offset = timedelta(0)
    elif match["sign"]:
        offset = timedelta(hours=int(match["tzh"]), minutes=int(match["tzm"] or 0))
        offset = -offset if match["sign"] == "-" else offset
    else:
        result.warnings.append(
            f"The PDF creation date {text} has no time zone, so it was not used as the capture time."
        )
        return None
    try:
        return datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
            tzinfo=timezone(offset),
        )
    except ValueError:
        result.warnings.append(f"The PDF creation date {text} is not a real date and time; it was not used.")
        return None


def _pdf_xmp(reader: pypdf.PdfReader, section: dict[str, Any]) -> None:
    # The stream's bytes, not reader.xmp_metadata, which parses the XML.
    root: Any = reader.trailer["/Root"].get_object()
    stream = root.get("/Metadata")
    if stream is None:
        return
    data = stream.get_object().get_data()
    if isinstance(data, bytes) and data.strip():
        section["xmp"] = _decode_bytes(data).rstrip("\0 \t\r\n")


# --- shared ----------------------------------------------------------------------------------------------------------


def _guarded(result: MetadataResult, what: str, read: Callable[[], None]) -> None:
    """Run one reader; its failure on a hostile file becomes a warning and the other readers still run."""
    try:
        read()
    except Exception as exc:  # noqa: BLE001 - a parser failing on hostile input is a finding, not a crash
        result.warnings.append(f"The {what} could not be read ({_error_text(exc)}).")


def _error_text(exc: BaseException) -> str:
    message = str(exc).strip()
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _fit(result: MetadataResult, name: str, text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    result.warnings.append(f"The {name} is {len(text)} characters long; the first {limit} were kept.")
    return text[:limit]


def _tidy_warnings(messages: list[str], path: Path) -> list[str]:
    """Unique, clean, at most _MAX_WARNINGS, and without our storage path (Pillow puts it in messages)."""
    tidy: list[str] = []
    for message in messages:
        text = _clean_text(message.replace(str(path.absolute()), "the file").replace(str(path), "the file"))
        text = _truncate(text, 1000)
        if text not in tidy:
            tidy.append(text)
    if len(tidy) > _MAX_WARNINGS:
        left_out = len(tidy) - _MAX_WARNINGS + 1
        tidy = [*tidy[: _MAX_WARNINGS - 1], f"{left_out} more warnings were left out."]
    return tidy


_UNSTORABLE = re.compile("[\0\ud800-\udfff]")


def _clean_text(text: str) -> str:
    # PostgreSQL text and jsonb hold neither NUL nor lone surrogates.
    return _UNSTORABLE.sub("\ufffd", text)


def _truncate(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    kept = encoded[:max_bytes].decode("utf-8", errors="ignore")
    return f"{kept}[... truncated by Custos: {len(encoded)} bytes in the file]"


class _Budget:
    """What is left of MAX_RAW_BYTES while the raw sections are made JSON-safe."""

    def __init__(self, size: int) -> None:
        self.remaining = size
        self.exhausted = False

    def take(self, size: int) -> bool:
        if self.exhausted or size > self.remaining:
            self.exhausted = True
            return False
        self.remaining -= size
        return True


_LEFT_OUT = "[left out: raw metadata over the size limit]"
_MAX_DEPTH = 32


def _cap_raw(sections: dict[str, Any], result: MetadataResult) -> dict[str, Any]:
    """Make the sections JSON-safe, cut long values and cap the total size; say so when the total was capped."""
    budget = _Budget(MAX_RAW_BYTES)
    raw: dict[str, Any] = _json_safe(sections, budget, 0)
    if budget.exhausted:
        result.warnings.append(
            f"The metadata is larger than {MAX_RAW_BYTES // 1024} KiB; only the first part is kept "
            "(the file itself holds the rest)."
        )
    return raw


def _clean_fields(result: MetadataResult) -> None:
    """The normalised text fields go into text columns: same rules as raw values."""
    result.caption = _clean_text(_truncate(result.caption, MAX_VALUE_BYTES))
    result.credit = _clean_text(result.credit)
    result.byline = _clean_text(_truncate(result.byline, MAX_VALUE_BYTES))
    result.copyright = _clean_text(_truncate(result.copyright, MAX_VALUE_BYTES))
    result.camera_make = _clean_text(result.camera_make)
    result.camera_model = _clean_text(result.camera_model)


def _json_safe(value: Any, budget: _Budget, depth: int) -> Any:
    if not isinstance(value, dict | list | tuple):
        return _json_scalar(value, budget)
    if depth >= _MAX_DEPTH:
        return _LEFT_OUT
    if isinstance(value, dict):
        mapping: dict[str, Any] = {}
        for key, item in value.items():
            name = _clean_text(_truncate(str(key), 256))
            if not budget.take(len(name.encode("utf-8")) + 4):
                mapping["..."] = _LEFT_OUT
                break
            mapping[name] = _json_safe(item, budget, depth + 1)
        return mapping
    items: list[Any] = []
    for item in value:
        if budget.exhausted:
            items.append(_LEFT_OUT)
            break
        items.append(_json_safe(item, budget, depth + 1))
    return items


def _json_scalar(value: Any, budget: _Budget) -> Any:
    if isinstance(value, bytes):
        value = _decode_bytes(value)
    elif isinstance(value, float) and not math.isfinite(value):
        value = None  # NaN and infinities are not JSON
    elif value is not None and not isinstance(value, str | int | float):
        value = str(value)
    if isinstance(value, str):
        text = _clean_text(_truncate(value, MAX_VALUE_BYTES))
        return text if budget.take(len(text.encode("utf-8")) + 2) else _LEFT_OUT
    return value if budget.take(len(json.dumps(value))) else None
