"""Spider contracts for ``scrapy check portal``, reading their pages from a site of the
user's choice: the callbacks' ``@url`` lines name paths of a replica portal (the replica/ package),
and ``PORTAL_CHECK_SITE`` says where it is served."""

from urllib.parse import urljoin

from itemadapter import ItemAdapter, is_item
from scrapy.contracts.default import ScrapesContract as ScrapyScrapesContract
from scrapy.contracts.default import UrlContract as ScrapyUrlContract
from scrapy.exceptions import ContractFail


class UrlContract(ScrapyUrlContract):
    """``@url PATH``: the page at PATH on the site ``PORTAL_CHECK_SITE`` names; a full URL as it is."""

    def __init__(self, method, *args):
        super().__init__(method, *args)
        self.site = method.__self__.settings.get("PORTAL_CHECK_SITE")

    def adjust_request_args(self, args):
        args["url"] = urljoin(self.site + "/", self.args[0])
        return args


class ScrapesContract(ScrapyScrapesContract):
    """``@scrapes FIELD ...``: every item has a value (not None, not blank) for each FIELD. Scrapy's
    own checks only that the field exists, which every field of a dataclass item does."""

    def post_process(self, output):
        for item in filter(is_item, output):
            adapter = ItemAdapter(item)
            empty = [name for name in self.args if adapter.get(name) in (None, "", [])]
            if empty:
                raise ContractFail(f"Missing values for fields: {', '.join(empty)}")
