"""Keep the site's disclaimer in its own field, never in the body."""

import re

from . import ArticlePipeline
from ..extraction.rules import DISCLAIMER_MARKERS

_DISCLAIMER_LINE_RE = re.compile(r"^[\s«»【\[]*(?:" + "|".join(map(re.escape, DISCLAIMER_MARKERS)) + ")")


def split_disclaimer(body: str) -> tuple[str, str | None]:
    """``body`` without its disclaimer lines, and those lines (None when there are none)."""
    kept, disclaimer = [], []
    for line in body.split("\n"):
        (disclaimer if _DISCLAIMER_LINE_RE.match(line) else kept).append(line)
    return "\n".join(kept), (" ".join(disclaimer) or None)


class DisclaimerPipeline(ArticlePipeline):
    """Moves any disclaimer line the extractor left in the body into ``disclaimer``;
    counts articles with no disclaimer at all as ``disclaimer/missing``."""

    def process_article(self, item):
        body, found = split_disclaimer(item.body)
        if found:
            item.body = body
            item.disclaimer = " ".join(filter(None, [item.disclaimer, found]))
        if not item.disclaimer:
            self.stats.inc_value("disclaimer/missing")
