#!/usr/bin/env bats
# A hostile job environment (issue 10, items 2 and 7). Root, in the task's
# privileged callback, must not open what the job's SLURM_CONF names (srun
# passes the user's own value to the node), and a user's path with a newline
# must not forge a line in slurmd's log.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
}

teardown() {
  # a root task stuck on the FIFO (the bug) is let go, so the next test runs
  [ -p "$NIXC_SCRATCH/fifo" ] && timeout 2 sh -c ": > '$NIXC_SCRATCH/fifo'" 2>/dev/null || true
  scancel -u "$NIXC_USER" 2>/dev/null || true
  assert_no_job_state
}

# A copy of the cluster's slurm.conf that srun accepts, saying /opt is Slurm's.
fake_conf() {
  as_user_sh "cp '$NIXC_CONF' '$NIXC_SCRATCH/fake.conf' && echo SlurmdSpoolDir=/opt >>'$NIXC_SCRATCH/fake.conf'"
}

@test "a job's SLURM_CONF saying SlurmdSpoolDir=/opt does not un-hide /opt" {
  [ -n "$(ls -A /opt)" ] # something to hide
  fake_conf
  run_as_user bash -c "SLURM_CONF='$NIXC_SCRATCH/fake.conf' srun -N1 --nix-store='~/nix' --nix-hide=/opt sh -c 'echo opt=[\$(ls -A /opt)]'"
  assert_success
  assert_output_contains "opt=[]"
}

@test "a job's SLURM_CONF turned into a FIFO after srun read it neither hangs root nor un-hides /opt" {
  local id="" i bg
  fake_conf
  as_user_sh "cd '$NIXC_SCRATCH' && rm -f fifo link fifo.out && mkfifo fifo && ln -s fake.conf link"
  # srun reads the conf through the link, its job is held in the queue...
  as_user_sh "SLURM_CONF='$NIXC_SCRATCH/link' timeout 40 srun -H -N1 --nix-store='~/nix' --nix-hide=/opt sh -c 'echo opt=[\$(ls -A /opt)]' >'$NIXC_SCRATCH/fifo.out' 2>&1; echo rc=\$? >>'$NIXC_SCRATCH/fifo.out'" &
  bg=$!
  for i in $(seq 100); do
    id=$(squeue -h -u "$NIXC_USER" -t PD -o %i | head -1)
    [ -n "$id" ] && break
    sleep 0.1
  done
  [ -n "$id" ]
  # ...the link now names a FIFO nobody writes to, and the job starts
  as_user ln -sfn fifo "$NIXC_SCRATCH/link"
  scontrol release "$id"
  wait "$bg" # not a bare wait: bats runs its own timer in the background
  output=$(cat "$NIXC_SCRATCH/fifo.out")
  assert_output_contains "opt=[]"
  assert_output_contains "rc=0"
  assert_nodes_idle
}

@test "a store path with a newline cannot forge a line in slurmd's log" {
  local dir id node forged='[2026-01-01T00:00:00.000] error: FAKE spank-nix-sec2'
  dir="$NIXC_SCRATCH/evil"$'\n'"$forged"
  as_user mkdir -p "$dir/store"
  as_user chmod 755 "$dir" "$dir/store"
  # checked when queued; gone when the node opens it: the node says why
  id=$(submit -H -N1 -o "$NIXC_SCRATCH/out/%j.out" --nix-store="$dir" --wrap true)
  as_user rm -rf "$dir"
  scontrol release "$id"
  wait_job "$id" 60 >/dev/null
  node=$(job_field "$id" NodeList)
  run cat "$(node_log "$node")"
  # the message is there, escaped onto one line...
  assert_output_contains "evil\\n[2026-01-01T00:00:00.000] error: FAKE spank-nix-sec2"
  # ...and no line of the log starts with the forged text
  run grep -c "^\[2026-01-01T00:00:00.000\] error: FAKE spank-nix-sec2" "$(node_log "$node")"
  assert_equal "$output" 0
  output=$(cat "$NIXC_SCRATCH/out/$id.out")
  assert_output_contains "nix: --nix-store="
  assert_equal "$(grep -c 'FAKE' <<<"$output")" 1
  assert_nodes_idle
}

@test "a --nix-profile value with a newline cannot forge a line in slurmd's log" {
  local forged='[2026-01-01T00:00:00.000] error: FAKE profile spank-nix-sec2' n
  run_as_user srun -N1 --nix-store='~/nix' --nix-profile="rel"$'\n'"$forged" true
  assert_failure
  assert_output_contains "nix: --nix-profile=rel\\n$forged"
  for n in $(nodes); do
    run grep -c "^\[2026-01-01T00:00:00.000\] error: FAKE profile" "$(node_log "$n")"
    assert_equal "$output" 0
  done
  assert_nodes_idle
}
