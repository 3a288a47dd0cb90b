#!/usr/bin/env bats
# cluster: NIXC_PLUGIN_ARGS="allowed_stores=%h site_stores=/var/tmp/nixc-site-$NIXC_NAME/nix,/var/tmp/nixc-site-$NIXC_NAME/link,/var/tmp/nixc-site-$NIXC_NAME/users default_store=/var/tmp/nixc-site-$NIXC_NAME/nix"
# Issue 12, item 3: site stores. Root's stores the admin lists in
# site_stores= may be selected by any user, read-only, and default_store may
# name one; every other root-owned or foreign store is refused as before.

load helpers
load nix_helpers

SITE=/var/tmp/nixc-site-$NIXC_NAME

setup_file() {
  require_cluster
  need_fixtures
  need_conf "site_stores=/var/tmp/nixc-site-$NIXC_NAME/nix" "$NIXC_DIR/etc/plugstack.conf" \
    "NIXC_PLUGIN_ARGS=... site_stores=/var/tmp/nixc-site-$NIXC_NAME/nix ..."
  rm -rf "$SITE" && mkdir -m 755 "$SITE"
  # The site's store: a copy of store A that root owns (the user does not).
  cp -a "$NIXC_STORE_A" "$SITE/nix"
  chown -R root:root "$SITE/nix"
  chmod -R go-w "$SITE/nix"
  # A root-owned store the admin did not list.
  cp -a "$SITE/nix" "$SITE/unlisted"
  # Listed, but through a link the user owns: never followed.
  ln -s "$SITE/nix" "$SITE/link"
  chown -h "$NIXC_USER" "$SITE/link"
  # Listed, but not root's: a site store must be.
  cp -a "$NIXC_STORE_A" "$SITE/users"
}

teardown_file() {
  rm -rf "$SITE"
}

teardown() {
  assert_no_job_state
  assert_nodes_idle
}

@test "a site store the user does not own runs hello on every node" {
  [ "$(stat -c %u "$SITE/nix/store")" = 0 ]
  run_as_user srun -N"$NIXC_NODES" --nix-store="$SITE/nix" "$NIX_HELLO_BIN"
  assert_success
  local n
  for n in $(nodes); do assert_output_contains "$NIX_GREETING on $n"; done
}

@test "a closure view of a site store: its database answers" {
  run_as_user srun -N1 --nix-store="$SITE/nix" --nix-closure="$NIX_HELLO" sh -c \
    'ls /nix/store; '"$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$(basename "$NIX_HELLO")"
  assert_output_contains "$NIX_GREETING on"
  assert_equal "$(grep -c -- "-$(basename "$NIX_OTHER" | cut -d- -f2-)\$" <<<"$output")" 0
}

@test "default_store may name a site store: a job without options gets it" {
  run_as_user srun -N1 sh -c 'findmnt -no OPTIONS /nix; '"$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "ro,"
  assert_output_contains "$NIX_GREETING on"
}

@test "the user's own store still works next to the site's" {
  run_as_user srun -N1 --nix-store='~/nix' "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING on"
}

@test "--nix-writable on a site store is refused before queueing" {
  assert_refused_before_queueing srun -N1 --nix-store="$SITE/nix" --nix-writable true
  assert_output_contains "nix: --nix-writable: $SITE/nix is a site store (site_stores), read-only for every job"
}

@test "--nix-writable with the site's default store is refused too" {
  assert_refused_before_queueing srun -N1 --nix-writable true
  assert_output_contains "nix: --nix-writable: $SITE/nix is a site store (site_stores), read-only for every job"
}

@test "a root-owned store the admin did not list is still refused" {
  assert_refused_before_queueing srun -N1 --nix-store="$SITE/unlisted" true
  assert_output_contains "nix: --nix-store=$SITE/unlisted: $SITE/unlisted is not under a store location this site allows"
}

@test "a path below a site store is not a site store" {
  assert_refused_before_queueing srun -N1 --nix-store="$SITE/nix/store" true
  assert_output_contains "is not under a store location this site allows"
}

@test "a listed site store reached through a link the user owns is refused" {
  assert_refused_before_queueing srun -N1 --nix-store="$SITE/link" true
  assert_output_contains "nix: --nix-store=$SITE/link: $SITE/link is a symlink a user could change"
}

@test "a listed site store that root does not own is refused" {
  assert_refused_before_queueing srun -N1 --nix-store="$SITE/users" true
  assert_output_contains "nix: --nix-store=$SITE/users: $SITE/users is owned by $NIXC_USER"
  assert_output_contains "not by root as a site store must be"
}

@test "the node checks too: a site store no longer root's when the job starts fails it" {
  local job out=$NIXC_SCRATCH/out/site-late.out
  job=$(submit -N1 --hold -o "$out" --nix-store="$SITE/nix" --wrap 'echo batch-ran')
  chown "$NIXC_USER" "$SITE/nix/store"
  scontrol release "$job"
  job_state=$(wait_job "$job") || true
  chown root "$SITE/nix/store"
  assert_equal "$job_state" FAILED
  output=$(cat "$out")
  assert_output_contains "nix: --nix-store=$SITE/nix: store/ is owned by $NIXC_USER"
  assert_output_not_contains "batch-ran"
}
