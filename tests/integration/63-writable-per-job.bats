#!/usr/bin/env bats
# issue 9, bug 8: --nix-writable is refused per job, not per step (one-node
# steps of a two-node allocation, a two-node batch job's batch step), and
# two jobs never write one store at once: every task of a writable view
# holds the store's var/nix/db/big-lock shared, and a job starts writing
# only when nobody else holds it.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
  as_user sh -c 'rm -rf ~/.wstore && mkdir -p ~/.wstore/store'
}

teardown_file() {
  as_user rm -rf "$NIXC_HOME/.wstore"
}

teardown() {
  assert_no_job_state
  assert_nodes_idle
}

@test "a one-node srun step of a two-node allocation is refused before it starts" {
  run_as_user timeout 60 salloc -N2 bash -c 'srun -N1 --nix-store=~/.wstore --nix-writable sh -c "echo wrote-\$(hostname)"; echo rc=$?'
  assert_output_contains "nix: --nix-writable: a writable store is for one-node jobs"
  assert_output_contains "rc=1"
  assert_output_not_contains "wrote-"
}

@test "the batch step of a two-node batch job is refused on the node" {
  run_batch -N2 --nix-store='~/.wstore' --nix-writable -- 'echo batch-ran'
  assert_equal "$job_state" FAILED
  assert_output_contains "nix: --nix-writable: a writable store is for one-node jobs"
  assert_output_not_contains "batch-ran"
}

@test "a step that lies about its job's size still cannot write from a second node" {
  run_as_user timeout 60 salloc -N2 bash -c '
    export SLURM_JOB_NUM_NODES=1
    srun -N1 -w '"$(nodes | sed -n 2p)"' --nix-store=~/.wstore --nix-writable sh -c "echo first-writes; sleep 4" &
    sleep 2
    srun -N1 -w '"$(nodes | sed -n 1p)"' --nix-store=~/.wstore --nix-writable sh -c "echo second-writes"
    echo second-rc=$?
    wait'
  assert_output_contains "first-writes"
  assert_output_contains "nix: --nix-writable: the store is in use by job"
  assert_output_contains "second-rc=1"
  assert_output_not_contains "second-writes"
}

@test "two concurrent writable jobs of one store: the second is refused, then runs once the first is gone" {
  local first
  first=$(submit -N1 -o "$NIXC_SCRATCH/out/w1.out" --nix-store='~/.wstore' --nix-writable --wrap 'echo first-writes; sleep 6')
  wait_job_state "$first" RUNNING
  sleep 1
  run_as_user srun -N1 --nix-store='~/.wstore' --nix-writable sh -c 'echo second-writes'
  assert_failure
  assert_output_contains "nix: --nix-writable: the store is in use by job $first on node "
  assert_output_not_contains "second-writes"
  assert_equal "$(wait_job "$first" 60)" COMPLETED
  run_as_user srun -N1 --nix-store='~/.wstore' --nix-writable sh -c 'echo now-writes'
  assert_success
  assert_output_contains "now-writes"
}

@test "steps of one writable job on its node share the lock, and Nix's shared lock still works" {
  run_as_user srun -N1 --nix-store='~/.wstore' --nix-writable bash -c '
    srun --overlap sh -c "echo nested-writes"
    flock -s -n /nix/var/nix/db/big-lock -c "echo nix-lock-ok"'
  assert_success
  assert_output_contains "nested-writes"
  assert_output_contains "nix-lock-ok"
}
