#!/usr/bin/env bats
# Paths as sites and Nix lay them out (issue 11, items 1-5): homes reached
# through root's symlinks, DIR/nix/store, ~ %h %u in --nix-closure, the
# result link nix-build leaves, and closure lists without a database.

load helpers
load nix_helpers

SITE=/var/tmp/nixc-site-$NIXC_NAME

setup_file() {
  require_cluster
  need_fixtures
  # a site's link to the home, as /home -> /gpfs/home: root's, in root's dir
  rm -rf "$SITE" && mkdir -p "$SITE" && chmod 755 "$SITE"
  ln -s "$NIXC_HOME" "$SITE/linkhome"
  # a directory the user can write holding a root-owned link: swappable
  mkdir -p "$SITE/userdir" && chown "$NIXC_USER" "$SITE/userdir"
  ln -s "$NIXC_HOME" "$SITE/userdir/linkhome"
}

teardown_file() {
  rm -rf "$SITE" "$NIXC_HOME/.nixc-chroot" "$NIXC_HOME/.nixc-nodb" # store files are read-only: as root
}

teardown() {
  assert_no_job_state
}

@test "1. a store reached through root's symlink works" {
  run_as_user srun -N2 --nix-store="$SITE/linkhome/nix" "$NIX_HELLO_BIN"
  assert_success
  for n in $(nodes); do assert_output_contains "$NIX_GREETING on $n"; done
}

@test "1. a symlink a user could swap is still refused" {
  assert_refused_before_queueing srun -N1 --nix-store="$SITE/userdir/linkhome/nix" true
  assert_output_contains "$SITE/userdir/linkhome is a symlink a user could change"
  as_user ln -sfn "$NIXC_HOME/nix" "$NIXC_HOME/.nixc-userlink"
  assert_refused_before_queueing srun -N1 --nix-store='~/.nixc-userlink' true
  as_user rm -f "$NIXC_HOME/.nixc-userlink"
  assert_output_contains "$NIXC_HOME/.nixc-userlink is a symlink a user could change"
}

@test "2. nix --store DIR's layout, DIR/nix/store, works like DIR/store" {
  rm -rf "$NIXC_HOME/.nixc-chroot"
  as_user_sh 'mkdir -p ~/.nixc-chroot && cp -a ~/nix ~/.nixc-chroot/nix'
  run_as_user srun -N2 --nix-store='~/.nixc-chroot' sh -c "$NIX_HELLO_BIN; ls -d /nix/store /nix/var/nix/db"
  assert_success
  for n in $(nodes); do assert_output_contains "$NIX_GREETING on $n"; done
  assert_output_contains /nix/var/nix/db
  run_as_user srun -N1 --nix-store='~/.nixc-chroot' --nix-closure="$NIX_HELLO" "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING"
}

@test "2. a directory with neither layout names both" {
  as_user mkdir -p "$NIXC_HOME/.nixc-empty"
  assert_refused_before_queueing srun -N1 --nix-store='~/.nixc-empty' true
  as_user rmdir "$NIXC_HOME/.nixc-empty"
  assert_output_contains "has no store/ directory (expected DIR/store as nix-user-chroot makes, or DIR/nix/store as \`nix --store DIR\` makes)"
}

@test "3. ~, %h and %u in --nix-closure, in srun and in #SBATCH lines" {
  cp "$NIX_CLOSURE_LIST" "$NIXC_HOME/.nixc-list" && chown "$NIXC_USER" "$NIXC_HOME/.nixc-list"
  run_as_user srun -N1 --nix-store='~/nix' --nix-closure='~/.nixc-list' "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING"
  run_as_user srun -N1 --nix-store='%h/nix' --nix-closure='/home/%u/.nixc-list' "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING"
  run_batch -N1 --nix-store='~/nix' --nix-closure='%h/.nixc-list' -- "ls /nix/store | wc -l; $NIX_HELLO_BIN"
  assert_equal "$job_state" COMPLETED
  assert_output_contains "$NIX_GREETING"
  assert_output_contains "$(wc -l <"$NIX_CLOSURE_LIST")"
  # an error quotes what the user typed
  assert_refused_before_queueing srun -N1 --nix-store='~/nix' --nix-closure='~/.nixc-missing' true
  assert_output_contains "nix: --nix-closure=~/.nixc-missing: $NIXC_HOME/.nixc-missing: No such file or directory"
  rm -f "$NIXC_HOME/.nixc-list"
}

@test "4. --nix-closure=~/result, the link nix-build leaves: its target is checked and mounted" {
  as_user ln -sfn "$NIX_HELLO" "$NIXC_HOME/.nixc-result"
  run_as_user srun -N2 --nix-store='~/nix' --nix-closure='~/.nixc-result' sh -c "ls /nix/store | sort | tr '\n' ' '; echo; $NIX_HELLO_BIN"
  assert_success
  for n in $(nodes); do assert_output_contains "$NIX_GREETING on $n"; done
  assert_output_contains "$(xargs -n1 basename <"$NIX_CLOSURE_LIST" | sort | tr '\n' ' ')"
  assert_output_not_contains "$(basename "$NIX_OTHER")"
  run_batch -N1 --nix-store='~/nix' --nix-closure='%h/.nixc-result' -- "$NIX_HELLO_BIN"
  assert_equal "$job_state" COMPLETED
  assert_output_contains "$NIX_GREETING"
  # a link to anything but a store path is refused, naming its target
  as_user ln -sfn "$NIXC_HOME/nix" "$NIXC_HOME/.nixc-result"
  assert_refused_before_queueing srun -N1 --nix-store='~/nix' --nix-closure='~/.nixc-result' true
  as_user rm -f "$NIXC_HOME/.nixc-result"
  assert_output_contains "nix: --nix-closure=~/.nixc-result: $NIXC_HOME/.nixc-result: a symbolic link to $NIXC_HOME/nix, not to a store path in /nix/store"
}

@test "5. a -qR list or a closureInfo dir needs no database: checked against store/" {
  rm -rf "$NIXC_HOME/.nixc-nodb" && mkdir -p "$NIXC_HOME/.nixc-nodb"
  cp -a "$NIXC_HOME/nix/store" "$NIXC_HOME/.nixc-nodb/store"
  chown "$NIXC_USER" "$NIXC_HOME/.nixc-nodb"
  local spec
  for spec in "$NIX_CLOSURE_LIST" "$NIX_CLOSURE_INFO"; do
    run_as_user srun -N1 --nix-store='~/.nixc-nodb' --nix-closure="$spec" "$NIX_HELLO_BIN"
    assert_success
    assert_output_contains "$NIX_GREETING"
  done
  # a path of the list missing from store/
  chmod u+w "$NIXC_HOME/.nixc-nodb/store" && rm -rf "$NIXC_HOME/.nixc-nodb/store/$(basename "$NIX_HELLO")"
  assert_refused_before_queueing srun -N1 --nix-store='~/.nixc-nodb' --nix-closure="$NIX_CLOSURE_LIST" true
  assert_output_contains "$NIX_HELLO is not in the store"
  # a store path's closure still needs the database
  assert_refused_before_queueing srun -N1 --nix-store='~/.nixc-nodb' --nix-closure="$NIX_OTHER" true
  assert_output_contains "has no var/nix/db/db.sqlite (give a \`nix-store -qR\` list or a closureInfo dir)"
  rm -rf "$NIXC_HOME/.nixc-nodb"
}
