#!/usr/bin/env bats
# cluster: NIXC_JOB_CONTAINER=tmpfs
# The test cluster with job_container/tmpfs and PrologFlags=contain (run-all
# restarts the cluster with the header's settings for this file).

load helpers

setup_file() {
  require_cluster
}

@test "the cluster runs job_container/tmpfs (namespace/tmpfs from 25.11) with PrologFlags=contain" {
  [ "$NIXC_JOB_CONTAINER" = tmpfs ]
  run scontrol show config
  # Slurm 25.11 renamed it: NamespaceType = namespace/tmpfs
  grep -qE 'job_container/tmpfs|namespace/tmpfs' <<<"$output" || { echo "$output" >&2; false; }
  assert_output_not_contains "has been replaced with NamespaceType"
  run grep -E '^PrologFlags=.*contain' "$NIXC_CONF"
  assert_success
}

@test "every job gets a private /tmp per node, backed by the node's BasePath" {
  run_as_user srun -N"$NIXC_NODES" sh -c 'echo "$(hostname) $(findmnt -no SOURCE /tmp)"; touch /tmp/mark-$SLURM_JOB_ID'
  assert_success
  for n in $(nodes); do
    assert_output_contains "$n "
    assert_output_contains "$NIXC_DIR/jc/$n"
  done
  [ -z "$(ls /tmp/mark-* 2>/dev/null)" ]
}

@test "a batch job and its steps see the same private /tmp" {
  run_batch -N1 -- 'echo x >/tmp/shared-file; srun cat /tmp/shared-file'
  assert_equal "$job_state" COMPLETED
  assert_equal "$output" x
}

@test "the extern step runs on every node of a job" {
  local id n
  id=$(submit -N"$NIXC_NODES" -o /dev/null --wrap 'srun true')
  wait_job "$id" 30
  for n in $(nodes); do
    run grep -F "[$id.extern]" "$(node_log "$n")"
    assert_success
  done
}

@test "nodes are still idle after the jobs" {
  assert_nodes_idle 30
}
