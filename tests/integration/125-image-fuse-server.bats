#!/usr/bin/env bats
# squashfs=fuse (the default): which server reads the image, and that the
# faster one keeps everything the plugin promises: squashfuse_ll (FUSE's
# low-level API; entries, attributes and file data cached by the kernel)
# where the node has it, run fully as the user, in its own session, on a
# ro,nosuid,nodev mount, with no option of its own (squashfuse_ll's
# -o timeout= is an idle unmount: a job's /nix must not go away while the
# job is idle).

load helpers
load nix_helpers
load image_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'spank_nix.so *$' "$NIXC_DIR/etc/plugstack.conf" "the default plugstack arguments (squashfs=fuse)"
  [ -x /usr/bin/squashfuse_ll ] || { echo "no /usr/bin/squashfuse_ll on the nodes (the squashfuse package ships it)" >&2; return 1; }
  make_images
}
teardown() { cancel_user_jobs; }
teardown_file() { remove_images; }

@test "fuse: the server is squashfuse_ll, as the user, no option of its own, on a ro,nosuid,nodev mount" {
  job=$(submit -N1 -o "$NIXC_HOME/125.out" --nix-store='~/.img/a.sqsh' \
    --wrap "srun sh -c '$NIX_HELLO_BIN && findmnt -no FSTYPE,OPTIONS /nix && sleep 300'")
  wait_job_state "$job" RUNNING 30
  local pid deadline=$(($(date +%s) + 30)) u
  until pid=$(pgrep -u "$NIXC_USER" -x 'squashfuse(_ll)?'); do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "no server"; return 1; }
    sleep 0.2
  done
  u=$(id -u "$NIXC_USER")
  assert_equal "$(cat "/proc/$pid/comm")" squashfuse_ll
  assert_equal "$(readlink "/proc/$pid/exe")" /usr/bin/squashfuse_ll
  # argv: squashfuse -f IMAGE-FD FUSE-FD, nothing else
  assert_equal "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "squashfuse -f /dev/fd/4 /dev/fd/3 "
  assert_equal "$(ps -o ruid=,euid=,suid= -p "$pid" | xargs)" "$u $u $u"
  assert_equal "$(awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")" 0000000000000000
  assert_equal "$(ps -o sid= -p "$pid" | xargs)" "$pid"
  deadline=$(($(date +%s) + 30))
  until grep -q nosuid "$NIXC_HOME/125.out" 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || { cat "$NIXC_HOME/125.out" >&2; return 1; }
    sleep 0.2
  done
  run cat "$NIXC_HOME/125.out"
  assert_output_contains "$NIX_GREETING"
  assert_output_contains "fuse.squashfuse"
  assert_output_contains "ro,nosuid,nodev"
  scancel "$job"
  wait_job "$job" 60 >/dev/null || true
  rm -f "$NIXC_HOME/125.out"
  assert_no_image_left
}
