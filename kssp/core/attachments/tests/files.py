"""Test files built in memory: real PDFs, photographs with a GPS position, Office documents."""

from __future__ import annotations

import io
import zipfile

from PIL import ExifTags, Image

GPS = {1: "N", 2: (42.0, 39.0, 55.0), 3: "E", 4: (21.0, 9.0, 43.0)}  # Prishtinë


def pdf(body: bytes = b"") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        + body + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _exif(with_gps: bool = True) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "KP Forensics Camera"  # Make
    exif[0x0132] = "2026:03:01 10:15:00"  # DateTime
    if with_gps:
        exif[ExifTags.IFD.GPSInfo] = GPS
    return exif


def image(fmt: str, *, gps: bool = True, size: tuple[int, int] = (48, 32)) -> bytes:
    picture = Image.new("RGB", size, (200, 30, 30))
    for x in range(size[0]):
        picture.putpixel((x, x % size[1]), (10, 200, 10))
    buffer = io.BytesIO()
    # TIFF writes its GPS directory from EXIF read from bytes (Pillow's TIFF writer looks it up by offset).
    exif = _exif(gps)
    picture.save(buffer, fmt, exif=exif.tobytes() if fmt == "TIFF" else exif)
    return buffer.getvalue()


def gps_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as picture:
        return dict(picture.getexif().get_ifd(ExifTags.IFD.GPSInfo))


def make_of(data: bytes) -> str | None:
    with Image.open(io.BytesIO(data)) as picture:
        return picture.getexif().get(0x010F)


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as picture:
        return picture.convert("RGB").tobytes()


def _package(main_part: str, main_type: str, extra: dict[str, bytes] | None = None) -> bytes:
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/>'
        "</Types>"
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr(main_part, b'<?xml version="1.0"?><document/>')
        for name, body in (extra or {}).items():
            archive.writestr(name, body)
    return buffer.getvalue()


def docx() -> bytes:
    return _package("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")


def docm() -> bytes:
    return _package("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml",
                    {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})


def xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "Serial"
    book.active["A2"] = "19Z45Z"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


def stored_files(location) -> list:
    """Every file under the test storage (the attachments' files, and anything left behind)."""
    return sorted(p for p in location.rglob("*") if p.is_file()) if location.exists() else []


BOUNDARY = "kssp-test-boundary-7c1e"


def multipart(fields: dict[str, str], file_name: str, data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body built in one copy (the test client's encoder copies a 60 MB file
    several times over), and its content type."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return b"".join([*parts, head, data, f"\r\n--{BOUNDARY}--\r\n".encode()]), f"multipart/form-data; boundary={BOUNDARY}"
