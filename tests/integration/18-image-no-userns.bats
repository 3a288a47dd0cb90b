#!/usr/bin/env bats
# cluster: NIXC_NO_USERNS_NODES=2 NIXC_PLUGIN_ARGS="squashfs=kernel"
# --nix-store=IMAGE on views without a user namespace: userns=auto on a node
# that refuses them (the second: tests/no-userns), and userns=never, in
# both squashfs modes. kernel: root mounts the loop device in the view's
# mount namespace, as with a user namespace. fuse: the FUSE mount is then
# the initial user namespace's, so it is made without allow_other: the
# user's tasks (all ids the user's) read it, root's processes that reach it
# get EACCES and never wait on the user's server (lib/nix_image.c
# fuse_mount, lib/nix_credentials.c nix_become_user_with_mount_cap). Each test
# sets the plugstack arguments it needs (srun, every step and the epilog
# read plugstack.conf again); teardown_file restores them.

load helpers
load nix_helpers
load image_helpers

PLUGSTACK=$NIXC_DIR/etc/plugstack.conf

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'squashfs=kernel' "$PLUGSTACK" 'NIXC_PLUGIN_ARGS="squashfs=kernel"'
  cp "$PLUGSTACK" "$BATS_FILE_TMPDIR/plugstack.conf"
  make_images
}
teardown() { cancel_user_jobs; }
teardown_file() {
  cp "$BATS_FILE_TMPDIR/plugstack.conf" "$PLUGSTACK"
  remove_images
}

refusing_node() { nodes | sed -n 2p; }
allowing_node() { nodes | sed -n 1p; }

# plugin_args ARGS: the spank_nix.so line's arguments from now on.
plugin_args() {
  sed "s|\(spank_nix\.so\).*|\1 $1|" "$BATS_FILE_TMPDIR/plugstack.conf" >"$PLUGSTACK"
}

init_userns() { stat -Lc %i /proc/self/ns/user; }

# one_view_per_job NODE MODE: a batch job on NODE whose two srun steps (the
# first ended before the second starts) and its batch step share one mount
# namespace, in the initial user namespace, with one loop device (kernel)
# or one squashfuse server (fuse); nothing is left after it.
one_view_per_job() {
  local node=$1 mode=$2 step="srun -n1 sh -c '$NIX_HELLO_BIN && readlink /proc/self/ns/user /proc/self/ns/mnt && echo fstype=\$(findmnt -no FSTYPE /nix) && findmnt -no OPTIONS /nix'"
  run_batch -N1 -w "$node" --nix-store='~/.img/a.sqsh' -- "
    readlink /proc/self/ns/user /proc/self/ns/mnt
    $step
    sleep 1
    $step
    echo loops=\$(/usr/sbin/losetup -l -n -O BACK-FILE | grep -c '$(image_loop_path a.sqsh)')
    echo servers=\$(pgrep -u \$(id -u) -x 'squashfuse(_ll)?' | while read -r p; do
      grep -Eqs \"/job_\${SLURM_JOB_ID}(/|\\\$)\" /proc/\$p/cgroup && echo \$p; done | wc -l)"
  assert_equal "$job_state" COMPLETED
  assert_equal "$(grep -c "$NIX_GREETING on $node" <<<"$output")" 2
  assert_equal "$(grep '^mnt:' <<<"$output" | sort -u | wc -l)" 1
  assert_equal "$(grep -c '^mnt:' <<<"$output")" 3
  assert_equal "$(grep '^user:' <<<"$output" | sort -u)" "user:[$(init_userns)]"
  assert_output_contains "ro,nosuid,nodev"
  if [ "$mode" = fuse ]; then
    assert_equal "$(grep -c '^fstype=fuse.squashfuse' <<<"$output")" 2
    assert_output_contains "loops=0"
    assert_output_contains "servers=1"
  else
    assert_equal "$(grep -c '^fstype=squashfs' <<<"$output")" 2
    assert_output_contains "loops=1"
    assert_output_contains "servers=0"
  fi
  assert_no_image_left
}

@test "kernel, userns=auto: the refusing node's view of an image has no user namespace, the other's has one" {
  plugin_args "squashfs=kernel"
  run_as_user srun -N2 --nix-store='~/.img/a.sqsh' sh -c \
    "$NIX_HELLO_BIN; echo \$SLURMD_NODENAME userns=\$(stat -Lc %i /proc/self/ns/user); findmnt -no OPTIONS /nix"
  assert_success
  assert_output_contains "$NIX_GREETING on $(refusing_node)"
  assert_output_contains "$NIX_GREETING on $(allowing_node)"
  assert_output_contains "$(refusing_node) userns=$(init_userns)"
  assert_output_not_contains "$(allowing_node) userns=$(init_userns)"
  assert_output_contains "ro,nosuid,nodev"
  assert_no_image_left
}

@test "kernel, userns=auto on the refusing node: one view and one loop device per job, across steps; nothing left" {
  plugin_args "squashfs=kernel"
  one_view_per_job "$(refusing_node)" kernel
}

@test "kernel, userns=never: hello on every node, a closure of the image, one view per job; nothing left" {
  plugin_args "squashfs=kernel userns=never"
  run_as_user srun -N2 --nix-store='~/.img/chroot.sqsh' sh -c "$NIX_HELLO_BIN; stat -Lc userns=%i /proc/self/ns/user"
  assert_success
  local n
  for n in $(nodes); do assert_output_contains "$NIX_GREETING on $n"; done
  assert_equal "$(grep userns= <<<"$output" | sort -u)" "userns=$(init_userns)"
  run_as_user srun -N1 --nix-store='~/.img/a.sqsh' --nix-closure="$NIX_HELLO" sh -c "$NIX_HELLO_BIN; ls /nix/store | wc -l"
  assert_success
  assert_equal "$(sed -n 2p <<<"$output")" 3
  one_view_per_job "$(allowing_node)" kernel
}

@test "kernel, userns=never: a corrupt image fails the tasks with a nix: line, nothing left, nodes idle" {
  plugin_args "squashfs=kernel userns=never"
  image_test_corrupt_fails_the_task
}

@test "fuse, userns=auto: the refusing node's view of an image has no user namespace, the other's has one" {
  plugin_args "squashfs=fuse"
  run_as_user srun -N2 --nix-store='~/.img/a.sqsh' sh -c \
    "$NIX_HELLO_BIN; echo \$SLURMD_NODENAME userns=\$(stat -Lc %i /proc/self/ns/user); findmnt -no OPTIONS /nix"
  assert_success
  assert_output_contains "$NIX_GREETING on $(refusing_node)"
  assert_output_contains "$NIX_GREETING on $(allowing_node)"
  assert_output_contains "$(refusing_node) userns=$(init_userns)"
  assert_output_not_contains "$(allowing_node) userns=$(init_userns)"
  assert_no_image_left
}

@test "fuse, userns=auto on the refusing node: one view and one server per job, across steps; nothing left" {
  plugin_args "squashfs=fuse"
  one_view_per_job "$(refusing_node)" fuse
}

@test "fuse, userns=never: hello on every node, a closure of the image, one view per job; a corrupt image fails with a nix: line; nothing left" {
  plugin_args "squashfs=fuse userns=never"
  run_as_user srun -N2 --nix-store='~/.img/chroot.sqsh' sh -c "$NIX_HELLO_BIN; stat -Lc userns=%i /proc/self/ns/user"
  assert_success
  local n
  for n in $(nodes); do assert_output_contains "$NIX_GREETING on $n"; done
  assert_equal "$(grep userns= <<<"$output" | sort -u)" "userns=$(init_userns)"
  run_as_user srun -N1 --nix-store='~/.img/a.sqsh' --nix-closure="$NIX_HELLO" sh -c "$NIX_HELLO_BIN; ls /nix/store | wc -l"
  assert_success
  assert_equal "$(sed -n 2p <<<"$output")" 3
  one_view_per_job "$(allowing_node)" fuse
  image_test_corrupt_fails_the_task
}

# The user can stop their server: a root process that reaches the mount (as
# slurmstepd's tasks do, joining the view as root) must not wait on it.
@test "fuse without a user namespace: a root process in the view gets EACCES at once, even with the user's server stopped" {
  local node srv task mode
  for mode in "squashfs=fuse userns=never" "squashfs=fuse"; do
    plugin_args "$mode"
    node=$(refusing_node)
    job=$(submit -N1 -w "$node" -o /dev/null --nix-store='~/.img/a.sqsh' --wrap "srun sh -c '$NIX_HELLO_BIN && exec sleep 300'")
    wait_job_state "$job" RUNNING 30
    local deadline=$(($(date +%s) + 30))
    until srv=$(pgrep -u "$NIXC_USER" -x 'squashfuse(_ll)?') && task=$(pgrep -u "$NIXC_USER" -x sleep); do
      [ "$(date +%s)" -lt "$deadline" ] || { echo "no server or task"; return 1; }
      sleep 0.2
    done
    kill -STOP "$srv"
    # a path not looked up yet (nothing cached): the kernel would ask the server
    run timeout 20 nsenter -t "$task" -m stat -c %F "/nix/store/not-there-$RANDOM"
    kill -CONT "$srv"
    assert_equal "$status" 1 # 124: it waited on the stopped server
    assert_output_contains "Permission denied"
    # the user's own process in the view reads it
    run timeout 20 nsenter -t "$task" -m setpriv --reuid="$(id -u "$NIXC_USER")" --regid="$(id -g "$NIXC_USER")" --init-groups stat -c %F /nix/store
    assert_success
    assert_output_contains "directory"
    scancel "$job"
    wait_job "$job" 60 >/dev/null || true
    assert_no_image_left 30
  done
}

@test "nodes are idle after the jobs" {
  assert_nodes_idle 20
}
