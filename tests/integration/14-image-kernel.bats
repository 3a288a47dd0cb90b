#!/usr/bin/env bats
# cluster: NIXC_PLUGIN_ARGS="squashfs=kernel"
# --nix-store=IMAGE with squashfs=kernel: a read-only autoclear loop device
# configured from the user's fd; once per job per node, gone after.
# Bodies in image_helpers.bash (shared with 13-image-fuse.bats).

load helpers
load nix_helpers
load image_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'squashfs=kernel' "$NIXC_DIR/etc/plugstack.conf" "squashfs=kernel"
  make_images
}
teardown() { cancel_user_jobs; }
teardown_file() { remove_images; }

@test "kernel: an image (DIR/store and nix/store layouts) at /nix on every node, ro,nosuid,nodev" {
  image_test_hello_both_layouts
}
@test "kernel: the batch step and its srun steps share one view and one loop device per node" {
  image_test_steps_share_one_mount kernel
}
@test "kernel: --nix-closure on an image (the DB inside), and on an image made from a closure" {
  image_test_closure
}
@test "kernel: --nix-hide with an image" {
  image_test_hide
}
@test "kernel: a non-squashfs file, a truncated or unreadable image: refused at submit with one nix: line" {
  image_test_refused_at_submit
}
@test "kernel: a corrupt image fails the tasks with a nix: line, nothing left, nodes idle" {
  image_test_corrupt_fails_the_task
}
@test "kernel: an image swapped before the job starts is checked again; during the job its steps keep the first" {
  image_test_swapped
}
@test "kernel: scancel and kill leave no loop device, mount or state" {
  image_test_cancel_leaves_nothing kernel
}
@test "kernel: the loop device is read-only, autoclear, on the image the user opened" {
  job=$(submit -N1 -o /dev/null --nix-store='~/.img/a.sqsh' --wrap "srun sh -c '$NIX_HELLO_BIN && sleep 300'")
  wait_job_state "$job" RUNNING 30
  local line deadline=$(($(date +%s) + 30))
  until line=$(/usr/sbin/losetup -l -n -O RO,AUTOCLEAR,BACK-FILE | grep -F "$(image_loop_path a.sqsh)"); do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "no loop device"; return 1; }
    sleep 0.2
  done
  assert_equal "$(xargs <<<"$line")" "1 1 $(image_loop_path a.sqsh)"
  scancel "$job"
  wait_job "$job" 60 >/dev/null || true
  assert_no_image_left
}
