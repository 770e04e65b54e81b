"""What every scenario receives: the options of the run and a log."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field


@dataclass
class Context:
    quick: bool
    seed: int
    leads: dict[str, int]
    celery: bool
    read_seconds: float
    naive_sample: int
    naive_posts: int
    started: float = field(default_factory=time.perf_counter)

    def log(self, message: str) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"[{elapsed:7.1f}s] {message}", file=sys.stderr, flush=True)
