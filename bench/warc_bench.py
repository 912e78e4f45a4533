"""Web archives: `medarchive import` pages/s beside `medarchive reextract` on the same pages, and `export --format warc`.

    .venv/bin/python bench/warc_bench.py [--quick] [--articles 2000] [--reps 3]

The archive is a crawl of a replica WordPress portal of `--articles` articles (crawled once,
kept in `out/jobs-N.db`, shared with `jobs_bench.py`), exported once as a WARC. Each variant runs
as a user runs it, in a child process, the variants interleaved `--reps` times, medians reported:

  * reextract             -- `medarchive reextract` of a fresh copy of the archive (every article unchanged);
  * import, same archive  -- `medarchive import` of the WARC into a fresh copy of the archive: the same
                             pages through the same step, every article unchanged (like for like);
  * import, new archive   -- `medarchive import` of the WARC into an empty archive (every article new);
  * export --format warc  -- the WARC written from the archive.

Pages per second are the archive's kept pages over the wall time from start to exit; CPU from
`os.wait4`.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PY, ROOT, machine, median, save, table  # noqa: E402
from jobs_bench import crawled_archive, timed  # noqa: E402


def variants(archive: Path, warc: Path, work: Path) -> dict:
    """Each variant's command, and what it needs made fresh before each run."""
    def copy():
        shutil.copy(archive, work / "copy.db")

    def empty():
        (work / "new.db").unlink(missing_ok=True)

    def no_output():
        (work / "out.warc.gz").unlink(missing_ok=True)

    return {
        "reextract": (copy, [PY, "-m", "medarchive", "reextract", "--db", str(work / "copy.db")]),
        "import, same archive": (copy, [PY, "-m", "medarchive", "import", str(warc), "--db", str(work / "copy.db")]),
        "import, new archive": (empty, [PY, "-m", "medarchive", "import", str(warc), "--db", str(work / "new.db")]),
        "export --format warc": (no_output, [PY, "-m", "medarchive", "export", "--db", str(archive), "-o", str(work / "out.warc.gz")]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 articles, 2 repetitions")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    articles, reps = (300, 2) if args.quick else (args.articles, args.reps)
    archive = crawled_archive(articles)
    with closing(sqlite3.connect(archive)) as db:
        pages = db.execute("select count(*) from pages").fetchone()[0]
    with tempfile.TemporaryDirectory(prefix="warc-bench-") as directory:
        work = Path(directory)
        warc = work / "crawl.warc.gz"
        timed([PY, "-m", "medarchive", "export", "--db", str(archive), "-o", str(warc)], ROOT)
        runs = {name: [] for name in variants(archive, warc, work)}
        for _ in range(reps):
            for name, (prepare, command) in variants(archive, warc, work).items():
                prepare()
                runs[name].append(timed(command, ROOT))
        size = warc.stat().st_size
    rows = []
    for name, measured in runs.items():
        wall = median([m[0] for m in measured])
        cpu = median([m[1] for m in measured])
        rows.append((name, wall, pages / wall, 1000 * cpu / pages, median([m[2] for m in measured])))
    print(f"{pages} pages ({articles} articles' replica), WARC {size / 1e6:.1f} MB, {reps} interleaved runs, medians\n")
    print(table(["variant", "wall s", "pages/s", "CPU ms/page", "peak RSS MB"], rows))
    save("warc-bench.json", {"machine": machine(), "pages": pages, "warc_bytes": size, "runs": runs})


if __name__ == "__main__":
    main()
