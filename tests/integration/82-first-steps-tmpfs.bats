#!/usr/bin/env bats
# cluster: NIXC_JOB_CONTAINER=tmpfs
# Issue 10, item 6, under job_container/tmpfs: each job has its own mount
# namespace, made before ours; not one first step may fail.

load helpers
load nix_helpers
load first_steps

setup_file() {
  require_cluster
  need_fixtures
}

teardown() {
  assert_no_job_state
}

@test "first steps pin their views every time (job_container/tmpfs)" {
  run_first_steps "${NIXC_FIRST_STEPS:-60}"
}
