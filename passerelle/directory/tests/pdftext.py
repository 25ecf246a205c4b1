"""The text of a PDF made by WeasyPrint, without a PDF library (neither pypdf nor pdftotext is
installed): inflate the streams, read each font's ToUnicode map, and decode the glyphs of the
text operators with the map of the font in use. Enough for our own PDFs, not for any PDF."""

from __future__ import annotations

import re
import zlib

_OBJ = re.compile(rb"(\d+) 0 obj\s*(.*?)\s*endobj", re.S)
_STREAM = re.compile(rb"^(.*?)stream\r?\n(.*)\r?\nendstream\s*$", re.S)
_TOKENS = re.compile(
    rb"/([^\s/\[\]<>()]+)\s+[\d.]+\s+Tf|\[(.*?)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj", re.S
)


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Object number -> (dictionary text, inflated stream or None), object streams included."""
    found: dict[int, tuple[bytes, bytes | None]] = {}
    for match in _OBJ.finditer(pdf):
        number, body = int(match.group(1)), match.group(2)
        stream = _STREAM.match(body)
        if stream is None:
            found[number] = (body, None)
            continue
        head, data = stream.group(1), stream.group(2)
        if b"/FlateDecode" in head:
            try:
                data = zlib.decompress(data)
            except zlib.error:
                data = b""
        found[number] = (head, data)
    for head, data in list(found.values()):
        if data is None or b"/ObjStm" not in head:
            continue
        first = int(re.search(rb"/First (\d+)", head).group(1))
        numbers = [int(n) for n in data[:first].split()]
        pairs = list(zip(numbers[::2], numbers[1::2], strict=True))
        for i, (number, offset) in enumerate(pairs):
            end = pairs[i + 1][1] if i + 1 < len(pairs) else len(data) - first
            found[number] = (data[first + offset : first + end], None)
    return found


def _cmap(data: bytes) -> dict[str, str]:
    """A ToUnicode CMap's glyph code (hex) -> text."""
    mapping: dict[str, str] = {}

    def text(hexes: bytes) -> str:
        return bytes.fromhex(hexes.decode()).decode("utf-16-be", errors="replace")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, value in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            mapping[code.decode().lower()] = text(value)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for low, high, value in re.findall(
            rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
        ):
            width, start = len(low), int(value, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[f"{code:0{width}x}"] = chr(start + offset)
    return mapping


def pdf_text(pdf: bytes) -> str:
    """The text shown on the pages, runs separated by spaces, whitespace collapsed."""
    objects = _objects(pdf)
    maps = {}
    for number, (head, _data) in objects.items():
        ref = re.search(rb"/ToUnicode (\d+) 0 R", head)
        if ref and int(ref.group(1)) in objects:
            maps[number] = _cmap(objects[int(ref.group(1))][1] or b"")
    fonts: dict[bytes, dict[str, str]] = {}
    for head, _data in objects.values():
        for name, number in re.findall(rb"/([^\s/\[\]<>()]+) (\d+) 0 R", head):
            if int(number) in maps:
                fonts[name] = maps[int(number)]
    runs = []
    for head, data in objects.values():
        if data is None or b"/Length1" in head or b"BT" not in data:
            continue
        current: dict[str, str] = {}
        for match in _TOKENS.finditer(data):
            font, array, single = match.groups()
            if font is not None:
                current = fonts.get(font, {})
                continue
            hexes = re.findall(rb"<([0-9a-fA-F]*)>", array) if array is not None else [single]
            glyphs = b"".join(hexes).decode().lower()
            runs.append(
                "".join(current.get(glyphs[i : i + 4], "") for i in range(0, len(glyphs), 4))
            )
    return re.sub(r"\s+", " ", " ".join(runs)).strip()
