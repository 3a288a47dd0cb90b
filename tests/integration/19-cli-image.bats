#!/usr/bin/env bats
# cluster: down
# spank-nix (the command) with --nix-store=IMAGE: the view a job gets from a
# squashfs image, read by squashfuse as the user in the command's own user
# namespace; check makes srun's image checks; squashfs=kernel (root's
# mount) cannot be had unprivileged and says so; off refuses as srun does.
# Fixture images as 13/14 make them (image_helpers.bash make_images).

load helpers
load nix_helpers
load image_helpers

SPANK_NIX_CLI=${SPANK_NIX_CLI:-$(dirname "$NIXC_PLUGIN")/../tools/spank-nix}

setup_file() {
  need_fixtures
  [ -x "$SPANK_NIX_CLI" ] || { echo "no $SPANK_NIX_CLI: build first" >&2; return 1; }
  make_images
  [ "$(stat -c %a /dev/fuse)" = 666 ] || mknod -m 666 "$BATS_FILE_TMPDIR/fuse-dev" c 10 229
}
teardown_file() { remove_images; }

# A node has /dev/fuse 0666 (udev's default), a sandboxed host may have it
# 0600: the command runs in a mount namespace of its own with such a node
# bound on /dev/fuse, as the cluster's nodes do (tests/cluster/cluster).
cli() {
  run unshare --mount --propagation slave sh -c \
    '[ ! -c "$1" ] || mount --bind "$1" /dev/fuse || exit 99; shift; exec "$@"' \
    sh "$BATS_FILE_TMPDIR/fuse-dev" "$NIXC_CLUSTER" as-user "$SPANK_NIX_CLI" "$@"
}

# site CONF-ARGS: a plugstack.conf with these spank_nix.so arguments; its path.
site() {
  local conf
  conf=$(mktemp /tmp/spank-nix-cli-image.XXXXXX)
  chmod 644 "$conf"
  echo "required /usr/lib/spank_nix.so $1" >"$conf"
  echo "$conf"
}

# no squashfuse of the user's is left (it ends with the view's namespace)
assert_no_server_left() {
  local i
  for i in $(seq 50); do pgrep -u "$NIXC_USER" -x 'squashfuse(_ll)?' >/dev/null || return 0; sleep 0.2; done
  echo "left: $(pgrep -a -u "$NIXC_USER" -x 'squashfuse(_ll)?')" >&2
  return 1
}

@test "run: an image (DIR/store and nix/store layouts) at /nix, read-only, nosuid, nodev; nothing left after" {
  local img
  for img in a chroot; do
    cli run --nix-store="~/.img/$img.sqsh" -- sh -c "$NIX_HELLO_BIN; findmnt -no OPTIONS /nix; test ! -w /nix && echo ro; ls /nix/var >/dev/null && echo has-var"
    assert_success
    assert_output_contains "$NIX_GREETING"
    assert_output_contains "ro,nosuid,nodev"
    assert_output_contains "has-var"
    assert_no_server_left
  done
  [ ! -e /nix ]
  run bash -c "find /tmp -maxdepth 1 -name 'spank-nix.*' -user $NIXC_USER"
  assert_equal "$output" ""
}

@test "run: the image's server is no child of the command (a command that waits for all its children ends)" {
  cli run --nix-store='~/.img/a.sqsh' -- sh -c "$NIX_HELLO_BIN; ps -o comm= --ppid \$\$ | grep -c squashfuse; wait"
  assert_success
  assert_output_contains "$NIX_GREETING"
  assert_equal "$(tail -1 <<<"$output")" 0
  assert_no_server_left
}

@test "run: --nix-closure on an image (the DB inside), on an image of a closure (the list), with --nix-hide; exit status" {
  cli run --nix-store='~/.img/a.sqsh' --nix-closure="$NIX_HELLO" --nix-hide=/opt -- \
    sh -c "$NIX_HELLO_BIN; echo paths=\$(ls /nix/store | wc -l) opt=\$(ls -A /opt | wc -l); exit 7"
  assert_equal "$status" 7
  assert_output_contains "$NIX_GREETING"
  assert_output_contains "paths=3 opt=0"
  cli run --nix-store='~/.img/closure.sqsh' --nix-closure="$NIX_CLOSURE_LIST" -- "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING"
  cli run --nix-store='~/.img/a.sqsh' --nix-closure=/nix/store/00000000000000000000000000000000-nope -- true
  assert_equal "$status" 1
  assert_output_contains "spank-nix: error: nix: --nix-closure=/nix/store/00000000000000000000000000000000-nope: "
  assert_no_server_left
}

@test "check: an image is described; srun's image checks refuse a text file, a truncated or unreadable image" {
  cli check --nix-store='~/.img/a.sqsh'
  assert_success
  assert_output_contains "nix: $NIXC_IMG_DIR/a.sqsh (a squashfs image) at /nix, read-only"
  local img reason
  for img in text truncated unreadable; do
    case $img in
      text) reason="$NIXC_IMG_DIR/text.sqsh is not a directory nor a squashfs image (no 'hsqs' magic" ;;
      truncated) reason="truncated: the image says" ;;
      unreadable) reason="the image is not readable by the job's user" ;;
    esac
    cli check --nix-store="~/.img/$img.sqsh"
    assert_equal "$status" 1
    assert_output_contains "spank-nix: error: nix: --nix-store=~/.img/$img.sqsh: $reason"
    assert_equal "$(grep -c 'nix: ' <<<"$output")" 1
    cli run --nix-store="~/.img/$img.sqsh" -- true
    assert_equal "$status" 1
    assert_output_contains "nix: --nix-store=~/.img/$img.sqsh: $reason"
  done
}

@test "run: a corrupt image: one nix: line naming it, nothing left" {
  cli run --nix-store='~/.img/corrupt.sqsh' -- true
  assert_equal "$status" 1
  assert_output_contains "spank-nix: error: nix: --nix-store=~/.img/corrupt.sqsh: "
  assert_output_contains "(corrupt?)"
  assert_no_server_left
}

@test "the site's squashfs=: kernel cannot be had unprivileged (run says so, check takes it as srun does); off refuses both" {
  local conf
  conf=$(site "squashfs=kernel")
  cli run --plugstack="$conf" --nix-store='~/.img/a.sqsh' -- true
  assert_equal "$status" 1
  assert_output_contains "spank-nix: error: nix: --nix-store=~/.img/a.sqsh: squashfs=kernel (the site's plugstack.conf) mounts images as root, which spank-nix, unprivileged, cannot"
  cli check --plugstack="$conf" --nix-store='~/.img/a.sqsh'
  assert_success
  # a directory store is not concerned
  cli run --plugstack="$conf" --nix-store='~/nix' -- "$NIX_HELLO_BIN"
  assert_success
  rm -f "$conf"
  conf=$(site "squashfs=off")
  cli check --plugstack="$conf" --nix-store='~/.img/a.sqsh'
  assert_equal "$status" 1
  assert_output_contains "spank-nix: error: nix: --nix-store=~/.img/a.sqsh: is a file: squashfs images are turned off on this cluster"
  cli run --plugstack="$conf" --nix-store='~/.img/a.sqsh' -- true
  assert_equal "$status" 1
  assert_output_contains "squashfs images are turned off on this cluster"
  rm -f "$conf"
}
