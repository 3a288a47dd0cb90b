#!/usr/bin/env bats
# issue 13, item 4: what `spank-nix run` shows is what a job's task sees,
# for the same options: compared on the test cluster, and `spank-nix check`
# refuses what srun refuses, with the same line.

load helpers
load nix_helpers

SPANK_NIX_CLI=${SPANK_NIX_CLI:-$(dirname "$NIXC_PLUGIN")/../tools/spank-nix}

setup_file() {
  require_cluster
  need_fixtures
  [ -x "$SPANK_NIX_CLI" ] || { echo "no $SPANK_NIX_CLI: build first" >&2; return 1; }
}

teardown() {
  assert_no_job_state
}

# What a task sees of the view: /nix's mount flags, the store's listing,
# var/, the hidden /opt, where `hello` is found, the user's ids.
VIEW='echo "flags=$(findmnt -no OPTIONS /nix | tr , "\n" | grep -xE "ro|rw|nosuid|nodev" | sort | tr "\n" " ")"
echo "store=$(ls /nix/store | md5sum | cut -c1-12) n=$(ls /nix/store | wc -l)"
echo "var=$(test -e /nix/var/nix/db && echo yes || echo no)"
echo "opt=$(ls -A /opt | wc -l)"
echo "hello=$(command -v hello || echo none)"
echo "ids=$(id -u) $(id -g)"
echo "uid_map=$(cat /proc/self/uid_map | tr -s " ")"'

compare_views() {
  local job cli
  run_as_user srun -N1 "$@" bash -c "$VIEW"
  assert_success
  job=$output
  run_as_user "$SPANK_NIX_CLI" run "$@" -- bash -c "$VIEW"
  assert_success
  cli=$output
  echo "job: $job" >&2
  echo "cli: $cli" >&2
  assert_equal "$cli" "$job"
}

@test "plain --nix-store: the same view" {
  compare_views --nix-store='~/nix'
}

@test "--nix-closure, --nix-hide and --nix-profile: the same view" {
  compare_views --nix-store='~/nix' --nix-closure="$NIX_HELLO" --nix-hide=/opt --nix-profile="$NIX_HELLO"
}

@test "--nix-writable: the same view" {
  compare_views --nix-store='~/nix' --nix-writable
}

@test "check refuses what srun refuses, with the same line" {
  local srun_line
  run_as_user srun -N1 --nix-store='~/nix' --nix-closure=/nix/store/00000000000000000000000000000000-nope true
  assert_failure
  srun_line=$(grep 'nix: ' <<<"$output")
  run_as_user "$SPANK_NIX_CLI" check --nix-store='~/nix' --nix-closure=/nix/store/00000000000000000000000000000000-nope
  assert_equal "$status" 1
  assert_equal "${output#spank-nix: error: }" "${srun_line#srun: error: }"
}
