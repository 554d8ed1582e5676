"""Run as a separate process by the store tests: write or read the store in a loop.

python store_worker.py write DB FIRST COUNT IPS   one poll per day FIRST..FIRST+COUNT-1, IPS rows each
python store_worker.py write-forever DB IPS       the same, until killed
python store_worker.py read DB COUNT              load COUNT times; prints rows seen per load
python store_worker.py count DB TABLE COUNT       count TABLE's rows COUNT times; prints each count
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ipdash.domain.models import DailyStat, PollResult
from ipdash.sources.store import SqliteStore

BASE_DAY = date(2020, 1, 1)


def poll(day_index: int, ips: int) -> PollResult:
    day = BASE_DAY + timedelta(days=day_index)
    stats = tuple(
        DailyStat(
            day=day,
            ip=f"10.{n // 65536}.{(n // 256) % 256}.{n % 256}",
            mailbox_provider="all",
            sent=1000 + day_index,
            delivered=990,
            source="worker",
        )
        for n in range(ips)
    )
    return PollResult(source="worker", kind="test", fetched_at=datetime.now(UTC), stats=stats)


def main(argv: list[str]) -> None:
    mode, db = argv[0], Path(argv[1])
    store = SqliteStore(db, busy_timeout_ms=30_000)
    if mode == "write":
        first, count, ips = (int(a) for a in argv[2:5])
        for index in range(first, first + count):
            store.save_poll(poll(index, ips))
    elif mode == "write-forever":
        ips = int(argv[2])
        index = 0
        while True:
            store.save_poll(poll(index, ips))
            print(index, flush=True)
            index += 1
    elif mode == "read":
        for _ in range(int(argv[2])):
            print(len(store.load().stats), flush=True)
    elif mode == "count":
        for _ in range(int(argv[3])):
            print(store.count(argv[2]), flush=True)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1:])
