#!/usr/bin/env python3
"""bench/table.py RAW REPS PP_REPS AR_REPS FIRST_REPS [TPN]: the tables of
bench/run (markdown) from its raw measurement lines, and as section 4 the
table bench/tasks-per-node printed into the file TPN.

Every column is measured in rounds, the columns interleaved within each
round. Each cell is the median over rounds with the interquartile range (or
min to max, below 4 rounds) in parentheses; a ratio is computed per round
(spank-nix over bare in the same round) before taking its median, so it
carries its own spread, and a target counts as met only when the spread
shows it (see verdict())."""
import sys

from stats import quart

raw, reps, pp_reps, ar_reps, first_reps = sys.argv[1], *sys.argv[2:6]
tpn = sys.argv[6] if len(sys.argv) > 6 else None
steps, pp, ar, warns = {}, {}, {}, set()
BAD = ("fail", "BAD", "timeout")
for line in open(raw):
    f = line.split()
    if not f:
        continue
    if f[0] == "pp":  # pp LABEL SIZE MBps ROUND
        r = int(f[4]) if len(f) > 4 else len(pp.get(f[1], {}).get(int(f[2]), {}))
        pp.setdefault(f[1], {}).setdefault(int(f[2]), {})[r] = f[3]
    elif f[0] == "ar":  # ar LABEL SMALL LARGE ROUND
        r = int(f[4]) if len(f) > 4 else len(ar.get(f[1], {}))
        ar.setdefault(f[1], {})[r] = (f[2], f[3])
    elif f[0] == "warn":
        warns.add(f[1])
    elif len(f) == 2:  # LABEL ms, in round order
        steps.setdefault(f[0], []).append(f[1])


def num(v):
    return None if v is None or v in BAD else float(v)


def cell(vals, digits=1, bold=False):
    q = quart(vals)
    if q is None:
        return "n/a"
    m = f"{q[0]:.{digits}f}"
    return f"{'**' + m + '**' if bold else m} ({q[1]:.{digits}f} to {q[2]:.{digits}f})"


def ratios(num_by_round, den_by_round):
    """num/den per round, for the rounds both have"""
    out = []
    for r, d in den_by_round.items():
        n = num_by_round.get(r)
        if n is not None and d:
            out.append(n / d)
    return out


def verdict(vals, limit, higher_is_better=False):
    """MET when the whole interquartile range is on the right side of the
    limit, NOT MET when it is all on the wrong side, else NOT SHOWN."""
    q = quart(vals)
    if q is None:
        return "NOT MEASURED"
    _, lo, hi = q
    good = (lo >= limit) if higher_is_better else (hi <= limit)
    bad = (hi < limit) if higher_is_better else (lo > limit)
    return "MET" if good else "NOT MET" if bad else "NOT SHOWN (spread straddles the target)"


def failures(label, vals):
    k = sum(1 for v in vals if v is None or v in BAD)
    return [f"{label}: {k} of {len(vals)} failed"] if k else []


def by_round(vals):
    return {i: num(v) for i, v in enumerate(vals)}


out, fails = [], []
p = out.append
p(f"### 1. Step launch (ms: median of {reps} rounds, interquartile range in parentheses; "
  "one allocation, the columns interleaved in each round; ratios per round)\n")
p("| step | bare | --nix-store, pinned | ratio | per-task wrapper (bwrap) | ratio "
  "| first --nix-store step (creates) | first bare step | ratio |")
p("|---|---|---|---|---|---|---|---|---|")
pinned = []
for shape, name in (("n2", "`srun -n2 true`"), ("N2n4", "`srun -N2 -n4 true`")):
    cols = {k: steps.get(f"{k}.{shape}", []) for k in ("bare", "nix", "wrap", "first.nix", "first.bare")}
    for k, v in cols.items():
        fails += failures(f"{name} {k}", v)
    b, n, w, fn, fb = (by_round(cols[k]) for k in ("bare", "nix", "wrap", "first.nix", "first.bare"))
    rn = ratios(n, b)
    pinned.append((name, rn))
    p(f"| {name} | {cell(b.values())} | {cell(n.values())} | {cell(rn, 3, True)} "
      f"| {cell(w.values())} | {cell(ratios(w, b), 3)} | {cell(fn.values())} "
      f"| {cell(fb.values())} | {cell(ratios(fn, fb), 3)} |")
fs = [num(v) for v in steps.get("first.N2n4", [])]
p(f"\nFirst steps: {first_reps} fresh allocations each, bare and --nix-store alternating. "
  f"The first --nix-store step of the step-launch allocation itself took "
  f"{'n/a' if not fs or fs[0] is None else f'{fs[0]:.1f} ms'}.")
p("Target, a pinned step at most 1.03 x bare: "
  + "; ".join(f"{name} **{verdict(r, 1.03)}**" for name, r in pinned) + ".\n")

p(f"### 2. Intra-node ping-pong, Open MPI 4.1 `--mpi=pmix`, 2 ranks on one node "
  f"(MB/s: median of {pp_reps} rounds, interquartile range or min to max in parentheses; "
  "the columns interleaved in each round; ratios per round)\n")
p("| size | bare | spank-nix | ratio | per-task wrapper | ratio | A/A control: bare again / bare |")
p("|---|---|---|---|---|---|---|")
sizes = sorted(set().union(*[set(v) for v in pp.values()])) if pp else []


def pp_col(label, size):
    """(values by round, note when there is no number)"""
    vals = pp.get(label, {}).get(size, {})
    nums = {r: num(v) for r, v in vals.items()}
    note = None
    if not any(v is not None for v in nums.values()):
        note = ("BAD DATA" if "BAD" in vals.values() else "timeout" if "timeout" in vals.values()
                else "not reached")
    return nums, note


def by_median(series, limit=0.97):
    """"K of N sizes (lowest M at SIZE)" for per-size ratio series"""
    if not series:
        return "no size"
    meds = [(quart(r)[0], s) for s, r in series]
    low = min(meds)
    return (f"{sum(1 for m, _ in meds if m >= limit)} of {len(meds)} sizes "
            f"(lowest {low[0]:.3f} at {size_label(low[1])})")


def size_label(s):
    return f"{s // 1024} KiB" if s < 1 << 20 else f"{s >> 20} MiB"


verdicts, controls = [], []
for s in sizes:
    (b, be), (n, ne), (w, we), (b2, b2e) = (pp_col(lab, s) for lab in ("bare", "nix", "wrap", "bare2"))
    rn, rc = ratios(n, b), ratios(b2, b)
    if rn:
        verdicts.append((s, rn))
    if rc:
        controls.append((s, rc))
    label = size_label(s)
    p(f"| {label} | {be or cell(b.values())} | {ne or cell(n.values())} | {cell(rn, 3, True)} "
      f"| {we or cell(w.values())} | {'-' if we else cell(ratios(w, b), 3)} "
      f"| {'-' if b2e else cell(rc, 3)} |")
p("\nAll rounds in one allocation of the node (its first --nix-store step creates the view), "
  "each column a step of its own, the order rotating (and reversed every other round); "
  "each size timed 3 times per "
  "step and the fastest kept (`pingpong -r 3`), as others can only slow a run down.\n")
worst = min(verdicts, key=lambda sv: quart(sv[1])[0]) if verdicts else None
vs = [verdict(r, 0.97, higher_is_better=True) for _, r in verdicts]
overall = ("NOT MEASURED" if not vs else "NOT MET" if "NOT MET" in vs
           else "MET" if all(v == "MET" for v in vs) else "NOT SHOWN (spread straddles the target)")
p("Target, spank-nix/bare bandwidth at least 0.97 at every size (per-round ratios): "
  f"**{overall}**; lowest median ratio "
  + (f"{quart(worst[1])[0]:.3f} at {size_label(worst[0])}" if worst else "n/a")
  + ". By median: spank-nix/bare at least 0.97 at "
  + by_median(verdicts) + "; the A/A control (bare again against bare, the same method with "
  "nothing to find) at " + by_median(controls)
  + ". Open MPI's \"CMA is not available due to different user namespaces\" warning: "
  + ", ".join(f"{c}: {'YES' if c in warns else 'no'}" for c in ("bare", "nix", "wrap")) + ".\n")

p(f"### 3. Allreduce, 2 nodes x 2 ranks (µs per call: median of {ar_reps} rounds, "
  "interquartile range or min to max in parentheses; bare and spank-nix alternating; ratios per round)\n")
p("| MPI | bare 4 B | spank-nix 4 B | ratio | bare 1 MiB | spank-nix 1 MiB | ratio |")
p("|---|---|---|---|---|---|---|")
for mpi, name in (("ompi", "Open MPI 4.1.4, `--mpi=pmix`"),
                  ("mpich", "MPICH 4.0.2, `--mpi=pmi2` (UCX_TLS=self,tcp)")):
    cols = []
    for mode in ("bare", "nix"):
        rs = ar.get(f"{mpi}.{mode}", {})
        fails += failures(f"{name} {mode}", [v for pair in rs.values() for v in pair])
        cols.append(({r: num(v[0]) for r, v in rs.items()}, {r: num(v[1]) for r, v in rs.items()}))
    (bs, bg), (ns, ng) = cols
    p(f"| {name} | {cell(bs.values())} | {cell(ns.values())} | {cell(ratios(ns, bs), 3)} "
      f"| {cell(bg.values())} | {cell(ng.values())} | {cell(ratios(ng, bg), 3)} |")
p("")
if fails:
    p("Failures: " + "; ".join(fails) + "\n")
if tpn:
    p("### 4. Pinned step launch with 1, 16 and 64 tasks on one node (`bench/tasks-per-node`, "
      "`-O`; ms: median of its rounds, interquartile range in parentheses; bare and pinned "
      "alternating; ratios per round)\n")
    p(open(tpn).read().strip() or "tasks-per-node printed nothing")
    p("")
print("\n".join(out))
