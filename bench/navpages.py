"""The listing detector (``crawler.extraction.listings.read_listing``) on saved real home and listing
pages (``tests/navpages/``): precision and recall of the article links and of the listing links
(sections, folders, pager) it finds, against the links read by hand (``expected.json``).

    .venv/bin/python bench/navpages.py [--misses] [--blocks-only]

``--blocks-only`` leaves out the CMS families' article URL shapes (``ARTICLE_URL``): articles are
then only the links of headline blocks, as on a site of an unknown family before any of its
articles is read.
"""

from __future__ import annotations

import argparse
import json
import re

from _common import ROOT, table
from lxml import html
from w3lib.encoding import html_to_unicode

from crawler.extraction import listings
from crawler.extraction.listings import read_listing

NAVPAGES = ROOT / "tests" / "navpages"


def found_links(name: str, url: str) -> dict[str, set[str]]:
    """The article and listing links the detector finds on the saved page ``name``."""
    _, text = html_to_unicode(None, (NAVPAGES / "pages" / f"{name}.html").read_bytes())
    listing = read_listing(html.fromstring(text), url)
    return {"articles": set(listing.articles), "listings": set(listing.pages + listing.sections + listing.folders)}


def score(found: set[str], expected: set[str]) -> tuple[int, int, int]:
    """True positives, false positives, false negatives."""
    return len(found & expected), len(found - expected), len(expected - found)


def ratio(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", action="store_true", help="list each link found wrongly or missed")
    parser.add_argument("--blocks-only", action="store_true", help="find articles by headline blocks alone, without URL shapes")
    args = parser.parse_args()
    if args.blocks_only:
        listings.ARTICLE_URL = re.compile(r"(?!)")  # matches nothing
    expected = json.loads((NAVPAGES / "expected.json").read_text())
    totals = {kind: [0, 0, 0] for kind in ("articles", "listings")}
    rows = []
    for name, truth in expected.items():
        found = found_links(name, truth["url"])
        row = [name]
        for kind in totals:
            tp, fp, fn = score(found[kind], set(truth[kind]))
            totals[kind] = [a + b for a, b in zip(totals[kind], (tp, fp, fn))]
            row += [len(truth[kind]), ratio(tp, tp + fp), ratio(tp, tp + fn)]
            if args.misses:
                for url in sorted(found[kind] - set(truth[kind])):
                    print(f"{name} {kind} found wrongly: {url}")
                for url in sorted(set(truth[kind]) - found[kind]):
                    print(f"{name} {kind} missed: {url}")
        rows.append(row)
    row = ["all"]
    for kind, (tp, fp, fn) in totals.items():
        row += [tp + fn, ratio(tp, tp + fp), ratio(tp, tp + fn)]
    rows.append(row)
    print(table(["page", "articles", "precision", "recall", "listing links", "precision", "recall"], rows))


if __name__ == "__main__":
    main()
