#!/usr/bin/env bats
# Bad --nix-store input: one "nix: --nix-store=...: reason" line from srun,
# sbatch or salloc before the job is queued, a non-zero exit, nothing left
# behind, and the nodes stay idle. What only the node can see fails the
# job's tasks, never the node.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
  # bad stores of every kind, in the test user's home
  as_user sh -c '
    cd ~ && rm -rf .bad && mkdir -p .bad && cd .bad &&
    touch afile &&
    mkdir -p nostore &&
    mkdir -p gw/store && chmod 775 gw &&
    mkdir -p unreadable/store && chmod 311 unreadable &&
    ln -s ~/nix nixlink &&
    mkdir -p storelink && ln -s ~/nix/store storelink/store'
  rm -rf /var/tmp/nixc-root-store && mkdir -p /var/tmp/nixc-root-store/store
}

teardown_file() {
  as_user sh -c 'chmod 755 ~/.bad/unreadable; rm -rf ~/.bad'
  rm -rf /var/tmp/nixc-root-store
}

teardown() {
  assert_no_job_state
}

refused() { # ARG EXPECTED-REASON: srun refuses --nix-store=ARG
  assert_refused_before_queueing srun -N1 --nix-store="$1" true
  assert_output_contains "nix: --nix-store=$1: $2"
}

@test "srun: a missing directory" {
  refused '~/.bad/missing' "$NIXC_HOME/.bad/missing does not exist"
}

@test "srun: not a directory" {
  refused '~/.bad/afile' "$NIXC_HOME/.bad/afile is not a directory"
}

@test "srun: a directory without store/" {
  refused '~/.bad/nostore' "has no store/ directory"
}

@test "srun: group- or world-writable" {
  refused '~/.bad/gw' "$NIXC_HOME/.bad/gw is group- or world-writable (chmod go-w)"
}

@test "srun: not readable by the user" {
  refused '~/.bad/unreadable' "$NIXC_HOME/.bad/unreadable is not readable by the job's user"
}

@test "srun: owned by someone else" {
  refused /var/tmp/nixc-root-store "/var/tmp/nixc-root-store is owned by root (uid 0), not by the job's user $NIXC_USER (uid $(id -u "$NIXC_USER"))"
}

@test "srun: a symlink, and a symlinked store/" {
  refused '~/.bad/nixlink' "$NIXC_HOME/.bad/nixlink is a symlink"
  refused '~/.bad/storelink' "store/ is a symlink"
}

@test "srun: relative, empty, and '..' paths" {
  refused 'nix' "not an absolute path"
  assert_refused_before_queueing srun -N1 --nix-store= true
  assert_output_contains "nix: --nix-store=: empty path"
  refused '~/nix/../nix' "contains a '..' component"
}

@test "srun: the reason is one line, prefixed nix:" {
  run_as_user srun -N1 --nix-store='~/.bad/missing' true
  assert_failure
  # Slurm adds its own lines after ours ("init_post_opt() failed")
  assert_equal "$(grep -c 'nix: ' <<<"$output")" 1
  [[ "${lines[0]}" == *"nix: --nix-store=~/.bad/missing: $NIXC_HOME/.bad/missing does not exist" ]]
}

@test "sbatch refuses before queueing, in a script's #SBATCH line too" {
  assert_refused_before_queueing sbatch -N1 --nix-store='~/.bad/gw' --wrap true
  assert_output_contains "nix: --nix-store=~/.bad/gw: $NIXC_HOME/.bad/gw is group- or world-writable"
  as_user sh -c 'printf "#!/bin/sh\n#SBATCH --nix-store=~/.bad/nostore\ntrue\n" > ~/.bad/job.sh'
  assert_refused_before_queueing sbatch -N1 .bad/job.sh
  assert_output_contains "has no store/ directory"
}

@test "salloc refuses before allocating" {
  assert_refused_before_queueing salloc -N1 --nix-store='~/.bad/missing' true
  assert_output_contains "nix: --nix-store=~/.bad/missing: "
}

@test "a store gone by the time the job runs fails the job, not the node" {
  as_user sh -c 'rm -rf ~/.bad/late && mkdir -p ~/.bad/late/store'
  local id
  id=$(submit -N1 --hold -o "$NIXC_HOME/.bad/late.out" --nix-store='~/.bad/late' --wrap 'echo ran')
  as_user rm -rf "$NIXC_HOME/.bad/late"
  scontrol release "$id"
  assert_equal "$(wait_job "$id" 60)" FAILED
  run cat "$NIXC_HOME/.bad/late.out"
  assert_output_contains "nix: --nix-store=~/.bad/late: $NIXC_HOME/.bad/late does not exist"
  assert_output_not_contains "ran"
  assert_nodes_idle
}

@test "an srun step whose store is gone on the node exits non-zero with the reason" {
  # the check in srun is an admin's choice (check_on_submit): simulate a node
  # that sees another file system by removing the store after the check
  as_user sh -c 'rm -rf ~/.bad/late2 && mkdir -p ~/.bad/late2/store'
  run_as_user timeout 60 salloc -N2 bash -c 'srun -N2 --nix-store=~/.bad/late2 bash -c "rm -rf ~/.bad/late2; sleep 1; true" ; srun -N2 --nix-store=none true; echo salloc-ok'
  # the first step removed the store on its way: its namespaces were built
  # already, so it succeeds; a new view of the same store now fails on the node
  run_as_user timeout 60 salloc -N1 bash -c 'mkdir -p ~/.bad/late3/store; srun -N1 --nix-store=~/.bad/late3 bash -c "rm -rf ~/.bad/late3" ; srun -N1 --nix-store=~/.bad/late3 --nix-writable true; echo rc=$?'
  assert_output_contains "rc=1"
  assert_output_contains "nix: --nix-store=~/.bad/late3: "
  assert_nodes_idle
}
