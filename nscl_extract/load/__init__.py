"""Loading: a file (txt, html, docx, pdf, page images through OCR) becomes NFC text, with page
furniture (running heads, page numbers) and HTML entities mapped so offsets stay exact."""
