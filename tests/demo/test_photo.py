from dataclasses import replace
from io import BytesIO

import pytest
from PIL import Image, IptcImagePlugin

from apps.demo.photo import (
    PhotoMetadata,
    insert_app13,
    iptc_iim_block,
    make_placeholder_photo,
    photoshop_app13_segment,
)

METADATA = PhotoMetadata(
    caption="Smoke rises over residential buildings in Irpin, Kyiv region, Ukraine.",
    credit="Getty Images",
    byline="Jane Photographer",
    copyright_notice="2022 Getty Images",
    city="Ірпінь",
    province_state="Київська область",
    country="Україна",
    country_code="UKR",
    headline="Shelling in Irpin",
    source="Getty Images Europe",
    date_created="20220306",
    special_instructions="Demo placeholder; not the original image.",
)
LABEL = "PLACEHOLDER \u2014 stands in for the Getty Images photo"


def _photo(metadata: PhotoMetadata = METADATA) -> bytes:
    return make_placeholder_photo(metadata=metadata, width=600, height=400, label=LABEL)


def _iptc(data: bytes) -> dict[tuple[int, int], object]:
    with Image.open(BytesIO(data)) as image:
        info = IptcImagePlugin.getiptcinfo(image)
    assert info is not None
    return dict(info)


def test_iptc_fields_round_trip_as_utf8_bytes() -> None:
    info = _iptc(_photo())
    expected = {
        (1, 90): b"\x1b%G",
        (2, 0): b"\x00\x04",
        (2, 40): METADATA.special_instructions,
        (2, 55): METADATA.date_created,
        (2, 80): METADATA.byline,
        (2, 90): "Ірпінь",
        (2, 95): METADATA.province_state,
        (2, 100): "UKR",
        (2, 101): "Україна",
        (2, 105): METADATA.headline,
        (2, 110): METADATA.credit,
        (2, 115): METADATA.source,
        (2, 116): METADATA.copyright_notice,
        (2, 120): METADATA.caption,
    }
    assert info == {key: value.encode("utf-8") if isinstance(value, str) else value for key, value in expected.items()}


def test_empty_optional_fields_are_omitted() -> None:
    bare = replace(METADATA, headline="", source="", date_created="")
    info = _iptc(_photo(bare))
    assert not {(2, 105), (2, 115), (2, 55)} & info.keys()
    assert info[(2, 120)] == METADATA.caption.encode("utf-8")


def test_exif_description_artist_copyright_read_back() -> None:
    with Image.open(BytesIO(_photo())) as image:
        exif = image.getexif()
    assert exif[0x010E] == METADATA.caption
    assert exif[0x013B] == METADATA.byline
    assert exif[0x8298] == METADATA.copyright_notice


def test_non_ascii_exif_is_stored_as_utf8() -> None:
    # Pillow decodes EXIF ASCII fields as Latin-1; the stored bytes are UTF-8.
    data = _photo(replace(METADATA, byline="Олена Фото"))
    with Image.open(BytesIO(data)) as image:
        artist = image.getexif()[0x013B]
    assert artist.encode("latin-1").decode("utf-8") == "Олена Фото"


def test_same_inputs_give_identical_bytes() -> None:
    assert _photo() == _photo()


def test_image_opens_and_verifies() -> None:
    data = _photo()
    with Image.open(BytesIO(data)) as image:
        image.verify()
    with Image.open(BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert image.size == (600, 400)
        image.load()


def test_app13_follows_app0_and_app1() -> None:
    data, pos, markers = _photo(), 2, []
    while data[pos + 1] != 0xDA:  # walk segment headers up to start of scan
        markers.append(data[pos + 1])
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    assert markers[:3] == [0xE0, 0xE1, 0xED]


def test_insert_app13_rejects_non_jpeg() -> None:
    segment = photoshop_app13_segment(iptc_iim_block(METADATA))
    with pytest.raises(ValueError, match="not a JPEG"):
        insert_app13(b"\x89PNG\r\n\x1a\n", segment)


def test_insert_app13_rejects_truncated_jpeg() -> None:
    with pytest.raises(ValueError, match="not a JPEG"):
        insert_app13(b"\xff\xd8\xff\xe0\x00\x10JF", b"")


def test_over_long_value_raises() -> None:
    with pytest.raises(ValueError, match="caption"):
        iptc_iim_block(replace(METADATA, caption="x" * 2001))


def test_length_limit_counts_utf8_bytes_not_characters() -> None:
    # 17 Cyrillic letters are 34 bytes, over the 32-byte City limit.
    with pytest.raises(ValueError, match="city"):
        iptc_iim_block(replace(METADATA, city="Ж" * 17))


def test_bad_date_raises() -> None:
    with pytest.raises(ValueError, match="YYYYMMDD"):
        iptc_iim_block(replace(METADATA, date_created="2022-03-06"))
