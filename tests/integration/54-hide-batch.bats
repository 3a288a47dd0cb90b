#!/usr/bin/env bats
# cluster: NIXC_PLUGIN_ARGS="default_store=%h/nix hide=/usr,/opt"
# Bug 2 of issue 9: --nix-hide (or the site's hide=) never breaks batch
# scripts: the batch step keeps the host's directories, and hiding applies
# to the srun steps it launches.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'hide=/usr,/opt' "$NIXC_DIR/etc/plugstack.conf" "NIXC_PLUGIN_ARGS=\"default_store=%h/nix hide=/usr,/opt\""
}

teardown() {
  assert_no_job_state
}

@test "site hide=/usr,/opt: sbatch --wrap hostname works for a user who has ~/nix" {
  run_batch -N1 -- hostname
  assert_equal "$job_state" COMPLETED
  assert_equal "$job_exit" 0:0
  assert_output_contains "$NIXC_NAME"
}

@test "a #!/bin/bash script with #SBATCH --nix-hide runs, and its srun steps are hidden" {
  local script=$NIXC_SCRATCH/hide-job.sh
  cat >"$script" <<SCRIPT
#!/bin/bash
#SBATCH --nix-store=~/nix
#SBATCH --nix-hide=/usr,/opt
echo "batch usr=\$(ls /usr | wc -l)"
srun -n1 $NIX_BUSYBOX/bin/sh -c 'echo "step usr=[\$(ls -A /usr)]"'
srun -n1 $NIX_HELLO_BIN
SCRIPT
  chmod 755 "$script"
  job=$(submit -N1 -o "$NIXC_SCRATCH/out/%j.out" "$script")
  assert_equal "$(wait_job "$job" 60)" COMPLETED
  output=$(cat "$NIXC_SCRATCH/out/$job.out")
  assert_output_not_contains "bad interpreter"
  assert_output_not_contains "batch usr=0"
  assert_output_contains "step usr=[]"
  assert_output_contains "$NIX_GREETING"
}

@test "the batch script has the store, in the job's one user namespace" {
  run_batch -N1 -- "test -d $NIX_HELLO && echo batch-has-store; echo \"ns \$(readlink /proc/self/ns/user)\"; srun -n1 $NIX_BUSYBOX/bin/sh -c 'echo \"ns \$(readlink /proc/self/ns/user)\"'"
  assert_equal "$job_state" COMPLETED
  assert_output_contains batch-has-store
  assert_equal "$(grep '^ns ' <<<"$output" | sort -u | wc -l)" 1
}
