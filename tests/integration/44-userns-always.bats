#!/usr/bin/env bats
# cluster: NIXC_NO_USERNS_NODES=2 NIXC_PLUGIN_ARGS="userns=always"
# Issue 13 item 2: userns=always on a node that refuses user namespaces
# (tests/no-userns/no-userns.c): the job's tasks fail with one nix: line
# saying why and what the site can set; the node stays idle, never drained.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'userns=always' "$NIXC_DIR/etc/plugstack.conf" 'NIXC_PLUGIN_ARGS="userns=always"'
}

teardown() {
  assert_no_job_state
}

refusing_node() { nodes | sed -n 2p; }
REASON="nix: cannot create a user namespace (the kernel refuses them on this node: the site may set userns=auto or userns=never): Operation not permitted"

@test "srun on the refusing node fails with one nix: line; the node stays idle" {
  run_as_user srun -w "$(refusing_node)" --nix-store='~/nix' "$NIX_HELLO_BIN"
  assert_failure
  assert_output_contains "$REASON"
  assert_equal "$(grep -c 'nix:' <<<"$output")" 1
  assert_nodes_idle
}

@test "a batch job on the refusing node fails (its script's task), the node is not drained" {
  run_batch -w "$(refusing_node)" --nix-store='~/nix' -- "$NIX_HELLO_BIN"
  assert_equal "$job_state" FAILED
  assert_output_contains "$REASON"
  assert_nodes_idle
}

@test "the other node builds views in user namespaces as before" {
  run_as_user srun -w "$(nodes | head -1)" --nix-store='~/nix' sh -c "$NIX_HELLO_BIN; stat -Lc userns=%i /proc/self/ns/user"
  assert_success
  assert_output_not_contains "userns=$(stat -Lc %i /proc/self/ns/user)"
}
