"""Regenerate the documentation's screenshots of the archive in datasette (``docs/img/*.png``).

Builds the demo archive (``medarchive demo``: two replica portals on loopback), serves it
with ``medarchive serve`` and photographs, in Debian's Chromium driven by Playwright, the
pages an analyst opens first: the articles table, an article, a search result, the charts.
Chinese needs a CJK font (Debian: ``apt-get install fonts-wqy-microhei``).

    .venv/bin/python docs/screenshots.py
"""

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

CHROMIUM = "/usr/bin/chromium"
OUT = Path(__file__).resolve().parent / "img"
#: Page size of every shot: what the first screen of a laptop shows.
VIEWPORT = {"width": 1100, "height": 720}
#: Colours kept per shot (with Pillow, from the ``plot`` extra): pages are mostly flat
#: colour and text, so a palette keeps them readable at a third of the size.
PALETTE = 64


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def medarchive(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "medarchive", *args], check=True, capture_output=True, text=True)


def wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"medarchive serve did not start at {url}")
            time.sleep(0.2)


def shots(base: str, db_name: str, article_url: str) -> dict[str, str]:
    """File name -> page, in the order the documentation shows them."""
    return {
        "home.png": f"{base}/",
        "articles-table.png": f"{base}/{db_name}/articles",
        "article-page.png": f"{base}/-/article/{db_name}?url={quote(article_url, safe='')}",
        "search-result.png": f"{base}/{db_name}/search?q={quote('外泌体 哮喘')}",
        "charts.png": f"{base}/-/charts/{db_name}",
    }


def shrink(path: Path) -> None:
    """Re-save ``path`` with :data:`PALETTE` colours, when Pillow is installed."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=PALETTE).save(path, optimize=True)


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "archive.db"
        medarchive("demo", "--db", str(db), "--port", "0")
        import sqlite3

        with sqlite3.connect(db) as conn:
            # An article with a reference list and both neighbours: the page shows everything.
            (article_url,) = conn.execute(
                "select a.url from articles a join article_references r on r.article_url = a.url"
                " where (select count(*) from links l where l.from_url = a.url and l.to_url is not null) = 2"
                " group by a.url order by count(*) desc, a.url limit 1"
            ).fetchone()
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "medarchive", "serve", "--db", str(db), "--port", str(port)])
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(base + "/-/versions.json", server)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
                page = browser.new_page(viewport=VIEWPORT)
                for name, url in shots(base, db.stem, article_url).items():
                    page.goto(url)
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=str(OUT / name))
                    shrink(OUT / name)
                    print(f"{OUT / name}  {(OUT / name).stat().st_size // 1024} KB  <- {url.replace(base, '')}")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
