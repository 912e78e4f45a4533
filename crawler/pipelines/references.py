"""Pull DOIs, PMIDs and PMCIDs out of the article's references, text and links."""

from . import ArticlePipeline
from ..extraction.references import dois_in_urls, find_dois, find_pmcids, find_pmids, parse_references
from ..items import ReferenceEntry


def _unique(values):
    return list(dict.fromkeys(values))


class ReferencesPipeline(ArticlePipeline):
    """Fills ``references`` (one entry per cited work) and the article-level
    ``dois``/``pmids``/``pmcids`` from every place the article names them."""

    def process_article(self, item):
        item.references = [ReferenceEntry(**entry) for entry in parse_references(item.reference_texts, item.reference_hrefs)]
        text = "\n".join([item.body, *item.reference_texts])
        urls = [*item.reference_hrefs, *item.body_hrefs]
        item.dois = _unique([*find_dois(text), *dois_in_urls(urls)])
        item.pmids = _unique([*find_pmids(text), *find_pmids("\n".join(urls))])
        item.pmcids = _unique([*find_pmcids(text), *find_pmcids("\n".join(urls))])
        self.stats.inc_value("references/entries", len(item.references))
        self.stats.inc_value("references/dois", len(item.dois))
