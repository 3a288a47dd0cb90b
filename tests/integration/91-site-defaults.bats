#!/usr/bin/env bats
# cluster: NIXC_PLUGIN_ARGS="default_store=%h/nix hide=/opt,/srv allowed_stores=%h"
# The site's defaults and the user's options together (issue 11, items 7
# and 9): the user's --nix-hide adds to the site's hide=, and a default
# store that cannot be used is said, never silently dropped.

load helpers
load nix_helpers

HIDDEN=/var/tmp/nixc-hide-$NIXC_NAME

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'hide=/opt,/srv' "$NIXC_DIR/etc/plugstack.conf" "NIXC_PLUGIN_ARGS=... hide=/opt,/srv ..."
  mkdir -p "$HIDDEN" && touch "$HIDDEN/host-file"
  mkdir -p /opt/nixc-$NIXC_NAME && touch /opt/nixc-$NIXC_NAME/host-file
}

teardown_file() {
  rm -rf "$HIDDEN" "/opt/nixc-$NIXC_NAME"
}

teardown() {
  assert_no_job_state
}

other=nixc-o-$NIXC_NAME
as_other() { run runuser -u "$other" -- env -C "/home/$other" SLURM_CONF="$NIXC_CONF" "$@"; }
make_other() { userdel -r "$other" 2>/dev/null || true; useradd -m "$other"; }
drop_other() { userdel -r "$other" 2>/dev/null || true; }

@test "7. --nix-hide adds to the site's hide=, and none opts out of both" {
  run_as_user srun -N1 --nix-hide="$HIDDEN" sh -c "echo opt=[\$(ls -A /opt)] mine=[\$(ls -A $HIDDEN)]"
  assert_success
  assert_output_contains "opt=[] mine=[]"
  run_as_user srun -N1 --nix-hide=none sh -c "echo opt=[\$(ls -A /opt)] mine=[\$(ls -A $HIDDEN)]"
  assert_success
  assert_output_contains "nixc-$NIXC_NAME"
  assert_output_contains "mine=[host-file]"
}

@test "9. without the default store, --nix-hide and --nix-profile fail clearly" {
  make_other
  as_other srun -N1 --nix-hide="$HIDDEN" true
  local rc=$status out=$output
  as_other srun -N1 --nix-profile=/x true
  drop_other
  [ "$rc" -ne 0 ] || { echo "$out"; false; }
  [[ "$out" == *"nix: --nix-hide=$HIDDEN: needs a store, and the site's default_store=%h/nix cannot be used: /home/$other/nix does not exist (give --nix-store=DIR)"* ]] || { echo "$out"; false; }
  assert_failure
  assert_output_contains "nix: --nix-profile=/x: needs a store"
}

@test "9. a broken default store: a one-line warning on the job's stderr, the job runs" {
  make_other
  runuser -u "$other" -- sh -c 'mkdir -p ~/nix/store && chmod 775 ~/nix'
  as_other srun -N1 sh -c 'test -e /nix && echo has-nix || echo no-nix'
  drop_other
  assert_success
  assert_output_contains "no-nix"
  assert_output_contains "nix: warning: default_store=%h/nix: /home/$other/nix is group- or world-writable (chmod go-w); the job runs without /nix"
}
