"""``scrapy crawl``, ending with the exit status of ``medarchive crawl``: a cron job
or a script running the spider with Scrapy's own tools learns that nothing was
reached (status 3) or that the crawl stopped early (status 1). Bad usage (``-s FOO``, a
setting the crawl cannot use, no start URL) is one line and status 2, before anything is
opened or logged."""

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from ..checked_settings import BadSetting, check_settings
from ..runner import exit_status, settle, watch
from ..start import crawl_state

#: Exit status of bad usage, as for ``medarchive``.
EXIT_USAGE = 2


def refuse(message: str):
    """End the command with ``message`` on one line, and status 2."""
    print(f"Error: {message}", file=sys.stderr)
    sys.exit(EXIT_USAGE)


class Command(ScrapyCrawl):
    crawl_settings = None

    def process_options(self, args, opts):
        try:
            super().process_options(args, opts)
        except UsageError as error:
            refuse(str(error))
        loader = get_spider_loader(self.settings)
        if len(args) != 1:
            return  # Scrapy's own message follows
        if args[0] not in loader.list():
            refuse(f"no spider called {args[0]!r}; this project has: {', '.join(loader.list())}")
        # The settings the crawl will have: the spider's custom_settings over the project's and -s.
        self.crawl_settings = self.settings.copy()
        loader.load(args[0]).update_settings(self.crawl_settings)
        try:
            check_settings(self.crawl_settings)
        except BadSetting as error:
            refuse(str(error))
        if not (opts.spargs.get("start_urls") or opts.spargs.get("origins")):
            refuse(f"the {args[0]} spider needs start_urls: -a start_urls=https://www.example.com/a/1.html")

    def _create_crawler(self, spidercls):
        crawler = super()._create_crawler(spidercls)
        self.crawler, self.result = crawler, watch(crawler)
        return crawler

    def run(self, args, opts):
        if self.crawl_settings is not None:
            opts.spargs.setdefault("state", crawl_state(self.crawl_settings, opts.spargs.get("start_urls"), opts.spargs.get("origins")))
        super().run(args, opts)
        if not self.exitcode:
            self.exitcode = exit_status(settle(self.result, self.crawler))
