"""A pool of long-lived `wkhtmltopdf --read-args-from-stdin` processes (issue 14).

Starting wkhtmltopdf is nearly all of a small check's cost, so each process of the pool stays up and
renders document after document: a job is one line of arguments on its stdin (the HTML in a temporary
file, the PDF to a temporary name the caller then renames into place). What the process logs on stderr
tells when a job ends (wkhtmltopdf 0.12.6, checked by hand):

    Loading page (1/2)\\n [====>  ] 50%\\r ... Printing pages (2/2)\\r ... Done\\n    one per document
    Error: Failed loading page ...\\n    and the process exits (code 1), with the lines queued behind

so the log level must stay `info` (`--quiet` or `--log-level warn` drop the `Done`), and an `Error:`
line alone does not end a job (a blocked resource logs one and the page still renders): the process's
end does. Each process gets at most PIPELINE lines ahead, so it never waits for its next job.

A process that dies, or whose current job runs past `timeout` (then it is killed), is replaced; the job
it was rendering is retried once on another process before it fails, and the lines queued behind it go
back to the front of the queue untouched (they never started). A process that has taken `max_jobs`
lines, or grown past `max_memory_mb`, gets its stdin closed: it finishes what it has and exits, and a
fresh one takes its place. Closing the pool closes every stdin; a process whose parent dies sees its
stdin end the same way, so none outlives the server or worker that started it.
"""
import collections
import logging
import os
import re
import select
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future
from pathlib import Path
import subprocess

log = logging.getLogger("server.printing.pool")

PIPELINE = 2  # lines a process holds: the one it renders and the next
LOG_NOISE = ("[", "Loading page", "Printing pages", "Counting pages", "Resolving links",
             "Loading headers", "QStandardPaths")
UNSAFE = re.compile(r'([\s"\'\\])')


class PoolClosed(OSError):
    """The pool was closed before the job was rendered."""


def option_args(options: dict) -> list[str]:
    """pdfkit's options as wkhtmltopdf arguments, less those that would silence the `Done` lines."""
    args = []
    for key, value in options.items():
        key = key.lstrip("-")
        if key in ("quiet", "q", "log-level"):
            continue
        args.append(f"--{key}")
        if value not in ("", None):
            args.append(str(value))
    return args


def quote(arg: str) -> str:
    """One argument of a stdin line: wkhtmltopdf splits on spaces and honours backslash escapes."""
    if "\n" in arg or "\r" in arg:
        raise ValueError(f"a wkhtmltopdf argument cannot hold a line break: {arg!r}")
    return UNSAFE.sub(r"\\\1", arg)


class Job:
    __slots__ = ("args", "html_path", "output", "future", "retried")

    def __init__(self, args: list[str], html_path: str, output: Path):
        self.args, self.html_path, self.output = args, html_path, output
        self.future: Future = Future()
        self.retried = False

    def line(self) -> bytes:
        return (" ".join(quote(a) for a in [*self.args, self.html_path, str(self.output)]) + "\n").encode()


class Process:
    """One wkhtmltopdf process and the jobs written to its stdin, oldest (the one rendering) first."""

    def __init__(self, popen: subprocess.Popen):
        self.popen = popen
        self.in_flight: collections.deque[Job] = collections.deque()
        self.sent = 0
        self.done = 0
        self.accepting = True
        self.head_started = time.monotonic()
        self.killed_because = ""
        self.messages: list[str] = []

    def retire(self) -> None:
        """Take no more jobs: with its stdin closed it renders what it has, then exits."""
        self.accepting = False
        try:
            self.popen.stdin.close()
        except OSError:
            pass

    def rss_mb(self) -> float:
        try:
            with open(f"/proc/{self.popen.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except (OSError, ValueError):
            pass
        return 0.0


class RenderPool:
    def __init__(self, binary: str, size: int, timeout: float = 30.0, max_jobs: int = 1000,
                 max_memory_mb: float = 500.0, nice: int | None = None):
        self.binary = shutil.which(binary) or binary
        self.size = max(1, size)
        self.timeout, self.max_jobs, self.max_memory_mb, self.nice = timeout, max_jobs, max_memory_mb, nice
        self.pid = os.getpid()
        self.replaced = 0  # processes that died or hung (not those retired after their job count or memory)
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)
        self._backlog: collections.deque[Job] = collections.deque()
        self._processes: list[Process] = []
        self._closed = False
        self._html_dir = tempfile.mkdtemp(prefix="receipt-hub-render-")
        self._threads = [threading.Thread(target=self._run_slot, name=f"wkhtmltopdf-{n}", daemon=True)
                         for n in range(self.size)]
        for thread in self._threads:
            thread.start()

    # The caller's side.

    def submit(self, html: str, options: dict, output: Path) -> Future:
        """Render `html` with pdfkit-style `options` into `output` (a temporary name: the caller renames it
        into place); the future's result is `output` once it holds the complete PDF, or the error."""
        try:
            if self._closed:
                raise FileNotFoundError(self._html_dir)
            fd, html_path = tempfile.mkstemp(dir=self._html_dir, suffix=".html")
        except FileNotFoundError:  # close() removed the folder
            raise PoolClosed("the render pool is closed") from None
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(html)
        job = Job(option_args(options), html_path, output)
        with self._lock:
            if self._closed:
                os.unlink(html_path)
                raise PoolClosed("the render pool is closed")
            self._backlog.append(job)
            self._dispatch()
            self._work.notify_all()
        return job.future

    def jobs_in_hand(self) -> int:
        """Jobs written to a process and not yet done."""
        with self._lock:
            return sum(len(p.in_flight) for p in self._processes)

    def pids(self) -> list[int]:
        with self._lock:
            return [p.popen.pid for p in self._processes]

    def close(self, grace: float = 10.0) -> None:
        """Take no more jobs, fail the queued ones, let the processes finish the lines they hold and
        exit; kill those still up after `grace` seconds."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            queued, self._backlog = list(self._backlog), collections.deque()
            for process in self._processes:
                process.retire()
            self._work.notify_all()
        for job in queued:
            self._fail(job, PoolClosed("the render pool was closed before this check was rendered"))
        deadline = time.monotonic() + grace
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            left = list(self._processes)
        for process in left:
            process.popen.kill()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(5)
        shutil.rmtree(self._html_dir, ignore_errors=True)

    # The pool's side: one thread per slot starts a process, feeds it and reads its log until it ends.

    def _run_slot(self) -> None:
        self._lower_priority()
        warm = True  # start at once (the pool is started by its first job), and again after a healthy process
        while True:
            with self._lock:
                while not self._closed and not self._backlog and not warm:
                    self._work.wait()
                if self._closed:
                    return
            try:
                process = self._spawn()
            except OSError as error:
                with self._lock:
                    job = self._backlog.popleft() if self._backlog else None
                if job is not None:
                    self._fail(job, OSError(f"wkhtmltopdf could not be started ({self.binary}): {error}"))
                warm = False
                time.sleep(0.1)
                continue
            with self._lock:
                self._processes.append(process)
                if self._closed:
                    process.retire()
                self._dispatch()
            self._serve(process)
            warm = process.done > 0

    def _lower_priority(self) -> None:
        """Renders yield the CPU to requests (WORKER_NICE): this thread, and so the processes it starts."""
        if self.nice is None:
            return
        thread_id = threading.get_native_id()
        try:
            if os.getpriority(os.PRIO_PROCESS, thread_id) < self.nice:
                os.setpriority(os.PRIO_PROCESS, thread_id, self.nice)
        except OSError as error:
            log.warning("could not lower the render pool's priority: %s", error)

    def _spawn(self) -> Process:
        popen = subprocess.Popen([self.binary, "--read-args-from-stdin"], stdin=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, bufsize=0)
        return Process(popen)

    def _dispatch(self) -> None:
        """Hand queued jobs to the processes with room, the least busy first. Called with the lock held."""
        while self._backlog:
            ready = [p for p in self._processes if p.accepting and len(p.in_flight) < PIPELINE]
            if not ready:
                return
            process = min(ready, key=lambda p: len(p.in_flight))
            job = self._backlog.popleft()
            if not process.in_flight:
                process.head_started = time.monotonic()
            process.in_flight.append(job)
            process.sent += 1
            try:
                os.write(process.popen.stdin.fileno(), job.line())
            except (OSError, ValueError):  # it has died: its reader hands the job on when it sees the end
                process.accepting = False
                continue
            if process.sent >= self.max_jobs:
                process.retire()

    def _serve(self, process: Process) -> None:
        fd = process.popen.stderr.fileno()
        pending = b""
        while True:
            with self._lock:
                busy = bool(process.in_flight)
                overdue = busy and time.monotonic() - process.head_started > self.timeout
            if overdue and not process.killed_because:
                process.killed_because = f"took longer than {self.timeout:g}s and was killed"
                process.popen.kill()
            ready, _, _ = select.select([fd], [], [], 0.2 if busy else 1.0)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            *lines, pending = re.split(rb"[\r\n]", pending + chunk)
            for raw in lines:
                text = raw.decode(errors="replace").strip()
                if text == "Done":
                    self._job_done(process)
                elif text and not text.startswith(LOG_NOISE) and len(process.messages) < 20:
                    process.messages.append(text)
        process.popen.stderr.close()
        returncode = process.popen.wait()
        self._process_ended(process, returncode)

    def _job_done(self, process: Process) -> None:
        with self._lock:
            if not process.in_flight:  # not ours: wkhtmltopdf logs one `Done` per line it was given
                log.warning("render process %d logged Done with no job in hand", process.popen.pid)
                return
            job = process.in_flight.popleft()
            process.done += 1
            process.head_started = time.monotonic()
            process.messages = []
            if process.accepting and self.max_memory_mb and process.rss_mb() > self.max_memory_mb:
                log.info("wkhtmltopdf %d grew past %g MB after %d documents: replacing it",
                         process.popen.pid, self.max_memory_mb, process.done)
                process.retire()
            self._dispatch()
        try:
            with open(job.output, "rb") as file:
                complete = file.read(5) == b"%PDF-"
        except OSError:
            complete = False
        if complete:
            self._succeed(job)
        else:
            self._fail(job, OSError("wkhtmltopdf reported the document done but wrote no PDF"))

    def _process_ended(self, process: Process, returncode: int) -> None:
        errors = [m for m in process.messages if m.startswith("Error:")] or process.messages[:1]
        reason = process.killed_because or f"exited with code {returncode}"
        message = f"wkhtmltopdf {reason}" + (f": {'; '.join(errors)}" if errors else "")
        failed = None
        with self._lock:
            self._processes.remove(process)
            in_flight = list(process.in_flight)
            process.in_flight.clear()
            if in_flight or process.killed_because:
                self.replaced += 1
            if in_flight:
                head, behind = in_flight[0], in_flight[1:]
                self._backlog.extendleft(reversed(behind))  # never started: they keep their place
                if head.retried or self._closed:
                    failed = head
                else:
                    head.retried = True
                    self._backlog.appendleft(head)
                self._dispatch()
            if self._closed:
                queued, self._backlog = list(self._backlog), collections.deque()
            else:
                queued = []
            self._work.notify_all()
        if in_flight:
            log.warning("render process %d: %s, with %d job(s) in hand%s", process.popen.pid, message,
                        len(in_flight), "" if failed else "; the one it was rendering is retried")
        if failed is not None:
            self._fail(failed, OSError(message))
        for job in queued:
            self._fail(job, PoolClosed("the render pool was closed before this check was rendered"))

    def _succeed(self, job: Job) -> None:
        Path(job.html_path).unlink(missing_ok=True)
        job.future.set_result(job.output)

    def _fail(self, job: Job, error: Exception) -> None:
        Path(job.html_path).unlink(missing_ok=True)
        Path(job.output).unlink(missing_ok=True)
        job.future.set_exception(error)


_shared: RenderPool | None = None
_shared_lock = threading.Lock()


def shared_pool(binary: str, size: int, **limits) -> RenderPool:
    """This process's pool, started by its first use; a new one when the binary or the size changed
    (the old one is closed), or in a child forked after it was started (its threads stayed behind)."""
    global _shared
    old = None
    binary = shutil.which(binary) or binary
    with _shared_lock:
        pool = _shared
        if pool is None or pool.pid != os.getpid() or pool.binary != binary or pool.size != size \
                or pool._closed:
            if pool is not None and pool.pid == os.getpid():
                old = pool
            pool = _shared = RenderPool(binary, size, **limits)
    if old is not None:
        old.close()
    return pool


def close_shared_pool(**_) -> None:
    """Close this process's pool, if it started one: at the worker's or the server's end."""
    global _shared
    with _shared_lock:
        pool, _shared = _shared, None
    if pool is not None and pool.pid == os.getpid():
        pool.close()
