#!/usr/bin/env bats
# issue 9, bug 9: --nix-profile is resolved like --nix-store, from the job's
# user as Slurm and passwd know it (~, %h, %u), not from the task's
# environment, and checked by srun/sbatch/salloc before queueing.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
  as_user ln -sfn "$NIX_HELLO" "$NIXC_HOME/.nixc-profile"
}

teardown_file() {
  as_user rm -f "$NIXC_HOME/.nixc-profile"
}

teardown() {
  assert_no_job_state
}

@test "~ and %h expand without the user's environment (--export=NONE)" {
  run_as_user srun -N1 --export=NONE --nix-store='~/nix' --nix-profile='~/.nixc-profile' hello
  assert_success
  assert_output_contains "$NIX_GREETING"
  run_as_user srun -N1 --export=NONE --nix-store='~/nix' --nix-profile='%h/.nixc-profile' hello
  assert_success
  assert_output_contains "$NIX_GREETING"
}

@test "%u expands to the job's user, and HOME in the environment does not steer it" {
  run_as_user env HOME=/nonexistent srun -N1 --nix-store='~/nix' --nix-profile='/home/%u/.nixc-profile' sh -c 'echo "PATH=$PATH"; hello'
  assert_success
  assert_output_contains "PATH=$NIXC_HOME/.nixc-profile/bin:"
  assert_output_contains "$NIX_GREETING"
}

@test "a batch job with --export=NONE gets its profile" {
  run_batch -N1 --export=NONE --nix-store='~/nix' --nix-profile='~/.nixc-profile' -- 'hello; srun hello'
  assert_equal "$job_state" COMPLETED
  assert_equal "$(grep -c "$NIX_GREETING" <<<"$output")" 2
}

@test "a relative profile is refused by srun, sbatch and salloc before queueing" {
  assert_refused_before_queueing srun -N1 --nix-store='~/nix' --nix-profile=result true
  assert_output_contains "nix: --nix-profile=result: result: not an absolute path"
  assert_refused_before_queueing sbatch -N1 --nix-store='~/nix' --nix-profile="$NIX_HELLO,result" --wrap true
  assert_output_contains "nix: --nix-profile=$NIX_HELLO,result: result: not an absolute path"
  assert_refused_before_queueing salloc -N1 --nix-store='~/nix' --nix-profile='%x/p' true
  assert_output_contains "nix: --nix-profile=%x/p: %x/p: unknown escape"
}
