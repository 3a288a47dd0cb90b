#!/usr/bin/env bats
# issue 9, bug 3: --nix-store=none drops every option the job passed down
# (closure, hide, profile, writable), so a job with a closure can run a bare
# step; --nix-closure=none and --nix-profile=none drop inherited ones. Given
# on the same command line as --nix-store=none they are still refused.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
}

teardown() {
  assert_no_job_state
}

@test "salloc with store, closure, hide and profile: srun --nix-store=none runs bare" {
  run_as_user timeout 60 salloc -N1 --nix-store='~/nix' --nix-closure="$NIX_HELLO" \
    --nix-hide=/opt --nix-profile="$NIX_HELLO" bash -c '
      srun --nix-store=none sh -c "test -e /nix && echo nix-seen; ls /opt >/dev/null && echo opt-seen; echo bare-rc=0"
      echo srun-rc=$?'
  assert_output_contains "bare-rc=0"
  assert_output_contains "srun-rc=0"
  assert_output_contains "opt-seen"
  assert_output_not_contains "nix-seen"
  assert_output_not_contains "needs --nix-store"
}

@test "a batch job with a closure runs a bare step, and its own store steps still work" {
  run_batch -N1 --nix-store='~/nix' --nix-closure="$NIX_HELLO" -- '
    srun --nix-store=none sh -c "test -e /nix || echo bare-step"
    srun sh -c "ls /nix/store | wc -l | sed s/^/closure-paths:/"'
  assert_equal "$job_state" COMPLETED
  assert_output_contains "bare-step"
  assert_output_contains "closure-paths:3"
}

@test "--nix-closure=none and --nix-profile=none drop inherited ones" {
  local all
  all=$(ls "$NIXC_STORE_A/store" | wc -l)
  run_as_user timeout 60 salloc -N1 --nix-store='~/nix' --nix-closure="$NIX_HELLO" \
    --nix-profile="$NIX_HELLO" bash -c '
      srun sh -c "echo paths=\$(ls /nix/store | wc -l); command -v hello"
      srun --nix-closure=none --nix-profile=none sh -c "echo none-paths=\$(ls /nix/store | wc -l); command -v hello || echo no-hello"'
  assert_output_contains "paths=3"
  assert_output_contains "$NIX_HELLO/bin/hello"
  assert_output_contains "none-paths=$all"
  assert_output_contains "no-hello"
}

@test "given with --nix-store=none on one command line, they are refused" {
  assert_refused_before_queueing srun -N1 --nix-store=none --nix-closure="$NIX_HELLO" true
  assert_output_contains "nix: --nix-closure=$NIX_HELLO: needs --nix-store"
  assert_refused_before_queueing srun -N1 --nix-store=none --nix-hide=/opt true
  assert_output_contains "nix: --nix-hide=/opt: needs --nix-store"
}
