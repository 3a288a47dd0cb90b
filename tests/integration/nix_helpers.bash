# Helpers for the tests of the plugin's behaviour (load after helpers).

# need_fixtures: fail (never skip) when the fixture stores are missing.
need_fixtures() {
  [ -r "$NIXC_FIXTURE_A" ] && [ -r "$NIXC_FIXTURE_B" ] || {
    echo "fixture stores missing ($NIXC_FIXTURE_A, $NIXC_FIXTURE_B): run tests/run-all" >&2
    return 1
  }
}

# job_state_left: what the plugin still holds on any node: job directories
# in its state dir (whatever node name they are under) and mounts below it.
job_state_left() {
  local n
  for n in $(nodes); do
    on_node "$n" find "$NIXC_STATE_DIR" -mindepth 2 -maxdepth 2 -name 'job.*' 2>/dev/null | sed "s|^|$n:|"
    on_node "$n" findmnt -rno TARGET | grep -F "$NIXC_STATE_DIR/" | sed "s|^|$n:|" || true
  done
}

# assert_no_job_state [TIMEOUT=15]: once the jobs have ended (the epilog runs
# after the job completes), nothing of theirs is left.
assert_no_job_state() {
  local timeout=${1:-15} deadline left
  deadline=$(($(date +%s) + timeout))
  while :; do
    [ -z "$(squeue -h -o %i 2>/dev/null)" ] && left=$(job_state_left) && [ -z "$left" ] && return 0
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "left after the jobs (${timeout}s): $(squeue -h 2>/dev/null) $left" >&2
      return 1
    fi
    sleep 0.2
  done
}

# job_count: how many jobs slurmctld knows (finished ones stay MinJobAge).
job_count() { scontrol show jobs -o 2>/dev/null | grep -c '^JobId=' || true; }

# assert_refused_before_queueing CMD...: as the user, CMD fails with one
# "nix: " line, no job is created, and the nodes stay idle.
assert_refused_before_queueing() {
  local before
  before=$(job_count)
  run_as_user "$@"
  assert_failure
  local nixlines
  nixlines=$(grep -c 'nix: ' <<<"$output" || true)
  assert_equal "$nixlines" 1
  assert_equal "$(job_count)" "$before"
  assert_nodes_idle
}

# need_conf REGEX FILE WHAT: fail setup_file unless the running cluster's
# FILE (slurm.conf, plugstack.conf) matches REGEX: this test file needs WHAT.
need_conf() {
  grep -q "$1" "$2" || {
    echo "this file needs a cluster with $3 ($2 has no '$1')" >&2
    return 1
  }
}

# Checks several cluster configurations share:
check_hello_on_every_node() {
  run_as_user srun -N"$NIXC_NODES" --nix-store='~/nix' "$NIX_HELLO_BIN"
  assert_success
  local n
  for n in $(nodes); do assert_output_contains "$NIX_GREETING on $n"; done
}

check_batch_and_step_share_namespaces() {
  run_batch -N1 --nix-store='~/nix' -- 'readlink /proc/self/ns/user /proc/self/ns/mnt; srun --overlap -n1 readlink /proc/self/ns/user /proc/self/ns/mnt'
  assert_equal "$job_state" COMPLETED
  assert_equal "$(grep -c . <<<"$output")" 4
  assert_equal "$(sort -u <<<"$output" | wc -l)" 2
}

# check_steps_of_one_job TASKS LAST: as the user, one allocation of TASKS
# tasks on one node runs three srun --nix-store=~/nix steps whose tasks
# print their namespaces, then the srun command line LAST (which prints
# the greeting once per task). Every task of the three saw the same user
# and mount namespace, LAST greeted from each task, and no nix: line came.
# Sets $job to the job's id.
check_steps_of_one_job() {
  local n=$1
  run_as_user timeout 90 salloc -N1 -n"$n" --overcommit bash -c '
    echo "job $SLURM_JOB_ID"
    for s in 0 1 2; do
      srun -n'"$n"' --nix-store=~/nix sh -c "echo ns \$(readlink /proc/self/ns/user) \$(readlink /proc/self/ns/mnt)"
    done
    '"$2"
  assert_success
  job=$(sed -n 's/^job //p' <<<"$output")
  assert_equal "$(grep -c '^ns ' <<<"$output")" $((3 * n))
  assert_equal "$(grep '^ns ' <<<"$output" | sort -u | wc -l)" 1
  assert_equal "$(grep -c "$NIX_GREETING" <<<"$output")" "$n"
  assert_output_not_contains "nix: "
}

# job_slurmd_log JOB: the nodes' slurmd log lines of JOB's steps.
job_slurmd_log() { cat "$NIXC_DIR"/log/slurmd-*.log | grep -a "\[$1\." || true; }

check_nothing_left() {
  assert_no_job_state
  local i
  for i in $(seq 50); do pgrep -u "$NIXC_USER" >/dev/null || break; sleep 0.2; done
  run pgrep -u "$NIXC_USER" -a
  assert_failure
  assert_nodes_idle
}
