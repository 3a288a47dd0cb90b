#!/usr/bin/env bats
# cluster: NIXC_JOB_CONTAINER=tmpfs NIXC_PLUGIN_ARGS="build_in_prolog=yes"
# Issue 16, first steps, under a job namespace plugin (job_container/tmpfs,
# namespace/tmpfs from 25.11; PrologFlags=Contain): the job's namespace is
# made after the prolog, and a view must copy it (the job's private /tmp).
# build_in_prolog=yes then leaves the view to the first step, says why in
# slurmd's log, and the steps keep the job's /tmp.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'build_in_prolog=yes' "$NIXC_DIR/etc/plugstack.conf" "NIXC_PLUGIN_ARGS=build_in_prolog=yes"
}

teardown() {
  assert_no_job_state 30
}

@test "under a job namespace plugin the first step builds the view, in the job's namespace" {
  local mark=/tmp/nixc-prolog-tmpfs-$$
  run_as_user timeout 90 salloc -N1 --nix-store=~/nix --nix-closure="$NIX_HELLO" bash -c '
    echo "job $SLURM_JOB_ID"
    srun sh -c "echo private > '"$mark"'"
    srun '"$NIX_HELLO_BIN"'
    srun cat '"$mark"''
  assert_success
  job=$(sed -n 's/^job //p' <<<"$output")
  assert_output_contains "$NIX_GREETING"
  assert_output_contains "private"
  run grep -a "nix: job $job node .*: the view is left to the first step: a job namespace plugin is configured" "$NIXC_DIR"/log/slurmd-*.log
  assert_success
  assert_equal "$(cat "$NIXC_DIR"/log/slurmd-*.log | grep -ac "nix: view built: job=$job .* in=prolog")" 0
  # the job's /tmp was its own: the node's has no mark
  for n in $(nodes); do
    run on_node "$n" test -e "$mark"
    assert_failure
  done
  assert_nodes_idle
}
