#!/usr/bin/env bats
# Issue 10, item 6: every first step pins its view (the kernel's mount
# namespace ids come in per-CPU batches; see lib/nix_ns_helper.c). Many
# fresh jobs, each building its namespaces: not one may fail.
# NIXC_FIRST_STEPS (default 60 per node) sets how many; 1000 for the full
# stress run.

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

@test "first steps pin their views every time" {
  run_first_steps "${NIXC_FIRST_STEPS:-60}"
}
