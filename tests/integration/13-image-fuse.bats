#!/usr/bin/env bats
# --nix-store=IMAGE with the default squashfs=fuse: squashfuse, as the user,
# in the job's user namespace; once per job per node, nothing left after.
# Bodies in image_helpers.bash (shared with 14-image-kernel.bats).

load helpers
load nix_helpers
load image_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'spank_nix.so *$' "$NIXC_DIR/etc/plugstack.conf" "the default plugstack arguments (squashfs=fuse)"
  make_images
}
teardown() { cancel_user_jobs; }
teardown_file() { remove_images; }

@test "fuse: an image (DIR/store and nix/store layouts) at /nix on every node, ro,nosuid,nodev" {
  image_test_hello_both_layouts
}
@test "fuse: the batch step and its srun steps share one view and one server per node, which outlives the step that made it" {
  image_test_steps_share_one_mount fuse
}
@test "fuse: --nix-closure on an image (the DB inside), and on an image made from a closure" {
  image_test_closure
}
@test "fuse: --nix-hide with an image" {
  image_test_hide
}
@test "fuse: a non-squashfs file, a truncated or unreadable image: refused at submit with one nix: line" {
  image_test_refused_at_submit
}
@test "fuse: a corrupt image fails the tasks with a nix: line, nothing left, nodes idle" {
  image_test_corrupt_fails_the_task
}
@test "fuse: an image swapped before the job starts is checked again; during the job its steps keep the first" {
  image_test_swapped
}
@test "fuse: scancel and kill leave no server, job cgroup, mount or state" {
  image_test_cancel_leaves_nothing fuse
}
@test "fuse: the server runs as the user, not in the view's mount namespace, in the job's cgroup" {
  job=$(submit -N1 -o /dev/null --nix-store='~/.img/a.sqsh' --wrap "srun sh -c '$NIX_HELLO_BIN && sleep 300'")
  wait_job_state "$job" RUNNING 30
  local pid deadline=$(($(date +%s) + 30))
  until pid=$(pgrep -u "$NIXC_USER" -x 'squashfuse(_ll)?'); do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "no server"; return 1; }
    sleep 0.2
  done
  # fully the user's (real ids too), its own session, out of the step
  assert_equal "$(ps -o ruid=,euid=,suid= -p "$pid" | xargs)" "$(id -u "$NIXC_USER") $(id -u "$NIXC_USER") $(id -u "$NIXC_USER")"
  assert_equal "$(ps -o sid= -p "$pid" | xargs)" "$pid"
  run grep -E "job_$job(/|$)" "/proc/$pid/cgroup"
  assert_success
  assert_output_not_contains "step_"
  # no /nix mount in its own mount namespace (it would keep the view alive)
  run nsenter -t "$pid" -m findmnt -n /nix
  assert_failure
  scancel "$job"
  wait_job "$job" 60 >/dev/null || true
  assert_no_image_left
}
