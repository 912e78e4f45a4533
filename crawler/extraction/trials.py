"""Find clinical-trial registration numbers (ClinicalTrials.gov, ChiCTR, ISRCTN, EudraCT,
CTIS, jRCT, ANZCTR) in article text and link targets, in each registry's canonical spelling.
The archive links each to its registry (:data:`archive.browse.TRIAL_REGISTRY_URLS`).

A registration number is read only with its registry's prefix (``NCT``, ``ChiCTR`` ...) or,
for the EU registers whose numbers are bare digits, after their label or in their links:
a bare ``2004-123456-12`` is as likely a phone number or an order id as a trial.

Pure module (stdlib ``re`` and ``unicodedata`` only, no Scrapy).
"""

import re
import unicodedata
from collections.abc import Iterable

#: Dashes people and editors type between the parts of a number; read as "-".
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"
_SEP = f"[{DASHES}]"

#: Each registry: (name, pattern in text or links, canonical form of its groups). Patterns are
#: matched case-insensitively, on the NFKC form of text with full-width characters (ＮＣＴ０１…
#: reads as NCT01…); a number never starts inside a word or ends inside a longer number.
REGISTRIES = (
    ("ClinicalTrials.gov", rf"NCT ?(\d{{8}})", "NCT{0}"),
    # ChiCTR2000012345 (since 2016), ChiCTR-IOR-17013240 and older ChiCTR-TRC-10000999 (a type
    # between hyphens and eight digits).
    ("ChiCTR", rf"ChiCTR{_SEP}?(\d{{10}})", "ChiCTR{0}"),
    ("ChiCTR", rf"ChiCTR{_SEP}?([A-Z]{{2,5}}){_SEP}?(\d{{8}})", "ChiCTR-{0}-{1}"),
    ("ISRCTN", rf"ISRCTN ?(\d{{8}})", "ISRCTN{0}"),
    ("ANZCTR", rf"ACTRN ?(\d{{14}})", "ACTRN{0}"),
    # jRCT + ten characters: a digit (jRCT2031200123) or a lower-case letter (jRCTs031180001).
    ("jRCT", r"jRCT([a-z0-9]\d{9})", "jRCT{0}"),
    # EU numbers are year-sequence-check digits; CTIS adds a two-digit suffix. Only after their
    # label, or in their registers' links.
    ("CTIS", rf"(?:EU ?CT|CTIS)[^\d\n]{{0,20}}?((?:19|20)\d\d){_SEP}(\d{{6}}){_SEP}(\d\d){_SEP}(\d\d)", "{0}-{1}-{2}-{3}"),
    ("EudraCT", rf"EudraCT[^\d\n]{{0,20}}?((?:19|20)\d\d){_SEP}(\d{{6}}){_SEP}(\d\d)(?!{_SEP}\d)", "{0}-{1}-{2}"),
    ("CTIS", r"euclinicaltrials\.eu/\S*?[?&](?:EUCT|ct)=(20\d\d)-(\d{6})-(\d\d)-(\d\d)", "{0}-{1}-{2}-{3}"),
    ("EudraCT", r"clinicaltrialsregister\.eu/ctr-search/(?:trial/|search\?query=)(20\d\d)-(\d{6})-(\d\d)(?!-\d)", "{0}-{1}-{2}"),
    # ANZCTR's review links name the number without its ACTRN prefix.
    ("ANZCTR", r"anzctr\.org\.au/\S*?[?&]ACTRN=(\d{14})", "ACTRN{0}"),
)

#: Where a registration may begin: each pattern above opens with one of these.
MARKERS = ("nct", "chictr", "isrctn", "actrn", "jrct", "eudract", "eu ?ct", "ctis", "anzctr",
           "clinicaltrialsregister", "euclinicaltrials")

_RES = tuple((registry, re.compile(rf"{pattern}(?!\d)", re.IGNORECASE), template) for registry, pattern, template in REGISTRIES)
# Searched in the lower-cased text: a case-insensitive alternation is ten times slower in ``re``.
_MARKER_RE = re.compile("|".join(MARKERS))
_WORD_CHAR = re.compile("[A-Za-z0-9]")
#: Full-width letters, digits and hyphen (ＮＣＴ０１…, －): text holding any is read in its NFKC form.
_FULL_WIDTH = re.compile("[\uff0d\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


def find_trials(text: str) -> list[tuple[str, str]]:
    """Every ``(registry, trial_id)`` named in ``text`` (prose or link targets), the number in
    its registry's canonical spelling, unique, in order of first appearance."""
    if _FULL_WIDTH.search(text):
        text = unicodedata.normalize("NFKC", text)
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter lowering to two (İ): positions must stay the text's
        lowered = "".join(char.lower()[0] for char in text)
    found = []
    # The patterns are tried only where a marker starts a word: one scan of the text instead of
    # one per pattern, and "nct" inside "function" is no start.
    for marker in _MARKER_RE.finditer(lowered):
        start = marker.start()
        if start and _WORD_CHAR.match(text, start - 1):
            continue
        for registry, pattern, template in _RES:
            match = pattern.match(text, start)
            if match:
                found.append((registry, _canonical(registry, template, match.groups())))
    return _unique(found)


def trials_in_urls(urls: Iterable[str]) -> list[tuple[str, str]]:
    """The registrations named in link targets, as :func:`find_trials` reads them."""
    return find_trials("\n".join(url for url in urls if url))


def _canonical(registry: str, template: str, groups) -> str:
    if registry == "ChiCTR" and len(groups) == 2:
        groups = (groups[0].upper(), groups[1])
    if registry == "jRCT":
        groups = (groups[0].lower(),)
    return template.format(*groups)


def _unique(values: Iterable) -> list:
    return list(dict.fromkeys(values))
