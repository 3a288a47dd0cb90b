#!/usr/bin/env bats
# cluster: NIXC_NO_USERNS_NODES=2 NIXC_PLUGIN_ARGS="squashfs=kernel"
# --nix-store=IMAGE on views without a user namespace: userns=auto on a node
# that refuses them (the second: tests/no-userns), and userns=never, in
# both squashfs modes. kernel works as with a user namespace (root mounts
# the loop device in the view's mount namespace); fuse is refused with one
# nix: line (lib/nix_image.c nix_image_mode_check: the user's FUSE server
# would serve a mount of the initial user namespace, root's processes
# included). Each test sets the plugstack arguments it needs (every step,
# srun and epilog reads plugstack.conf again); teardown_file restores them.

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
# namespace, in the initial user namespace, with one loop device; nothing
# is left after it.
one_view_per_job() {
  local node=$1 step="srun -n1 sh -c '$NIX_HELLO_BIN && readlink /proc/self/ns/user /proc/self/ns/mnt && echo fstype=\$(findmnt -no FSTYPE /nix) && findmnt -no OPTIONS /nix'"
  run_batch -N1 -w "$node" --nix-store='~/.img/a.sqsh' -- "
    readlink /proc/self/ns/user /proc/self/ns/mnt
    $step
    sleep 1
    $step
    echo loops=\$(/usr/sbin/losetup -l -n -O BACK-FILE | grep -c '$(image_loop_path a.sqsh)')"
  assert_equal "$job_state" COMPLETED
  assert_equal "$(grep -c "$NIX_GREETING on $node" <<<"$output")" 2
  assert_equal "$(grep '^mnt:' <<<"$output" | sort -u | wc -l)" 1
  assert_equal "$(grep -c '^mnt:' <<<"$output")" 3
  assert_equal "$(grep '^user:' <<<"$output" | sort -u)" "user:[$(init_userns)]"
  assert_equal "$(grep -c '^fstype=squashfs' <<<"$output")" 2
  assert_output_contains "ro,nosuid,nodev"
  assert_output_contains "loops=1"
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
  one_view_per_job "$(refusing_node)"
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
  one_view_per_job "$(allowing_node)"
}

@test "kernel, userns=never: a corrupt image fails the tasks with a nix: line, nothing left, nodes idle" {
  plugin_args "squashfs=kernel userns=never"
  image_test_corrupt_fails_the_task
}

@test "fuse, userns=auto: the refusing node fails the task with one nix: line and stays idle; the other node reads the image" {
  plugin_args "squashfs=fuse"
  run_as_user srun -w "$(refusing_node)" --nix-store='~/.img/a.sqsh' "$NIX_HELLO_BIN"
  assert_failure
  assert_output_contains "nix: --nix-store=~/.img/a.sqsh: squashfs=fuse needs a user namespace, and views here are built without one"
  assert_equal "$(grep -c 'nix: ' <<<"$output")" 1
  assert_output_not_contains "$NIX_GREETING"
  assert_no_image_left
  run_as_user srun -w "$(allowing_node)" --nix-store='~/.img/a.sqsh' "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING on $(allowing_node)"
  assert_no_image_left
}

@test "fuse, userns=auto: each step of a batch job on the refusing node fails the same way, nothing left" {
  plugin_args "squashfs=fuse"
  run_batch -N1 -w "$(refusing_node)" -- "
    srun -n1 --nix-store='~/.img/a.sqsh' $NIX_HELLO_BIN || echo step1=failed
    srun -n1 --nix-store='~/.img/a.sqsh' $NIX_HELLO_BIN || echo step2=failed"
  assert_output_contains "step1=failed"
  assert_output_contains "step2=failed"
  assert_equal "$(grep -c 'squashfs=fuse needs a user namespace' <<<"$output")" 2
  assert_output_not_contains "$NIX_GREETING"
  assert_no_image_left
}

@test "fuse, userns=never: refused by srun and sbatch before the job is queued, with one nix: line" {
  plugin_args "squashfs=fuse userns=never"
  assert_refused_before_queueing srun -N1 --nix-store='~/.img/a.sqsh' "$NIX_HELLO_BIN"
  assert_output_contains "nix: --nix-store=~/.img/a.sqsh: squashfs=fuse needs a user namespace"
  assert_refused_before_queueing sbatch --nix-store='~/.img/a.sqsh' --wrap true
  assert_output_contains "squashfs=fuse needs a user namespace"
  # a directory store is not concerned
  run_as_user srun -N1 --nix-store='~/nix' "$NIX_HELLO_BIN"
  assert_success
  assert_no_image_left
}

@test "nodes are idle after the jobs" {
  assert_nodes_idle 20
}
