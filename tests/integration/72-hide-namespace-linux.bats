#!/usr/bin/env bats
# cluster: NIXC_JOB_CONTAINER=linux NIXC_NS_DIRS=/tmp,/dev/shm,/opt/spank-nix-jobdir
# slurm: >=25.11
# namespace/linux (namespace.yaml, CLONE_NEWUSER and CLONE_NEWPID) with a
# private directory below /opt: --nix-hide keeps the job's private
# directories and BasePath reachable (the plugin reads namespace.yaml), and
# the job keeps one user namespace per node, nested in Slurm's, across its
# steps, with MPI single copy between the ranks of each step.

load helpers
load nix_helpers
load mpi_helpers
load ns_hide_helpers

setup_file() {
  ns_hide_setup_file namespace.yaml
  need_conf 'CLONE_NEWUSER' "$NIXC_DIR/etc/namespace.yaml" "NIXC_NS_FLAGS with CLONE_NEWUSER"
  mpi_setup_file
}
teardown() { assert_no_job_state; }

@test "linux: --nix-hide=/opt keeps the job's private directory below it" {
  check_hide_keeps_private_dir
}

@test "linux: --nix-hide=/tmp keeps the job's private /tmp" {
  check_hide_keeps_job_tmp
}

@test "linux: --nix-hide=/var keeps the node's BasePath" {
  check_hide_keeps_base_path
}

# The batch script, an srun step of MPICH ranks (UCX: shared memory and
# CMA, no fallback) and Open MPI's ranks under mpirun (single copy forced
# and reported) are all in one user and mount namespace: the job's.
@test "linux: one namespace per job per node across steps, MPI single copy in each" {
  local dir=$NIXC_HOME/.nixc-out script
  as_user mkdir -p "$dir"
  script=$(as_user mktemp "$dir/ns-steps-XXXXXX.sh")
  as_user tee "$script" >/dev/null <<EOS
#!/bin/bash
#SBATCH -N1 -n2 -t 5
#SBATCH --nix-store=$NIXC_STORE_A
$NIX_HELLO_BIN >/dev/null || { echo "batch script: no /nix"; exit 3; }
echo "batch userns=\$(stat -Lc %i /proc/self/ns/user) mntns=\$(stat -Lc %i /proc/self/ns/mnt)"
timeout 100 srun --mpi=pmi2 -n2 $NIXC_MPI_BIN/pingpong.mpich -m 1024 -M 4194304 -t 60 2>&1
echo "mpich-exit=\$?"
export $OMPI_FORCE_CMA $OMPI_CMA_REPORT
timeout 100 mpirun.openmpi --bind-to none -n 2 $NIXC_MPI_BIN/pingpong.openmpi -m 1024 -M 16777216 -t 60 2>&1
echo "ompi-exit=\$?"
EOS
  job=$(submit -o "$dir/%j.out" "$script")
  job_state=$(wait_job "$job" 300) || true
  output=$(cat "$dir/$job.out" 2>/dev/null || true)
  assert_equal "$job_state" COMPLETED
  assert_output_contains "mpich-exit=0"
  assert_output_contains "ompi-exit=0"
  assert_pingpong_sizes 1024 4194304 16777216
  assert_single_copy_used
  local b ranks
  b=$(grep -oE '^batch userns=[0-9]+ mntns=[0-9]+' <<<"$output" | cut -d' ' -f2-)
  ranks=$(grep -oE 'rank=[0-9]+ host=[^ ]+ userns=[0-9]+ mntns=[0-9]+' <<<"$output")
  assert_equal "$(grep -c . <<<"$ranks")" 4
  [ -n "$b" ] && [ "$(cut -d' ' -f3- <<<"$ranks" | sort -u)" = "$b" ] ||
    { echo "batch ($b) and ranks ($ranks) not in one namespace" >&2; return 1; }
}

@test "linux: nodes are idle after the jobs" {
  assert_nodes_idle 20
}
