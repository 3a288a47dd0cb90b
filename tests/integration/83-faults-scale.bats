#!/usr/bin/env bats
# cluster: NIXC_PLUGIN_ARGS="create_timeout=8 check_on_submit=no"
# Issue 10, faults and scale: a helper killed half-way, a job cancelled and
# a slurmstepd killed while the view is built (the helper held at work by a
# store that stops answering, hang_helpers.bash), many tasks and many
# concurrent steps. After each: the node is idle, nothing is left, the next
# job works.

load helpers
load nix_helpers
load hang_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'create_timeout=8' "$NIXC_DIR/etc/plugstack.conf" 'NIXC_PLUGIN_ARGS="create_timeout=8 ..."'
  build_snoop
  start_hanging_store
}

teardown_file() {
  stop_hanging_store
}

teardown() {
  assert_no_job_state
}

first_node() { nodes | head -1; }

next_job_works() {
  assert_nodes_idle
  run_as_user srun -w "$(first_node)" --nix-store='~/nix' "$NIX_HELLO_BIN"
  assert_success
}

# parent PID: its parent's pid
parent() { awk '/^PPid:/ {print $2}' "/proc/$1/status"; }

@test "a helper killed half-way fails its task with a nix: line; the next job works" {
  as_user srun -w "$(first_node)" --nix-store="$HANG_STORE" true >"$BATS_TEST_TMPDIR/out" 2>&1 &
  local srun=$! helper
  helper=$(wait_for_helper)
  kill -KILL "$helper"
  local rc=0
  wait "$srun" || rc=$?
  [ "$rc" -ne 0 ] || { echo "srun succeeded though its helper was killed" >&2; return 1; }
  run cat "$BATS_TEST_TMPDIR/out"
  echo "$output"
  assert_output_contains "nix: "
  assert_output_contains "helper died"
  next_job_works
}

@test "scancel while the view is being built: the job ends, nothing is left" {
  local job helper state
  job=$(submit -w "$(first_node)" -o /dev/null --wrap "srun --nix-store=$HANG_STORE true")
  helper=$(wait_for_helper)
  as_user scancel "$job"
  state=$(wait_job "$job" 30)
  echo "job $job: $state"
  [ "$state" = CANCELLED ]
  local deadline=$(($(date +%s) + 15))
  while kill -0 "$helper" 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "helper $helper outlived its job" >&2; return 1; }
    sleep 0.2
  done
  next_job_works
}

@test "slurmstepd killed while the view is being built: the next job works" {
  local helper task stepd
  as_user srun -w "$(first_node)" --nix-store="$HANG_STORE" true >/dev/null 2>&1 &
  local srun=$!
  helper=$(wait_for_helper)
  task=$(parent "$helper")
  stepd=$(parent "$task")
  [ "$(cat "/proc/$stepd/comm")" = slurmstepd ]
  kill -KILL "$stepd"
  # Slurm does not notice a killed slurmstepd before the job ends: end it.
  as_user scancel "$(squeue -h -u "$NIXC_USER" -o %i | head -1)"
  wait "$srun" || true
  local deadline=$(($(date +%s) + 20))
  while kill -0 "$helper" 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "helper $helper outlived its slurmstepd" >&2; return 1; }
    sleep 0.2
  done
  next_job_works
}

@test "64 tasks on one node share one user namespace" {
  run_as_user srun -N1 -n64 --overcommit --nix-store='~/nix' sh -c 'readlink /proc/self/ns/user; test -d /nix/store'
  assert_success
  [ "$(grep -c 'user:' <<<"$output")" -eq 64 ]
  [ "$(grep 'user:' <<<"$output" | sort -u | wc -l)" -eq 1 ]
}

@test "50 concurrent steps of one job on a node: one namespace, no failure" {
  local n d=$NIXC_SCRATCH/steps
  n=$(first_node)
  BATCH_TIMEOUT=120 run_batch -w "$n" -n1 --nix-store='~/nix' -- "
    mkdir -p $d
    for i in \$(seq 50); do
      srun --overlap -n1 sh -c 'readlink /proc/self/ns/user; test -d /nix/store || echo NOSTORE' >$d/\$i 2>&1 &
    done
    wait
    cat $d/*; rm -rf $d"
  echo "$output" | sort | uniq -c
  [ "$(grep -c 'user:' <<<"$output")" -eq 50 ]
  [ "$(grep 'user:' <<<"$output" | sort -u | wc -l)" -eq 1 ]
  run grep -c NOSTORE <<<"$output"
  assert_equal "$output" 0
}
