#!/usr/bin/env bats
# issue 9, bug 7: option values up to the documented limit (65,536 bytes for
# --nix-closure and --nix-profile, 4,095 for --nix-store and --nix-hide) are
# taken whole; longer ones are refused, never cut, with a line that quotes
# the value elided in the middle so that the reason stays readable.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
}

teardown() {
  assert_no_job_state
}

# spec_list N: N copies of glibc's path, then hello's: hello is the last SPEC
spec_list() {
  local i s=""
  for ((i = 0; i < $1; i++)); do s+="$NIX_GLIBC,"; done
  printf '%s%s' "$s" "$NIX_HELLO"
}

@test "a 30,000-byte --nix-closure is taken whole: its last SPEC is in the view (srun)" {
  local specs
  specs=$(spec_list 480)
  [ "${#specs}" -gt 20000 ] && [ "${#specs}" -lt 65536 ]
  run_as_user srun -N1 --nix-store='~/nix' --nix-closure="$specs" "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING"
}

@test "a 30,000-byte --nix-closure is taken whole by a batch job" {
  run_batch -N1 --nix-store='~/nix' --nix-closure="$(spec_list 480)" -- "$NIX_HELLO_BIN; srun $NIX_HELLO_BIN"
  assert_equal "$job_state" COMPLETED
  assert_equal "$(grep -c "$NIX_GREETING" <<<"$output")" 2
}

@test "65,536 bytes is the limit: one byte more is refused with a short line" {
  local specs a b i fill other
  # a copies of fill (a path below glibc's: at most 1,024 SPECs fit 65,536
  # bytes only if they average 64, and sid's glibc path is 55 long) and b of
  # another path (the first whose length makes the sum exact), then
  # hello's: 65,536 bytes
  fill=$NIX_GLIBC/lib/libc.so.6
  for other in "$NIX_BUSYBOX" "$NIX_HELLO" "$NIX_HELLO_BIN"; do
    for ((b = 0; b < 200; b++)); do
      (((65536 - ${#NIX_HELLO} - b * (${#other} + 1)) % (${#fill} + 1) == 0)) && break 2
    done
  done
  a=$(((65536 - ${#NIX_HELLO} - b * (${#other} + 1)) / (${#fill} + 1)))
  specs=""
  for ((i = 0; i < b; i++)); do specs+="$other,"; done
  for ((i = 0; i < a; i++)); do specs+="$fill,"; done
  specs+=$NIX_HELLO
  [ "${#specs}" -eq 65536 ]
  [ $((a + b + 1)) -le 1024 ]
  run_as_user srun -N1 --nix-store='~/nix' --nix-closure="$specs" "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING"

  assert_refused_before_queueing srun -N1 --nix-store='~/nix' --nix-closure="/$specs" true
  local line
  line=$(grep 'nix: ' <<<"$output")
  assert_output_contains ": 65537 bytes, longer than the 65536 this option takes"
  # The value's head and tail, elided between: the tail is the end of the
  # value (where it ends depends on the store paths' lengths).
  [[ "$line" == *"nix: --nix-closure=//nix/store/"*"..."*"$NIX_HELLO: 65537 bytes"* ]]
  local tail=${line##*...}
  tail=${tail%%: 65537 bytes*}
  [[ "/$specs" == *"$tail" ]]
  [ "${#line}" -lt 300 ]
}

@test "a refusal quotes a long value elided, the reason kept (srun and sbatch)" {
  local long
  local part
  part=$(printf 'd%.0s' $(seq 99))
  long="~/$(printf "$part/%.0s" $(seq 30))missing"
  assert_refused_before_queueing srun -N1 --nix-store="$long" true
  local line
  line=$(grep 'nix: ' <<<"$output")
  [[ "$line" == *"nix: --nix-store=~/ddd"*"d...d"*"d/missing: $NIXC_HOME/ddd"*" does not exist" ]] ||
    { echo "$line" >&2; false; }
  [ "${#line}" -lt 400 ]
  assert_refused_before_queueing sbatch -N1 --nix-store='~/nix' --nix-profile="$(printf 'p%.0s' $(seq 3000))" --wrap true
  line=$(grep 'nix: ' <<<"$output")
  [[ "$line" == *"nix: --nix-profile=ppp"*"p...p"*"p: ppp"*"p...p"*"p: not an absolute path" ]]
  [ "${#line}" -lt 400 ]
}

@test "a store path longer than 4,095 bytes is refused, not cut" {
  local long
  long="/$(printf 'd%.0s' $(seq 5000))"
  assert_refused_before_queueing srun -N1 --nix-store="$long" true
  assert_output_contains ": 5001 bytes, longer than the 4095 this option takes"
}
