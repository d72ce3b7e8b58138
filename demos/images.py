"""The one safe way to turn what a visitor gives (a file, bytes, a URL) into an RGB image.

Every page goes through :func:`load_image`, so every page refuses the same way
what cannot be used: empty or oversized files, files that are not images,
damaged images, and "decompression bombs" (a tiny file declaring billions of
pixels). Whatever goes wrong with the input, the caller gets an
:class:`~demos.errors.ImageError` whose key the page translates, never a
Pillow traceback.

:func:`fetch_image_bytes` downloads an image from the web without letting a
visitor make the server probe its own network (SSRF): only http(s), only
public addresses, redirects re-checked, and the size capped while reading.
"""
from __future__ import annotations

import hashlib
import http.client
import io
import ipaddress
import os
import socket
import time
import urllib.error
import urllib.request
import warnings
from typing import BinaryIO
from urllib.parse import urlsplit

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from demos.errors import ImageError

MAX_FILE_BYTES: int = 25 * 1024 * 1024
MAX_PIXELS: int = 50_000_000          # refuse larger images before decoding them (decompression bombs)
MAX_ASPECT: float = 50.0              # refuse images thinner than 1:50 (no page can show or read a 2048×1 strip)
DEFAULT_MAX_SIDE: int = 2048           # working resolution cap

# Formats a visitor plausibly has. Pillow can open many more (EPS runs
# Ghostscript, some legacy formats have a history of decoder bugs): no need to
# expose them to files from strangers. JPEG includes MPO (phones' multi-picture JPEG).
FORMATS: tuple[str, ...] = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "AVIF", "PPM")

_MB = 1024 * 1024
_READ_CHUNK = 64 * 1024
_MAX_REDIRECTS = 5
_USER_AGENT = "dl-demos/1.0 (teaching demos; Python urllib)"   # some sites refuse urllib's default


# --------------------------------------------------------------------------- loading


def load_image(
    source: bytes | str | os.PathLike | BinaryIO,
    *,
    max_side: int | None = DEFAULT_MAX_SIDE,
    background: tuple[int, int, int] = (255, 255, 255),
) -> Image.Image:
    """Open anything a user may give and return an RGB image, at most max_side on its longer side.

    ``source`` is the file's bytes, a path, or a binary file-like object (such
    as Streamlit's ``UploadedFile``). The image is turned upright following its
    EXIF orientation, reduced to its first frame when animated, converted to
    RGB by :func:`to_rgb` (transparency composited over ``background``) and
    shrunk, keeping its aspect ratio, so its longer side is at most
    ``max_side`` (``None``: no cap).

    Raises :class:`ImageError` (and nothing else) for unusable input, with key
    ``image.empty``, ``image.file_too_big``, ``image.not_an_image``,
    ``image.too_many_pixels``, ``image.corrupt``, ``image.unreadable`` or
    ``image.unsupported_mode``.
    """
    if max_side is not None and max_side < 1:
        raise ValueError(f"max_side must be positive or None, not {max_side}")
    data = _read_source(source)
    image = _decode_first_frame(data, max_side)
    image = to_rgb(image, background=background)
    return _fit(image, max_side)


def _read_source(source: bytes | str | os.PathLike | BinaryIO) -> bytes:
    """The source's bytes, reading at most one byte past MAX_FILE_BYTES."""
    limit = MAX_FILE_BYTES
    size: int | None = None
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        try:
            with open(source, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                data = _read_capped(f, limit)
        except OSError as error:
            raise ImageError("image.unreadable", "The file could not be read ({reason}).",
                             reason=error.strerror or type(error).__name__) from error
    elif hasattr(source, "read"):
        try:
            data = _read_capped(source, limit)
        except OSError as error:
            raise ImageError("image.unreadable", "The file could not be read ({reason}).",
                             reason=error.strerror or type(error).__name__) from error
        declared = getattr(source, "size", None)            # Streamlit's UploadedFile knows its size
        size = declared if isinstance(declared, int) else None
    else:
        raise TypeError(f"cannot read an image from {type(source).__name__}")
    if not data:
        raise ImageError("image.empty", "The file is empty.")
    if len(data) > limit:
        raise _too_big(max(size or 0, len(data)), limit)
    return data


def _read_capped(stream: BinaryIO, limit: int) -> bytes:
    """Read until EOF or limit + 1 bytes, whichever comes first (never the whole of a huge file)."""
    parts: list[bytes] = []
    remaining = limit + 1
    while remaining > 0:
        chunk = stream.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        if not isinstance(chunk, (bytes, bytearray)):
            raise TypeError("open the file in binary mode ('rb')")
        parts.append(bytes(chunk))
        remaining -= len(chunk)
    return b"".join(parts)


def _too_big(size: int, limit: int) -> ImageError:
    return ImageError("image.file_too_big", "The file is too big ({size_mb} MB; the limit is {max_mb} MB).",
                      size_mb=_mb(size), max_mb=_mb(limit))


def _mb(n_bytes: int) -> str:
    return format(n_bytes / _MB, ".3g")


def _too_many_pixels(width: int | str, height: int | str) -> ImageError:
    return ImageError("image.too_many_pixels",
                      "The image is too large ({width}×{height} pixels; the limit is {max_mp} megapixels).",
                      width=width, height=height, max_mp=format(MAX_PIXELS / 1e6, "g"))


def _decode_first_frame(data: bytes, max_side: int | None) -> Image.Image:
    """Decode the first frame, after checking from the header that its size is reasonable."""
    with warnings.catch_warnings():
        # Pillow warns (rather than fails) between its own limit and twice it: make that a
        # refusal too. catch_warnings is not thread-safe, so the explicit size check
        # below, not this filter, is what actually protects us.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=_formats())   # lazy: reads the header only
        except UnidentifiedImageError as error:
            raise ImageError("image.not_an_image", "This file is not an image.") from error
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            width, height = _declared_size(data) or ("?", "?")
            raise _too_many_pixels(width, height) from error
        except Exception as error:   # a plugin choking on a malformed header
            raise ImageError("image.corrupt", "The image is damaged or incomplete.") from error
        with image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _too_many_pixels(width, height)
            if max(width, height) > MAX_ASPECT * max(1, min(width, height)):
                raise ImageError("image.too_thin", "This image is {width}×{height} pixels: too thin to show or to "
                                 "read (at most 1:{ratio}).", width=width, height=height, ratio=format(MAX_ASPECT, "g"))
            try:
                if max_side is not None:
                    # JPEG only: decode directly at 1/2, 1/4 or 1/8 scale when the image is
                    # still at least max_side on both sides afterwards (no quality loss, faster).
                    image.draft(None, (max_side, max_side))
                image.seek(0)            # animated GIF / APNG / multi-page TIFF: the first frame
                image.load()
                small = _reduce_early(image, max_side)
                # upright while the file's EXIF (or TIFF tags) are at hand; also detaches the
                # pixels from the file (and, for a GIF, from its other frames)
                upright = _upright(small)
                if small is not image:
                    upright.info.update(image.info)
                return upright
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
                raise _too_many_pixels(width, height) from error
            except Exception as error:   # truncated data, bad checksums, decoder errors...
                raise ImageError("image.corrupt", "The image is damaged or incomplete.") from error


def _reduce_early(image: Image.Image, max_side: int | None) -> Image.Image:
    """A large image shrunk by a whole factor right after decoding, in its own mode, before any copy.

    Decoding costs at most 4 bytes a pixel (200 MB at the 50-megapixel limit), but every
    later step (EXIF rotation, conversion to RGB, float or 16-bit scaling) makes full-size
    copies, several times larger: a 300 KB float TIFF of 7000² cost 1.7 GB that way. Here the
    image first loses a whole factor (box average, or nearest for palettes, 1-bit and 16-bit
    images, which ``reduce`` does not take), staying at least ``max_side``; ``_fit`` finishes.
    """
    if max_side is None:
        return image
    factor = max(image.size) // max_side
    if factor < 2:
        return image
    if image.mode in ("1", "P", "PA") or image.mode.startswith("I;16"):
        width, height = image.size
        return image.resize((max(1, width // factor), max(1, height // factor)), Image.Resampling.NEAREST)
    return image.reduce(factor)


def _formats() -> tuple[str, ...]:
    """FORMATS this Pillow build can open (AVIF, for one, is optional)."""
    Image.init()
    return tuple(name for name in FORMATS if name in Image.OPEN)


def _declared_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the header, bypassing Pillow's bomb check (only to word the error)."""
    prefix = data[:16]
    for name in _formats():
        factory, accept = Image.OPEN.get(name, (None, None))
        if factory is None or (accept and not accept(prefix)):
            continue
        try:
            return factory(io.BytesIO(data), "").size
        except Exception:
            continue
    return None


def _upright(image: Image.Image) -> Image.Image:
    """A copy turned by its EXIF orientation, so a phone photo is not shown lying on its side."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:   # malformed EXIF: an unrotated photo beats refusing it
        return image.copy()


def _fit(image: Image.Image, max_side: int | None) -> Image.Image:
    """Shrink (never enlarge) so the longer side is at most max_side, keeping the aspect ratio."""
    width, height = image.size
    if max_side is None or max(width, height) <= max_side:
        return image
    scale = max_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # reducing_gap: a fast integer reduction first, then Lanczos; same quality, much faster
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


# --------------------------------------------------------------------------- modes


def to_rgb(image: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """The image in mode RGB, whatever its mode; only the pixel format changes.

    - transparency (RGBA, LA, PA, P or RGB with a transparent colour) is
      composited over ``background``;
    - 16-bit greyscale (``I;16``, ``I;16B``...) is scaled from 0..65535 to 0..255;
    - 32-bit integers (``I``): values within 0..255 are kept, within 0..65535
      scaled as 16-bit, anything else (negative, larger) stretched min..max;
    - floats (``F``): values within 0..1 are scaled by 255, within 0..255
      kept, anything else stretched min..max; NaN becomes black, ±inf the brightest / darkest value;
    - every other mode (L, 1, P, CMYK, YCbCr, LAB, HSV...) through Pillow.

    Returns ``image`` itself when it is already plain RGB. Raises
    :class:`ImageError` ``image.unsupported_mode`` for a mode Pillow cannot convert.
    """
    background = _check_background(background)
    mode = image.mode
    if mode.startswith("I;16"):
        return _gray_to_rgb(_sixteen_bit(np.asarray(image)))
    if mode == "I":
        return _gray_to_rgb(_wide_integers(np.asarray(image)))
    if mode == "F":
        return _gray_to_rgb(_floats(np.asarray(image)))
    if image.has_transparency_data:
        return _composite(image, background)
    if mode == "RGB":
        return image
    try:
        return image.convert("RGB")
    except (ValueError, OSError) as error:
        raise ImageError("image.unsupported_mode", "The image's colour format ({mode}) cannot be converted.",
                         mode=mode) from error


def from_array(array: np.ndarray) -> Image.Image:
    """A numpy array (a canvas, a generated sample, a caller's data) as a PIL image, or an ImageError.

    Accepted: 2-D (grey) or 3-D with 1, 3 or 4 channels last, non-empty, of booleans,
    integers or floats. uint8 is kept; other integers and floats are brought to
    0..255 as :func:`to_rgb` does for 32-bit and float images (NaN is black, ±inf
    the brightest / darkest value). Anything else (strings, objects, 4-D, empty)
    raises :class:`ImageError` ``image.bad_array``.
    """
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    usable_shape = array.ndim == 2 or (array.ndim == 3 and array.shape[-1] in (3, 4))
    if not usable_shape or array.size == 0 or not (array.dtype == bool or np.issubdtype(array.dtype, np.number)) \
            or np.iscomplexobj(array):
        raise ImageError("image.bad_array", "This array ({shape}, {dtype}) is not an image.",
                         shape="×".join(map(str, array.shape)) or "0", dtype=str(array.dtype))
    if array.dtype == bool:
        array = array.astype(np.uint8) * 255
    elif np.issubdtype(array.dtype, np.integer) and array.dtype != np.uint8:
        array = _wide_integers(array.astype(np.int64))
    elif np.issubdtype(array.dtype, np.floating):
        array = _floats(array)
    return Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8))


def _check_background(background: tuple[int, int, int]) -> tuple[int, int, int]:
    colour = tuple(int(c) for c in background)
    if len(colour) != 3 or not all(0 <= c <= 255 for c in colour):
        raise ValueError(f"background must be three values in 0..255, not {background!r}")
    return colour  # type: ignore[return-value]


def _composite(image: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """Alpha-blend over a plain background: what a viewer shows for a transparent image."""
    rgba = image.convert("RGBA")
    out = Image.new("RGB", rgba.size, background)
    out.paste(rgba, mask=rgba)        # the RGBA image as mask: its alpha channel
    return out


def _gray_to_rgb(gray: np.ndarray) -> Image.Image:
    return Image.fromarray(gray, mode="L").convert("RGB")


def _sixteen_bit(values: np.ndarray) -> np.ndarray:
    """0..65535 to 0..255, rounded (65535 → 255, 32768 → 128)."""
    wide = values.astype(np.uint32)
    return ((wide * 255 + 32767) // 65535).astype(np.uint8)


def _wide_integers(values: np.ndarray) -> np.ndarray:
    """32-bit integers: guess 8-bit or 16-bit data by its range, else stretch it."""
    low, high = int(values.min()), int(values.max())
    if low >= 0 and high <= 255:           # 8-bit data in a wide container
        return values.astype(np.uint8)
    if low >= 0 and high <= 65535:         # 16-bit data (PNG, TIFF, scientific cameras)
        return _sixteen_bit(values)
    return _stretch(values.astype(np.float64))


def _floats(values: np.ndarray) -> np.ndarray:
    """Floats: 0..1 (the usual convention) or 0..255 kept as they are, else stretched."""
    values = values.astype(np.float64)
    finite = values[np.isfinite(values)]
    # ±inf are the brightest / darkest finite values (so a stretch stays finite), NaN is black
    high_finite, low_finite = (float(finite.max()), float(finite.min())) if finite.size else (1.0, 0.0)
    values = np.nan_to_num(values, nan=0.0, posinf=high_finite, neginf=low_finite)
    low, high = float(values.min()), float(values.max())
    if low >= 0.0 and high <= 1.0:
        return np.round(values * 255.0).astype(np.uint8)
    if low >= 0.0 and high <= 255.0:
        return np.round(values).astype(np.uint8)
    return _stretch(values)


def _stretch(values: np.ndarray) -> np.ndarray:
    """Min..max to 0..255 (a constant image becomes black)."""
    low, high = float(values.min()), float(values.max())
    if not high > low:
        return np.zeros(values.shape, dtype=np.uint8)
    scaled = (values - low) / (high - low) * 255.0
    return np.round(np.clip(scaled, 0.0, 255.0)).astype(np.uint8)


# --------------------------------------------------------------------------- URLs


def fetch_image_bytes(
    url: str,
    *,
    timeout: float = 10,
    max_bytes: int = MAX_FILE_BYTES,
    allow_private: bool = False,
) -> bytes:
    """The bytes at ``url`` (give them to :func:`load_image`), fetched defensively.

    Only ``http`` and ``https``; the host must resolve to public addresses only
    (no loopback, private, link-local, multicast, reserved or unspecified
    address, so a visitor cannot make the server reach its own network)
    unless ``allow_private``. The address actually connected to is checked
    again (DNS rebinding), and so is every redirect. Environment proxies are
    ignored, so the check applies to the real server. ``timeout`` bounds each
    network wait, and the whole download must finish within ``3 * timeout``
    seconds. Reading stops past ``max_bytes``.

    Raises :class:`ImageError` with key ``image.url_scheme``,
    ``image.url_forbidden``, ``image.file_too_big`` or ``image.url_failed``.
    """
    _check_url(url, allow_private)
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT, "Accept": "image/*, */*;q=0.5"})
    deadline = time.monotonic() + 3 * timeout
    try:
        with _opener(allow_private).open(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.strip().isdigit() and int(declared) > max_bytes:
                raise _too_big(int(declared), max_bytes)
            return _read_response(response, url, max_bytes, deadline)
    except ImageError:
        raise
    except urllib.error.HTTPError as error:
        raise _url_failed(url, f"HTTP {error.code} {error.reason}") from error
    except urllib.error.URLError as error:
        raise _url_failed(url, _reason(error.reason)) from error
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise _url_failed(url, _reason(error)) from error


def _read_response(response: http.client.HTTPResponse, url: str, max_bytes: int, deadline: float) -> bytes:
    """The body, stopping one byte past max_bytes, or when the deadline passes (a trickling server)."""
    parts: list[bytes] = []
    received = 0
    while True:
        chunk = response.read1(_READ_CHUNK)   # read1: whatever has arrived, so the deadline is checked often
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        received += len(chunk)
        if received > max_bytes:
            raise _too_big(received, max_bytes)
        if time.monotonic() > deadline:
            raise _url_failed(url, "timed out")


def _url_failed(url: str, reason: str) -> ImageError:
    return ImageError("image.url_failed", "The image at `{url}` could not be downloaded ({reason}).",
                      url=_short(url), reason=reason)


def _reason(error: object) -> str:
    if isinstance(error, socket.timeout) or isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _short(url: str, limit: int = 120) -> str:
    """The address as the messages quote it: shortened, inside a code span (a backtick would end it: encoded).

    A visitor's text is never rendered as Markdown (let alone HTML) in a message.
    """
    url = url.replace("`", "%60").replace("\n", " ").replace("\r", " ")
    return url if len(url) <= limit else url[: limit - 1] + "…"


def _check_url(url: str, allow_private: bool) -> None:
    """Refuse non-http(s) URLs and, unless allow_private, hosts resolving to non-public addresses."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise _url_failed(url, "invalid address") from error
    if parts.scheme.lower() not in ("http", "https"):
        raise ImageError("image.url_scheme", "Only http:// and https:// addresses can be opened, not `{url}`.",
                         url=_short(url))
    host = parts.hostname
    if not host:
        raise _url_failed(url, "no host name")
    if allow_private:
        return
    port = port or (443 if parts.scheme.lower() == "https" else 80)
    for address in _resolve(host, port, url):
        if not _is_public(address):
            raise _forbidden(host)


def _resolve(host: str, port: int, url: str) -> list[str]:
    """Every address the host name resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as error:
        raise _url_failed(url, _reason(error)) from error
    return [info[4][0] for info in infos]


# IETF special-purpose ranges (RFC 6890 registries), not all covered by Python's is_global in every
# version: never a web server a visitor may point the app to.
_SPECIAL = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
    "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24", "192.168.0.0/16", "192.175.48.0/24",
    "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    "::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "3fff::/20", "5f00::/16", "fc00::/7",
    "fe80::/10", "ff00::/8"))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _carried_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address leads to: IPv4-mapped, 6to4 or well-known NAT64 (Teredo and the
    deprecated IPv4-compatible form are refused whole, in ``_SPECIAL``)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _is_public(address: str) -> bool:
    """True for a globally routable unicast address; an IPv6 address that leads to an IPv4 one only if that one is."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])   # drop an IPv6 zone ("fe80::1%eth0")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and (inside := _carried_ipv4(ip)) is not None:
        return _is_public(str(inside))       # 2002:7f00:1:: is 127.0.0.1, ::ffff:10.0.0.1 is 10.0.0.1
    if any(ip in net for net in _SPECIAL if net.version == ip.version):
        return False
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified or not ip.is_global)


def _forbidden(host: str) -> ImageError:
    return ImageError("image.url_forbidden",
                      "For safety, addresses on this machine or its network (`{host}`) are refused.",
                      host=_short(host))


class _CheckedConnection(http.client.HTTPConnection):
    """An HTTP connection that refuses to talk to a non-public peer (defeats DNS rebinding)."""

    def connect(self) -> None:
        super().connect()
        peer = self.sock.getpeername()[0]
        if not _is_public(peer):
            self.close()
            raise _forbidden(self.host)


class _CheckedHTTPSConnection(http.client.HTTPSConnection, _CheckedConnection):
    """HTTPS: HTTPSConnection.connect calls the check above before the TLS handshake (see the MRO)."""


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):  # noqa: ANN001, D102 (urllib's interface)
        return self.do_open(_CheckedConnection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):  # noqa: ANN001, D102
        return self.do_open(_CheckedHTTPSConnection, req, context=self._context)


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a few redirects, checking each target like the first URL (urllib would allow ftp:)."""

    max_redirections = _MAX_REDIRECTS

    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self.allow_private = allow_private

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, D102
        _check_url(newurl, self.allow_private)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(allow_private: bool) -> urllib.request.OpenerDirector:
    """An opener with http(s) only, no proxy, and checked connections unless allow_private."""
    opener = urllib.request.OpenerDirector()
    if allow_private:
        handlers = [urllib.request.HTTPHandler(), urllib.request.HTTPSHandler()]
    else:
        handlers = [_CheckedHTTPHandler(), _CheckedHTTPSHandler()]
    for handler in [*handlers, _CheckedRedirects(allow_private),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor()]:
        opener.add_handler(handler)
    return opener


def require_pixels(image: Image.Image | np.ndarray) -> None:
    """Raise :class:`ImageError` ``image.no_pixels`` for an image with no pixel (0×N): every demo's entry point
    calls it first, so a programmatic caller gets a message instead of a ``ZeroDivisionError`` deep inside."""
    if isinstance(image, Image.Image):
        width, height = image.size
    else:
        shape = np.asarray(image).shape
        height, width = (shape + (0, 0))[:2]
    if min(width, height) < 1:
        raise ImageError("image.no_pixels", "This image has no pixels ({width}×{height}).", width=width, height=height)


def to_png(image: Image.Image | np.ndarray) -> bytes:
    """PNG bytes of an image or a uint8 array, for a download button."""
    if not isinstance(image, Image.Image):
        image = Image.fromarray(np.asarray(image))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def image_digest(image: Image.Image | np.ndarray) -> str:
    """A fingerprint of the pixels (md5 of the bytes, with the shape): the key of a result computed from them.

    For a PIL image it is computed once and kept in ``image.info``; every rerun of a page reuses it.
    """
    if isinstance(image, np.ndarray):
        return hashlib.md5(np.ascontiguousarray(image).tobytes(), usedforsecurity=False).hexdigest() + str(image.shape)
    if "dldemos_digest" not in image.info:
        digest = hashlib.md5(image.tobytes(), usedforsecurity=False).hexdigest()
        image.info["dldemos_digest"] = f"{digest}{image.mode}{image.size}"
    return image.info["dldemos_digest"]
