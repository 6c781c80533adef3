"""The full path keeps what openpyxl drops: after openpyxl has written the annotated copy, the parts of the original
package it did not carry over are put back, part by part, and what still differs is named.

openpyxl rewrites the workbook from its own model, which has no place for images, charts and shapes (drawings),
threaded comments and their authors, sparklines and the other worksheet extensions (``extLst``), data connections
(Power Query), custom XML parts, or the cached values of formulas. This module copies those parts from the input
(under new names, so nothing clashes with the parts openpyxl wrote), adds the relationships, content types and
the ``<drawing>`` and ``<extLst>`` elements that attach them to their sheets, writes each formula's cached value back
next to it, and compares the two packages to say exactly what could not be kept. No workbook library is used here:
the package is a zip of XML parts and only the elements named above are touched.
"""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL = re.compile(rb"<Relationship\b([^>]*?)/?>")
_ATTR = re.compile(rb'(\w+(?::\w+)?)="([^"]*)"')
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*?)/?>")
_OVERRIDE = re.compile(rb"<Override\b([^>]*?)/?>")
_DEFAULT = re.compile(rb"<Default\b([^>]*?)/?>")
_ANCHOR = re.compile(rb"<xdr:(twoCellAnchor|oneCellAnchor)\b.*?</xdr:\1>", re.S)
_FROM_COL = re.compile(rb"<xdr:from>\s*<xdr:col>(\d+)</xdr:col>")
_TO_COL = re.compile(rb"<xdr:to>\s*<xdr:col>(\d+)</xdr:col>")
_EXT_CX = re.compile(rb'<xdr:ext\b[^>]*\bcx="(\d+)"')
_WS_EXTLST = re.compile(rb"<extLst>(?:(?!<extLst>).)*?</extLst>\s*</worksheet>", re.S)
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+\d+)"([^>]*)>(<f\b[^>]*?(?:/>|>.*?</f>))(<v>(.*?)</v>|<v\s*/>)?</c>', re.S)
# Worksheet children that come after <drawing> (ECMA-376 CT_Worksheet order): a new <drawing> goes before the first.
_AFTER_DRAWING = (b"<legacyDrawing", b"<legacyDrawingHF", b"<drawingHF", b"<picture", b"<oleObjects", b"<controls",
                  b"<webPublishItems", b"<tableParts", b"<extLst", b"</worksheet>")  # fmt: skip
COLUMN_EMU = 64 * 9525  # a default column is about 64 pixels wide

# What the parts are, for the list of what could not be kept.
PART_KINDS = (
    ("xl/drawings/", "images, charts and shapes"),
    ("xl/media/", "images"),
    ("xl/charts/", "charts"),
    ("xl/threadedComments/", "threaded comments"),
    ("xl/persons/", "the authors of threaded comments"),
    ("xl/connections.xml", "data connections (Power Query)"),
    ("xl/queryTables/", "query tables (Power Query)"),
    ("customXml/", "custom XML (Power Query definitions)"),
    ("xl/pivotTables/", "pivot tables"),
    ("xl/pivotCache/", "pivot caches"),
    ("xl/slicers/", "slicers"),
    ("xl/slicerCaches/", "slicer caches"),
    ("xl/timelines/", "timelines"),
    ("xl/embeddings/", "embedded objects"),
    ("xl/activeX/", "ActiveX controls"),
    ("xl/ctrlProps/", "form controls"),
    ("xl/model/", "the data model"),
)
# Parts openpyxl writes afresh (their content moves into its own parts) and parts Excel rebuilds itself.
REWRITTEN = re.compile(
    r"^(\[Content_Types\]\.xml|_rels/\.rels|docProps/.*|xl/workbook\.xml|xl/_rels/workbook\.xml\.rels|xl/styles\.xml"
    r"|xl/sharedStrings\.xml|xl/theme/.*|xl/calcChain\.xml|xl/worksheets/.*|xl/comments.*|xl/drawings/(?:vml|comments)Drawing.*"
    r"|xl/tables/.*|xl/printerSettings/.*|xl/vbaProject\.bin|xl/externalLinks/.*|xl/metadata\.xml)$"
)
# Parts that only matter through a relationship we do not restore (they would be orphans).
_RESTORABLE_SHEET_RELS = ("/drawing", "/threadedComment")
_RESTORABLE_BOOK_RELS = ("/connections", "/person", "/customXml")


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return dict(_ATTR.findall(raw))


@dataclass
class Package:
    """A workbook package read into memory (the full path's workbooks are small: at most tens of megabytes)."""

    parts: dict[str, bytes]
    sheets: dict[str, str] = field(default_factory=dict)  # sheet name -> worksheet part

    @classmethod
    def read(cls, path: Path) -> Package:
        with zipfile.ZipFile(path) as zf:
            pkg = cls({i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()})
        rels = pkg.rels("xl/workbook.xml")
        for raw in _SHEET.findall(pkg.parts.get("xl/workbook.xml", b"")):
            a = _attrs(raw)
            rid = a.get(b"r:id") or next((v for k, v in a.items() if k.endswith(b":id")), None)
            if rid is not None and rid.decode() in rels:
                pkg.sheets[html.unescape(a.get(b"name", b"").decode("utf-8"))] = rels[rid.decode()][1]
        return pkg

    @staticmethod
    def rels_name(part: str) -> str:
        folder, name = posixpath.split(part)
        return posixpath.join(folder, "_rels", name + ".rels")

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """rId -> (type, target part) of a part's relationships (external targets left out)."""
        out: dict[str, tuple[str, str]] = {}
        folder = posixpath.dirname(part)
        for raw in _REL.findall(self.parts.get(self.rels_name(part), b"")):
            a = _attrs(raw)
            if a.get(b"TargetMode") == b"External":
                continue
            target = a.get(b"Target", b"").decode("utf-8")
            full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out[a.get(b"Id", b"").decode()] = (a.get(b"Type", b"").decode(), full)
        return out

    def add_rel(self, part: str, rel_type: str, target: str) -> str:
        """Add a relationship from ``part`` to ``target`` (a part name); returns its new id."""
        name = self.rels_name(part)
        xml = self.parts.get(name) or (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
        )
        taken = set(re.findall(rb'Id="([^"]+)"', xml))
        n = 1
        while f"rIdKept{n}".encode() in taken:
            n += 1
        rid = f"rIdKept{n}"
        rel_target = posixpath.relpath(target, posixpath.dirname(part) or ".")
        entry = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{html.escape(rel_target)}"/>'.encode()
        self.parts[name] = xml.replace(b"</Relationships>", entry + b"</Relationships>")
        return rid

    def retarget(self, part: str, rid: str, target: str) -> None:
        """Point the relationship ``rid`` of ``part`` at another part."""
        name = self.rels_name(part)
        xml = self.parts[name]
        for raw in _REL.findall(xml):
            if _attrs(raw).get(b"Id") == rid.encode():
                old_target = _attrs(raw)[b"Target"]
                self.parts[name] = xml.replace(raw, raw.replace(b'Target="' + old_target + b'"', b'Target="/' + target.encode() + b'"'))
                return

    def drop_unreachable(self) -> None:
        """Remove the parts no relationship reaches any more (and their content types)."""
        reach: set[str] = set()
        todo = [t for _, t in self.rels("").values()]
        while todo:
            part = todo.pop()
            if part in reach or part not in self.parts:
                continue
            reach.add(part)
            todo += [t for _, t in self.rels(part).values()]
        for name in list(self.parts):
            if name == "[Content_Types].xml" or name in reach:
                continue
            if name.endswith(".rels"):
                owner = name.replace("_rels/", "").removesuffix(".rels")
                if owner == "" or owner in reach or name == "_rels/.rels":
                    continue
            del self.parts[name]
            self.parts["[Content_Types].xml"] = re.sub(
                rb'<Override PartName="/' + re.escape(name.encode()) + rb'"[^>]*/>', b"", self.parts["[Content_Types].xml"]
            )

    def content_type(self, part: str) -> bytes | None:
        types = self.parts.get("[Content_Types].xml", b"")
        for raw in _OVERRIDE.findall(types):
            a = _attrs(raw)
            if a.get(b"PartName", b"").decode().lstrip("/") == part:
                return a.get(b"ContentType")
        return None

    def ensure_type(self, part: str, source: Package) -> None:
        """Give ``part`` the content type it has in ``source`` (an Override, or the Default of its extension)."""
        types = self.parts.get("[Content_Types].xml", b"")
        wanted = source.content_type(part.split("|", 1)[0])
        if wanted is not None:
            entry = f'<Override PartName="/{part}" ContentType="{wanted.decode()}"/>'.encode()
            if entry not in types:
                types = types.replace(b"</Types>", entry + b"</Types>")
        else:
            ext = part.rsplit(".", 1)[-1].encode()
            mine = {_attrs(r).get(b"Extension", b"").lower() for r in _DEFAULT.findall(types)}
            if ext.lower() not in mine:
                theirs = next(
                    (
                        _attrs(r)
                        for r in _DEFAULT.findall(source.parts.get("[Content_Types].xml", b""))
                        if _attrs(r).get(b"Extension", b"").lower() == ext.lower()
                    ),
                    None,
                )
                if theirs is not None:
                    entry = (
                        f'<Default Extension="{theirs[b"Extension"].decode()}" ContentType="{theirs[b"ContentType"].decode()}"/>'.encode()
                    )
                    types = (
                        types.replace(b"<Override", entry + b"<Override", 1)
                        if b"<Override" in types
                        else types.replace(b"</Types>", entry + b"</Types>")
                    )
        self.parts["[Content_Types].xml"] = types

    def write(self, path: Path) -> None:
        order = ["[Content_Types].xml", *(n for n in self.parts if n != "[Content_Types].xml")]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in order:
                zf.writestr(name, self.parts[name])


def drawing_right_edge(path: Path) -> dict[str, int]:
    """Sheet name -> the first column (0-based) right of every image, chart and shape anchored on it, so that the
    Check columns can go where they cover nothing. Sheets without drawings are left out."""
    try:
        pkg = Package.read(path)
    except (OSError, zipfile.BadZipFile, KeyError):
        return {}
    out: dict[str, int] = {}
    for name, part in pkg.sheets.items():
        for rel_type, target in pkg.rels(part).values():
            if not rel_type.endswith("/drawing"):
                continue
            for anchor in _ANCHOR.finditer(pkg.parts.get(target, b"")):
                body = anchor.group(0)
                start = _FROM_COL.search(body)
                end = _TO_COL.search(body)
                if end is not None:
                    right = int(end.group(1)) + 1
                elif start is not None:
                    cx = _EXT_CX.search(body)
                    right = int(start.group(1)) + 1 + (int(cx.group(1)) // COLUMN_EMU if cx else 2)
                else:
                    continue
                out[name] = max(out.get(name, 0), right)
    return out


def _copy_tree(src: Package, dst: Package, part: str, renamed: dict[str, str]) -> str:
    """Copy ``part`` and every part it refers to (drawings -> charts, images ...) under new names; the new name."""
    if part in renamed:
        return renamed[part]
    folder, name = posixpath.split(part)
    new = posixpath.join(folder, f"kept_{name}")
    n = 2
    while new in dst.parts:
        new, n = posixpath.join(folder, f"kept{n}_{name}"), n + 1
    renamed[part] = new
    dst.parts[new] = src.parts[part]
    dst.ensure_type(new, _Renamed(src, new, part))
    rels = src.parts.get(Package.rels_name(part))
    if rels is not None:
        fixed = rels
        for _rel_type, target in src.rels(part).values():
            if target in src.parts:
                child = _copy_tree(src, dst, target, renamed)
                old_rel = posixpath.relpath(target, folder).encode()
                new_rel = posixpath.relpath(child, posixpath.dirname(new)).encode()
                fixed = fixed.replace(b'Target="' + old_rel + b'"', b'Target="' + new_rel + b'"')
                fixed = fixed.replace(b'Target="/' + target.encode() + b'"', b'Target="/' + child.encode() + b'"')
        dst.parts[Package.rels_name(new)] = fixed
    return new


class _Renamed(Package):
    """``source`` seen with one part under a new name (for its content type)."""

    def __init__(self, source: Package, new: str, old: str):
        super().__init__(source.parts)
        self._source, self._new, self._old = source, new, old

    def content_type(self, part: str) -> bytes | None:
        return self._source.content_type(self._old if part == self._new else part)


def _insert_before(xml: bytes, element: bytes, candidates: tuple[bytes, ...]) -> bytes:
    positions = [i for c in candidates if (i := xml.find(c)) >= 0]
    at = min(positions) if positions else len(xml)
    return xml[:at] + element + xml[at:]


def _cached_values(source: bytes) -> dict[bytes, tuple[bytes, bytes]]:
    """Formula cells of a worksheet: ref -> (the cell's attributes, the cached value)."""
    return {m.group(1): (m.group(2), m.group(5)) for m in _FORMULA_CELL.finditer(source) if m.group(5)}


def _restore_values(written: bytes, cached: dict[bytes, tuple[bytes, bytes]]) -> bytes:
    def put(m: re.Match[bytes]) -> bytes:
        ref, attrs, formula, v = m.group(1), m.group(2), m.group(3), m.group(5)
        if v or ref not in cached:
            return m.group(0)
        their_attrs, value = cached[ref]
        kind = re.search(rb'\bt="(\w+)"', their_attrs)
        if kind is not None and b" t=" not in attrs:
            attrs += b' t="' + kind.group(1) + b'"'
        return b'<c r="' + ref + b'"' + attrs + b">" + formula + b"<v>" + value + b"</v></c>"

    return _FORMULA_CELL.sub(put, written)


def restore(original: Path, written: Path) -> list[str]:
    """Put back into ``written`` (openpyxl's annotated copy of ``original``) what openpyxl dropped, in place.
    Returns what could still not be kept, in words (empty when everything was)."""
    src, dst = Package.read(original), Package.read(written)
    renamed: dict[str, str] = {}
    for name, in_part in src.sheets.items():
        out_part = dst.sheets.get(name)
        if out_part is None or out_part not in dst.parts:
            continue
        xml = dst.parts[out_part]
        have = {t.rsplit("/", 1)[-1]: (rid, target) for rid, (t, target) in dst.rels(out_part).items()}
        for rel_type, target in src.rels(in_part).values():
            kind = rel_type.rsplit("/", 1)[-1]
            if not rel_type.endswith(_RESTORABLE_SHEET_RELS) or target not in src.parts:
                continue
            if kind == "drawing" and kind in have:  # openpyxl rewrote the drawing from what it understood: the original goes back
                dst.retarget(out_part, have[kind][0], _copy_tree(src, dst, target, renamed))
                continue
            if kind in have:
                continue
            rid = dst.add_rel(out_part, rel_type, _copy_tree(src, dst, target, renamed))
            if kind == "drawing":
                xml = _insert_before(xml, f'<drawing xmlns:r="{REL_NS}" r:id="{rid}"/>'.encode(), _AFTER_DRAWING)
        their = src.parts[in_part]
        ext = _WS_EXTLST.search(their)
        if ext is not None and not _WS_EXTLST.search(xml):
            block = ext.group(0)[: ext.group(0).rfind(b"</worksheet>")].rstrip()
            xml = _insert_before(xml, _with_namespaces(block, their), (b"</worksheet>",))
        cached = _cached_values(their)
        if cached:
            xml = _restore_values(xml, cached)
        dst.parts[out_part] = xml
    have_book = {t.rsplit("/", 1)[-1] for t, _ in dst.rels("xl/workbook.xml").values()}
    for rel_type, target in src.rels("xl/workbook.xml").values():
        kind = rel_type.rsplit("/", 1)[-1]
        if rel_type.endswith(_RESTORABLE_BOOK_RELS) and kind not in have_book and target in src.parts:
            dst.add_rel("xl/workbook.xml", rel_type, _copy_tree(src, dst, target, renamed))
    dst.drop_unreachable()
    dst.write(written)
    return not_kept(original, written)


def _with_namespaces(block: bytes, source: bytes) -> bytes:
    """An ``<extLst>`` moved to another worksheet carries the namespace declarations of its old root element."""
    root = re.search(rb"<worksheet\b([^>]*)>", source)
    if root is None:
        return block
    used = set(re.findall(rb"<(\w+):", block)) | set(re.findall(rb"\s(\w+):\w+=", block))
    decls = [m for m in re.finditer(rb'xmlns:(\w+)="([^"]*)"', root.group(1)) if m.group(1) in used]
    missing = b"".join(b" " + m.group(0) for m in decls if m.group(0) not in block)
    return block.replace(b"<extLst", b"<extLst" + missing, 1)


def not_kept(original: Path, written: Path) -> list[str]:
    """What of ``original`` is not in ``written``: the parts (by kind) neither copied nor rewritten, and, sheet by
    sheet, the extensions and cached formula values that are missing."""
    src, dst = Package.read(original), Package.read(written)
    kept = set(dst.parts.values())
    missing: dict[str, list[str]] = {}
    for name, data in src.parts.items():
        if REWRITTEN.match(name) or name.endswith(".rels") or data in kept:
            continue
        label = next((label for prefix, label in PART_KINDS if name.startswith(prefix)), "other parts")
        missing.setdefault(label, []).append(name)
    out = [f"{label} ({', '.join(sorted(names)[:3])}{' ...' if len(names) > 3 else ''})" for label, names in missing.items()]
    for name, in_part in src.sheets.items():
        out_part = dst.sheets.get(name)
        if out_part is None:
            continue
        theirs, ours = src.parts.get(in_part, b""), dst.parts.get(out_part, b"")
        if _WS_EXTLST.search(theirs) and not _WS_EXTLST.search(ours):
            out.append(f"sheet {name}: sparklines and other worksheet extensions")
        lost = [ref.decode() for ref in _cached_values(theirs) if ref not in _cached_values(ours)]
        if lost:
            out.append(
                f"sheet {name}: the last calculated values of {len(lost)} formulas ({', '.join(lost[:3])}{' ...' if len(lost) > 3 else ''})"
            )
    return out


def predict_not_kept(original: Path) -> list[str]:
    """What ``restore`` will not be able to keep of ``original``, known before the copy is written (for the Summary):
    the parts that no restorable relationship reaches."""
    try:
        src = Package.read(original)
    except (OSError, zipfile.BadZipFile, KeyError):
        return []
    reach: set[str] = set()

    def walk(part: str) -> None:
        if part in reach or part not in src.parts:
            return
        reach.add(part)
        for _, target in src.rels(part).values():
            walk(target)

    for part in src.sheets.values():
        for rel_type, target in src.rels(part).values():
            if rel_type.endswith(_RESTORABLE_SHEET_RELS):
                walk(target)
    for rel_type, target in src.rels("xl/workbook.xml").values():
        if rel_type.endswith(_RESTORABLE_BOOK_RELS):
            walk(target)
    missing: dict[str, list[str]] = {}
    for name in src.parts:
        if REWRITTEN.match(name) or name.endswith(".rels") or name in reach:
            continue
        label = next((label for prefix, label in PART_KINDS if name.startswith(prefix)), "other parts")
        missing.setdefault(label, []).append(name)
    return [f"{label} ({', '.join(sorted(names)[:3])}{' ...' if len(names) > 3 else ''})" for label, names in missing.items()]


_CODE_NAME = re.compile(rb'<(?:\w+:)?(?:sheetPr|workbookPr)\b[^>]*?\bcodeName="([^"]*)"')


def code_names(path: Path) -> tuple[str | None, dict[str, str]]:
    """A macro workbook's code names: the workbook's (``ThisWorkbook``) and each sheet's (``Sheet1``), by sheet name.
    VBA refers to sheets by these, so a copy must keep them."""
    try:
        pkg = Package.read(path)
    except (OSError, zipfile.BadZipFile, KeyError):
        return None, {}
    book = _CODE_NAME.search(pkg.parts.get("xl/workbook.xml", b""))
    sheets = {}
    for name, part in pkg.sheets.items():
        m = _CODE_NAME.search(pkg.parts.get(part, b"")[:4096])
        if m is not None:
            sheets[name] = html.unescape(m.group(1).decode("utf-8"))
    return (html.unescape(book.group(1).decode("utf-8")) if book else None), sheets
