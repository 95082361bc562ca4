"""The yardstick of benchmarks/bench.py: what segmenting every word of the same files costs.

    python benchmarks/tokenize_baseline.py DIR OUT.jsonl

Reads every .txt file under DIR (sorted, as the batch command does), runs underthesea's
word_tokenize on each non-blank line and writes one JSON line per file. Start-up, reading and
writing are included, as they are for `nscl-extract batch DIR -o OUT.jsonl`.
"""
import json
import sys
from pathlib import Path

from underthesea import word_tokenize


def main(folder: str, output: str) -> None:
    with open(output, "w", encoding="utf-8") as out:
        for path in sorted(Path(folder).rglob("*.txt")):
            text = path.read_text(encoding="utf-8")
            words = [word_tokenize(line) for line in text.splitlines() if line.strip()]
            out.write(json.dumps({"source": str(path), "words": words}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
