#!/usr/bin/env bats
# cluster: NIXC_PROCTRACK=linuxproc
# The job's namespaces with ProctrackType=proctrack/linuxproc: built, shared by
# the steps, and nothing left behind (no helper process, no pin).

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
  grep -q '^ProctrackType=proctrack/linuxproc' "$NIXC_CONF" || {
    echo "this file needs NIXC_PROCTRACK=linuxproc" >&2
    return 1
  }
}

teardown() {
  assert_no_job_state
}

@test "linuxproc: hello from the store on both nodes" {
  run_as_user srun -N2 --nix-store='~/nix' "$NIX_HELLO_BIN"
  assert_success
  for n in $(nodes); do assert_output_contains "$NIX_GREETING on $n"; done
}

@test "linuxproc: the batch script and its steps share the namespaces" {
  run_batch -N1 --nix-store='~/nix' -- 'readlink /proc/self/ns/user /proc/self/ns/mnt; srun --overlap -n1 readlink /proc/self/ns/user /proc/self/ns/mnt'
  assert_equal "$job_state" COMPLETED
  assert_equal "$(grep -c . <<<"$output")" 4
  assert_equal "$(sort -u <<<"$output" | wc -l)" 2
}

@test "linuxproc: no process of the user is left after the jobs" {
  assert_no_job_state
  local i
  for i in $(seq 50); do pgrep -u "$NIXC_USER" >/dev/null || break; sleep 0.2; done
  run pgrep -u "$NIXC_USER" -a
  assert_failure
  assert_nodes_idle
}
