"""Working copies of an evidence file: thumbnails, previews and video poster frames.

Derivatives are new JPEG files beside the original, never in its place: the
original is opened for reading only, and its bytes are what the custody
record's hash speaks for. Derivatives are shared more widely than originals
(lists, review screens, exports for partners), so they carry no metadata: no
EXIF, GPS, IPTC, XMP or colour profile (colours are converted to sRGB first).

For material flagged graphic every derivative is blurred here, on the server,
so that no unblurred pixel leaves it unless a user opens the original.

The same input gives byte-identical derivatives: Pillow's resampling, blur and
JPEG encoder are deterministic and nothing time- or host-dependent is written.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFilter

from apps.evidence.file_access import DERIVATIVE_CONTENT_TYPE
from apps.intake.fingerprint import MediaError, extract_video_frame, is_image_type, is_video_type, open_image

THUMBNAIL_SIZE = 320  # pixels on the longest side
PREVIEW_SIZE = 1600
JPEG_QUALITY = 85

# Blurring for graphic material: the picture is first reduced to this many
# pixels on its longest side, which throws away faces, wounds and text, then
# scaled back up and smoothed with a Gaussian blur of 1/20 of its width so that
# the blocks of the reduction do not show either.
BLUR_REDUCE_TO = 32
BLUR_RADIUS_FRACTION = 1 / 20


class DeriveError(Exception):
    """No derivatives could be made; `reason` says why, for the record."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DerivativeFile:
    kind: str  # "thumbnail" | "preview" | "poster"
    path: Path  # a new file in the output directory
    content_type: str  # "image/jpeg"
    width: int
    height: int
    blurred: bool


def make_derivatives(path: Path, mime_type: str, *, out_dir: Path, blur: bool) -> list[DerivativeFile]:
    """Write the derivatives of one file into `out_dir` and describe them.

    Images get a preview (1600 px on the longest side) and a thumbnail
    (320 px); videos get a poster frame (at 1 s, at most 1600 px) and its
    thumbnail. Nothing is ever enlarged. Other types, and videos when ffmpeg
    is not installed, get none: [].

    Side effects: creates new files in `out_dir` (made if missing), never
    overwriting one; on failure removes those it created. Raises DeriveError
    for unreadable or corrupt files and decompression bombs.
    """
    try:
        if is_image_type(mime_type):
            picture = open_image(path)
            kinds = ("preview", "thumbnail")
        elif is_video_type(mime_type):
            extracted = extract_video_frame(path)
            if extracted is None:
                return []
            picture, _at_seconds = extracted
            kinds = ("poster", "thumbnail")
        else:
            return []
    except MediaError as exc:
        raise DeriveError(str(exc)) from exc

    large_kind, small_kind = kinds
    large = _resized(picture, PREVIEW_SIZE)
    # The thumbnail's size comes from the original's proportions; its pixels come
    # from the (much smaller) preview, which is quicker and looks the same.
    small = large.resize(_fit(picture.size, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    if blur:
        large, small = _blurred(large), _blurred(small)

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[DerivativeFile] = []
    try:
        for kind, image in ((large_kind, large), (small_kind, small)):
            written.append(_write_jpeg(image, kind=kind, out_dir=out_dir, blurred=blur))
    except BaseException:
        for derivative in written:
            derivative.path.unlink(missing_ok=True)
        raise
    return written


def _fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """`size` scaled so its longest side is at most `longest`, keeping proportions; never larger."""
    width, height = size
    if max(width, height) <= longest:
        return width, height
    scale = longest / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _resized(image: Image.Image, longest: int) -> Image.Image:
    size = _fit(image.size, longest)
    if size == image.size:
        return image.copy()
    return image.resize(size, Image.Resampling.LANCZOS)


def _blurred(image: Image.Image) -> Image.Image:
    width, height = image.size
    tiny = image.resize(_fit(image.size, BLUR_REDUCE_TO), Image.Resampling.BOX)
    return tiny.resize((width, height), Image.Resampling.BICUBIC).filter(
        ImageFilter.GaussianBlur(radius=max(1.0, width * BLUR_RADIUS_FRACTION))
    )


def _write_jpeg(image: Image.Image, *, kind: str, out_dir: Path, blurred: bool) -> DerivativeFile:
    # mkstemp creates the file exclusively (O_EXCL): an existing file is never overwritten.
    descriptor, name = tempfile.mkstemp(prefix=f"{kind}-", suffix=".jpg", dir=out_dir)
    path = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            # Saved without exif=, icc_profile= or comment=, so none is written.
            image.save(stream, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return DerivativeFile(
        kind=kind,
        path=path,
        content_type=DERIVATIVE_CONTENT_TYPE,
        width=image.width,
        height=image.height,
        blurred=blurred,
    )
