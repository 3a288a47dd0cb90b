#!/usr/bin/env bats
# Issue 16, many tasks per node: a later step of a job whose view for the
# same request is pinned on the node already finds it once, in slurmstepd
# before the tasks are forked (slurmd's log says so at debug level), and
# every task inherits it: no task looks it up, none waits for another. The
# first step builds it as before, and what slurmstepd does not settle (a
# profile to resolve into a closure) is left to the tasks. What the tasks
# get does not change.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
  as_user mkdir -p "$NIXC_HOME/nixc-pinned-hidden/sub"
  as_user ln -sfn "$NIX_HELLO" "$NIXC_HOME/.nixc-pinned-profile"
}

teardown_file() {
  as_user rm -rf "$NIXC_HOME/nixc-pinned-hidden" "$NIXC_HOME/.nixc-pinned-profile"
}

teardown() {
  assert_no_job_state 30
}

# found_steps JOB: the steps of JOB whose view slurmstepd found before the
# fork, in order, on any node.
found_steps() {
  job_slurmd_log "$1" |
    sed -n "s/.*nix: step $1\.\([0-9]*\): the view, pinned, found before the tasks were forked.*/\1/p" |
    sort -n | tr '\n' ' '
}

@test "later steps take the job's pinned view from slurmstepd: every task, the same namespaces, the profile" {
  check_steps_of_one_job 4 'srun -n4 --nix-store=~/nix --nix-profile=~/.nixc-pinned-profile hello'
  # step 0 built it; 1, 2 and 3 (a profile is not part of the view) found it
  assert_equal "$(found_steps "$job")" "1 2 3 "
}

@test "a closure with a profile is left to the tasks; a hidden view found before the fork still hides and refuses a hidden working directory" {
  local hidden=$NIXC_HOME/nixc-pinned-hidden
  run_as_user timeout 90 salloc -N1 -n2 --overcommit bash -c '
    echo "job $SLURM_JOB_ID"
    for s in 0 1; do
      srun -n2 --nix-store=~/nix --nix-closure='"$NIX_HELLO"' --nix-profile='"$NIX_HELLO"' hello
    done
    cd /tmp
    for s in 2 3; do
      srun -n2 --nix-store=~/nix --nix-hide='"$hidden"' sh -c "echo hidden=\$(ls '"$hidden"' | wc -l)"
    done
    cd '"$hidden"'/sub && srun -n2 --nix-store=~/nix --nix-hide='"$hidden"' true || echo "step 4 failed"'
  assert_success
  job=$(sed -n 's/^job //p' <<<"$output")
  assert_equal "$(grep -c "$NIX_GREETING" <<<"$output")" 4
  assert_equal "$(grep -c '^hidden=0$' <<<"$output")" 4
  assert_output_contains "step 4 failed"
  assert_output_contains "nix: --nix-hide: the working directory $hidden/sub is in the hidden"
  assert_equal "$(found_steps "$job")" "3 4 "
  assert_nodes_idle
}
