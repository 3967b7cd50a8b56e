"""Placeholder photo for the demo seed, carrying a real photo's IPTC caption/credit.

We may not ship the Getty Images photo the demo case is built around, so the seed
generates a clearly-labelled stand-in JPEG instead. It carries the real photo's
caption, credit and location in IPTC-IIM (and EXIF), so the metadata-extraction
pipeline treats it exactly like an uploaded photo. Pillow reads IPTC but cannot
write it, hence the small IIM / Photoshop APP13 writer below.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageDraw, ImageFilter, ImageFont

_APP0, _APP1, _APP13 = 0xE0, 0xE1, 0xED
_UTF8 = b"\x1b%G"  # ISO 2022 escape for UTF-8, announced in IPTC 1:90


@dataclass(frozen=True)
class PhotoMetadata:
    """Descriptive metadata of the photo the placeholder stands in for."""

    caption: str  # IPTC 2:120 Caption-Abstract; also EXIF ImageDescription
    credit: str  # IPTC 2:110 Credit
    byline: str  # IPTC 2:80 By-line; also EXIF Artist
    copyright_notice: str  # IPTC 2:116; also EXIF Copyright
    city: str  # IPTC 2:90
    province_state: str  # IPTC 2:95
    country: str  # IPTC 2:101 Country name
    country_code: str  # IPTC 2:100, ISO 3166 alpha-3, e.g. "UKR"
    headline: str = ""  # IPTC 2:105
    source: str = ""  # IPTC 2:115
    date_created: str = ""  # IPTC 2:55, "YYYYMMDD"
    special_instructions: str = ""  # IPTC 2:40


# (dataset number, attribute, max octets per IIM 4.2), in ascending dataset order
# as the spec recommends. Readers may reject or cut longer values, so we refuse them.
_FIELDS = (
    (40, "special_instructions", 256),
    (55, "date_created", 8),
    (80, "byline", 32),
    (90, "city", 32),
    (95, "province_state", 32),
    (100, "country_code", 3),
    (101, "country", 64),
    (105, "headline", 256),
    (110, "credit", 32),
    (115, "source", 32),
    (116, "copyright_notice", 128),
    (120, "caption", 2000),
)


def _dataset(record: int, number: int, value: bytes) -> bytes:
    # Standard form: tag marker, record, dataset, 2-byte length (all values < 32 KiB).
    return struct.pack(">BBBH", 0x1C, record, number, len(value)) + value


def iptc_iim_block(metadata: PhotoMetadata) -> bytes:
    """Encode the metadata as raw IIM datasets; UTF-8 is declared in 1:90 first."""
    if metadata.date_created and not re.fullmatch(r"\d{8}", metadata.date_created):
        raise ValueError("date_created must be YYYYMMDD")
    parts = [_dataset(1, 90, _UTF8), _dataset(2, 0, b"\x00\x04")]  # IIM version 4
    for number, name, max_octets in _FIELDS:
        value = getattr(metadata, name).encode("utf-8")
        if len(value) > max_octets:
            # Limits are octets, not characters: Cyrillic takes 2 bytes each.
            msg = f"{name} is {len(value)} bytes; IPTC 2:{number} allows {max_octets}"
            raise ValueError(msg)
        if value:
            parts.append(_dataset(2, number, value))
    return b"".join(parts)


def photoshop_app13_segment(iim: bytes) -> bytes:
    """Wrap IIM in a Photoshop 3.0 APP13 segment, where JPEG readers look for IPTC."""
    # 8BIM resource 0x0404 (IPTC-NAA): empty Pascal name padded to even length
    # (2 bytes), 4-byte size, then data padded to an even length.
    resource = b"8BIM" + struct.pack(">HHI", 0x0404, 0, len(iim)) + iim
    payload = b"Photoshop 3.0\x00" + resource + b"\x00" * (len(iim) % 2)
    if len(payload) + 2 > 0xFFFF:
        raise ValueError("IPTC block too large for one APP13 segment")
    return struct.pack(">BBH", 0xFF, _APP13, len(payload) + 2) + payload


def insert_app13(jpeg: bytes, segment: bytes) -> bytes:
    """Insert the segment after SOI and any APP0 (JFIF) / APP1 (EXIF) segments.

    Those two must stay first for readers that expect them at a fixed position.
    """
    if jpeg[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG: missing SOI marker")
    pos = 2
    while True:
        if pos + 4 > len(jpeg) or jpeg[pos] != 0xFF:
            raise ValueError(f"not a JPEG: no marker at offset {pos}")
        if jpeg[pos + 1] not in (_APP0, _APP1):
            return jpeg[:pos] + segment + jpeg[pos:]
        (length,) = struct.unpack(">H", jpeg[pos + 2 : pos + 4])
        if length < 2 or pos + 2 + length > len(jpeg):
            raise ValueError(f"not a JPEG: bad segment length at offset {pos}")
        pos += 2 + length


# EXIF ImageDescription, Artist, Copyright: many tools show EXIF before IPTC.
_EXIF_TAGS = ((0x010E, "caption"), (0x013B, "byline"), (0x8298, "copyright_notice"))


def _exif(metadata: PhotoMetadata) -> Image.Exif:
    exif = Image.Exif()
    for tag, name in _EXIF_TAGS:
        if value := getattr(metadata, name):
            # EXIF ASCII fields hold UTF-8 in practice (MWG guidance, exiftool);
            # passing bytes stops Pillow from replacing non-ASCII with "?".
            exif[tag] = value.encode("utf-8")
    return exif


def make_placeholder_photo(*, metadata: PhotoMetadata, width: int = 1200, height: int = 800, label: str) -> bytes:
    """Draw a labelled placeholder JPEG with the metadata in EXIF and IPTC.

    No randomness and no timestamps, so the same inputs give the same bytes
    (stable hashes for the seeded evidence and its chain of custody).
    """
    image = Image.new("RGB", (width, height), (22, 24, 30))
    # Soft orange glows at fixed positions, evoking distant fires, not depicting them;
    # blurring the whole (otherwise uniform) canvas softens only the shapes.
    draw = ImageDraw.Draw(image)
    for cx, cy, r, colour in (
        (0.2, 0.72, 0.12, (214, 98, 28)),
        (0.5, 0.80, 0.08, (240, 150, 50)),
        (0.78, 0.70, 0.14, (196, 80, 22)),
    ):
        x, y, rad = cx * width, cy * height, r * min(width, height)
        draw.ellipse((x - rad, y - rad * 0.6, x + rad, y + rad * 0.6), fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(min(width, height) / 30))

    # The bundled default font (Aileron) has no em/en dash; avoid tofu boxes.
    text = label.replace("\u2014", "-").replace("\u2013", "-")
    # Largest size up to width/20 that fits 90% of the width (length ~ size).
    probe = ImageFont.load_default(size=100).getlength(text) or 1.0
    size = max(10, min(width // 20, int(90 * width / probe)))
    font = ImageFont.load_default(size=size)
    ImageDraw.Draw(image).text((width / 2, height * 0.35), text, font=font, fill=(240, 240, 235), anchor="mm")

    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=_exif(metadata))
    segment = photoshop_app13_segment(iptc_iim_block(metadata))
    return insert_app13(buffer.getvalue(), segment)
