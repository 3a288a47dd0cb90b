#!/usr/bin/env bats
# cluster: NIXC_PLUGIN_ARGS="mountpoint=/mnt"
# A mount point that exists on the node is mounted over directly (no new
# root is built); the rest works the same.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'mountpoint=/mnt' "$NIXC_DIR/etc/plugstack.conf" NIXC_PLUGIN_ARGS=mountpoint=/mnt
  [ -d /mnt ]
}

teardown() {
  assert_no_job_state
}

@test "the store appears at the existing /mnt, read-only, nosuid, nodev" {
  run_as_user srun -N2 --nix-store='~/nix' sh -c \
    'findmnt -no OPTIONS /mnt; test -d /mnt/store/'"$(basename "$NIX_HELLO")"' && echo has-hello; test -e /nix || echo no-nix'
  assert_success
  assert_equal "$(grep -c 'ro,nosuid,nodev' <<<"$output")" 2
  assert_equal "$(grep -c '^has-hello$' <<<"$output")" 2
  assert_equal "$(grep -c '^no-nix$' <<<"$output")" 2
}
