#!/usr/bin/env bats
# cluster: NIXC_PLUGIN_ARGS="squashfs=off"
# squashfs=off: --nix-store=IMAGE is refused before the job is queued, with
# one nix: line naming the setting; directory stores work as ever.

load helpers
load nix_helpers
load image_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'squashfs=off' "$NIXC_DIR/etc/plugstack.conf" "squashfs=off"
  make_images
}
teardown() { cancel_user_jobs; }
teardown_file() { remove_images; }

@test "off: an image is refused at submit (srun, sbatch) with one nix: line naming squashfs=off" {
  local why="nix: --nix-store=~/.img/a.sqsh: is a file: squashfs images are turned off on this cluster (plugstack.conf squashfs=off)"
  assert_refused_before_queueing srun -N1 --nix-store='~/.img/a.sqsh' true
  assert_output_contains "$why"
  assert_refused_before_queueing sbatch --nix-store='~/.img/a.sqsh' --wrap true
  assert_output_contains "$why"
  assert_no_image_left
}
@test "off: a directory store still works" {
  run_as_user srun -N1 --nix-store='~/nix' "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING"
}
