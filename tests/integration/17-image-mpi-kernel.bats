#!/usr/bin/env bats
# cluster: NIXC_PLUGIN_ARGS="squashfs=kernel"
# MPI single copy across steps with --nix-store=IMAGE, squashfs=kernel: the
# ranks of a node share the job's one user namespace (30-mpi.bats's checks,
# with the fixture store as an image). Bodies in mpi_helpers.bash.

load helpers
load nix_helpers
load mpi_helpers
load image_helpers

setup_file() {
  mpi_setup_file
  need_conf 'squashfs=kernel' "$NIXC_DIR/etc/plugstack.conf" "squashfs=kernel"
  make_images
}
setup() { export NIXC_STORE_A=$NIXC_IMG_DIR/a.sqsh; }
teardown() { cancel_user_jobs; }
teardown_file() { remove_images; }

@test "kernel image: Open MPI -N2 -n4 Allreduce uses single copy; a node's ranks share one user+mount namespace" {
  mpi_test_openmpi_allreduce
}
@test "kernel image: 4 MiB and 16 MiB ping-pongs with single copy in an sbatch job whose script is in the namespace" {
  mpi_test_batch_pingpong
}
@test "kernel image: MPICH --mpi=pmi2 -N2 -n2 Allreduce" {
  mpi_test_mpich_allreduce
}
@test "kernel image: nothing left, nodes idle after the MPI jobs" {
  assert_no_image_left
}
