#!/usr/bin/env bats
# Bug 1 of issue 9: the node's name (the plugin's state is kept per node
# name) comes from slurmd/slurmstepd only, never from the job's environment.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
}

teardown() {
  assert_no_job_state
}

@test "SLURMD_NODENAME=evil srun --nix-store leaves nothing on the node" {
  run_as_user env SLURMD_NODENAME=evil srun -N1 --nix-store='~/nix' "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING"
  assert_no_job_state
  local n
  for n in $(nodes); do
    run on_node "$n" ls -A "$NIXC_STATE_DIR"
    assert_output_not_contains evil
  done
}

@test "SLURMD_NODENAME=../x does not steer where root keeps state" {
  run_as_user env SLURMD_NODENAME=../x srun -N1 --nix-store='~/nix' true
  assert_success
  local n
  for n in $(nodes); do
    run on_node "$n" test -e /run/x # $NIXC_STATE_DIR/../x
    assert_failure
  done
}

@test "a two-node batch job: each node's steps use that node's own namespace and state" {
  run_batch -N2 --nix-store='~/nix' -- '
    echo "ns batch $(hostname) $(readlink /proc/self/ns/user) $(readlink /proc/self/ns/mnt)"
    srun -N2 -n2 sh -c "echo ns step \$(hostname) \$(readlink /proc/self/ns/user) \$(readlink /proc/self/ns/mnt); sleep 1"
    srun -N2 -n2 sh -c "echo ns again \$(hostname) \$(readlink /proc/self/ns/user) \$(readlink /proc/self/ns/mnt)"'
  assert_equal "$job_state" COMPLETED
  assert_equal "$(grep -c '^ns ' <<<"$output")" 5
  assert_ns_not_shared_by_nodes
  local n
  for n in $(nodes); do
    assert_equal "$(grep "^ns [a-z]* $n " <<<"$output" | awk '{print $4, $5}' | sort -u | wc -l)" 1
  done
  # every node's epilog found its state: none is left under another name
  assert_no_job_state
}
