"""OFX markup to a tree: SGML (1.x, closing tags optional) and XML (2.x) alike.

OFX 1.x is SGML: an element holding a value has no closing tag (`<NAME>VIR
SEPA`), though some banks write one anyway; aggregates are closed. OFX 2.x
is XML. French banks produce every mix of the two, so one small tokenizer
reads them all: an element with a value is a leaf, an element without one
is an aggregate when the file closes it somewhere. No XML parser is
involved, so nothing in the file is ever expanded but the character
references of the text. ofxtools was tried and refused every sample file
of the tests: it enforces the specification's element order (an ACCTKEY written
before ACCTTYPE), requires LEDGERBAL, and rejects a BOM before the header.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9_.]*)\s*(/?)>([^<]*)")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HEADER_LINE = re.compile(r"^\s*([A-Z]+)\s*:\s*(.*?)\s*$", re.M)
_HEADER_ATTRIBUTE = re.compile(r'([A-Za-z]+)\s*=\s*"([^"]*)"')

#: Elements that hold a value even when it is empty: never aggregates.
LEAVES = {
    "TRNTYPE",
    "DTPOSTED",
    "DTUSER",
    "DTAVAIL",
    "TRNAMT",
    "FITID",
    "NAME",
    "MEMO",
    "CHECKNUM",
    "REFNUM",
    "BANKID",
    "BRANCHID",
    "ACCTID",
    "ACCTKEY",
    "ACCTTYPE",
    "CURDEF",
    "CURSYM",
    "BALAMT",
    "DTASOF",
    "DTSTART",
    "DTEND",
}


@dataclass
class Node:
    """An OFX element: its value (leaves) or children (aggregates), and the line it starts on."""

    tag: str
    text: str
    line: int
    children: list[Node] = field(default_factory=list)

    def find(self, path: str) -> Node | None:
        """The first element at a "/"-separated path of child tags."""
        node: Node | None = self
        for tag in path.split("/"):
            node = next((child for child in node.children if child.tag == tag), None)
            if node is None:
                return None
        return node

    def value(self, path: str) -> str:
        node = self.find(path)
        return node.text if node is not None else ""

    def findall(self, tag: str) -> list[Node]:
        return [child for child in self.children if child.tag == tag]

    def iter(self, tag: str) -> Iterator[Node]:
        """Every element named `tag` below this one, in file order."""
        for child in self.children:
            if child.tag == tag:
                yield child
            yield from child.iter(tag)


def header(text: str) -> dict[str, str]:
    """The OFX header: 1.x `KEY:VALUE` lines, or the 2.x `<?OFX …?>` and XML declaration."""
    start = text.find("<")
    values = dict(_HEADER_LINE.findall(text[: start if start >= 0 else len(text)]))
    for declaration in re.findall(r"<\?(?:xml|OFX)\s[^>]*\?>", text[:2000]):
        values.update((k.upper(), v) for k, v in _HEADER_ATTRIBUTE.findall(declaration))
    return values


def parse(text: str) -> Node:
    """The element tree of the OFX body in `text` (the header is skipped)."""
    text = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]
    tokens = list(_TAG.finditer(text))
    closed = {m.group(2).upper() for m in tokens if m.group(1)}
    root = Node("", "", 0)
    stack = [root]
    for match in tokens:
        closing, tag, self_closing, after = match.groups()
        tag = tag.upper()
        if closing:
            if any(node.tag == tag for node in stack[1:]):
                while stack.pop().tag != tag:
                    pass
            continue
        node = Node(tag, html.unescape(after).strip(), bisect_right(newlines, match.start()) + 1)
        stack[-1].children.append(node)
        if not (node.text or self_closing or tag in LEAVES) and tag in closed:
            stack.append(node)
    return root
