"""CPU meters: cores used by process groups and by the whole machine over a window, and the check before a
run that the machine is quiet enough for the figures to mean something."""
import os
import subprocess
import time
from pathlib import Path

from .processes import PROJECT_ROOT

CLK_TCK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) of a process group: its live processes and the children they reaped
    (a Celery worker's pool processes, the wkhtmltopdf processes that render)."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            ticks += sum(int(v) for v in fields[11:15])
    return ticks / CLK_TCK


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, over all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


class CpuMeter:
    """Cores used by some process groups (named by their leaders: every Process is one) and by the whole
    machine between start() and stop()."""

    def __init__(self, groups: dict[str, int]):
        self.groups = groups

    def start(self):
        self._t0 = time.monotonic()
        self._cpu0 = {name: group_cpu_seconds(pgid) for name, pgid in self.groups.items()}
        self._machine0 = machine_busy_seconds()
        return self

    def stop(self) -> dict[str, float]:
        elapsed = time.monotonic() - self._t0
        cores = {name: (group_cpu_seconds(pgid) - self._cpu0[name]) / elapsed
                 for name, pgid in self.groups.items()}
        busy, total = machine_busy_seconds()
        cores["machine"] = (busy - self._machine0[0]) / max(total - self._machine0[1], 1e-9) * CORES
        return cores


def describe_cpu(cores: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:.2f}" for name, value in cores.items()) + f" of {CORES} cores"


def revision() -> str:
    """The code measured: the commit, and whether the server's files differ from it."""
    def git(*args):
        done = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""
    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    changed = git("status", "--porcelain", "--", "server", "templates", "migrations", "fixtures").splitlines()
    return commit + (f" + uncommitted changes in {len(changed)} server file(s)" if changed else "")


def warn_if_busy(seconds: float = 1.0) -> float:
    """Before measuring: how many cores other work keeps busy; a warning when it is more than a little,
    since every figure here is relative to an otherwise idle machine."""
    before = machine_busy_seconds()
    time.sleep(seconds)
    after = machine_busy_seconds()
    busy = (after[0] - before[0]) / max(after[1] - before[1], 1e-9) * CORES
    print(f"measuring {revision()} on {CORES} cores", flush=True)
    if busy > 0.25:
        print(f"WARNING: {busy:.2f} of {CORES} cores were busy with other work just before this run; "
              "the figures below are noisy (compare ratios, or run again on a quiet machine)", flush=True)
    return busy
