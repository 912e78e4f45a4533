"""The items a crawl hands to the archive: the archive's record types (``archive.record``), named
here too so that ``crawler.items.ArticleItem`` and the others stay where a project's own
pipelines and feeds (``item_classes``) import them."""

from archive.record import (
    ArticleImage, ArticleItem, ChainGap, ContinuedPage, KeptPage, NeighbourLink, NotArticle, NotModified, PageAlias,
    Pagination, ReferenceEntry, SitemapSeen,
)

__all__ = [
    "ArticleImage", "ArticleItem", "ChainGap", "ContinuedPage", "KeptPage", "NeighbourLink", "NotArticle", "NotModified",
    "PageAlias", "Pagination", "ReferenceEntry", "SitemapSeen",
]
