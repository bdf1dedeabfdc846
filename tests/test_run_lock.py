"""The run lock of a region's output folder: atomic, a stale lock of this host taken over,
another host's lock never removed.

The race tests let many threads (and a few processes) try to take one lock at the same moment;
every attempt is made while the winner still holds it, so the number of holders per trial is
exactly the number of runs that would write the folder at once.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import socket
import threading
from pathlib import Path

import pytest

from josanalysis.core.errors import ConfigError
from josanalysis.runner.folders import RunLock

TRIALS = 200
THREADS = 8


def _dead_pid() -> int:
    """A pid of a process that has exited."""
    ctx = multiprocessing.get_context("fork")
    proc = ctx.Process(target=os._exit, args=(0,))
    proc.start()
    proc.join()
    return int(proc.pid)


def _stale_record(path: Path, pid: int, host: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": pid, "host": host or socket.gethostname(),
                                "started": "2026-01-01T00:00:00+00:00"}), encoding="utf-8")


def _race(path: Path, n: int) -> int:
    """``n`` threads try to take the lock at once; returns how many held it together."""
    start, done = threading.Barrier(n), threading.Barrier(n)
    holders: list[int] = []
    guard = threading.Lock()

    def attempt() -> None:
        start.wait()
        try:
            with RunLock(path):
                with guard:
                    holders.append(threading.get_ident())
                done.wait()  # hold the lock until every thread has tried
        except ConfigError:
            done.wait()

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(holders)


def test_exactly_one_holder_in_every_one_of_200_racing_trials(tmp_path):
    dead = _dead_pid()
    holders = []
    for trial in range(TRIALS):
        path = tmp_path / f"trial{trial}" / ".run.lock"
        if trial % 2:  # half the trials start from a stale lock of a killed run on this host
            _stale_record(path, dead)
        holders.append(_race(path, THREADS))
        assert not path.exists()  # the holder removed its record when it finished
    one = sum(h == 1 for h in holders)
    print(f"run lock race: exactly one holder in {one} of {TRIALS} trials "
          f"({THREADS} threads each, {TRIALS // 2} from a stale lock)")
    assert one == TRIALS, f"holders per trial: {sorted(set(holders))}"


def _process_attempt(path: str, start, done, results) -> None:
    start.wait()
    try:
        with RunLock(Path(path)):
            results.put(os.getpid())
            done.wait()
    except ConfigError:
        done.wait()


def test_exactly_one_holder_when_processes_race(tmp_path):
    ctx = multiprocessing.get_context("fork")
    dead = _dead_pid()
    for trial in range(10):
        path = tmp_path / f"trial{trial}" / ".run.lock"
        if trial % 2:
            _stale_record(path, dead)
        path.parent.mkdir(parents=True, exist_ok=True)
        start, done, results = ctx.Barrier(4), ctx.Barrier(4), ctx.Queue()
        procs = [ctx.Process(target=_process_attempt, args=(str(path), start, done, results))
                 for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        won = []
        while not results.empty():
            won.append(results.get())
        assert len(won) == 1, f"trial {trial}: {len(won)} processes held the lock"


def test_the_record_names_pid_host_and_start_and_a_live_run_is_refused(tmp_path):
    path = tmp_path / ".run.lock"
    with RunLock(path):
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record["pid"] == os.getpid() and record["host"] == socket.gethostname()
        assert dt.datetime.fromisoformat(record["started"]).tzinfo is not None
        with pytest.raises(ConfigError, match=rf"Another josanalysis run writes to .*process {os.getpid()}"):
            with RunLock(path):
                pass
        assert path.is_file()  # the refused attempt left the holder's record alone
    assert not path.exists()


def test_a_stale_lock_of_this_host_is_taken_over(tmp_path):
    path = tmp_path / ".run.lock"
    _stale_record(path, _dead_pid())
    with RunLock(path):
        assert json.loads(path.read_text(encoding="utf-8"))["pid"] == os.getpid()
    assert not path.exists()


def test_another_hosts_lock_is_never_removed(tmp_path):
    path = tmp_path / ".run.lock"
    _stale_record(path, 12345, host="rekenserver-2")
    before = path.read_bytes()
    for _ in range(3):
        with pytest.raises(ConfigError, match="run on host 'rekenserver-2'.*delete that file by hand"):
            with RunLock(path):
                pass
    assert path.read_bytes() == before


def test_an_unreadable_lock_is_refused_not_removed(tmp_path):
    path = tmp_path / ".run.lock"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot be read"):
        with RunLock(path):
            pass
    assert path.exists()
