"""The hostile files of issue 22 ("tiny files, huge cost"), built small on disk: shared by the byte-cap
tests (tests/data/test_byte_caps.py) and bench/abuse_files.py, which measures them."""
import zipfile
from pathlib import Path


def parquet_file(folder: Path, rows: int = 5000) -> Path:
    """rows of one dictionary-encoded 20 KB string (under 1 KB on disk: zstd squeezes the one copy)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = ("good movie " * 1900)[:20_480]  # 20 KB of words: the tokenizer's worst kind of text
    column = pa.DictionaryArray.from_arrays(pa.array([0] * rows, pa.int32()), pa.array([text]))
    labels = pa.DictionaryArray.from_arrays(pa.array([i % 2 for i in range(rows)], pa.int32()), pa.array(["pos", "neg"]))
    path = folder / "tiny.parquet"
    pq.write_table(pa.table({"text": column, "label": labels}), path, compression="zstd")
    return path


def xlsx_file(folder: Path, megabytes: int = 200) -> Path:
    """A one-sheet workbook whose first text cell is a 200 MB shared string (zip deflates it to ~200 KB)."""
    from openpyxl import Workbook

    small = folder / "small.xlsx"
    book = Workbook()
    for row in (["text", "label"], ["PLACEHOLDER", "pos"], ["other", "neg"]):
        book.active.append(row)
    book.save(small)
    shared = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    relation = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    path = folder / "bomb.xlsx"
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item).decode()
            if item.filename == "xl/worksheets/sheet1.xml":  # the inline cell becomes shared string 0
                data = data.replace('t="inlineStr"><is><t>PLACEHOLDER</t></is>', 't="s"><v>0</v>')
            elif item.filename == "[Content_Types].xml":
                data = data.replace("</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{shared}"/></Types>')
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace("</Relationships>", f'<Relationship Id="rIdS" Type="{relation}" '
                                    'Target="sharedStrings.xml"/></Relationships>')
            target.writestr(item.filename, data)
        with target.open("xl/sharedStrings.xml", "w") as out:
            out.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
                      b'uniqueCount="1"><si><t>')
            for _ in range(megabytes):
                out.write(b"word " * (1024 * 1024 // 5))
            out.write(b"</t></si></sst>")
    return path


def pdf_file(folder: Path, pages: int = 200) -> Path:
    """Every page draws the same compressed content stream of many text lines."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    lines = "\n".join(f"BT /F1 9 Tf 20 {800 - (i % 90) * 9} Td (A sentence of words on line {i}.) Tj ET"
                      for i in range(12_000))  # ~0.7 MB decoded, ~70 KB on disk
    writer = PdfWriter()
    stream = DecodedStreamObject()
    stream.set_data(lines.encode())
    stream = stream.flate_encode(level=9)
    content = writer._add_object(stream)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    font_ref = writer._add_object(font)
    for _ in range(pages):
        page = writer.add_blank_page(612, 842)
        page[NameObject("/Contents")] = content
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject("/F1"): font_ref})})
    path = folder / "shared-stream.pdf"
    with open(path, "wb") as f:
        writer.write(f)
    return path
