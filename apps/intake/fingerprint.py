"""Perceptual fingerprints of images and video frames, for near-duplicate hints.

The algorithm is pHash (64-bit DCT hash, ImageHash). Meta's PDQ (256-bit, with
a quality score) would be the stronger choice, but its Python binding
`pdqhash` ships no wheels: every machine that installs Custos, including the
embedded single-laptop setup, would need a C++ compiler. pHash needs only
numpy and scipy, which ship wheels everywhere.

A near-duplicate is a hint for a reviewer ("possible duplicate of"), never an
automatic merge, so the threshold leans towards finding re-encoded, resized
and recompressed copies of the same picture.

This module also holds the safe loaders that `apps.intake.derive` shares:
`open_image` (rotation applied, decompression bombs refused, only common
formats parsed) and `extract_video_frame` (ffmpeg, no shell, time limit,
local files only).
"""

from __future__ import annotations

import io
import re
import shutil
import string
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import imagehash
from PIL import Image, ImageCms, ImageOps

# At most this many of the 64 bits may differ for two pictures to count as
# near-duplicates. Measured on generated test pictures: a copy halved in size
# and re-encoded as JPEG quality 70 differs in 0-2 bits, a copy with 2.5 % cut
# from each edge in 2-8, while 780 pairs of unrelated pictures differed in 20
# to 44 bits (mean 31.5: about half, as expected of unrelated hashes). 10 bits
# (about 16 %) keeps light crops and re-encodes with a margin and stays well
# below unrelated pairs; a false hint costs a reviewer a glance, a missed one
# can hide a re-upload. (PDQ's published threshold, 31 of 256 bits, is a
# similar share: about 12 %.) Re-check on real material before tightening.
PHASH_MATCH_DISTANCE = 10

ALGORITHM = "phash"

# Where the frame of a video is taken: past the first second, which is often
# black or a fade-in. Clips shorter than that fall back to their first frame.
VIDEO_FRAME_AT_SECONDS = 1.0
FFMPEG_TIMEOUT_SECONDS = 60

# Pillow is only ever asked to parse these formats, whatever the file claims
# to be: this keeps rarely used parsers out of reach of hostile files (and
# EPS out entirely, whose plugin would start Ghostscript).
# AVIF and WebP depend on how Pillow was built, hence the check against Image.OPEN.
Image.init()
_PILLOW_FORMATS = tuple(
    name for name in ("JPEG", "MPO", "PNG", "GIF", "WEBP", "TIFF", "BMP", "AVIF") if name in Image.OPEN
)
_IMAGE_MIME_TYPES = frozenset(Image.MIME[name] for name in _PILLOW_FORMATS)
# ffmpeg reads only local files and only these container formats: a playlist
# (HLS, concat) named like a video could otherwise make it fetch URLs or read
# other files on the server into the frame.
_FFMPEG_FORMATS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,flv,ogg,asf"

_HEX_DIGITS = frozenset(string.hexdigits)
_SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class MediaError(Exception):
    """The input could not be read as the picture or video it claims to be; args[0] is the reason."""


class FingerprintError(Exception):
    """The input could not be fingerprinted; `reason` says why, for the record."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Fingerprint:
    algorithm: str  # "phash"
    value: str  # 16 hex characters (64 bits)
    source: str  # "image" or "video frame at 1.0 s"


def base_mime_type(mime_type: str) -> str:
    """`"Image/JPEG; charset=x"` -> `"image/jpeg"`."""
    return mime_type.split(";", 1)[0].strip().lower()


def is_image_type(mime_type: str) -> bool:
    return base_mime_type(mime_type) in _IMAGE_MIME_TYPES


def is_video_type(mime_type: str) -> bool:
    return base_mime_type(mime_type).startswith("video/")


def open_image(path: Path) -> Image.Image:
    """Decode the first frame of an image, upright, detached from the file.

    EXIF orientation is applied, so a photograph stored sideways with a
    rotation tag looks (and hashes) like the upright one. Colours are
    converted to sRGB with the embedded ICC profile; transparent pixels are
    composited onto white. The result is RGB or L with empty `info`: no EXIF,
    GPS, XMP or profile is carried along. The file is only opened for reading.

    Raises MediaError for unreadable or corrupt files and for decompression
    bombs (more pixels than `Image.MAX_IMAGE_PIXELS`).
    """
    try:
        with Image.open(path, formats=_PILLOW_FORMATS) as image:
            _refuse_bomb(image.size)
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaError(f"decompression bomb: {exc}") from exc
    except MediaError:
        raise
    # Pillow's parsers raise many types on hostile input (OSError, SyntaxError,
    # ValueError, struct.error, IndexError...): all of them mean "unreadable".
    except Exception as exc:
        raise MediaError(f"unreadable image: {type(exc).__name__}: {exc}") from exc
    return _flatten(upright)


def _refuse_bomb(size: tuple[int, int]) -> None:
    # Pillow raises DecompressionBombError above twice its limit and only warns
    # between once and twice: without warnings-as-errors a 2x bomb would pass.
    width, height = size
    if Image.MAX_IMAGE_PIXELS is not None and width * height > Image.MAX_IMAGE_PIXELS:
        raise MediaError(
            f"decompression bomb: {width}x{height} = {width * height} pixels, limit {Image.MAX_IMAGE_PIXELS}"
        )


def _flatten(image: Image.Image) -> Image.Image:
    image = _to_srgb(image)
    if image.mode in {"LA", "La"}:
        grey = image.convert("LA")
        flat = Image.new("L", grey.size, 255)
        flat.paste(grey.getchannel("L"), mask=grey.getchannel("A"))
    elif image.mode in {"RGBA", "RGBa", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode in {"1", "L", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}:
        flat = image.convert("L")
    else:
        flat = image.convert("RGB")
    # Nothing of the file's metadata (EXIF, GPS, XMP, comments, colour profile) travels further.
    flat.info = {}
    return flat


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert colours to sRGB with the embedded ICC profile, which derivatives do not carry.

    Without this a Display P3 or Adobe RGB photograph, or a CMYK scan, would
    be shown with wrong colours once its profile is dropped. A broken profile
    is ignored: the pixels are used as stored.
    """
    icc_profile = image.info.get("icc_profile")
    if not icc_profile or image.mode not in {"RGB", "RGBA", "CMYK"}:
        return image
    try:
        converted = ImageCms.profileToProfile(
            image,
            ImageCms.ImageCmsProfile(io.BytesIO(icc_profile)),
            _SRGB_PROFILE,
            outputMode="RGB" if image.mode == "CMYK" else image.mode,
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return image if converted is None else converted


def extract_video_frame(path: Path) -> tuple[Image.Image, float] | None:
    """Decode one frame of a video with ffmpeg: at 1 s, or the first frame of a shorter clip.

    Returns the frame and the second it was taken at, or None when ffmpeg is
    not installed. Raises MediaError when ffmpeg cannot read the file, finds
    no video stream, or runs longer than FFMPEG_TIMEOUT_SECONDS.
    """
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    with tempfile.TemporaryDirectory(prefix="custos-frame-") as scratch:
        frame_path = Path(scratch) / "frame.png"
        for at_seconds in (VIDEO_FRAME_AT_SECONDS, 0.0):
            _run_ffmpeg(ffmpeg, path, frame_path, at_seconds)
            # ffmpeg succeeds without writing a frame when the clip ends before the seek point.
            if frame_path.exists() and frame_path.stat().st_size > 0:
                return open_image(frame_path), at_seconds
    raise MediaError("ffmpeg found no video frame")


def _run_ffmpeg(ffmpeg: str, source: Path, frame_path: Path, at_seconds: float) -> None:
    command = [
        ffmpeg,
        "-nostdin",
        "-v",
        "error",
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        _FFMPEG_FORMATS,
        "-ss",
        f"{at_seconds:g}",
        # The file: prefix keeps a name starting with "-" or holding ":" from being read as an option or a protocol.
        "-i",
        f"file:{source.resolve()}",
        "-map",
        "0:v:0",
        "-frames:v",
        "1",
        "-pix_fmt",
        "rgb24",
        "-f",
        "image2",
        "-y",
        f"file:{frame_path}",
    ]
    try:
        completed = subprocess.run(  # noqa: S603  fixed argument list, no shell; the file name is one argument
            command, capture_output=True, timeout=FFMPEG_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"ffmpeg took longer than {FFMPEG_TIMEOUT_SECONDS} s") from exc
    if completed.returncode != 0:
        # The reason goes into the record: the server's paths stay out of it.
        stderr = completed.stderr.decode("utf-8", "replace").replace(f"file:{source.resolve()}", "input")
        # "[mov,mp4 @ 0x55d0c0ffee00] moov atom not found": the address differs on every run.
        stderr = re.sub(r" @ 0x[0-9a-f]+\]", "]", stderr)
        message = " ".join(stderr.split())[:500] or f"exit status {completed.returncode}"
        raise MediaError(f"ffmpeg could not read the video: {message}")


def fingerprint_file(path: Path, mime_type: str) -> Fingerprint | None:
    """pHash of an image, or of one frame of a video.

    Returns None when the type has no fingerprint (documents, audio, image
    formats Pillow does not read such as HEIC or SVG) or when ffmpeg, needed
    for video, is not installed. Raises FingerprintError for unreadable or
    corrupt files and decompression bombs; its `reason` is meant for the record.
    """
    try:
        if is_image_type(mime_type):
            return Fingerprint(algorithm=ALGORITHM, value=phash(open_image(path)), source="image")
        if is_video_type(mime_type):
            extracted = extract_video_frame(path)
            if extracted is None:
                return None
            frame, at_seconds = extracted
            return Fingerprint(algorithm=ALGORITHM, value=phash(frame), source=f"video frame at {at_seconds:.1f} s")
    except MediaError as exc:
        raise FingerprintError(str(exc)) from exc
    return None


def phash(image: Image.Image) -> str:
    """The 64-bit pHash of a decoded picture, as 16 hex characters."""
    return str(imagehash.phash(image))


def hamming_distance(a_hex: str, b_hex: str) -> int:
    """Number of differing bits between two hashes of the same length, given in hex."""
    if len(a_hex) != len(b_hex):
        raise ValueError(f"hashes differ in length: {len(a_hex)} and {len(b_hex)} hex characters")
    # int(x, 16) would also take "0x", "_", "+" and spaces.
    if not set(a_hex + b_hex) <= _HEX_DIGITS:
        raise ValueError(f"not a hex hash: {a_hex!r}, {b_hex!r}")
    return (int(a_hex, 16) ^ int(b_hex, 16)).bit_count()


def is_near_duplicate(a: str, b: str) -> bool:
    """Whether two pHash values are close enough to suggest "possible duplicate of" to a reviewer."""
    return hamming_distance(a, b) <= PHASH_MATCH_DISTANCE
