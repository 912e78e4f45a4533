"""The ``medarchive`` command: crawl portals into the archive, try it on a replica, query it."""

import click

from . import crawling, reading, upkeep


@click.group()
@click.version_option(package_name="medarchive")
def cli():
    """Archive Chinese medical news portals into one searchable SQLite file.

    \b
    Try it on a replica portal served on this machine:
        medarchive demo
    Crawl a real portal from one article, both directions of its 上一篇/下一篇 chain:
        medarchive crawl https://www.hjtdsm.com/sc/zhiliao/59017.html --db stemcell.db
    """


# Each command is declared beside the others of its purpose; the group lists them in alphabetical order.
for module in (crawling, reading, upkeep):
    for command in vars(module).values():
        if isinstance(command, click.Command):
            cli.add_command(command)
