"""Pieces shared by the replicas whose sections each have their own 上一篇/下一篇 chain (TRS, PHPCMS)."""

from __future__ import annotations

from html import escape

from .corpus import Article
from .model import TruthArticle


def dated_truth(a: Article, path: str, category: str, deleted: bool, source: str | None = None) -> TruthArticle:
    """The truth of an article whose page shows its publication day (and ``source`` in its 来源 line)."""
    return TruthArticle(
        path=path, title=a.title, category=category, published=a.published.date().isoformat(), has_own_date=True,
        first_paragraph=a.first_paragraph(), disclaimer=a.disclaimer, dois=frozenset(a.dois), pmids=frozenset(a.pmids),
        pmcids=frozenset(a.pmcids), reference_count=len(a.references), deleted=deleted, keywords=a.keywords(),
        trials=frozenset(a.trials), source=source, images=a.images())


def chain_block(chain: list[int], position: int, articles: list[Article], paths: list[str], href) -> tuple[list[str], str]:
    """The paths of the neighbours of the article at ``position`` of its section's ``chain``, and its
    ``<p>上一篇：<a>…</a></p><p>下一篇：没有了</p>`` block; ``href(path)`` writes a link as the site does."""
    links, items = [], []
    for j, word in ((position - 1, "上一篇"), (position + 1, "下一篇")):
        if 0 <= j < len(chain):
            links.append(paths[chain[j]])
            items.append(f'<p>{word}：<a href="{href(paths[chain[j]])}">{escape(articles[chain[j]].title)}</a></p>')
        else:
            items.append(f"<p>{word}：没有了</p>")
    return links, "".join(items)
