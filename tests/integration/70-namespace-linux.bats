#!/usr/bin/env bats
# cluster: NIXC_JOB_CONTAINER=linux
# slurm: >=25.11
# Slurm 25.11+'s namespace/linux with clone_ns_flags CLONE_NEWUSER and
# CLONE_NEWPID (namespace.yaml): Slurm puts every job into its own user
# (uid_map "0 0 4294967295"), PID and mount namespace. The plugin's user
# namespace is then nested inside Slurm's: the store is there, the job's
# steps share one namespace per node, and MPI ranks of a node share it.

load helpers
load nix_helpers
load mpi_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf '^NamespaceType=namespace/linux' "$NIXC_CONF" NIXC_JOB_CONTAINER=linux
  need_conf 'CLONE_NEWUSER' "$NIXC_DIR/etc/namespace.yaml" "NIXC_NS_FLAGS with CLONE_NEWUSER"
  mpi_setup_file
}

teardown() {
  assert_no_job_state
}

@test "namespace/linux: a plain task is in Slurm's own user and PID namespaces" {
  run_as_user srun -N1 sh -c 'cat /proc/self/uid_map; echo "pid1=$(cat /proc/1/comm 2>/dev/null)"; echo "userns $(readlink /proc/self/ns/user) host $(readlink /proc/1/ns/user 2>/dev/null)"'
  assert_success
  assert_output_contains "0          0 4294967295"
  # not the host's pid namespace: the host's pid 1 is not visible as init
  assert_output_not_contains "pid1=systemd"
}

@test "namespace/linux: hello runs from the store on every node" {
  check_hello_on_every_node
}

@test "namespace/linux: the plugin's user namespace is nested in Slurm's (uid mapped to itself)" {
  local uid
  uid=$(id -u "$NIXC_USER")
  run_as_user srun -N1 --nix-store='~/nix' sh -c "$NIX_HELLO_BIN >/dev/null && cat /proc/self/uid_map && readlink /proc/self/ns/user"
  assert_success
  # one line: the user's own uid (not Slurm's 0-based full range)
  assert_equal "$(grep -cE "^ *$uid +$uid +1\$" <<<"$output")" 1
  assert_output_not_contains "4294967295"
  local plugin_ns=$(grep -oE 'user:\[[0-9]+\]' <<<"$output")
  run_as_user srun -N1 readlink /proc/self/ns/user
  assert_success
  [ -n "$plugin_ns" ] && [ "$plugin_ns" != "$output" ]
}

@test "namespace/linux: the batch script and its steps share one namespace" {
  check_batch_and_step_share_namespaces
}

@test "namespace/linux: steps of a job share one namespace per node" {
  run_as_user timeout 60 salloc -N2 bash -c \
    'for s in 1 2; do srun -N2 -n2 --nix-store=~/nix bash -c "echo ns \$(hostname) \$(readlink /proc/self/ns/user) \$(readlink /proc/self/ns/mnt)"; done'
  assert_success
  for n in $(nodes); do
    assert_equal "$(grep "^ns $n " <<<"$output" | wc -l)" 2
    assert_equal "$(grep "^ns $n " <<<"$output" | sort -u | wc -l)" 1
  done
}

# Not assert_ranks_share_ns: it compares with a plain task of ANOTHER job,
# whose namespace here is Slurm's per-job one; namespace inode numbers are
# reused once a namespace is freed, so such a comparison means nothing.
@test "namespace/linux: MPICH (UCX shm+CMA) ping-pong on one node; both ranks in one nested namespace" {
  usrun --mpi=pmi2 --nix-store="$NIXC_STORE_A" -N1 -n2 sh -c \
    "$(nix_then "$NIXC_MPI_BIN/pingpong.mpich -m 1024 -M 16777216 -t 60")"
  assert_success
  assert_pingpong_sizes 1024 65536 1048576 4194304 16777216
  assert_equal "$(grep -cE '^rank=[0-9]+ .*userns=' <<<"$output")" 2
  assert_equal "$(grep -oE 'userns=[0-9]+ mntns=[0-9]+' <<<"$output" | sort -u | wc -l)" 1
}

@test "namespace/linux: nodes are idle after the jobs" {
  assert_nodes_idle 20
}
