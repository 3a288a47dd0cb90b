#!/usr/bin/env bats
# cluster: NIXC_JOB_CONTAINER=tmpfs NIXC_EXTRA_CONF="SlurmdParameters=config_overrides,contain_spank"
# slurm: >=24.11
# SlurmdParameters=contain_spank (Slurm 24.05 on): slurmstepd runs user_init
# in a clone of itself that shares its memory but not its fds, so no fd the
# plugin opened there would be the tasks'. It opens none there (neither a
# later step's pinned view nor the sockets through which a step's first
# task passes the view to the others): each task finds the view itself, and
# every step works as without contain_spank.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
}

teardown() {
  assert_no_job_state 30
}

@test "contain_spank: the cluster runs with it" {
  run scontrol show config
  assert_success
  assert_output_contains "contain_spank"
}

@test "contain_spank: every task of every step gets the job's one view; nothing is found or passed in user_init's clone" {
  check_steps_of_one_job 4 "srun -n4 --nix-store=~/nix $NIX_HELLO_BIN"
  output=$(job_slurmd_log "$job")
  [ -n "$output" ] || { echo "no slurmd log lines for job $job" >&2; return 1; }
  assert_output_not_contains "found before the tasks were forked"
  assert_output_not_contains "pass the view"
  assert_output_not_contains "pass its view"
  assert_nodes_idle
}
