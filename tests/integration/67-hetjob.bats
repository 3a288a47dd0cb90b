#!/usr/bin/env bats
# cluster: NIXC_EXTRA_CONF=$'SchedulerType=sched/backfill\nSchedulerParameters=batch_sched_delay=0,bf_interval=1'
# issue 11, item 13: heterogeneous jobs (srun A : B, sbatch with "#SBATCH
# hetjob", salloc A : B). SPANK options belong to the srun/sbatch/salloc
# process, not to a component: the --nix-* options given anywhere on the
# command line apply to every component (Slurm sends the same options with
# each component's launch). A component's own srun inside the job can
# change them (--nix-store=none: no store). Each component is a job of its
# own to slurmstepd (its own job id) with its own nodes: its steps on a node
# share one namespace, and its epilog removes it. (Slurm schedules
# heterogeneous jobs only with sched/backfill, hence this file's cluster;
# a het allocation may wait a bf_interval: 1 s here, not the default 30.)

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
}

teardown() {
  scancel -u "$NIXC_USER" 2>/dev/null || true
  assert_no_job_state 30
}

@test "srun A : B: both components get the store given once" {
  run_as_user timeout 120 srun -N1 --nix-store='~/nix' sh -c 'echo "A $(ls /nix | tr "\n" " ")"' : -N1 sh -c 'echo "B $(ls /nix | tr "\n" " ")"'
  assert_success
  assert_output_contains "A store"
  assert_output_contains "B store"
}

@test "sbatch with #SBATCH hetjob: every component's steps get the store, a step can drop it, steps of a component share its namespace" {
  local script=$NIXC_SCRATCH/out/het-$$.sh out=$NIXC_SCRATCH/out/het-$$.out id
  cat >"$script" <<SCRIPT
#!/bin/bash
#SBATCH -N1 --nix-store=~/nix -o $out
#SBATCH hetjob
#SBATCH -N1
echo "batch \$(ls /nix | head -1)"
srun --het-group=0 sh -c 'echo "g0 \$(ls /nix | head -1)"'
srun --het-group=1 sh -c 'echo "g1 \$(ls /nix | head -1) \$(readlink /proc/self/ns/mnt)"'
srun --het-group=1 sh -c 'echo "g1again \$(readlink /proc/self/ns/mnt)"'
srun --het-group=1 --nix-store=none sh -c 'ls /nix/store >/dev/null 2>&1 && echo g1none-has-nix || echo g1none-no-nix'
SCRIPT
  chmod 0644 "$script"
  id=$(submit "$script")
  wait_job "$id" 120
  run cat "$out"
  assert_output_contains "batch store"
  assert_output_contains "g0 store"
  assert_output_contains "g1 store"
  assert_output_contains "g1none-no-nix"
  local ns1 ns2
  ns1=$(awk '$1 == "g1" { print $3 }' <<<"$output")
  ns2=$(awk '$1 == "g1again" { print $2 }' <<<"$output")
  [ -n "$ns1" ] && [ "$ns1" = "$ns2" ]
  rm -f "$script" "$out"
}

@test "salloc A : B: the steps of both components get the store" {
  run_as_user timeout 120 salloc -N1 --nix-store='~/nix' : -N1 bash -c \
    'srun --het-group=0 sh -c "echo g0 \$(ls /nix | head -1)"; srun --het-group=1 sh -c "echo g1 \$(ls /nix | head -1)"'
  assert_success
  assert_output_contains "g0 store"
  assert_output_contains "g1 store"
}

@test "the README says what heterogeneous jobs get" {
  grep -q 'heterogeneous job' "$NIXC_REPO/README.md"
  grep -q 'het-group=1 --nix-store=none' "$NIXC_REPO/README.md"
}
