"""Build grammar/tag_codes.txt, the TAGS vocabulary, from the shared cable corpora.

A code is a token printed in the TAGS field of at least two cables: letters only, two to four
of them (subject codes such as PREL and PHUM, country codes such as BR). Longer tokens are
left out: most are words of a multi-word tag ("HUMAN RIGHTS") or codes glued together by a
printing fault ("ITPHUM"), which redact.tags splits with this list.

    python scripts/tag_vocabulary.py [../shared/corpus] > grammar/tag_codes.txt
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from redact.parse import parse

_PREFIX = re.compile(r"^\s*tags?\s*:?\s*", re.I)
_DEBRIS = re.compile(r"\[([^\]\n]*)\]\(#\)")
_TOKEN = re.compile(r"[A-Za-z]{2,4}")


def codes(corpus: Path) -> Counter[str]:
    """How many cables print each short token in their TAGS field."""
    seen: Counter[str] = Counter()
    for layout in ("cablegate", "mirror"):
        for path in sorted((corpus / layout).glob("*.txt")):
            document = parse(path.read_text(encoding="utf-8", errors="replace"), source=str(path))
            tokens: set[str] = set()
            for field in document.header.fields:
                if field.name == "tags":
                    text = _PREFIX.sub("", _DEBRIS.sub(r"\1", " ".join(field.text.split())))
                    tokens.update(t.upper() for t in re.split(r"[\s,;]+", text) if _TOKEN.fullmatch(t))
            seen.update(tokens)
    return seen


def main() -> None:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus")
    counted = codes(corpus)
    print("# TAGS codes printed in at least two cables of the shared corpora (cablegate/, mirror/),")
    print("# written by scripts/tag_vocabulary.py: one code a line.")
    for code, count in sorted(counted.items()):
        if count >= 2:
            print(code)


if __name__ == "__main__":
    main()
