#!/bin/bash
# bench/steps.sh STORE REPS MPIBIN NIXWRAP: runs as the job user inside one
# allocation (salloc -N2 -n4, WITHOUT --nix-store), on the login side.
# Prints one line per measurement: "<label> <milliseconds>".
#   first.*   the first --nix-store step of the job (creates + pins the namespace)
#   bare.*    plain srun
#   nix.*     srun --nix-store=STORE once the namespace is pinned
#   wrap.*    srun nix-wrap STORE (one user+mount namespace per task, bwrap)
# Every srun runs under `timeout`; a failed step prints "<label> fail".
set -u
store=$1 reps=$2 wrap=$4
T=${BENCH_STEP_TIMEOUT:-60}
ms() { # ms LABEL CMD...: time CMD, print "LABEL ms" or "LABEL fail"
  local label=$1 t0 t1; shift
  t0=$(date +%s%N)
  if timeout "$T" "$@" >/dev/null 2>"$TMPDIR_B/err"; then
    t1=$(date +%s%N)
    awk -v l="$label" -v ns=$((t1 - t0)) 'BEGIN { printf "%s %.1f\n", l, ns / 1e6 }'
  else
    echo "$label fail"; sed 's/^/#   /' "$TMPDIR_B/err" >&2
  fi
}
TMPDIR_B=$(mktemp -d)
trap 'rm -rf "$TMPDIR_B"' EXIT
# One warm-up bare step (the allocation's first step is slower anyway).
timeout "$T" srun -n2 true >/dev/null 2>&1
# The first --nix-store steps: -N2 -n4 creates on both nodes at once.
ms first.N2n4 srun --nix-store="$store" -N2 -n4 true
# Rounds of (bare, pinned, wrapper) per shape, the order reversed every
# other round; table.py pairs the columns by round.
for ((i = 0; i < reps; i++)); do
  for shape in n2 N2n4; do
    geo=(-n2)
    [ "$shape" = N2n4 ] && geo=(-N2 -n4)
    cols=(bare nix wrap)
    ((i % 2)) && cols=(wrap nix bare)
    for c in "${cols[@]}"; do
      case $c in
        bare) ms "bare.$shape" srun "${geo[@]}" true ;;
        nix) ms "nix.$shape" srun --nix-store="$store" "${geo[@]}" true ;;
        wrap) ms "wrap.$shape" srun "${geo[@]}" "$wrap" "$store" true ;;
      esac
    done
  done
done
