"""Build real DOCX and PDF files for the tests (python-docx, reportlab with a Vietnamese-capable TTF)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


def seed_text(name: str = "000_dd1c5792947a306a") -> str:
    return (CORPUS / f"{name}.txt").read_text(encoding="utf-8")


def dejavu_font() -> str:
    system = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if system.is_file():
        return str(system)
    import matplotlib

    return str(Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf")


def make_docx(path: Path, blocks: list, title: str | None = None) -> Path:
    """blocks: a str is a paragraph; a list of rows (lists of cell strings) is a table."""
    import docx

    path.parent.mkdir(parents=True, exist_ok=True)
    d = docx.Document()
    for block in blocks:
        if isinstance(block, str):
            d.add_paragraph(block)
        else:
            table = d.add_table(rows=len(block), cols=max(len(r) for r in block))
            for r, row in enumerate(block):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
    if title:
        d.core_properties.title = title
    d.save(str(path))
    return path


def make_pdf(path: Path, pages: list[str], font_size: float = 10) -> Path:
    """One list item per page (an empty string makes a page with a drawing and no text);
    paragraphs are wrapped at spaces to the page width, and overflow goes on extra pages."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", dejavu_font()))
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = A4
    c = canvas.Canvas(str(path), pagesize=A4)
    for page in pages:
        if not page:
            c.rect(100, 100, 200, 300, fill=1)  # a "scan": ink but no text layer
            c.showPage()
            continue
        y = height - 50
        for para in page.split("\n"):
            for line in simpleSplit(para, "DejaVuSans", font_size, width - 100) or [""]:
                if y < 50:
                    c.showPage()
                    y = height - 50
                c.setFont("DejaVuSans", font_size)
                c.drawString(50, y, line)
                y -= font_size * 1.3
        c.showPage()
    c.save()
    return path
