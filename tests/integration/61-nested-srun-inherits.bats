#!/usr/bin/env bats
# issue 9, bug 4: an srun run inside a step inherits the step's options,
# as one inside a batch script inherits sbatch's: nested `srun --overlap
# ls /nix` inside `srun --nix-store=~/nix ... bash` finds the store.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
}

teardown() {
  assert_no_job_state
}

@test "srun inside an srun step finds the step's store and profile" {
  run_as_user timeout 60 salloc -N1 srun --nix-store='~/nix' --nix-profile="$NIX_HELLO" bash -c '
    srun --overlap ls /nix | sed s/^/nested:/
    srun --overlap hello'
  assert_success
  assert_output_contains "nested:store"
  assert_output_contains "$NIX_GREETING on"
}

@test "the nested srun gets the step's own options, not its allocation's" {
  local greeting_b
  greeting_b=$(fixture_var b NIX_GREETING)
  run_as_user timeout 60 salloc -N1 --nix-store='~/nix' bash -c '
    srun --nix-store=~/nix-b bash -c "srun --overlap '"$(fixture_var b NIX_HELLO_BIN)"'"
    srun --nix-store=none bash -c "srun --overlap sh -c \"test -e /nix || echo nested-bare\""'
  assert_output_contains "$greeting_b"
  assert_output_contains "nested-bare"
}

@test "a nested srun of a closure step gets the closure, and may override it" {
  run_as_user timeout 60 salloc -N1 srun --nix-store='~/nix' --nix-closure="$NIX_HELLO" bash -c '
    srun --overlap sh -c "echo nested-paths=\$(ls /nix/store | wc -l)"
    srun --overlap --nix-closure=none sh -c "echo override-paths=\$(ls /nix/store | wc -l)"'
  assert_output_contains "nested-paths=3"
  assert_output_contains "override-paths=$(ls "$NIXC_STORE_A/store" | wc -l)"
}
