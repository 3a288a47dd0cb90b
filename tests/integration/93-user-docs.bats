#!/usr/bin/env bats
# What users meet (issue 11, items 6, 10, 13): a --nix-profile that is not
# there, a profile a closure view does not show, what the user namespace
# changes, entering a running job's view; the README says each.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
}

teardown() {
  scancel -u "$NIXC_USER" 2>/dev/null || true
  assert_no_job_state 30
}

@test "10. a --nix-profile that does not exist is refused, naming it" {
  assert_refused_before_queueing srun -N1 --nix-store='~/nix' --nix-profile=/nix/store/nothing-here true
  assert_output_contains "nix: --nix-profile=/nix/store/nothing-here: /nix/store/nothing-here does not exist in the store"
  assert_refused_before_queueing srun -N1 --nix-store='~/nix' --nix-profile='~/.nixc-no-profile' true
  assert_output_contains "nix: --nix-profile=~/.nixc-no-profile: $NIXC_HOME/.nixc-no-profile does not exist"
  # one that is there
  run_as_user srun -N1 --nix-store='~/nix' --nix-profile=/nix/store "$NIX_HELLO_BIN"
  assert_success
}

@test "6. a profile that resolves outside the store under a closure view says so" {
  as_user ln -sfn /nix/var/nix/db "$NIXC_HOME/.nixc-profile"
  run_as_user srun -N1 --nix-store='~/nix' --nix-profile='~/.nixc-profile' true
  assert_success
  run_as_user srun -N1 --nix-store='~/nix' --nix-closure="$NIX_HELLO" --nix-profile='~/.nixc-profile' true
  as_user rm -f "$NIXC_HOME/.nixc-profile"
  assert_failure
  assert_output_contains "nix: --nix-profile=$NIXC_HOME/.nixc-profile: $NIXC_HOME/.nixc-profile leads to /nix/var/nix/db, not a store path (a --nix-closure view shows only store paths)"
}

@test "13. in the user namespace: others' files are nobody's, su fails, the store is read-only" {
  run_as_user srun -N1 --nix-store='~/nix' sh -c 'stat -c "owner=%U:%G" /etc/passwd; touch /nix/store/x 2>&1 || true; su -c true root </dev/null >/dev/null 2>&1 && echo su-ok || echo su-failed'
  assert_success
  assert_output_contains "owner=nobody:nogroup"
  assert_output_contains "Read-only file system"
  assert_output_contains "su-failed"
}

@test "13. srun --jobid=J --overlap with the job's options enters its view" {
  local id f=$NIXC_SCRATCH/out/ns-$$
  id=$(submit -N1 -o /dev/null --nix-store='~/nix' --wrap "readlink /proc/self/ns/mnt >$f; sleep 60")
  for _ in $(seq 150); do [ -s "$f" ] && break; sleep 0.2; done
  run_as_user srun --jobid="$id" --overlap --nix-store='~/nix' readlink /proc/self/ns/mnt
  assert_success
  assert_equal "$output" "$(cat "$f")"
  scancel "$id"
}

@test "10, 13. the README says what Slurm adds, what the namespace changes, how to enter a job, heterogeneous jobs" {
  local readme=$NIXC_REPO/README.md
  grep -q 'Slurm adds two lines of its own' "$readme"
  grep -q 'nobody:nogroup' "$readme"
  grep -q 'srun --jobid=J --overlap' "$readme"
  grep -q 'heterogeneous job' "$readme"
  grep -q 'newgrp' "$readme"
}

@test "10. a refusal is our line, then Slurm's two" {
  run_as_user srun -N1 --nix-store='~/.nixc-missing' true
  assert_failure
  [[ "${lines[0]}" == *"error: nix: --nix-store=~/.nixc-missing: "* ]]
  [[ "${lines[1]}" == *"init_post_opt() failed"* ]]
  assert_equal "${#lines[@]}" 3
}

@test "8. a --nix-hide path that does not exist: warned before queueing, the node's error names --nix-hide" {
  run_as_user srun -N1 --nix-store='~/nix' --nix-hide=/nonexistent-nixc true
  assert_failure
  assert_output_contains "nix: warning: --nix-hide: /nonexistent-nixc does not exist on this host"
  assert_output_contains "nix: --nix-hide: hide /nonexistent-nixc"
  assert_output_not_contains "nix: --nix-store=~/nix: hide"
}
