#!/usr/bin/env bats
# cluster: NIXC_PLUGIN_ARGS="check_on_submit=no"
# Issue 16, many tasks per node: a step's local task 0 resolves the request
# and finds the view; its siblings take the outcome from it rather than
# resolving again. What every task says and gets must be what a task alone
# says and gets: the same one nix: line for each error found on the node
# (check_on_submit=no lets srun pass them), the same PATH, hidden paths and
# view for each task.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'check_on_submit=no' "$NIXC_DIR/etc/plugstack.conf" 'NIXC_PLUGIN_ARGS="check_on_submit=no"'
  as_user ln -sfn "$NIX_HELLO" "$NIXC_HOME/.nixc-tasks-profile"
  as_user mkdir -p "$NIXC_HOME/nixc-tasks-hidden/sub"
}

teardown_file() {
  as_user rm -rf "$NIXC_HOME/.nixc-tasks-profile" "$NIXC_HOME/nixc-tasks-hidden"
}

teardown() {
  assert_no_job_state 30
}

# nix_lines: the task errors ("nix: ..." lines, whatever Slurm puts before
# them) of the last run, sorted.
nix_lines() { grep -o 'nix: .*' <<<"$output" | grep -v '^nix: warning:' | sort || true; }

# same_error_each_task N CMD: CMD (srun's options TASKS) as the user, with
# -n1 and then with -nN on one node: it fails both times, with one nix:
# line per task, and the N tasks' lines are the lone task's.
same_error_each_task() {
  local n=$1 cmd=$2 alone many
  run_as_user bash -c "${cmd/TASKS/-N1 -n1}"
  assert_failure
  alone=$(nix_lines)
  [ "$(wc -l <<<"$alone")" -eq 1 ] || { echo "alone: $output" >&2; return 1; }
  run_as_user bash -c "${cmd/TASKS/-N1 -n$n --overcommit}"
  assert_failure
  many=$(nix_lines)
  [ "$(wc -l <<<"$many")" -eq "$n" ] || { echo "$n tasks: $output" >&2; return 1; }
  [ "$(sort -u <<<"$many")" = "$alone" ] || { echo "alone: $alone / $n tasks: $many" >&2; return 1; }
  assert_nodes_idle
}

@test "a store missing on the node: every task fails with the lone task's line" {
  same_error_each_task 4 "srun TASKS --nix-store='~/.nixc-tasks-missing' true"
  assert_output_contains "nix: --nix-store=~/.nixc-tasks-missing: "
}

@test "a closure path the store does not have: every task fails with the lone task's line" {
  same_error_each_task 4 "srun TASKS --nix-store='~/nix' --nix-closure=/nix/store/00000000000000000000000000000000-nixc-none true"
}

@test "a missing profile, with and without --nix-closure: every task fails with the lone task's line" {
  same_error_each_task 4 "srun TASKS --nix-store='~/nix' --nix-profile='~/.nixc-tasks-no-profile' true"
  assert_output_contains "nix: --nix-profile: $NIXC_HOME/.nixc-tasks-no-profile: No such file or directory in the job's view"
  same_error_each_task 3 "srun TASKS --nix-store='~/nix' --nix-closure='$NIX_HELLO' --nix-profile='~/.nixc-tasks-no-profile' true"
}

@test "a hidden working directory: every task fails with the lone task's line" {
  same_error_each_task 4 "cd '$NIXC_HOME/nixc-tasks-hidden/sub' && srun TASKS --nix-store='~/nix' --nix-hide='$NIXC_HOME/nixc-tasks-hidden' true"
  assert_output_contains "nix: --nix-hide: the working directory $NIXC_HOME/nixc-tasks-hidden/sub is in the hidden"
}

@test "every task gets the view, the profile on PATH and the hidden paths; none with --nix-store=none" {
  local hidden=$NIXC_HOME/nixc-tasks-hidden
  run_as_user srun -N1 -n6 --overcommit --chdir=/tmp --nix-store='~/nix' --nix-profile='~/.nixc-tasks-profile' \
    --nix-hide="$hidden" sh -c 'echo "ns=$(readlink /proc/self/ns/mnt) path=${PATH%%:*} hidden=$(ls '"$hidden"' | wc -l)"; hello'
  assert_success
  [ "$(grep -c "path=$NIXC_HOME/.nixc-tasks-profile/bin hidden=0" <<<"$output")" -eq 6 ]
  [ "$(grep -c "$NIX_GREETING" <<<"$output")" -eq 6 ]
  [ "$(grep -o 'ns=[^ ]*' <<<"$output" | sort -u | wc -l)" -eq 1 ]
  assert_output_not_contains "nix: "
  run_as_user srun -N1 -n4 --overcommit --nix-store=none sh -c 'test -d /nix/store && echo has-nix || echo no-nix'
  assert_success
  [ "$(grep -c no-nix <<<"$output")" -eq 4 ]
}
