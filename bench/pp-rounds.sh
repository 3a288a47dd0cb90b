#!/bin/bash
# bench/pp-rounds.sh STORE ROUNDS MPIBIN NIXWRAP COLUMNS [PINGPONG ARGS...]:
# runs as the job user inside ONE allocation of one node and 2 tasks
# (salloc -w NODE -N1 -n2, WITHOUT --nix-store), on the login side.
# COLUMNS is a comma list of bare, nix (srun --nix-store, the job's pinned
# view: its first step creates it, before round 0), wrap (per-task bwrap
# wrapper), and bare2 and nix2 (second bare and nix columns: bare2/bare
# shows what the method itself reads as a difference). Each round runs every
# column once, as separate steps, the order rotating by round and reversed
# every other round, so no column always follows another. Prints "pp LABEL SIZE MBps|timeout|BAD ROUND" lines, and
# "warn LABEL cma-userns" if Open MPI could not use single copy.
set -u
store=$1 rounds=$2 bin=$3 wrap=$4 cols=$5
shift 5
ppargs=("$@")
T=${BENCH_PP_TIMEOUT:-120}
IFS=, read -r -a columns <<<"$cols"
err=$(mktemp)
trap 'rm -f "$err"' EXIT
pp() { # pp ROUND LABEL SRUN-ARGS...: one ping-pong step
  local round=$1 label=$2 out; shift 2
  out=$(timeout "$T" srun --mpi=pmix -N1 -n2 "$@" 2>"$err") || true
  grep -q 'not available due to different user namespaces' "$err" && echo "warn $label cma-userns"
  awk -v l="$label" -v r="$round" '/^pingpong size=/ {
      split($2, a, "="); if ($3 == "timeout") print "pp", l, a[2], "timeout", r;
      else { for (i = 3; i <= NF; i++) if ($i ~ /^MBps=/) { split($i, b, "="); v = b[2] }
             if ($0 ~ /verified=ok/) print "pp", l, a[2], v, r; else print "pp", l, a[2], "BAD", r } }' <<<"$out"
}
column() { # column ROUND LABEL
  case $2 in
    bare | bare2) pp "$1" "$2" "$bin/pingpong.openmpi" "${ppargs[@]}" ;;
    nix | nix2) pp "$1" "$2" --nix-store="$store" "$bin/pingpong.openmpi" "${ppargs[@]}" ;;
    wrap) pp "$1" wrap "$wrap" "$store" "$bin/pingpong.openmpi" "${ppargs[@]}" ;;
  esac
}
# Warm-up, not reported: the allocation's first step, and the first
# --nix-store step (it creates and pins the job's view).
timeout "$T" srun -N1 -n2 true >/dev/null 2>&1
timeout "$T" srun --nix-store="$store" -N1 -n2 true >/dev/null 2>&1
n=${#columns[@]}
for ((i = 0; i < rounds; i++)); do
  for ((k = 0; k < n; k++)); do
    j=$(((i + k) % n))
    ((i % 2)) && j=$(((i + n - 1 - k) % n))
    column "$i" "${columns[j]}"
  done
done
