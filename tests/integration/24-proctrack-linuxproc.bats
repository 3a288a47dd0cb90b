#!/usr/bin/env bats
# cluster: NIXC_PROCTRACK=linuxproc
# The job's namespaces with ProctrackType=proctrack/linuxproc: built, shared by
# the steps, and nothing left behind (no helper process, no pin).

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf '^ProctrackType=proctrack/linuxproc' "$NIXC_CONF" "NIXC_PROCTRACK=linuxproc"
}

teardown() {
  assert_no_job_state
}

@test "linuxproc: hello from the store on every node" {
  check_hello_on_every_node
}

@test "linuxproc: the batch script and its steps share the namespaces" {
  check_batch_and_step_share_namespaces
}

@test "linuxproc: no process of the user is left after the jobs" {
  check_nothing_left
}
