"""What a file is, judged by its content — never by its name or the browser's word — and what may be
stored of it.

* ``detect`` reads the magic bytes (and, for ZIP containers, the package's declared main part) and
  names the kind of file;
* ``examine`` checks that the kind is accepted, that the name's extension agrees with it ("the file is
  a PDF document, not a JPEG image"), that images decode (Pillow ``verify()`` and a full load, with the
  decompression-bomb limit an error), that Office documents are real OOXML packages without macros,
  and that text is text; then removes the GPS position from JPEG and PNG images unless the file is
  evidential (evidential files are never modified).

GPS removal rewrites only the metadata (the EXIF segment or chunk, and XMP packets that carry GPS);
the image data is copied byte for byte, so nothing is re-compressed.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from xml.etree import ElementTree

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import ExifTags, Image

GPS_IFD = int(ExifTags.IFD.GPSInfo)
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_ZIP_MEMBERS = 20_000
MAX_CONTENT_TYPES_BYTES = 512 * 1024


@dataclass(frozen=True)
class FileKind:
    code: str
    media_type: str
    extensions: tuple[str, ...]
    #: "a PDF document": used in sentences ("The file is a PDF document, not a JPEG image.").
    described: str | Promise
    accepted: bool = True


KINDS: dict[str, FileKind] = {
    kind.code: kind
    for kind in (
        FileKind("pdf", "application/pdf", (".pdf",), gettext_lazy("a PDF document")),
        FileKind("png", "image/png", (".png",), gettext_lazy("a PNG image")),
        FileKind("jpeg", "image/jpeg", (".jpg", ".jpeg", ".jpe", ".jfif"), gettext_lazy("a JPEG image")),
        FileKind("tiff", "image/tiff", (".tif", ".tiff"), gettext_lazy("a TIFF image")),
        FileKind("text", "text/plain", (".txt", ".log"), gettext_lazy("a text file")),
        FileKind("csv", "text/csv", (".csv",), gettext_lazy("a CSV table")),
        FileKind(
            "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",),
            gettext_lazy("a Word document (DOCX)"),
        ),
        FileKind(
            "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",),
            gettext_lazy("an Excel workbook (XLSX)"),
        ),
        # Recognised, so that the refusal can say what the file is, but not accepted.
        FileKind("gif", "image/gif", (".gif",), gettext_lazy("a GIF image"), accepted=False),
        FileKind("webp", "image/webp", (".webp",), gettext_lazy("a WebP image"), accepted=False),
        FileKind("heic", "image/heic", (".heic", ".heif"), gettext_lazy("a HEIC image"), accepted=False),
        FileKind("bmp", "image/bmp", (".bmp",), gettext_lazy("a BMP image"), accepted=False),
        FileKind("zip", "application/zip", (".zip",), gettext_lazy("a ZIP archive"), accepted=False),
        FileKind("rar", "application/vnd.rar", (".rar",), gettext_lazy("a RAR archive"), accepted=False),
        FileKind("7z", "application/x-7z-compressed", (".7z",), gettext_lazy("a 7-Zip archive"), accepted=False),
        FileKind("gzip", "application/gzip", (".gz", ".tgz"), gettext_lazy("a compressed (gzip) file"), accepted=False),
        FileKind(
            "ole", "application/x-ole-storage", (".doc", ".xls", ".ppt", ".msg"),
            gettext_lazy("an old-format or password-protected Office document"), accepted=False,
        ),
        FileKind(
            "macro", "application/vnd.ms-office.macroenabled", (".docm", ".xlsm", ".pptm", ".dotm", ".xltm"),
            gettext_lazy("an Office document with macros"), accepted=False,
        ),
        FileKind(
            "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",),
            gettext_lazy("a PowerPoint presentation"), accepted=False,
        ),
        FileKind("exe", "application/x-msdownload", (".exe", ".dll", ".com", ".scr", ".msi"), gettext_lazy("a Windows program"),
                 accepted=False),
        FileKind("elf", "application/x-executable", (".so", ".bin", ".elf"), gettext_lazy("a program"), accepted=False),
        FileKind("html", "text/html", (".html", ".htm", ".svg", ".xhtml"), gettext_lazy("a web page or SVG drawing"),
                 accepted=False),
    )
}
EXTENSION_KIND = {ext: kind.code for kind in KINDS.values() for ext in kind.extensions}
TEXT_KINDS = ("text", "csv")


class ContentRefused(Exception):
    """The file may not be attached; ``message`` is for the person who chose it."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Examined:
    kind: FileKind
    media_type: str
    data: bytes
    gps_removed: bool


def accepted_list() -> str:
    return _("PDF, PNG, JPEG, TIFF, text (TXT, CSV), Word (DOCX) and Excel (XLSX)")


# --- detection ----------------------------------------------------------------------------------


def detect(data: bytes) -> str | None:
    """The kind of file by its content: a key of ``KINDS``, "text" for plain text, or None."""
    head = data[:16]
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"):
        return "heic"
    if head[:2] == b"BM" and len(data) > 26:
        return "bmp"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _zip_kind(data)
    if head[:6] == b"Rar!\x1a\x07":
        return "rar"
    if head[:6] == b"7z\xbc\xaf\x27\x1c":
        return "7z"
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"
    if head[:2] == b"MZ":
        return "exe"
    if head[:4] == b"\x7fELF":
        return "elf"
    if _is_text(data):
        start = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if start.startswith((b"<!doctype html", b"<html", b"<svg", b"<?xml")) and (b"<html" in start or b"<svg" in start):
            return "html"
        return "text"
    return None


_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")


def _is_text(data: bytes) -> bool:
    """Text in UTF-8 (with or without a BOM) or a single-byte code page: no NUL and no control bytes
    other than tab, line ends, form feed and (old DOS files) the end-of-file mark."""
    return bool(data) and _CONTROL.search(data) is None


def _zip_kind(data: bytes) -> str:
    """An OOXML package's kind from its [Content_Types].xml; any other ZIP is "zip"."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names:
                return "zip"
            if any(PurePosixPath(name).name.lower() == "vbaproject.bin" for name in names):
                return "macro"
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > MAX_CONTENT_TYPES_BYTES:
                return "zip"
            main = _main_content_type(archive.read(info))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError,
            zlib.error, KeyError):
        return "zip"
    if main is None:
        return "zip"
    if "macroenabled" in main.lower():
        return "macro"
    if main == "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":
        return "docx"
    if main == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":
        return "xlsx"
    if "presentationml" in main:
        return "pptx"
    return "zip"


def _main_content_type(xml: bytes) -> str | None:
    """The content type of /word/document.xml or /xl/workbook.xml as the package declares it.

    Entity declarations are refused outright (no entity expansion, no external entities)."""
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        return None
    try:
        root = ElementTree.fromstring(xml)  # noqa: S314 - no DTD or entity can reach the parser (checked above)
    except ElementTree.ParseError:
        return None
    for element in root:
        if element.tag.rsplit("}", 1)[-1] != "Override":
            continue
        part = element.get("PartName", "").lower()
        if part in ("/word/document.xml", "/xl/workbook.xml"):
            return element.get("ContentType", "")
    for element in root:
        content_type = element.get("ContentType", "")
        if element.tag.rsplit("}", 1)[-1] == "Override" and "presentationml" in content_type:
            return content_type
    return None


# --- examination ---------------------------------------------------------------------------------


def extension_of(filename: str) -> str:
    return PurePosixPath(filename.strip().lower()).suffix


def examine(data: bytes, filename: str, *, evidential: bool) -> Examined:
    """Check ``data`` (named ``filename`` by the uploader) and return what to store."""
    if not data:
        raise ContentRefused(_("The file is empty."))
    actual = detect(data)
    if actual is None:
        raise ContentRefused(
            _("This kind of file is not accepted. Accepted are: %(kinds)s.") % {"kinds": accepted_list()}
        )
    ext = extension_of(filename)
    claimed = EXTENSION_KIND.get(ext)
    if actual == "text":
        # Plain text is told apart from CSV by its name only: both are text by content.
        actual = claimed if claimed in TEXT_KINDS else "text"
    kind = KINDS[actual]
    if not kind.accepted:
        raise ContentRefused(
            _("The file is %(actual)s; such files are not accepted. Accepted are: %(kinds)s.")
            % {"actual": kind.described, "kinds": accepted_list()}
        )
    if ext not in kind.extensions:
        if claimed is not None:
            raise ContentRefused(
                _("The file is %(actual)s, not %(claimed)s.") % {"actual": kind.described, "claimed": KINDS[claimed].described}
            )
        raise ContentRefused(
            _("The name of the file does not fit its content: the file is %(actual)s. Name it with %(extension)s at the end.")
            % {"actual": kind.described, "extension": kind.extensions[0]}
        )

    media_type = kind.media_type
    gps_removed = False
    if actual == "pdf":
        _check_pdf(data)
    elif actual in ("png", "jpeg", "tiff"):
        image_format = _check_image(data)
        if image_format != {"png": "PNG", "jpeg": "JPEG", "tiff": "TIFF"}[actual]:
            raise ContentRefused(_("The image is damaged or incomplete."))
        if not evidential:
            if actual == "jpeg":
                data, gps_removed = strip_jpeg_gps(data)
            elif actual == "png":
                data, gps_removed = strip_png_gps(data)
            elif _has_gps(data):
                raise ContentRefused(
                    _("This TIFF image records where it was taken, and that can be removed only from JPEG and PNG "
                      "images. Mark the file as evidential to keep it unchanged, or convert it to PNG.")
                )
            if gps_removed:
                _check_image(data)  # the rewritten file must still be a sound image
                if _has_gps(data):
                    raise ContentRefused(_("The position could not be removed from this image."))
    elif actual in ("docx", "xlsx"):
        _check_ooxml(data)
    elif actual in TEXT_KINDS:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass  # a single-byte code page: served without a charset, the reader's program decides
        else:
            media_type = f"{media_type}; charset=utf-8"
    return Examined(kind=kind, media_type=media_type, data=data, gps_removed=gps_removed)


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise ContentRefused(_("The PDF document is incomplete (its end is missing)."))


def _check_image(data: bytes) -> str:
    """Pillow's ``verify()``, then a full decode (truncated data fails); too many pixels is an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                image_format = str(image.format)
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ContentRefused(_("The image has too many pixels to be checked safely.")) from None
        except Exception:  # noqa: BLE001 - Pillow raises many kinds of error on damaged input
            raise ContentRefused(_("The image is damaged or incomplete.")) from None
    return image_format


def _has_gps(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            return GPS_IFD in exif and bool(exif.get_ifd(GPS_IFD))
    except Exception:  # noqa: BLE001 - unreadable metadata counts as present (the caller refuses)
        return True


def _check_ooxml(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                raise ContentRefused(_("The document unpacks to far more data than an ordinary document holds."))
            if any(m.flag_bits & 0x1 for m in members):
                raise ContentRefused(_("The document is password-protected. Attach it without the password protection."))
            if archive.testzip() is not None:
                raise ContentRefused(_("The document is damaged or incomplete."))
    except ContentRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError,
            zlib.error):
        raise ContentRefused(_("The document is damaged or incomplete.")) from None


# --- GPS removal -------------------------------------------------------------------------------


def _exif_without_gps(tiff: bytes) -> bytes | None:
    """EXIF (TIFF structure) without its GPS directory; None when it has none. b"" when it cannot be
    read (the caller then drops the whole EXIF block)."""
    exif = Image.Exif()
    try:
        exif.load(tiff)
        if GPS_IFD not in exif:
            return None
        del exif[GPS_IFD]
        out = exif.tobytes()
    except Exception:  # noqa: BLE001 - damaged EXIF: remove it all rather than keep a position
        return b""
    return out[6:] if out.startswith(b"Exif\x00\x00") else out


def _xmp_has_gps(packet: bytes) -> bool:
    return b"GPS" in packet or b"exif:GPS" in packet


def strip_jpeg_gps(data: bytes) -> tuple[bytes, bool]:
    """Remove the GPS directory from the EXIF segment and drop XMP packets that carry a position.
    Everything else, including the compressed image data, is copied unchanged."""
    out = [data[:2]]
    pos, changed = 2, False
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            out.append(data[pos : pos + 1])
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            out.append(data[pos : pos + 2])
            pos += 2
            continue
        if marker in (0xDA, 0xD9):  # start of scan / end of image: the rest is image data
            break
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        segment = data[pos : pos + 2 + length]
        body = segment[4:]
        if marker == 0xE1 and body.startswith(b"Exif\x00\x00"):
            rewritten = _exif_without_gps(body[6:])
            if rewritten is not None:
                changed, segment = True, b""  # unreadable EXIF is dropped whole
                new_body = b"Exif\x00\x00" + rewritten
                if rewritten and len(new_body) + 2 <= 0xFFFF:
                    segment = b"\xff\xe1" + struct.pack(">H", len(new_body) + 2) + new_body
        elif marker == 0xE1 and body.startswith(b"http://ns.adobe.com/") and _xmp_has_gps(body):
            changed, segment = True, b""
        out.append(segment)
        pos += 2 + length
    out.append(data[pos:])
    return (b"".join(out), True) if changed else (data, False)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _compressed_text(kind: bytes, body: bytes, keyword: bytes) -> bool:
    if kind == b"zTXt":
        return True
    rest = body[len(keyword) + 1 :]
    return kind == b"iTXt" and rest[:1] == b"\x01"


def strip_png_gps(data: bytes) -> tuple[bytes, bool]:
    """Remove the GPS directory from the eXIf chunk; drop XMP and raw EXIF text chunks that carry one."""
    out = [data[:8]]
    pos, changed = 8, False
    while pos + 12 <= len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        chunk = data[pos:end]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"eXIf":
            rewritten = _exif_without_gps(body)
            if rewritten is not None:
                changed = True
                chunk = _png_chunk(kind, rewritten) if rewritten else b""
        elif kind in (b"tEXt", b"zTXt", b"iTXt"):
            keyword = body.split(b"\x00", 1)[0]
            if keyword.lower().startswith(b"raw profile type") and keyword.lower().endswith((b"exif", b"app1")):
                changed, chunk = True, b""
            elif keyword == b"XML:com.adobe.xmp" and (_xmp_has_gps(body) or _compressed_text(kind, body, keyword)):
                changed, chunk = True, b""  # a position in XMP (or compressed XMP we do not unpack to look)
        out.append(chunk)
        pos = end
        if kind == b"IEND":
            break
    out.append(data[pos:])
    return (b"".join(out), True) if changed else (data, False)
