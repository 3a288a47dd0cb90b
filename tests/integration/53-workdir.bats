#!/usr/bin/env bats
# Bug 5 of issue 9: a working directory that exists only in the view
# (`cd /nix/store/... && srun`) is where the tasks run, not /tmp.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
}

teardown() {
  assert_no_job_state
}

@test "cd into the store in a batch script, then srun: the step runs there" {
  run_batch -N1 --nix-store='~/nix' -- "cd $NIX_HELLO && echo batch \$(pwd) && srun -n1 sh -c 'echo step \$(pwd)' && srun -n1 /bin/pwd"
  assert_equal "$job_state" COMPLETED
  assert_output_contains "batch $NIX_HELLO"
  assert_output_contains "step $NIX_HELLO"
  assert_equal "$(tail -1 <<<"$output")" "$NIX_HELLO"
}

@test "salloc: a shell in the store runs its steps there, on every node" {
  run_as_user timeout 60 salloc -N2 --nix-store='~/nix' bash -c \
    "srun -N2 -n2 bash -c 'cd $NIX_HELLO && srun --overlap -N1 -n1 -w \$(hostname) /bin/pwd'"
  assert_success
  assert_equal "$(grep -cx "$NIX_HELLO" <<<"$output")" 2
}

@test "a directory the host has stays Slurm's choice (--chdir)" {
  run_batch -N1 --nix-store='~/nix' -- "cd $NIX_HELLO && srun -n1 --chdir=/usr/share /bin/pwd"
  assert_equal "$job_state" COMPLETED
  assert_equal "$(tail -1 <<<"$output")" /usr/share
}
