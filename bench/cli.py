"""``python -m bench``: set up the database, run the scenarios, print the table, save JSON."""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import traceback

from bench import environment, report
from bench.context import Context

SCENARIOS = ["reevaluation", "sync", "reads", "predicate", "imports"]
FULL_SIZES = {
    "reevaluation": 1_000_000,
    "sync": 200_000,
    "reads": 100_000,
    "predicate": 20_000,
    "imports": 200_000,
}
QUICK_SIZES = {
    "reevaluation": 20_000,
    "sync": 10_000,
    "reads": 10_000,
    "predicate": 5_000,
    "imports": 10_000,
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, under two minutes")
    parser.add_argument("--leads", type=int, help="number of leads for every scenario run")
    parser.add_argument("--scenario", choices=SCENARIOS, action="append", help="run only these")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", environment.DEFAULT_DATABASE_URL),
    )
    parser.add_argument(
        "--broker-url", default=os.environ.get("BENCH_BROKER_URL", environment.DEFAULT_REDIS_URL)
    )
    parser.add_argument("--read-seconds", type=float, help="duration of each read load")
    parser.add_argument("--naive-sample", type=int, help="leads in the naive re-evaluation sample")
    parser.add_argument("--naive-posts", type=int, help="single-lead POSTs in the naive sync")
    parser.add_argument(
        "--compare",
        metavar="REF",
        help="instead of the table: the sync pushes of this tree and of git REF, interleaved "
        "batch by batch on two servers and databases (before/after on a drifting machine); "
        "takes --leads, --quick and --seed",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead of the table: profile the hot requests with pyinstrument (HTML files); "
        "takes --leads, --quick and --seed, not --scenario",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    sizes = dict(QUICK_SIZES if options.quick else FULL_SIZES)
    if options.leads:
        sizes = dict.fromkeys(sizes, options.leads)
    celery = environment.redis_reachable(options.broker_url)
    if not celery:
        print(
            f"Redis is unreachable at {options.broker_url}: chunk tasks run in-process.",
            file=sys.stderr,
        )
    environment.setup_django(
        database_url=options.database_url, broker_url=options.broker_url if celery else ""
    )
    context = Context(
        quick=options.quick,
        seed=options.seed,
        leads=sizes,
        celery=celery,
        read_seconds=options.read_seconds or (3.0 if options.quick else 10.0),
        naive_sample=options.naive_sample or (300 if options.quick else 5000),
        naive_posts=options.naive_posts or (100 if options.quick else 500),
    )
    if options.profile:
        return _profile(context)
    if options.compare:
        from bench import compare

        lines = compare.run(context, ref=options.compare, database_url=options.database_url)
        print("\n".join(lines))
        return 0
    rows: list[report.Row] = []
    failed = False
    for name in options.scenario or SCENARIOS:
        module = importlib.import_module(f"bench.scenarios.{name}")
        try:
            rows += module.run(context)
        except Exception as error:  # one broken scenario must not hide the others' figures
            failed = True
            traceback.print_exc()
            rows.append(report.Row(name, "error", "-", None, passed=False, note=repr(error)))
    print(report.format_table(rows))
    path = report.write_json(
        rows,
        settings={
            "quick": options.quick,
            "sizes": sizes,
            "seed": options.seed,
            "celery": celery,
            "read_seconds": context.read_seconds,
            "naive_sample": context.naive_sample,
            "naive_posts": context.naive_posts,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    )
    print(f"\nFigures written to {path}")
    return 1 if failed else 0


def _profile(context: Context) -> int:
    from bench import profiling

    for profiled in profiling.run(context):
        print(f"\n=== {profiled.target}: {profiled.html}\n{profiled.text}")
    return 0
