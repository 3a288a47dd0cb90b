#!/usr/bin/env bats
# cluster: NIXC_NO_USERNS_NODES=2
# Issue 13 item 2: userns=auto (the default) on a cluster whose second node
# refuses user namespaces (its slurmd runs under tests/no-userns/no-userns.c,
# a seccomp filter: EPERM, as AppArmor's restriction gives; not the sysctl,
# which other clusters on this machine share). That node falls back to views
# without one, says so once in its slurmd log, and works; the other node
# keeps its user namespaces.

load helpers
load nix_helpers
load rootless_helpers

setup_file() {
  require_cluster
  need_fixtures
  ! grep -q 'userns=' "$NIXC_DIR/etc/plugstack.conf" || {
    echo "this file needs the default userns (auto)" >&2; return 1; }
  rootless_setup_file
}

teardown_file() {
  rootless_teardown_file
}

teardown() {
  assert_no_job_state
}

refusing_node() { nodes | sed -n 2p; }
allowing_node() { nodes | sed -n 1p; }
FALLBACK_LINE="the kernel refuses user namespaces (Operation not permitted): views are built as root (userns=never)"

@test "the second node's jobs cannot make a user namespace, the first node's can (the rig)" {
  run_as_user srun -w "$(refusing_node)" unshare --user true
  assert_failure
  assert_output_contains "Operation not permitted"
  run_as_user srun -w "$(allowing_node)" unshare --user true
  assert_success
}

@test "hello on both nodes: the refusing node's view has no user namespace, the other's has one" {
  check_hello_on_every_node
  check_rootless_view "$(refusing_node)"
  run_as_user srun -w "$(allowing_node)" -n1 --nix-store='~/nix' stat -Lc userns=%i /proc/self/ns/user
  assert_success
  assert_output_not_contains "userns=$(init_userns)"
}

@test "the fallback is logged once in the refusing node's slurmd log, never on the other" {
  run_as_user srun -N2 --nix-store='~/nix' --nix-hide=/opt true
  assert_success
  local n=$(refusing_node)
  assert_equal "$(grep -c "nix: node $n: $FALLBACK_LINE" "$(node_log "$n")")" 1
  assert_equal "$(grep -c "$FALLBACK_LINE" "$(node_log "$(allowing_node)")")" 0
}

@test "attacks on the fallen-back view: no mount or umount, no way to the hidden files, no setns from outside, no set-user-ID gain" {
  check_rootless_attacks "$(refusing_node)"
}

@test "nodes are idle after the jobs" {
  assert_nodes_idle 20
}
