#!/usr/bin/env bats
# MPI under --nix-store (job_container/none): Open MPI with --mpi=pmix, a
# libpmi2 client and MPICH with --mpi=pmi2. Bodies in mpi_helpers.bash
# (shared with 31-mpi-tmpfs.bats).

load helpers
load nix_helpers
load mpi_helpers

setup_file() { mpi_setup_file; }
teardown() { assert_no_job_state; }

@test "Open MPI --mpi=pmix -N2 -n4 Allreduce; ranks of a node share one user+mount namespace, not the host's" {
  mpi_test_openmpi_allreduce
}
@test "4 MiB and 16 MiB ping-pongs complete in an sbatch job whose script is in the namespace; no CMA warning" {
  mpi_test_batch_pingpong
}
@test "forcing btl_vader_single_copy_mechanism=cma works under --nix-store" {
  mpi_test_forced_cma
}
@test "control: per-task namespaces (bench/nix-wrap) get the CMA warning and forced CMA fails" {
  mpi_test_wrapper_control
}
@test "a libpmi2 client works with --mpi=pmi2 --nix-store (PMI_FD is a socket, KVS across nodes)" {
  mpi_test_pmi2_client
}
@test "MPICH 4.0 --mpi=pmi2 (PMI-1 wire on PMI_FD) -N2 -n2 Allreduce under --nix-store" {
  mpi_test_mpich_allreduce
}
@test "MPICH 4.0 (UCX shm+CMA) 1 KiB..16 MiB ping-pong on one node under --nix-store" {
  mpi_test_mpich_pingpong
}
@test "nodes are idle after the MPI jobs" {
  assert_nodes_idle 20
}
