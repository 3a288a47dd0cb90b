#!/usr/bin/env bats
# cluster: NIXC_PROCTRACK=pgid
# The job's namespaces with ProctrackType=proctrack/pgid: built, shared by
# the steps, and nothing left behind (no helper process, no pin).

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf '^ProctrackType=proctrack/pgid' "$NIXC_CONF" "NIXC_PROCTRACK=pgid"
}

teardown() {
  assert_no_job_state
}

@test "pgid: hello from the store on every node" {
  check_hello_on_every_node
}

@test "pgid: the batch script and its steps share the namespaces" {
  check_batch_and_step_share_namespaces
}

@test "pgid: no process of the user is left after the jobs" {
  check_nothing_left
}
