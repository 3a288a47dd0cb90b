#!/usr/bin/env bats
# This machine, where srun and sbatch run, is known to the cluster by name,
# as a site's login node is: munged signs with its address and slurmctld
# answers srun without asking DNS. In a release root whose /etc/hosts did not
# name this machine, Slurm 24.11's slurmctld spent ~10 s in DNS retries per
# job with its lock held, and two-node steps lost their completion message.

load helpers

setup_file() {
  require_cluster
}

@test "this machine's name resolves from /etc/hosts" {
  run getent -s files hosts "$(hostname)"
  assert_success
}

@test "munged signs with this machine's address, not the null one" {
  # munged --foreground logs to stderr (munged.out), else to its log file.
  local logs
  logs=$(cat "$NIXC_DIR/log/munged.out" "$NIXC_DIR/munge/munged.log" 2>/dev/null || true)
  assert_equal "$(grep -c "Set origin address to" <<<"$logs")" 1
  run grep -E "origin address to 0\.0\.0\.0|Failed to lookup origin" <<<"$logs"
  assert_failure
}

@test "slurmctld finds srun's host: no lookup of 0.0.0.0 or of this machine's name fails" {
  run_as_user srun -N"$NIXC_NODES" true
  assert_success
  local logs
  logs=$(cat "$NIXC_DIR/log/slurmctld.log" "$NIXC_DIR/log/slurmctld.out" 2>/dev/null || true)
  # The log holds the allocations (else the grep below proves nothing).
  [ "$(grep -c "_slurm_rpc_allocate_resources JobId=" <<<"$logs")" -gt 0 ]
  run grep -E "Lookup failed for 0\.0\.0\.0|Unable to resolve \"$(hostname)\"" <<<"$logs"
  assert_failure
}
