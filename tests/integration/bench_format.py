#!/usr/bin/env python3
"""bench_format.py README BENCH_DIR WORK: does the README's Performance
section show the tables in the format the bench commands print?

Feeds bench/table.py, bench/tasks_table.py, bench/closure_table.py and
bench/shared_fs_table.py
synthetic raw lines (every kind of cell: numbers, timeouts, sizes not
reached), then compares, with every number replaced by N:
  - each table of the section has the header row of a table the commands
    print, and each of its rows the shape of a row of that table;
  - each table the commands print is in the section;
  - each section title the commands print ("### 1. Step launch (...)") is in
    the section (any number of #).
Prints what differs and exits 1, or exits 0."""
import random
import re
import subprocess
import sys

readme, bench, work = sys.argv[1:4]
NUM = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")


def shape(line):
    return NUM.sub("N", line.strip())


def section(text):
    m = re.search(r"^## Performance\n(.*?)(?=^## )", text, re.S | re.M)
    return m.group(1) if m else ""


def tables(text):
    """{header shape: set of row shapes}, in order; and title shapes"""
    out, titles, cur = {}, set(), None
    for line in text.splitlines():
        if line.startswith("|"):
            if cur is None:
                cur = shape(line)
                out.setdefault(cur, set())
            elif not re.fullmatch(r"\|(-+\|)+", line.strip()):
                out[cur].add(shape(line))
        else:
            cur = None
            if line.startswith("#"):
                titles.add(shape(line.lstrip("#")))
    return out, titles


def fake_raw():
    random.seed(16)
    r = lambda b: f"{b * (1 + random.random() / 10):.1f}"
    run, tpn, cv = [f"first.N2n4 {r(160)}"], [], []
    for i in range(6):
        for s in ("n2", "N2n4"):
            run += [f"{k}.{s} {r(60)}" for k in ("bare", "nix", "wrap")]
    for i in range(5):
        for s in ("n2", "N2n4"):
            run += [f"first.{k}.{s} {r(85)}" for k in ("bare", "nix")]
    for i in range(5):
        for lab in ("bare", "nix", "wrap", "bare2"):
            for sz in (1024, 2048, 1 << 20, 1 << 22, 1 << 23):
                v = r(5000)
                if lab == "wrap" and sz == 1 << 22:
                    v = "timeout"
                if lab == "wrap" and sz == 1 << 23:
                    continue  # not reached
                run.append(f"pp {lab} {sz} {v} {i}")
        for lab in ("ompi.bare", "ompi.nix", "mpich.bare", "mpich.nix"):
            run.append(f"ar {lab} {r(20)} {r(1500)} {i}")
    run.append("warn wrap")
    for i in range(6):
        for n in (1, 16, 64):
            tpn += [f"tasks.bare.{n} {r(100)}", f"tasks.nix.{n} {r(100)}"]
    for i in range(7):
        for m, b in (("bare", 60), ("plain", 70), ("plain2", 70), ("c100", 72), ("c1000", 80), ("c5000", 120),
                     ("a5000", 72)):
            cv.append(f"{i} first {m} {r(b)}")
            cv.append(f"{i} alloc {m} {r(b + (60 if m == 'a5000' else 0))}")
            cv.append(f"{i} sfirst {m} {r(b + 120)}")
            if m != "bare":
                cv.append(f"{i} built {m} {r(b - 60)}")
            cv += [f"{i} later {m} {r(55)}" for _ in range(5)]
        cv += [f"{i} floor bind {r(40)}", f"{i} floor mkdirbind {r(60)}"]
    return run, tpn, cv


def write(name, lines):
    path = f"{work}/{name}"
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


run_raw, tpn_raw, cv_raw = fake_raw()
tpn_md = write("tpn.md", [run("python3", f"{bench}/tasks_table.py", write("tpn.raw", tpn_raw), "1", "16", "64")])
printed = (run("python3", f"{bench}/table.py", write("run.raw", run_raw), "6", "5", "5", "5", tpn_md)
           + "\n" + run("python3", f"{bench}/closure_table.py", write("cv.raw", cv_raw), "7", "5",
                        "100 1000 5000", "0.1"))
# bench/shared-fs: both ways its image column can be measured.
for mode in ("plugin", "hand"):
    sf = [f"meta files 20000 reads 5000 size_kib 109988 image_kib 22824 image {mode}",
          "meta ganesha 4.3-2", "meta squashfuse 0.1.105-1 server squashfuse_ll"]
    sf_cols = ("nfsdir", "nfsimg") + (("nfsimgk", "localimg") if mode == "plugin" else ()) + ("localdir", "bare")
    for i in range(1, 6):
        for col in sf_cols:
            sf += [f"{i} {col} {m} {random.uniform(50, 900):.1f}"
                   for m in (("first", "later") if col == "bare" else ("first", "later", "cold", "warm"))]
    printed += "\n" + run("python3", f"{bench}/shared_fs_table.py", write(f"sf-{mode}.raw", sf), "5")
want, want_titles = tables(printed)
have, have_titles = tables(section(open(readme).read()))
errors = []
if not have:
    errors.append("README has no table in its Performance section")
for h, rows in have.items():
    if h not in want:
        errors.append(f"README table header not printed by the bench commands: {h}")
        continue
    for row in sorted(rows - want[h]):
        errors.append(f"README row not in the format the bench commands print: {row}\n"
                      f"    (table {h}; printed rows look like: {sorted(want[h])[0]})")
for h in want:
    if h not in have:
        errors.append(f"a table the bench commands print is missing from README: {h}")
for t in sorted(want_titles - have_titles):
    errors.append(f"a section title the bench commands print is missing from README: {t}")
print("\n".join(errors))
sys.exit(1 if errors else 0)
