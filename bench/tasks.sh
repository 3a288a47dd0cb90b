#!/bin/bash
# bench/tasks.sh STORE ROUNDS COUNTS...: as the job user inside one
# allocation of one node (salloc -N1 -n<max> -O, WITHOUT --nix-store). After
# one --nix-store step has pinned the view, each round runs, for every task
# count N, a bare `srun -nN -O true` and a pinned `srun --nix-store -nN -O
# true`, alternating which goes first. Prints "tasks.<bare|nix>.<N> ms".
set -u
store=$1 rounds=$2
shift 2
T=${BENCH_STEP_TIMEOUT:-120}
ms() { # ms LABEL SRUN-ARGS...
  local label=$1 t0 t1; shift
  t0=$(date +%s%N)
  if timeout "$T" srun "$@" true >/dev/null 2>&1; then
    t1=$(date +%s%N)
    awk -v l="$label" -v ns=$((t1 - t0)) 'BEGIN { printf "%s %.1f\n", l, ns / 1e6 }'
  else
    echo "$label fail"
  fi
}
timeout "$T" srun -n1 true >/dev/null 2>&1
timeout "$T" srun -n1 --nix-store="$store" true >/dev/null 2>&1 # builds and pins the view
for ((r = 0; r < rounds; r++)); do
  for n in "$@"; do
    if ((r % 2)); then
      ms "tasks.nix.$n" --nix-store="$store" -n"$n" -O
      ms "tasks.bare.$n" -n"$n" -O
    else
      ms "tasks.bare.$n" -n"$n" -O
      ms "tasks.nix.$n" --nix-store="$store" -n"$n" -O
    fi
  done
done
