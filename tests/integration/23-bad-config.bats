#!/usr/bin/env bats
# cluster: NIXC_PLUGIN_ARGS="mountpoint=relative"
# A bad plugstack.conf argument: a clear error in slurmd's log, the plugin
# stays off (jobs without it run), users who ask for a store are told why.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_conf 'mountpoint=relative' "$NIXC_DIR/etc/plugstack.conf" NIXC_PLUGIN_ARGS=mountpoint=relative
}

@test "jobs that do not use the plugin run" {
  run_as_user srun -N2 hostname
  assert_success
  assert_nodes_idle
}

@test "asking for a store says the plugin is off, and why" {
  assert_refused_before_queueing srun -N1 --nix-store='~/nix' true
  assert_output_contains "nix: spank-nix is disabled on this cluster: plugstack.conf: mountpoint=relative: not an absolute path"
}

@test "slurmd's log names the bad argument" {
  run_as_user srun -N2 true
  local n
  for n in $(nodes); do
    run grep -F "nix: plugstack.conf: mountpoint=relative: not an absolute path; spank-nix is off" "$(node_log "$n")"
    assert_success
  done
  assert_nodes_idle
}
