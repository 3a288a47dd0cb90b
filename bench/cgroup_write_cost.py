#!/usr/bin/env python3
"""bench/cgroup_write_cost.py [HIERARCHY]: what moving a process between two
cgroups costs when no cgroup write happened for 100 ms, against right after
another, as root. Slurm's step end is such a write (slurmstepd leaving the
step's cgroup): after a step that lasted more than a grace period or two,
the kernel waits for an RCU grace period there (the cgroup threadgroup
rwsem), unless cgroups are mounted with favordynmods (from Linux 6.18 a
one-way switch until reboot: do not try it on a machine you share).
HIERARCHY: a cgroup v1 hierarchy or the v2 root (default: the freezer's,
else /sys/fs/cgroup). Prints the medians of 15 of each, in ms."""
import os
import statistics
import sys
import time

ROUNDS = 15


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else (
        "/sys/fs/cgroup/freezer" if os.path.isdir("/sys/fs/cgroup/freezer") else "/sys/fs/cgroup")
    base = os.path.join(top, "spank-nix-write-cost.%d" % os.getpid())
    for d in ("a", "b"):
        os.makedirs(os.path.join(base, d))
    pid = os.fork()
    if pid == 0:
        time.sleep(3600)
        os._exit(0)

    def move(to):
        t = time.perf_counter()
        with open(os.path.join(base, to, "cgroup.procs"), "w") as f:
            f.write(str(pid))
        return (time.perf_counter() - t) * 1e3

    idle, hot = [], []
    try:
        for _ in range(ROUNDS):
            time.sleep(0.1)
            idle.append(move("a"))
            hot.append(move("b"))
    finally:
        with open(os.path.join(top, "cgroup.procs"), "w") as f:
            f.write(str(pid))
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        for d in ("a", "b", ""):
            os.rmdir(os.path.join(base, d))
    print("cgroup write after 100 ms without one: %.2f ms; right after another: %.2f ms (medians of %d, %s)"
          % (statistics.median(idle), statistics.median(hot), ROUNDS, top))


if __name__ == "__main__":
    main()
