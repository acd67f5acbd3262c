"""Files read in bounded worker processes (SPEC §10.1, §10.3).

A file that makes the reader abort (a Rust panic, an allocation that fails), exhaust its memory
(max_reader_mb of address space above what the worker starts with) or run too long
(max_read_seconds) costs that file one Chinese line; the run goes on with the others. `workers`
processes are forked once, from the single-threaded parent, and each reads file after file, sending
each RawFile back pickled over a pipe; a worker that dies or is stopped is replaced. Where fork is
not available the files are read in this process.
"""
from __future__ import annotations

import os
import pickle
import selectors
import signal
import struct
import time
import traceback
from collections import deque

from kc_batch.errors import UnreadableFile

try:
    import resource
except ImportError:  # pragma: no cover - not on Linux/macOS
    resource = None

CAN_FORK = hasattr(os, "fork") and resource is not None and os.path.exists("/proc/self/statm")
HEADER = struct.Struct("<Q")
STOP = 0xFFFFFFFF
MEMORY = "memory"


def run_bounded(jobs: list, read_one, describe_failure, workers: int, limits):
    """Yield read_one(job) for each job, in order, each read in a bounded worker.

    read_one(job) returns a result or raises UnreadableFile; describe_failure(job, why) → the
    UnreadableFile for a worker that died ('crash'), ran out of memory ('memory') or time ('timeout').
    """
    if not CAN_FORK or not jobs:
        yield from (_call(read_one, job) for job in jobs)
        return
    pool = _Pool(jobs, read_one, describe_failure, min(max(workers, 1), len(jobs)), limits)
    try:
        yield from pool.results()
    finally:
        pool.close()


def _call(read_one, job):
    try:
        return read_one(job)
    except UnreadableFile as exc:
        return exc


class _Worker:
    def __init__(self, pid: int, jobs_fd: int, results_fd: int):
        self.pid, self.jobs_fd, self.results_fd = pid, jobs_fd, results_fd
        self.index: int | None = None
        self.deadline = 0.0
        self.buffer = bytearray()

    def give(self, index: int, seconds: float):
        self.index, self.deadline, self.buffer = index, time.monotonic() + seconds, bytearray()
        os.write(self.jobs_fd, struct.pack("<I", index))

    def message(self):
        """The pickled result when it has fully arrived, else None."""
        if len(self.buffer) < HEADER.size:
            return None
        (size,) = HEADER.unpack_from(self.buffer)
        if len(self.buffer) < HEADER.size + size:
            return None
        return bytes(self.buffer[HEADER.size:HEADER.size + size])

    def stop(self, kill: bool):
        try:
            if kill:
                os.kill(self.pid, signal.SIGKILL)
            else:
                os.write(self.jobs_fd, struct.pack("<I", STOP))
        except (ProcessLookupError, BrokenPipeError, OSError):
            pass
        for fd in (self.jobs_fd, self.results_fd):
            os.close(fd)
        os.waitpid(self.pid, 0)


class _Pool:
    def __init__(self, jobs, read_one, describe_failure, size: int, limits):
        self.jobs, self.read_one, self.describe_failure, self.limits = jobs, read_one, describe_failure, limits
        self.selector = selectors.DefaultSelector()
        self.workers: list[_Worker] = []
        for _ in range(size):
            self.workers.append(self._fork())

    def results(self):
        queue, done, next_out = deque(range(len(self.jobs))), {}, 0
        while next_out < len(self.jobs):
            for worker in self.workers:
                if worker.index is None and queue:
                    worker.give(queue.popleft(), self.limits.max_read_seconds)
            self._collect(done)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1

    def close(self):
        for worker in self.workers:
            self.selector.unregister(worker.results_fd)
            worker.stop(kill=worker.index is not None)
        self.selector.close()

    def _fork(self) -> _Worker:
        jobs_read, jobs_write = os.pipe()
        results_read, results_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(jobs_write)
                os.close(results_read)
                for other in self.workers:  # so that each worker sees EOF when the parent goes
                    os.close(other.jobs_fd)
                    os.close(other.results_fd)
                self._serve(jobs_read, results_write)
            except BaseException:  # noqa: BLE001 - whatever happens, the worker exits here
                code = 70
            finally:
                os._exit(code)
        os.close(jobs_read)
        os.close(results_write)
        worker = _Worker(pid, jobs_write, results_read)
        self.selector.register(results_read, selectors.EVENT_READ, worker)
        return worker

    def _serve(self, jobs_fd: int, results_fd: int):
        """The worker's loop: read a job index, send back its pickled result, until STOP."""
        _quiet_stderr()
        _bound_memory(self.limits.max_reader_mb)
        while True:
            raw = _read_exactly(jobs_fd, 4)
            if raw is None:
                return
            (index,) = struct.unpack("<I", raw)
            if index == STOP:
                return
            try:
                result = _call(self.read_one, self.jobs[index])
            except MemoryError:
                result = MEMORY
            except Exception:  # noqa: BLE001 - a bug: raised again in the parent with its traceback
                result = _Bug(traceback.format_exc())
            payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            _write_all(results_fd, HEADER.pack(len(payload)) + payload)

    def _collect(self, done: dict):
        busy = [w for w in self.workers if w.index is not None]
        timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
        for key, _ in self.selector.select(timeout):
            worker = key.data
            data = os.read(worker.results_fd, 1 << 20)
            if not data:
                self._replace(worker, done, "crash")
                continue
            worker.buffer += data
            payload = worker.message()
            if payload is not None:
                done[worker.index] = self._result(worker.index, payload)
                worker.index = None
        now = time.monotonic()
        for worker in self.workers:
            if worker.index is not None and worker.deadline <= now:
                self._replace(worker, done, "timeout")

    def _result(self, index: int, payload: bytes):
        try:
            result = pickle.loads(payload)
        except Exception:  # noqa: BLE001
            return self.describe_failure(self.jobs[index], "crash")
        if isinstance(result, _Bug):
            raise RuntimeError("读取工作进程出错：\n" + result.text)
        return self.describe_failure(self.jobs[index], MEMORY) if result == MEMORY else result

    def _replace(self, worker: _Worker, done: dict, why: str):
        """A worker that died or ran out of time: its file gets a reason, a fresh worker takes its place."""
        index = worker.index
        self.selector.unregister(worker.results_fd)
        worker.stop(kill=True)
        slot = self.workers.index(worker)
        self.workers.pop(slot)
        self.workers.insert(slot, self._fork())
        if index is not None:
            done[index] = self.describe_failure(self.jobs[index], why)


class _Bug:
    def __init__(self, text: str):
        self.text = text


def _read_exactly(fd: int, size: int) -> bytes | None:
    out = b""
    while len(out) < size:
        chunk = os.read(fd, size - len(out))
        if not chunk:
            return None
        out += chunk
    return out


def _write_all(fd: int, data: bytes):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _quiet_stderr():
    """A dying reader's backtrace is not for the user: the parent says in Chinese what happened."""
    import faulthandler
    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _bound_memory(max_mb: float):
    """Cap the worker's address space at what it has now plus max_mb (never above an existing cap)."""
    with open("/proc/self/statm") as fh:
        now = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = now + int(max_mb * 1024 * 1024)
    for cap in (soft, hard):
        if cap != resource.RLIM_INFINITY:
            wanted = min(wanted, cap)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
