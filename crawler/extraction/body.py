"""Where the article text is: every block of the page scored once, by its paragraphs.

A paragraph is a run of text owned by one block (a ``<p>``, the text between ``<br>``s of a
``<div>``, a WeChat ``<section>``). Each paragraph adds a score for its length and its
punctuation (prose has commas and full stops, menus do not), discounted by the share of it
inside links, to the block that holds it and half that to the block above, as readability
does. The block with the highest score, discounted by its own link density, holds the
article. Wrappers with a single child are transparent, so nested ``<section>``s or a
``<div>`` around one ``<div>`` do not dilute the score.

One pass in reverse document order visits every node once: linear in the page's size, so a
page of deeply nested blocks costs no more per byte than a flat one.
"""

from dataclasses import dataclass

from .text import BLOCK_TAGS, INVISIBLE_TAGS

#: Punctuation that prose has and menus lack.
PROSE_PUNCTUATION = "，。！？；：、“”‘’,.!?;:"
#: Blocks that hold paragraphs (their own text runs are paragraphs of theirs).
CONTAINER_TAGS = frozenset("article body blockquote dd div form main section td tbody table center".split())
#: A text run shorter than this (link text excluded) is a caption, a label or a button.
MIN_PARAGRAPH_CHARS = 8
#: str.translate table deleting whitespace (full-width and zero-width included): counting
#: characters this way is several times faster than a regex substitution.
_DROP_PUNCTUATION = dict.fromkeys(map(ord, PROSE_PUNCTUATION))
_DROP_SPACE = dict.fromkeys(map(ord, " \t\n\r\f\v\u00a0\u3000\u200b\ufeff\u2002\u2003\u2009"))


@dataclass(slots=True)
class BlockStats:
    """Totals for one element's subtree, computed once."""

    chars: int = 0  # visible characters, whitespace excluded
    link_chars: int = 0  # of which inside links
    score: float = 0.0  # paragraph score gathered from below
    links: int = 0  # <a href> elements, itself included (measure_blocks only)

    @property
    def link_density(self) -> float:
        return self.link_chars / self.chars if self.chars else 1.0


class _Run:
    """A paragraph being collected: characters, link characters and punctuation."""

    __slots__ = ("chars", "links", "punctuation")

    def __init__(self):
        self.chars = self.links = self.punctuation = 0

    def add(self, text: str | None, in_link: bool) -> None:
        if not text:
            return
        chars = len(text.translate(_DROP_SPACE))
        self.chars += chars
        if in_link:
            self.links += chars
        self.punctuation += len(text) - len(text.translate(_DROP_PUNCTUATION))

    def merge(self, other: "_Run") -> None:
        self.chars += other.chars
        self.links += other.links
        self.punctuation += other.punctuation

    def score(self) -> float:
        prose = self.chars - self.links
        if prose < MIN_PARAGRAPH_CHARS:
            return 0.0
        return (1 + self.punctuation + min(prose / 40, 3)) * (prose / self.chars)


def score_blocks(root) -> dict:
    """``BlockStats`` for every element under ``root``, keyed by element."""
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    stats = {e: BlockStats() for e in elements}
    linked = {e for a in root.iter("a") for e in a.iter()}
    # Per inline element: its runs (split at <br>), to be joined into its block's runs.
    inline_runs: dict = {}
    owners: list = []  # (block, runs) in reverse document order
    for element in reversed(elements):
        tag = element.tag
        own = stats[element]
        if tag in INVISIBLE_TAGS:
            inline_runs[element] = [_Run()]
            continue
        in_link = element in linked
        runs = [_Run()]
        runs[-1].add(element.text, in_link)
        own.chars += runs[-1].chars
        own.link_chars += runs[-1].links
        for child in element:
            if isinstance(child.tag, str):
                child_stats = stats[child]
                own.chars += child_stats.chars
                own.link_chars += child_stats.link_chars
                if child.tag == "br":
                    runs.append(_Run())
                elif child.tag not in BLOCK_TAGS and child.tag not in INVISIBLE_TAGS:
                    child_runs = inline_runs.pop(child, [_Run()])
                    runs[-1].merge(child_runs[0])
                    runs.extend(child_runs[1:])
                elif child.tag in BLOCK_TAGS:
                    runs.append(_Run())  # a block child ends the run before it
            if child.tail:
                before = runs[-1].chars, runs[-1].links
                runs[-1].add(child.tail, in_link)
                own.chars += runs[-1].chars - before[0]
                own.link_chars += runs[-1].links - before[1]
        if tag in BLOCK_TAGS:
            owners.append((element, runs))
        else:
            inline_runs[element] = runs
    for block, runs in owners:
        total = sum(run.score() for run in runs)
        if not total:
            continue
        if block.tag in CONTAINER_TAGS and _holds_blocks(block):
            targets = (block, _up(block))
        else:
            parent = _up(block)
            targets = (parent, _up(parent) if parent is not None else None)
        for weight, target in zip((1.0, 0.5), targets):
            if target is not None and target in stats:
                stats[target].score += weight * total
    return stats


def measure_blocks(root) -> dict:
    """``BlockStats`` with characters, link characters and links only (no scores), for every
    element under ``root``: the cheaper pass, for pruning inside the article block."""
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    stats = {e: BlockStats() for e in elements}
    linked = {e for a in root.iter("a") for e in a.iter()}
    for element in reversed(elements):
        own = stats[element]
        # Counted here, not by an XPath per block: that walked each block's subtree again,
        # elements x depth on deeply nested pages.
        own.links = (element.tag == "a" and element.get("href") is not None) + sum(
            stats[child].links for child in element if isinstance(child.tag, str)
        )
        if element.tag in INVISIBLE_TAGS:
            continue
        chars = len(element.text.translate(_DROP_SPACE)) if element.text else 0
        for child in element:
            if child.tail:
                chars += len(child.tail.translate(_DROP_SPACE))
            if isinstance(child.tag, str):
                own.chars += stats[child].chars
                own.link_chars += stats[child].link_chars
        own.chars += chars
        if element in linked:
            own.link_chars += chars
    return stats


def best_block(root, stats: dict):
    """The element most likely to hold the article text, or None when no block holds prose."""
    best, best_score = None, 0.0
    for element, block in stats.items():
        if element.tag not in CONTAINER_TAGS and element.tag not in ("p", "li", "ul", "ol"):
            continue
        score = block.score * (1 - block.link_density)
        if score > best_score:
            best, best_score = element, score
    return best


def _up(element):
    """The nearest ancestor that is more than a wrapper around a single child."""
    parent = element.getparent()
    while parent is not None and _single_child(parent) and not (parent.text or "").strip() and parent.getparent() is not None:
        parent = parent.getparent()
    return parent


def _single_child(element) -> bool:
    # Not ``len(element) == 1``: lxml counts the children one by one, and asking that of a
    # <body> with 30,000 paragraphs for each of them made a flat 10 MB page take 30 s.
    first = next(iter(element), None)
    return first is not None and first.getnext() is None


def _holds_blocks(element) -> bool:
    return any(isinstance(child.tag, str) and child.tag in BLOCK_TAGS for child in element)


def _inside_link(element) -> bool:
    for ancestor in element.iterancestors("a"):
        return True
    return False
