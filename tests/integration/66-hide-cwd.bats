#!/usr/bin/env bats
# issue 11, item 8: a step started in a directory --nix-hide covers cannot
# return to it in the view. The task's error names --nix-hide, the
# directory and the hidden path, and says what to do (not Slurm's or our
# bare "cannot return to DIR"); srun/sbatch warn before queueing.

load helpers
load nix_helpers

JOBS=$NIXC_HOME/nixc-hidden-jobs

setup_file() {
  require_cluster
  need_fixtures
  as_user mkdir -p "$JOBS/sub"
}

teardown_file() {
  as_user rm -rf "$JOBS"
}

teardown() {
  assert_no_job_state 30
}

@test "srun in a hidden working directory: the error names --nix-hide, the directory and what to do" {
  run_as_user bash -c "cd '$JOBS/sub' && srun -N1 --nix-store='~/nix' --nix-hide='$JOBS' true"
  assert_failure
  assert_output_contains "nix: warning: --nix-hide: the working directory $JOBS/sub is in the hidden $JOBS; the job's steps cannot use it (start them elsewhere: srun --chdir=DIR)"
  assert_output_contains "nix: --nix-hide: the working directory $JOBS/sub is in the hidden $JOBS: start the step in a directory that is not hidden (srun --chdir=DIR), or hide less"
  assert_output_not_contains "cannot return to"
}

@test "the hidden directory itself: the step runs in it, empty, after the warning" {
  run_as_user bash -c "cd '$JOBS' && srun -N1 --nix-store='~/nix' --nix-hide='$JOBS' sh -c 'pwd; ls | wc -l'"
  assert_success
  assert_output_contains "nix: warning: --nix-hide: the working directory $JOBS is in the hidden $JOBS"
  assert_equal "${lines[-1]}" 0
}

@test "the same directory with --chdir elsewhere runs" {
  run_as_user bash -c "cd '$JOBS' && srun -N1 --chdir=/tmp --nix-store='~/nix' --nix-hide='$JOBS' sh -c 'pwd; ls $JOBS | wc -l'"
  assert_success
  assert_output_contains "/tmp"
  assert_equal "${lines[-1]}" 0
}

@test "a batch job from a hidden directory: its script runs, its srun says why it cannot start" {
  local id out=$NIXC_SCRATCH/out/hide-cwd-$$.out
  id=$(as_user bash -c "cd '$JOBS/sub' && sbatch --parsable -N1 -o '$out' --nix-store='~/nix' --nix-hide='$JOBS' --wrap 'echo script-ran; srun true; echo srun-rc=\$?'")
  wait_job "$id" 60
  run cat "$out"
  assert_output_contains "script-ran"
  assert_output_contains "nix: --nix-hide: the working directory $JOBS/sub is in the hidden $JOBS"
  assert_output_not_contains "srun-rc=0"
  rm -f "$out"
}
