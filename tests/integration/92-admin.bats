#!/usr/bin/env bats
# For admins (issue 11, items 11, 12): one slurmd log line per view built,
# user mistakes logged with job and user, and spank-nix-admin to list and
# clean what the plugin holds on a node.

load helpers
load nix_helpers

# The build the plugin comes from (run-all: build-<release> in a release root).
ADMIN=$(dirname "$NIXC_PLUGIN")/../admin/spank-nix-admin

setup_file() {
  require_cluster
  need_fixtures
  [ -x "$ADMIN" ] || { echo "no $ADMIN: build first" >&2; return 1; }
}

teardown() {
  scancel -u "$NIXC_USER" 2>/dev/null || true
  local n
  for n in $(nodes); do on_node "$n" sh -c "rm -rf '$NIXC_STATE_DIR'/*/job.999999"; done
  assert_no_job_state 30
}

# view_lines JOB NODE: slurmd's "view built" lines for a job on a node
view_lines() { grep -a "nix: view built: job=$1 " "$(node_log "$2")" || true; }

@test "11. one slurmd log line per view built: job, user, node, kind, paths, ms" {
  run_batch -N1 --nix-store='~/nix' -- "srun true; srun true; srun --nix-closure=$NIX_HELLO true; srun --nix-closure=$NIX_HELLO true"
  assert_equal "$job_state" COMPLETED
  local n paths
  n=$(job_field "$job" BatchHost)
  paths=$(grep -c . "$NIX_CLOSURE_LIST")
  run view_lines "$job" "$n"
  assert_equal "$(grep -c . <<<"$output")" 2
  assert_output_contains "job=$job user=$NIXC_USER uid=$(id -u "$NIXC_USER") node=$n kind=store paths=all ms="
  assert_output_contains "job=$job user=$NIXC_USER uid=$(id -u "$NIXC_USER") node=$n kind=closure paths=$paths ms="
}

@test "11. a user's mistake on the node is logged at info level with the job and the user" {
  as_user sh -c 'rm -rf ~/.nixc-late && mkdir -p ~/.nixc-late/store'
  local id n
  id=$(submit -N1 --hold -o /dev/null --nix-store='~/.nixc-late' --wrap true)
  as_user rm -rf "$NIXC_HOME/.nixc-late"
  scontrol release "$id"
  wait_job "$id" 60 >/dev/null || true
  n=$(job_field "$id" BatchHost)
  run grep -a "nix: job $id user $NIXC_USER node $n: refused: --nix-store=~/.nixc-late: $NIXC_HOME/.nixc-late does not exist" "$(node_log "$n")"
  assert_success
  assert_output_not_contains "error: nix: job"
}

@test "12. spank-nix-admin list: job, user, age, state, view, pinned, kind, store" {
  local id n
  id=$(submit -N1 -o /dev/null --nix-store='~/nix' --nix-closure="$NIX_HELLO" --wrap 'sleep 60')
  # the state dir is the node's own (its /run): the tool runs there
  for _ in $(seq 100); do
    [ "$(job_state "$id")" = RUNNING ] && n=$(job_field "$id" BatchHost) &&
      [ -n "$(on_node "$n" find "$NIXC_STATE_DIR" -name '*.view' -path "*job.$id/*")" ] && break
    sleep 0.2
  done
  run on_node "$n" "$ADMIN" --plugstack "$NIXC_DIR/etc/plugstack.conf" list
  assert_success
  [[ "${lines[0]}" == "NODE "*"JOB "*"USER "*"AGE "*"STATE "*"VIEW "*"PINNED "*"KIND "*"STORE" ]]
  run grep -E "^$n +$id +$NIXC_USER +[0-9]+m[0-9]+s +running +[0-9a-f]{16} +yes +closure +$NIXC_HOME/nix\$" <<<"$output"
  assert_success
  # a running job is not cleaned without --force
  run on_node "$n" "$ADMIN" --state-dir "$NIXC_STATE_DIR" clean "$id"
  assert_failure
  assert_output_contains "job $id on node $n is running"
  on_node "$n" test -d "$NIXC_STATE_DIR/$n/job.$id"
  scancel "$id"
}

@test "12. spank-nix-admin clean: a stale job's state is removed" {
  local n; n=$(nodes | head -1)
  local d=$NIXC_STATE_DIR/$n/job.999999
  on_node "$n" sh -c "mkdir -p '$d' && chmod 700 '$d' &&
    echo 'uid=$(id -u "$NIXC_USER") boot=an-earlier-boot' >'$d/owner' && touch '$d/0123456789abcdef.mnt'"
  run on_node "$n" "$ADMIN" --state-dir "$NIXC_STATE_DIR" list
  assert_success
  run grep -E "^$n +999999 +$NIXC_USER +.* stale\(old-boot\) +0123456789abcdef +no " <<<"$output"
  assert_success
  run on_node "$n" "$ADMIN" --state-dir "$NIXC_STATE_DIR" clean 999999
  assert_success
  assert_output_contains "removed job 999999 on node $n (1 view)"
  run on_node "$n" test -e "$d"
  assert_failure
  run on_node "$n" "$ADMIN" --state-dir "$NIXC_STATE_DIR" clean 999999
  assert_failure
  assert_output_contains "no state for job 999999"
}

@test "12. README documents the admin command and the state_dir layout" {
  run grep -c -e 'spank-nix-admin list' -e 'spank-nix-admin clean' -e 'state_dir/<node>/job.<id>/' "$NIXC_REPO/README.md"
  [ "$output" -ge 3 ]
}
