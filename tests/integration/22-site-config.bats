#!/usr/bin/env bats
# cluster: NIXC_PLUGIN_ARGS="default_store=%h/nix hide=/opt,/srv allowed_stores=%h"
# An admin's plugstack.conf arguments: a default store for every job, a
# default of hidden directories, and where stores may live.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'default_store=%h/nix' "$NIXC_DIR/etc/plugstack.conf" "NIXC_PLUGIN_ARGS=default_store=%h/nix ..."
}

teardown() {
  assert_no_job_state
}

@test "default_store: every job gets the user's store without asking" {
  run_as_user srun -N2 "$NIX_HELLO_BIN"
  assert_success
  for n in $(nodes); do assert_output_contains "$NIX_GREETING on $n"; done
}

@test "--nix-store=none opts out of the default store" {
  run_as_user srun -N1 --nix-store=none sh -c 'test -e /nix && echo has-nix || echo no-nix'
  assert_success
  assert_output_contains "no-nix"
}

@test "a user without the default store is not affected" {
  local other=nixc-nostore-$$
  useradd -m "$other"
  run "$NIXC_CLUSTER" as-user true # the cluster's user: sanity
  run runuser -u "$other" -- env SLURM_CONF="$NIXC_CONF" srun -N1 sh -c 'test -e /nix && echo has-nix || echo no-nix'
  userdel -r "$other" 2>/dev/null || true
  assert_success
  assert_output_contains "no-nix"
}

@test "hide=: the site's hidden directories, and --nix-hide=none" {
  run_as_user srun -N1 sh -c 'echo "opt=[$(ls -A /opt)]"; findmnt -no OPTIONS /opt'
  assert_success
  assert_output_contains "opt=[]"
  assert_output_contains "ro,"
  run_as_user srun -N1 --nix-hide=none sh -c 'findmnt -no FSTYPE /opt || echo not-a-mount'
  assert_success
  assert_output_not_contains "tmpfs"
}

@test "allowed_stores: a store outside the allowed prefixes is refused" {
  rm -rf /var/tmp/nixc-elsewhere && mkdir -p /var/tmp/nixc-elsewhere/store
  chown -R "$NIXC_USER" /var/tmp/nixc-elsewhere
  assert_refused_before_queueing srun -N1 --nix-store=/var/tmp/nixc-elsewhere true
  rm -rf /var/tmp/nixc-elsewhere
  assert_output_contains "nix: --nix-store=/var/tmp/nixc-elsewhere: /var/tmp/nixc-elsewhere is not under a store location this site allows ($NIXC_HOME)"
}
