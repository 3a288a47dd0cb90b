#!/usr/bin/env bats
# cluster: NIXC_PLUGIN_ARGS="create_timeout=4 check_on_submit=no"
# Issue 10, items 1, 3 and 5: the job's user against the namespace helper
# (a fork of a root task, holding a copy of slurmstepd's memory) and against
# root's time. Attack programs: tests/attacks/. The helper is held at work
# by a store that stops answering (hang_helpers.bash), so every attack meets
# it; check_on_submit=no lets srun queue the job without looking at it.

load helpers
load nix_helpers
load hang_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'create_timeout=4' "$NIXC_DIR/etc/plugstack.conf" 'NIXC_PLUGIN_ARGS="create_timeout=4 ..."'
  build_snoop
  cc -Wall -Werror -o "$ATTACKS/drop-groups" "$NIXC_REPO/tests/attacks/drop-groups.c"
  start_hanging_store
}

teardown_file() {
  stop_hanging_store
}

teardown() {
  assert_no_job_state
}

first_node() { nodes | head -1; }

@test "the user can neither read the helper's memory nor ptrace it" {
  # The snooper, as the user on the same machine, tries every helper it sees
  # while one is held at work by the hanging store.
  as_user "$SNOOP" 3 >"$BATS_TEST_TMPDIR/snoop" &
  local snoop=$!
  run_as_user srun -w "$(first_node)" --nix-store="$HANG_STORE" true
  wait "$snoop"
  cat "$BATS_TEST_TMPDIR/snoop"
  local seen reached
  read -r _ seen _ reached <"$BATS_TEST_TMPDIR/snoop"
  [ "$seen" -gt 0 ] || { echo "the snooper never saw a helper: the test proves nothing" >&2; return 1; }
  [ "$reached" -eq 0 ] || { echo "the user reached $reached of $seen helpers" >&2; return 1; }
}

@test "a helper stuck in the store's file system fails its task within create_timeout" {
  local t0 took
  t0=$(date +%s%N)
  run_as_user srun -w "$(first_node)" --nix-store="$HANG_STORE" true
  took=$((($(date +%s%N) - t0) / 1000000))
  echo "$output (took ${took} ms)"
  assert_failure
  assert_output_contains "nix: "
  assert_output_contains "time limit"
  # create_timeout=4 bounds the whole task (+ srun, + the reaping grace)
  [ "$took" -ge 3500 ] && [ "$took" -lt 9000 ] || { echo "the task was held ${took} ms" >&2; return 1; }
  assert_nodes_idle
  run_as_user srun -w "$(first_node)" --nix-store='~/nix' "$NIX_HELLO_BIN"
  assert_success
}

@test "setgroups is denied in the job's user namespace: no dropping a group" {
  # A task of the job; then the user, from outside the job, joins its user
  # namespace and tries to drop their groups there.
  as_user_sh "srun -N1 --nix-store='~/nix' sh -c 'cat /proc/self/setgroups; echo pid=\$\$; sleep 30'" \
    >"$BATS_TEST_TMPDIR/task" 2>&1 &
  local job=$! pid="" i
  for i in $(seq 200); do
    pid=$(sed -n 's/^pid=//p' "$BATS_TEST_TMPDIR/task")
    [ -n "$pid" ] && break
    sleep 0.1
  done
  [ -n "$pid" ] || { cat "$BATS_TEST_TMPDIR/task" >&2; return 1; }
  run_as_user "$ATTACKS/drop-groups" "$pid"
  scancel -u "$NIXC_USER"
  wait "$job" || true
  echo "$output"
  grep -q '^deny$' "$BATS_TEST_TMPDIR/task"
  assert_success
  assert_output_contains "setgroups: Operation not permitted"
}
