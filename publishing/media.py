"""Images attached to posts.

What each platform accepts, checked with Pillow before anything is scheduled (the real format, not
the file name), and signed links for platforms that fetch an image by URL (Threads, webhooks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.urls import reverse
from PIL import Image, UnidentifiedImageError

from core import egress
from publishing.models import Account, Platform, PublicationImage

# Pillow itself refuses (DecompressionBombError) past twice this, before allocating anything.
Image.MAX_IMAGE_PIXELS = 40_000_000

MAX_UPLOAD_BYTES = 16 * 1024 * 1024  # the largest any platform takes
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_FRAMES = 500  # an animated GIF with more frames than this is refused unread
FORMAT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
LINK_SALT = "publishing.image"
LINK_MAX_AGE = 7 * 24 * 3600


@dataclass(frozen=True)
class ImageRules:
    count: int
    size: int  # bytes per image
    types: frozenset[str]


ALL = frozenset(FORMAT_TYPES.values())
# From each platform's documentation: how many images a post may carry, how large, which types.
RULES: dict[str, ImageRules] = {
    Platform.MASTODON: ImageRules(4, 16 * 1024 * 1024, ALL),
    Platform.BLUESKY: ImageRules(
        4, 1_000_000, frozenset({"image/jpeg", "image/png", "image/webp"})
    ),
    Platform.X: ImageRules(4, 5 * 1024 * 1024, ALL),
    Platform.LINKEDIN: ImageRules(
        20, 8 * 1024 * 1024, frozenset({"image/jpeg", "image/png", "image/gif"})
    ),
    Platform.THREADS: ImageRules(20, 8 * 1024 * 1024, frozenset({"image/jpeg", "image/png"})),
    Platform.SANDBOX: ImageRules(4, MAX_UPLOAD_BYTES, ALL),
    Platform.WEBHOOK: ImageRules(20, MAX_UPLOAD_BYTES, ALL),
    Platform.MANUAL: ImageRules(20, MAX_UPLOAD_BYTES, ALL),
}


@dataclass(frozen=True)
class CheckedImage:
    upload: UploadedFile
    content_type: str
    width: int
    height: int

    @property
    def size(self) -> int:
        return self.upload.size or 0

    @property
    def name(self) -> str:
        return self.upload.name or "image"


def check_upload(upload: UploadedFile) -> CheckedImage:
    """The upload as an image we can publish, or ValueError saying why not.

    Every frame is measured before it is decoded (a 68-byte PNG may declare 30,000 × 30,000
    pixels) and then decoded, so a frame that does not decode is caught here, not by a platform."""
    name = upload.name or "The file"
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        raise ValueError(f"{name} is {megabytes(upload.size or 0)}; images may be 16 MB at most.")
    too_large = (
        f"{name} declares more than {MAX_PIXELS // 1_000_000} million pixels: too large to publish."
    )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            width, height = image.size
            kind = FORMAT_TYPES.get(image.format or "")
            _check_pixels(name, width, height)
            image.verify()  # a truncated or corrupt file fails here
        upload.seek(0)
        with Image.open(upload) as image:
            frames = int(getattr(image, "n_frames", 1) or 1)
            if frames > MAX_FRAMES:
                raise ValueError(f"{name} has {frames} frames; {MAX_FRAMES} at most.")
            for index in range(frames):
                image.seek(index)
                _check_pixels(name, *image.size)
                for _codec, extent, *_rest in image.tile or ():
                    if extent is not None:
                        _check_pixels(name, extent[2] - extent[0], extent[3] - extent[1])
                image.load()
    except Image.DecompressionBombError as error:
        raise ValueError(too_large) from error
    except (UnidentifiedImageError, OSError, SyntaxError, EOFError) as error:
        raise ValueError(f"{name} is not an image we can read (it does not decode).") from error
    finally:
        upload.seek(0)
    if kind is None:
        raise ValueError(f"{name} is not a JPEG, PNG, GIF or WebP image.")
    return CheckedImage(upload, kind, width, height)


def _check_pixels(name: str, width: int, height: int) -> None:
    if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
        raise ValueError(
            f"{name} is {width} × {height} pixels: too large to publish "
            f"({MAX_PIXELS // 1_000_000} million pixels at most)."
        )


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def platform_image_problems(account: Account, images: list[Any]) -> list[str]:
    """What the account's platform would refuse among these images, in words.

    CheckedImage or PublicationImage."""
    rules = RULES.get(account.platform)
    if rules is None or not images:
        return []
    label, problems = account.get_platform_display(), []
    if len(images) > rules.count:
        problems.append(
            f"{label} takes {rules.count} image{'s' * (rules.count != 1)} per post; this one has "
            f"{len(images)}. Remove some, or leave {account.name} out."
        )
    for image in images:
        name = getattr(image, "name", None) or image.file.name.rsplit("/", 1)[-1]
        if image.content_type not in rules.types:
            kinds = ", ".join(sorted(t.split("/")[1].upper() for t in rules.types))
            problems.append(f"{label} takes {kinds} images; {name} is {image.content_type}.")
        elif image.size > rules.size:
            problems.append(
                f"{label} takes images up to {megabytes(rules.size)}; {name} is "
                f"{megabytes(image.size)}. Make it smaller, or leave {account.name} out."
            )
    return problems


def signed_url(image: PublicationImage) -> str:
    """A link that works without signing in, for a week (platforms fetch images by URL)."""
    token = signing.dumps(image.pk, salt=LINK_SALT)
    return settings.SITE_URL + reverse("publication_image_public", args=[token])


def image_from_link(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE))
    except signing.BadSignature:
        return None


def fetch_image(url: str, *, timeout: float = 15.0) -> CheckedImage:
    """An image from a web address, through the egress path, checked like an upload.

    Bulk scheduling's image URLs. No private or internal address, redirects checked, the body cut at
    the largest upload a platform takes. ValueError says what went wrong, in words."""
    try:
        with (
            egress.client(timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise ValueError(f"{url} answered {response.status_code}, not an image.")
            data = egress.read_capped(response, MAX_UPLOAD_BYTES)
    except egress.EgressRefused as error:
        raise ValueError(f"{url}: {error}") from None
    except egress.ResponseTooLarge:
        raise ValueError(f"{url} is larger than {megabytes(MAX_UPLOAD_BYTES)}.") from None
    except httpx.TimeoutException:
        raise ValueError(f"{url} did not answer within {timeout:.0f} s.") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        raise ValueError(f"{url} is not a valid http(s) address.") from None
    except httpx.HTTPError:
        raise ValueError(f"Could not fetch {url}.") from None
    name = url.rsplit("/", 1)[-1].split("?")[0][:80] or "image"
    return check_upload(SimpleUploadedFile(name, data))
