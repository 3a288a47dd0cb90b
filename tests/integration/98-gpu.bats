#!/usr/bin/env bats
# cluster: NIXC_PLUGIN_ARGS="gpu_ld_cache=$NIXC_SCRATCH/gpu/ld.so.cache"
# issue 13, item 1: the host's GPU driver libraries at /run/opengl-driver/lib,
# where Nix-built CUDA/OpenGL programs look for them. This machine has no
# GPU: a stand-in libcuda.so.1 (cuInit, cuDriverGetVersion) is put where the
# default discovery looks (an ldconfig cache, named by gpu_ld_cache= so that
# the machine's own /etc/ld.so.cache stays untouched), and a program run
# with the store's glibc dlopen()s it by name through its RUNPATH's
# /run/opengl-driver/lib, as nixpkgs' CUDA programs do.

load helpers
load nix_helpers

SPANK_NIX_CLI=${SPANK_NIX_CLI:-$(dirname "$NIXC_PLUGIN")/../tools/spank-nix}

setup_file() {
  require_cluster
  need_fixtures
  need_conf "gpu_ld_cache=" "$NIXC_DIR/etc/plugstack.conf" "gpu_ld_cache= in the plugin's arguments"
  "$NIXC_TESTS_DIR/../gpu/build" "$NIXC_SCRATCH/gpu" "$NIX_GLIBC"
}

teardown() {
  assert_no_job_state
}

PROBE_OUT="cuda driver version 12040"

@test "a store program finds libcuda.so.1 in /run/opengl-driver/lib, with /usr hidden" {
  run_as_user srun -N1 --nix-store='~/nix' --nix-hide=/usr "$NIXC_SCRATCH/gpu/cuda-probe"
  assert_success
  assert_output_contains "$PROBE_OUT"
}

@test "without the plugin it fails" {
  run_as_user srun -N1 "$NIXC_SCRATCH/gpu/cuda-probe"
  assert_failure
  assert_output_not_contains "$PROBE_OUT"
}

@test "on every node, under --nix-closure too, and in a batch step and its sruns" {
  run_as_user srun -N"$NIXC_NODES" --nix-store='~/nix' --nix-closure="$NIX_HELLO" "$NIXC_SCRATCH/gpu/cuda-probe"
  assert_success
  assert_equal "$(grep -c "$PROBE_OUT" <<<"$output")" "$NIXC_NODES"
  run_batch -N1 --nix-store='~/nix' -- "$NIXC_SCRATCH/gpu/cuda-probe; srun $NIXC_SCRATCH/gpu/cuda-probe"
  assert_equal "$job_state" COMPLETED
  assert_equal "$(grep -c "$PROBE_OUT" <<<"$output")" 2
}

@test "the libraries are read-only, nosuid, nodev; the rest of /run is the node's" {
  local bare node
  node=$(nodes | tr ' ' '\n' | head -1)
  run_as_user srun -N1 -w "$node" ls -A /run
  assert_success
  bare=$(sort <<<"$output")
  run_as_user srun -N1 -w "$node" --nix-store='~/nix' sh -c \
    'ls /run/opengl-driver/lib; findmnt -no OPTIONS /run/opengl-driver/lib/libcuda.so.1 | cut -d, -f1-3
     touch /run/opengl-driver/lib/x 2>/dev/null && echo wrote-lib; touch /run/x 2>/dev/null && echo wrote-run
     ls -A /run | grep -vx opengl-driver | sort | sed s/^/run:/'
  assert_success
  assert_output_contains "libcuda.so.1"
  assert_output_contains "libnvidia-ml.so.1"
  assert_output_contains "ro,nosuid,nodev"
  assert_output_not_contains "wrote-"
  assert_equal "$(sed -n 's/^run://p' <<<"$output")" "$bare"
}

@test "spank-nix shows the same libraries; gpu_libs= names them, none shows nothing" {
  local conf
  run_as_user "$SPANK_NIX_CLI" run --nix-store='~/nix' --nix-hide=/usr -- "$NIXC_SCRATCH/gpu/cuda-probe"
  assert_success
  assert_output_contains "$PROBE_OUT"
  conf=$NIXC_SCRATCH/gpu/plugstack-dir.conf
  echo "required /x/spank_nix.so gpu_libs=$NIXC_SCRATCH/gpu/lib gpu_ld_cache=/nonexistent" >"$conf"
  run_as_user "$SPANK_NIX_CLI" run --plugstack="$conf" --nix-store='~/nix' -- "$NIXC_SCRATCH/gpu/cuda-probe"
  assert_success
  assert_output_contains "$PROBE_OUT"
  echo "required /x/spank_nix.so gpu_libs=none gpu_ld_cache=$NIXC_SCRATCH/gpu/ld.so.cache" >"$conf"
  run_as_user "$SPANK_NIX_CLI" run --plugstack="$conf" --nix-store='~/nix' -- "$NIXC_SCRATCH/gpu/cuda-probe"
  assert_failure
  assert_output_contains "libcuda.so.1: cannot open shared object file"
}

@test "nothing is left after the jobs" {
  check_nothing_left
}
