#!/usr/bin/env bats
# MPI under --nix-store (job_container/none): Open MPI with --mpi=pmix (its
# own mpirun in a batch job where Slurm has no pmix), a libpmi2 client and
# MPICH with --mpi=pmi2. Bodies in mpi_helpers.bash
# (shared with 31-mpi-tmpfs.bats).

load helpers
load nix_helpers
load mpi_helpers

setup_file() { mpi_setup_file; }
teardown() { assert_no_job_state; }

@test "Open MPI -N2 -n4 Allreduce (srun --mpi=pmix, or mpirun without it) uses single copy; ranks of a node share one user+mount namespace, not the host's" {
  mpi_test_openmpi_allreduce
}
@test "4 MiB and 16 MiB ping-pongs complete with single copy in an sbatch job whose script is in the namespace" {
  mpi_test_batch_pingpong
}
@test "forcing CMA (4.1: btl_vader_single_copy_mechanism, 5+: smsc) works under --nix-store" {
  mpi_test_forced_cma
}
@test "control: per-task namespaces (bench/nix-wrap) are refused single copy (4.1: warning, forced CMA fails; 5+: smsc says so)" {
  mpi_test_wrapper_control
}
@test "a libpmi2 client works with --mpi=pmi2 --nix-store (PMI_FD is a socket, KVS across nodes)" {
  mpi_test_pmi2_client
}
@test "MPICH --mpi=pmi2 (PMI-1 wire on PMI_FD) -N2 -n2 Allreduce under --nix-store" {
  mpi_test_mpich_allreduce
}
@test "MPICH (UCX shm+CMA) 1 KiB..16 MiB ping-pong on one node under --nix-store" {
  mpi_test_mpich_pingpong
}
@test "nodes are idle after the MPI jobs" {
  assert_nodes_idle 20
}
