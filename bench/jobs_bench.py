"""Every core: `medarchive reextract --jobs N` pages/s and speed-up, and what `--jobs` could give `medarchive ingest`.

    .venv/bin/python bench/jobs_bench.py [--quick] [--articles 5000] [--reps 3]

The archive is a crawl of a replica WordPress portal of `--articles` articles
(crawled once, kept in `out/jobs-N.db`). Each variant runs as a user runs it, in a child process,
on a fresh copy of that archive; the variants are interleaved `--reps` times and medians reported:

  * reextract, main's code  -- with `--main`: the code before `--jobs` (`git archive main`);
  * reextract --jobs 1      -- in this process, as before;
  * reextract --jobs 2 ...  -- up to the number of cores.

Beside them, `reextract` with a worker per core run from this process, for the CPU of its main
process (reading, handing over, writing: the part that does not spread) and of its workers, and
from these the most `--jobs` can give where the cores are free.

Then ingest: every article of the archive as the message a distributed worker queues (with its
raw page), pushed into a real redis-server and written by `medarchive ingest` into an empty
archive; beside it, in this process, the CPU of each part of an ingest: decoding and checking
the messages (what worker processes could take over), handing a decoded message back from a
worker (a pickle round trip), and writing. From these, the most `--jobs` could give an ingest.
Wall time from start to exit; CPU of the command and its workers from `os.wait4` (children it
waited for included).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OUT, PY, ROOT, cached_portal, machine, median, save, table  # noqa: E402
from distributed_bench import start_redis  # noqa: E402

FAST = ["--delay", "0", "--concurrency", "8", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0"]


def crawled_archive(articles: int) -> Path:
    """A crawled archive of the replica, built once."""
    path = OUT / f"jobs-{articles}.db"
    if path.exists():
        return path
    from replica import serve

    portal, _, _ = cached_portal("wordpress", articles, 7)
    middle = portal.live_articles[len(portal.live_articles) // 2]
    with serve(portal) as site:
        subprocess.run([PY, "-m", "medarchive", "crawl", site.url + middle.path, "--db", str(path), *FAST],
                       check=True, cwd=ROOT, capture_output=True)
    return path


def main_code() -> Path:
    """main's code, unpacked under out/, to run the reextract from before ``--jobs``."""
    target = OUT / "main-src"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    archive = subprocess.run(["git", "archive", "main"], cwd=ROOT, check=True, capture_output=True).stdout
    with tempfile.TemporaryFile() as file:
        file.write(archive)
        file.seek(0)
        tarfile.open(fileobj=file).extractall(target)
    return target


def timed(command: list[str], cwd: Path, env=None) -> tuple[float, float, float]:
    """Wall and CPU seconds of ``command`` (with the children it waited for), and the peak RSS
    in MB of the largest of them."""
    began = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    output = process.stdout.read().decode()
    process.stdout.close()
    if status:
        raise RuntimeError(f"{command} failed: {output}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def messages(archive: Path) -> list[bytes]:
    """Every article of ``archive`` as a worker's queue message, raw page included."""
    from dataclasses import replace

    from archive import open_archive
    from crawler.distributed import to_message
    from crawler.extraction.site_rules import SiteRules
    from crawler.reextract import _item, kept_pages

    db = open_archive(archive)
    found = []
    for page in kept_pages(db):
        item = _item(page, {}, SiteRules())
        if item is not None:
            found.append(to_message(replace(item, url=page.url)))
    db.close()
    return found


def reextract_split(archive: Path, work: Path, jobs: int) -> tuple[float, float]:
    """CPU seconds of ``reextract`` with ``jobs`` workers, run from this process: its own (the
    reading of the archive, the hand-over and the writing) and its workers' (start-up included)."""
    import resource

    from archive import close_archive, open_archive
    from crawler.reextract import reextract

    copy = work / "split.db"
    shutil.copy(archive, copy)
    db = open_archive(copy)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.process_time()
    reextract(db, jobs=jobs, max_seconds=10)
    own = time.process_time() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    close_archive(db)
    return own, (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)


def ingest_split(queued: list[bytes], work: Path) -> dict:
    """CPU seconds of each part of ingesting ``queued``, in this process, into a fresh archive."""
    import pickle

    from archive import close_archive, open_archive
    from crawler.distributed import _write, from_message

    target = work / "split.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    db = open_archive(target)
    began = time.process_time()
    decoded = [from_message(message) for message in queued]
    decode = time.process_time() - began
    began = time.process_time()
    pickle.loads(pickle.dumps(decoded, protocol=pickle.HIGHEST_PROTOCOL))
    hand_back = time.process_time() - began
    began = time.process_time()
    for start in range(0, len(decoded), 50):
        _write(db, decoded[start:start + 50], None)
    write = time.process_time() - began
    close_archive(db)
    return {"decode": decode, "hand back": hand_back, "write": write}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="500 articles, 2 repetitions")
    parser.add_argument("--main", action="store_true", help="also run main's code (`git archive main`)")
    args = parser.parse_args()
    if args.quick:
        args.articles, args.reps = 500, 2
    import logging

    logging.getLogger("crawler.normalise").setLevel(logging.ERROR)
    cores = os.cpu_count() or 1
    job_counts = sorted({1, 2, cores})
    archive = crawled_archive(args.articles)
    with closing(sqlite3.connect(archive)) as db:
        pages = db.execute("select count(*) from pages").fetchone()[0]
    work = Path(tempfile.mkdtemp(prefix="jobs-bench-"))
    variants = {"main's code": (main_code(), [])} if args.main else {}
    variants |= {f"--jobs {n}": (ROOT, ["--jobs", str(n)]) for n in job_counts}
    runs = {name: [] for name in variants}
    splits = []
    for rep in range(args.reps):
        for name, (cwd, options) in variants.items():
            copy = work / "archive.db"
            shutil.copy(archive, copy)
            runs[name].append(timed([PY, "-m", "medarchive", "reextract", "--db", str(copy), *options], cwd))
            print(f"rep {rep + 1} reextract {name}: {runs[name][-1][0]:.1f} s", file=sys.stderr, flush=True)
        splits.append(reextract_split(archive, work, cores))
    one_cpu = median([c for _, c, _ in runs["--jobs 1"]]) / pages
    own, workers = (median([split[i] for split in splits]) / pages for i in (0, 1))
    one = median([wall for wall, *_ in runs["--jobs 1"]])
    reextract_rows = [[name, median([w for w, *_ in r]), pages / median([w for w, *_ in r]), one / median([w for w, *_ in r]),
                       1000 * median([c for _, c, _ in r]) / pages, max(m for *_, m in r)] for name, r in runs.items()]

    queued = messages(archive)
    split = {"decode": [], "hand back": [], "write": []}
    ingest_runs = []
    server, redis_url = start_redis()
    try:
        import redis

        client = redis.Redis.from_url(redis_url)
        for rep in range(args.reps):
            for name, seconds in ingest_split(queued, work).items():
                split[name].append(seconds)
            client.flushdb()
            client.lpush("medarchive:items", *queued)
            target = work / "ingested.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            ingest_runs.append(timed([PY, "-m", "medarchive", "ingest", "--redis", redis_url, "--db", str(target)], ROOT))
            print(f"rep {rep + 1} ingest: {ingest_runs[-1][0]:.1f} s", file=sys.stderr, flush=True)
    finally:
        server.terminate()
        server.wait()
    shutil.rmtree(work)
    per_message = {name: 1000 * median(seconds) / len(queued) for name, seconds in split.items()}
    serial = per_message["decode"] + per_message["write"]
    ceiling = serial / (per_message["write"] + per_message["decode"] / cores + per_message["hand back"])
    ingest_wall, ingest_cpu = median([w for w, *_ in ingest_runs]), median([c for _, c, _ in ingest_runs])

    headers = ["variant", "wall s", "pages/s", "speed-up vs --jobs 1", "CPU ms/page (all processes)", "peak RSS MB (largest process)"]
    print(f"## reextract, {pages} kept pages, medians of {args.reps} interleaved runs\n")
    print(table(headers, reextract_rows))
    print()
    print(table([f"reextract --jobs {cores}, CPU", "ms/page"],
                [["--jobs 1, all in one process", 1000 * one_cpu],
                 ["main process: reading the archive, handing pages over and back, writing", 1000 * own],
                 [f"{cores} workers together: reading the pages, start-up included", 1000 * workers],
                 [f"ceiling speed-up on {cores} free cores", one_cpu / max(own, (own + workers) / cores)],
                 ["ceiling speed-up on unlimited cores (the main process alone)", one_cpu / own]]))
    print(f"\n## ingest, {len(queued)} article messages into an empty archive, medians of {args.reps} runs\n")
    print(table(["medarchive ingest", "wall s", "messages/s", "CPU ms/message"],
                [["as is", ingest_wall, len(queued) / ingest_wall, 1000 * ingest_cpu / len(queued)]]))
    print()
    print(table(["part of ingest (one process, CPU)", "ms/message"],
                [["decode and check (from_message): could run in workers", per_message["decode"]],
                 ["hand a decoded message back from a worker (pickle round trip)", per_message["hand back"]],
                 ["write (batches of 50: SQL, page compression, search index)", per_message["write"]],
                 [f"ceiling speed-up, decoding spread over {cores} cores", ceiling]]))
    save("jobs.json", {"machine": machine(), "pages": pages, "messages": len(queued), "reextract": runs, "reextract_split": splits,
                       "ingest": ingest_runs, "ingest_split_ms": per_message, "ingest_ceiling": ceiling})


if __name__ == "__main__":
    main()
