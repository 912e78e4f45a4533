"""``scrapy crawl``, ending with the exit status of ``medarchive crawl``: a cron job
or a script running the spider with Scrapy's own tools learns that nothing was
reached (status 3) or that the crawl stopped early (status 1)."""

from scrapy.commands.crawl import Command as ScrapyCrawl

from ..runner import crawl_state, exit_status, settle, watch


class Command(ScrapyCrawl):
    def _create_crawler(self, spidercls):
        crawler = super()._create_crawler(spidercls)
        self.crawler, self.result = crawler, watch(crawler)
        return crawler

    def run(self, args, opts):
        opts.spargs.setdefault("state", crawl_state(self.settings, opts.spargs.get("start_urls"), opts.spargs.get("origins")))
        super().run(args, opts)
        if not self.exitcode:
            self.exitcode = exit_status(settle(self.result, self.crawler))
