#!/bin/bash
# bench/first.sh STORE SHAPE: inside a fresh allocation, time the very first
# step: bare, or with --nix-store (which creates and pins the namespaces).
# SHAPE is n2 or N2n4. Prints "first.bare.SHAPE ms" or "first.nix.SHAPE ms".
set -u
store=$1 shape=$2 mode=$3
case $shape in n2) geo=(-n2) ;; N2n4) geo=(-N2 -n4) ;; *) exit 64 ;; esac
opt=()
[ "$mode" = nix ] && opt=(--nix-store="$store")
t0=$(date +%s%N)
if timeout "${BENCH_STEP_TIMEOUT:-60}" srun "${opt[@]}" "${geo[@]}" true >/dev/null; then
  t1=$(date +%s%N)
  awk -v l="first.$mode.$shape" -v ns=$((t1 - t0)) 'BEGIN { printf "%s %.1f\n", l, ns / 1e6 }'
else
  echo "first.$mode.$shape fail"
fi
