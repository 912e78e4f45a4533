"""What hostile input costs in memory and time: ``serve`` answering a query of huge rows as
JSON, and ``enrich`` reading a huge answer (issue 23).

serve: a real ``python -m archive.serve`` on a small archive answers
``?sql=`` (a recursive CTE of ROWS rows of ``zeroblob(20000000)``) as ``.json``; peak RSS of
the server (``VmHWM``), the status and bytes of the answer, the seconds it took.
enrich: a real ``medarchive enrich`` against a fake Crossref on 127.0.0.1 whose answer for
the one cited DOI holds a title of MB megabytes; the command's peak RSS (``wait4``), its
seconds, the archive's size afterwards.

``--code DIR`` runs another checkout's code (say an export of the commit before) with this
venv, for before/after numbers.

    .venv/bin/python bench/hostile_memory.py [--rows 3] [--mb 200] [--code DIR]
"""

import argparse
import http.client
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _common import ROOT, save, table

sys.path.insert(0, str(ROOT / "tests"))

from conftest import ServedArchive, free_loopback_port, written_archive  # noqa: E402


def zeroblob_sql(rows: int) -> str:
    return (f"with recursive r(i) as (select 1 union all select i + 1 from r where i < {rows}) "
            "select i, zeroblob(20000000) as b from r")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure_serve(code: Path, rows: int, directory: Path) -> dict:
    directory.mkdir(parents=True)
    archive = written_archive(directory, [{"url": "https://site.example/a1", "site": "https://site.example", "title": "标题",
                                           "body": "干细胞。"}])
    port = free_loopback_port()
    served = ServedArchive([sys.executable, "-m", "archive.serve", str(archive), "--port", str(port)], port, cwd=code)
    try:
        idle = peak_rss_mb(served.process.pid)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        start = time.monotonic()
        connection.request("GET", "/archive.json?" + urllib.parse.urlencode({"sql": zeroblob_sql(rows)}))
        response = connection.getresponse()
        size = 0
        while chunk := response.read(1 << 20):
            size += len(chunk)
        seconds = time.monotonic() - start
        return {"rows": rows, "status": response.status, "body_mb": round(size / 2**20, 1), "seconds": round(seconds, 2),
                "idle_rss_mb": round(idle), "peak_rss_mb": round(peak_rss_mb(served.process.pid))}
    finally:
        served.stop()


def serve_huge_crossref(title_mb: int, ports) -> None:
    """Serve, until killed, a fake Crossref answering every DOI with a work whose title is
    ``title_mb`` MB; its port goes to ``ports``. Run in a process of its own, so that the
    body is not in the memory the measured command starts from."""
    body = json.dumps({"status": "ok", "message-type": "work", "message": {
        "DOI": "10.1000/huge", "title": ["x" * (title_mb << 20)], "type": "journal-article"}}).encode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            # The ID converter and PubMed know nothing; Crossref answers the huge work.
            answer = body if "/works/" in self.path else b'{"status": "ok", "records": [], "result": {"uids": []}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            try:
                self.wfile.write(answer)
            except OSError:
                pass  # the client stopped reading

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ports.put(server.server_address[1])
    server.serve_forever()


def measure_enrich(code: Path, title_mb: int, directory: Path) -> dict:
    directory.mkdir(parents=True)
    archive = written_archive(directory, [{"url": "https://site.example/a1", "site": "https://site.example", "title": "标题",
                                           "body": "干细胞。", "dois": ["10.1000/huge"]}])
    ports = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve_huge_crossref, args=(title_mb, ports), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{ports.get(timeout=120)}"
    start = time.monotonic()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen([sys.executable, "-m", "medarchive", "enrich", "--db", str(archive), "--crossref-url", url + "/crossref/",
                                    "--idconv-url", url + "/idconv/", "--eutils-url", url + "/eutils/"],
                                   cwd=code, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)  # the child's own peak RSS, not the largest of all children
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - start
        output.seek(0)
        last = output.read().decode(errors="replace").strip().splitlines()[-1:]
    server.kill()
    return {"title_mb": title_mb, "exit": process.returncode, "seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024),
            "archive_mb": round(archive.stat().st_size / 2**20, 1), "last_line": " ".join(last)[:120]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3, help="rows of zeroblob(20000000) asked of serve")
    parser.add_argument("--mb", type=int, default=200, help="megabytes of the title in the huge Crossref answer")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose code runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        served = measure_serve(args.code, args.rows, Path(tmp) / "serve")
        enriched = measure_enrich(args.code, args.mb, Path(tmp) / "enrich")
    print(table(list(served), [list(served.values())]))
    print(table(list(enriched), [list(enriched.values())]))
    save("hostile_memory", {"code": str(args.code), "serve": served, "enrich": enriched})


if __name__ == "__main__":
    main()
