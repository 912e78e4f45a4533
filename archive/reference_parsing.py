"""The fields of a cited work read from the reference entry an article printed: title, authors,
journal, year, volume, issue and pages, in the two styles Chinese medical articles print,
Vancouver (NLM) and GB/T 7714, in Chinese and English.

A field is given only when the entry's shape leaves no doubt about it; an entry that fits no
shape gives nothing. The names are those of the ``works`` table, so an entry's fields stand in
for a ``works`` row until ``medarchive enrich`` finds the work.
"""

import re

#: The longest text read as one entry (characters): real entries run under 600; a longer text
#: is several entries or a paragraph, and the patterns' work grows with the square of its length.
LONGEST_ENTRY = 2000
#: How an entry may still open when its list marker was kept: [1] [1]: 【1】 1.
MARKER = r"^\s*(?:\[\d{1,3}\][:：.]?|【\d{1,3}】|\d{1,3}[.．、]\s)\s*"
#: Where the printed fields end and the identifiers and links begin: what follows is not the work's.
#: The labels are one alternative so that the text is scanned fast.
TAIL = (
    r"(?:\(|\b)(?:doi|pmid|pmcid|pubmed|epub|available (?:from|at))\b", r"https?://", r"\bwww\.", r"文献标志码",
    r"\[全文链接\]", r"(?<![\w.])10\.\d{4,9}/",
)
#: GB/T 7714 type codes ([J] journal article, [M] book, ...) as Crossref work types; a code not
#: here gives no type. [D] is left out: it does not say whether the thesis is a doctor's or a master's.
GBT_TYPES = {"J": "journal-article", "M": "book", "C": "proceedings-article", "R": "report"}
#: GB/T codes whose text after the code is ``place: publisher, year``.
GBT_PUBLISHED = ("M", "D", "R")
#: One Vancouver author: surname words, then up to four initials (``Sa’ad MA``, ``van der Berg A``).
VANCOUVER_NAME = r"[^\W\d_][\w’'‐-]*(?: [^\W\d_][\w’'‐-]*)*? [A-Z]{1,4}"
#: Words that close an author list without being a name.
ET_AL = ("et al", "等")
#: A year a reference prints: four digits from 1500 on (no clock needed: the entry's own).
YEAR = r"(?:1[5-9]|20)\d\d"
#: Pages: ``321-325``, ``e1234``, an article number ``2050313X251386547``.
PAGES = r"[A-Za-z]?\d[\w.]*(?:\s*[-–~]\s*[A-Za-z]?\d[\w.]*)?"

#: PubMed's note after a title translated into English: not part of the title.
LANGUAGE_NOTE = re.compile(r"\s*\[(?:Article )?in [A-Z][a-z]+(?:,? (?:and )?[A-Z][a-z]+)*\]$")

_MARKER_RE = re.compile(MARKER)
_TAIL_RE = re.compile("|".join(TAIL), re.IGNORECASE)
_VANCOUVER_RE = re.compile(
    rf"^(?P<authors>{VANCOUVER_NAME}(?:, {VANCOUVER_NAME})*(?:,? et al)?)\.\s+"
    r"(?P<title>[^\s].+?)(?:\.|(?<=[?!]))\s+"
    r"(?P<journal>[A-Z][^.;:\[\]]*?)\.\s+"
    rf"(?P<year>{YEAR})(?:\s+[A-Z][a-z]{{2}}(?:-[A-Z][a-z]{{2}})?(?:\s+\d{{1,2}})?)?"
    r"(?:\s*;\s*(?P<volume>\d+)(?:\s*\((?P<issue>[^()]+)\))?)?"
    rf"(?:\s*:\s*(?P<pages>{PAGES}))?\s*\.?$"
)
_GBT_RE = re.compile(
    r"^(?:(?P<authors>[^\[\].．]+?)[.．]\s*)?(?P<title>[^\[\]]+?)\s*\[(?P<code>[A-Z]{1,2})(?:/OL)?\]\s*(?P<rest>.*)$"
)
_GBT_JOURNAL_RE = re.compile(
    rf"^[.．]\s*(?P<journal>[^,，\[\]]+?)\s*[,，]\s*(?P<year>{YEAR})"
    r"(?:\s*[,，]\s*(?P<volume>\d+))?(?:\s*[(（]\s*(?P<issue>[^()（）]+?)\s*[)）])?"
    rf"(?:\s*[:：]\s*(?P<pages>{PAGES}))?\s*[.。．]?$"
)
_GBT_PUBLISHED_RE = re.compile(
    r"^(?:[:：]\s*\[[^\]]*\]\s*)?[.．]\s*(?:[^:：,，.．\[\]]+\s*[:：]\s*)?(?P<publisher>[^,，:：.．\[\]]+?)"
    rf"\s*[,，]\s*(?P<year>{YEAR})(?:\s*[:：]\s*(?P<pages>{PAGES}))?\s*[.。．]?$"
)
_GBT_CODE_RE = re.compile(r"\[[A-Z]{1,2}(?:/OL)?\]")
_CJK_NAME_RE = re.compile(r"^[\u3400-\u9fff·•]{2,6}$")
_LATIN_NAME_RE = re.compile(r"^([^\W\d_][\w’'‐-]*(?: [^\W\d_][\w’'‐-]*)*?) ([A-Z][A-Za-z]{0,3}|[A-Z](?:\.? ?[A-Z])*\.?)$")


def parse_reference(text: str) -> dict:
    """The fields of the work the reference entry ``text`` names, as ``works`` columns:
    ``title``, ``authors`` (CSL names), ``container_title``, ``publisher``, ``type``, ``year``
    (int), ``volume``, ``issue``, ``pages``; only those read with confidence, none when the
    entry fits neither style."""
    if len(text) > LONGEST_ENTRY:
        return {}
    head = _printed_part(text)
    return _gbt(head) or _vancouver(head) or {}


def _printed_part(text: str) -> str:
    """The entry without its list marker and without the identifiers and links after its fields."""
    text = " ".join(text.split())
    text = _MARKER_RE.sub("", text, count=1)
    tail = _TAIL_RE.search(text)
    return (text[: tail.start()] if tail else text).strip()


def _vancouver(head: str) -> dict:
    """``Authors. Title. Journal. Year Mon Day;Volume(Issue):Pages.``"""
    match = _VANCOUVER_RE.match(head)
    if not match or _may_hold_journal(match["title"]):
        return {}
    names = _names(match["authors"])
    if names is None:
        return {}
    fields = {
        "title": LANGUAGE_NOTE.sub("", match["title"]), "authors": names, "container_title": match["journal"].strip(),
        "type": "journal-article", "year": int(match["year"]), "volume": match["volume"],
        "issue": match["issue"], "pages": _pages(match["pages"]),
    }
    return _present(fields)


def _may_hold_journal(title: str) -> bool:
    """Whether the title's last sentence is capitalised words alone (``Title. Stem Cells Transl``):
    they may be the first words of a journal printed with periods (``Stem Cells Transl. Med.``)."""
    sentences = re.split(r"(?<=[.?!]) ", title)
    words = [word.lstrip("(['\"‘“") for word in sentences[-1].split()]
    return len(sentences) > 1 and all(word[:1].isupper() or word[:1].isdigit() for word in words)


def _gbt(head: str) -> dict:
    """``Authors. Title[J]. Journal, Year, Volume(Issue): Pages.`` and the other GB/T 7714 codes."""
    match = _GBT_RE.match(head) if _GBT_CODE_RE.search(head) else None
    if not match:
        return {}
    fields = {"title": match["title"].strip()}
    if match["authors"] is not None:
        names = _names(match["authors"])
        if names is None:  # the part before the first period is no author list: where the title starts is unsure
            fields = {}
        else:
            fields["authors"] = names
    code, rest = match["code"], match["rest"]
    if code == "J":
        journal = _GBT_JOURNAL_RE.match(rest)
        if journal:
            fields |= {"container_title": journal["journal"], "type": GBT_TYPES[code], "year": int(journal["year"]),
                       "volume": journal["volume"], "issue": journal["issue"], "pages": _pages(journal["pages"])}
    else:
        fields["type"] = GBT_TYPES.get(code)
        published = _GBT_PUBLISHED_RE.match(rest) if code in GBT_PUBLISHED else None
        if published:
            fields |= {"publisher": published["publisher"], "year": int(published["year"]), "pages": _pages(published["pages"])}
    return _present(fields)


def _names(text: str) -> list[dict] | None:
    """The author list as CSL names: a Chinese name as it is (``literal``), a Latin one as
    surname and initials. None when any part is not a name: the text is something else."""
    parts = [part.strip() for part in re.split(r"[,，、;；]", text) if part.strip()]
    names = []
    for part in parts:
        if part in ET_AL:
            continue
        if _CJK_NAME_RE.match(part):
            names.append({"literal": part})
            continue
        latin = _LATIN_NAME_RE.match(part)
        if not latin:
            return None
        names.append({"family": latin[1], "given": latin[2]})
    return names or None


def _pages(pages: str | None) -> str | None:
    """``first-last``, the last page written whole: Vancouver prints ``321-5`` for 321-325."""
    if not pages:
        return None
    first, _, last = re.sub(r"\s*[-–~]\s*", "-", pages).rstrip(".").partition("-")
    if first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return f"{first}-{last}" if last else first


def _present(fields: dict) -> dict:
    return {name: value for name, value in fields.items() if value not in (None, "", [])}
