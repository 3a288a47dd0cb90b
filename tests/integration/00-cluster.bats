#!/usr/bin/env bats
# The test cluster itself, and that the plugin is loaded on every node.

load helpers

setup_file() {
  require_cluster
}

@test "every node is idle" {
  assert_nodes_idle 5
  run node_states
  assert_equal "$(wc -l <<<"$output")" "$NIXC_NODES"
}

@test "srun -N$NIXC_NODES hostname answers from every node, as the test user" {
  run_as_user srun -N"$NIXC_NODES" hostname
  assert_success
  assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "$(nodes | sort | tr '\n' ' ')"
}

@test "tasks run as the test user, in its home, with SLURMD_NODENAME set" {
  run_as_user srun -N"$NIXC_NODES" sh -c 'echo "$(id -un) $PWD $SLURMD_NODENAME $(hostname)"'
  assert_success
  for n in $(nodes); do
    assert_output_contains "$NIXC_USER $NIXC_HOME $n $n"
  done
}

@test "every slurmd loaded the plugin from plugstack.conf" {
  run cat "$NIXC_DIR/etc/plugstack.conf"
  assert_output_not_contains "state_dir=" # the default: on each node's own /run
  local so
  so=$(awk '{print $2}' "$NIXC_DIR/etc/plugstack.conf")
  for n in $(nodes); do
    run grep -F "plugstack.conf:1: Loaded plugin $(basename "$so")" "$(node_log "$n")"
    assert_success
    run grep -E "spank.*(Failed to load|exports 0 symbols)" "$(node_log "$n")"
    assert_failure
  done
}

@test "every step's slurmstepd loads the plugin" {
  run_as_user srun -N"$NIXC_NODES" sh -c 'echo $SLURM_JOB_ID'
  assert_success
  local id=${lines[0]}
  for n in $(nodes); do
    run grep -E "\[$id\.0\] .*plugstack.conf:1: Loaded plugin" "$(node_log "$n")"
    assert_success
  done
}

@test "a batch job with a step on every node completes" {
  run_batch -N"$NIXC_NODES" -- 'srun hostname | sort; echo batch-on-$(hostname)'
  assert_equal "$job_state" COMPLETED
  assert_equal "$job_exit" 0:0
  for n in $(nodes); do assert_output_contains "$n"; done
  assert_output_contains "batch-on-${NIXC_NAME}1"
}

@test "each node has its own TmpFS, network namespace and UTS namespace" {
  run_as_user srun -N"$NIXC_NODES" sh -c 'echo "$(hostname) $(readlink /proc/self/ns/net) $(readlink /proc/self/ns/uts)"'
  assert_success
  assert_equal "$(awk '{print $2}' <<<"$output" | sort -u | wc -l)" "$NIXC_NODES"
  assert_equal "$(awk '{print $3}' <<<"$output" | sort -u | wc -l)" "$NIXC_NODES"
  for n in $(nodes); do [ -d "$NIXC_DIR/tmp/$n" ]; done
}

@test "node names resolve at once on the nodes; other names fail at once" {
  local t0
  t0=$(date +%s)
  run_as_user srun -N1 sh -c "getent hosts $(nodes | tr '\n' ' '); getent hosts no-such-host.invalid; true"
  assert_success
  for n in $(nodes); do assert_output_contains " $n"; done
  [ $(($(date +%s) - t0)) -lt 5 ]
}

@test "mpi/pmix and mpi/pmi2 are usable across nodes (pmix where this Slurm has it)" {
  run_as_user srun --mpi=list
  assert_success
  # Debian's Slurm 26.05 has no mpi/pmix (Debian bug 1149781).
  if grep -qw pmix <<<"$output"; then
    run_as_user srun -N"$NIXC_NODES" --mpi=pmix sh -c 'echo "pmix rank=$PMIX_RANK"'
    assert_success
    assert_output_contains "pmix rank=0"
    assert_output_contains "pmix rank=1"
  fi
  run_as_user srun -N"$NIXC_NODES" --mpi=pmi2 sh -c 'echo "pmi2 fd=${PMI_FD:+set} rank=$PMI_RANK"'
  assert_success
  assert_output_contains "pmi2 fd=set rank=1"
}

@test "4 tasks per node fit" {
  run_as_user srun -N"$NIXC_NODES" --ntasks-per-node=4 hostname
  assert_success
  assert_equal "$(wc -l <<<"$output")" "$((4 * NIXC_NODES))"
}

@test "nodes are still idle after the jobs" {
  assert_nodes_idle 20
}
