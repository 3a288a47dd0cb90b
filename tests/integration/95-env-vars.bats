#!/usr/bin/env bats
# issue 13, item 3: SLURM_NIX_STORE, SLURM_NIX_CLOSURE, SLURM_NIX_HIDE,
# SLURM_NIX_PROFILE and SLURM_NIX_WRITABLE set the options for srun, sbatch
# and salloc; an option on the command line or in #SBATCH wins, and so does
# one the job passed down.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
}

teardown() {
  assert_no_job_state
}

@test "--help names the variables" {
  run_as_user srun --help
  assert_success
  for v in STORE WRITABLE CLOSURE PROFILE HIDE; do assert_output_contains "SLURM_NIX_$v"; done
}

@test "SLURM_NIX_STORE gives srun the store" {
  run_as_user env SLURM_NIX_STORE='~/nix' srun -N1 "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING on"
}

@test "an srun option wins over SLURM_NIX_STORE" {
  run_as_user env SLURM_NIX_STORE='~/nix-b' srun -N1 --nix-store='~/nix' "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING on"
}

@test "SLURM_NIX_HIDE, SLURM_NIX_PROFILE and SLURM_NIX_CLOSURE" {
  run_as_user env SLURM_NIX_STORE='~/nix' SLURM_NIX_HIDE=/opt SLURM_NIX_PROFILE="$NIX_HELLO" \
    SLURM_NIX_CLOSURE="$NIX_HELLO" srun -N1 sh -c \
    'echo opt=$(ls -A /opt | wc -l) paths=$(ls /nix/store | wc -l); command -v hello'
  assert_success
  assert_output_contains "opt=0 paths=3"
  assert_output_contains "$NIX_HELLO/bin/hello"
}

@test "a batch script sets SLURM_NIX_STORE before its srun" {
  run_batch -N1 -- 'test -e /nix/store && echo batch-has-nix || echo batch-no-nix
export SLURM_NIX_STORE=~/nix
srun '"$NIX_HELLO_BIN"
  assert_equal "$job_state" COMPLETED
  assert_output_contains "batch-no-nix"
  assert_output_contains "$NIX_GREETING on"
}

@test "SLURM_NIX_STORE at submission reaches the batch step and its sruns" {
  run_as_user env SLURM_NIX_STORE='~/nix' sbatch --parsable -N1 -o "$NIXC_SCRATCH/out/%j.out" \
    --wrap "$NIX_HELLO_BIN; srun $NIX_HELLO_BIN"
  assert_success
  job=${output%%;*}
  assert_equal "$(wait_job "$job")" COMPLETED
  run cat "$NIXC_SCRATCH/out/$job.out"
  assert_equal "$(grep -c "$NIX_GREETING on" <<<"$output")" 2
}

@test "#SBATCH --nix-store wins over SLURM_NIX_STORE" {
  local script=$NIXC_SCRATCH/env-vars-sbatch.sh hello_b
  hello_b=$(fixture_var b NIX_HELLO_BIN)
  printf '#!/bin/bash\n#SBATCH --nix-store=~/nix-b\nsrun %s\n' "$hello_b" >"$script"
  chmod 755 "$script"
  run_as_user env SLURM_NIX_STORE='~/nix' sbatch --parsable -N1 -o "$NIXC_SCRATCH/out/%j.out" "$script"
  assert_success
  job=${output%%;*}
  assert_equal "$(wait_job "$job")" COMPLETED
  run cat "$NIXC_SCRATCH/out/$job.out"
  assert_output_contains "$(fixture_var b NIX_GREETING) on"
}

@test "the job's option wins over a variable its script sets; srun's own option wins over both" {
  local hello_b
  hello_b=$(fixture_var b NIX_HELLO_BIN)
  run_batch -N1 --nix-store='~/nix' -- "export SLURM_NIX_STORE=~/nix-b
srun $NIX_HELLO_BIN
srun --nix-store='~/nix-b' $hello_b"
  assert_equal "$job_state" COMPLETED
  assert_output_contains "$NIX_GREETING on"
  assert_output_contains "$(fixture_var b NIX_GREETING) on"
}

@test "salloc with SLURM_NIX_STORE: its steps get the store" {
  run_as_user env SLURM_NIX_STORE='~/nix' timeout 60 salloc -N1 srun "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING on"
}

@test "SLURM_NIX_WRITABLE=1 makes the store writable, 0 does not" {
  run_as_user env SLURM_NIX_STORE='~/nix' SLURM_NIX_WRITABLE=1 srun -N1 sh -c \
    'findmnt -no OPTIONS /nix | tr , "\n" | grep -x rw'
  assert_success
  assert_output_contains "rw"
  run_as_user env SLURM_NIX_STORE='~/nix' SLURM_NIX_WRITABLE=0 srun -N1 sh -c \
    'findmnt -no OPTIONS /nix | tr , "\n" | grep -x ro'
  assert_success
  assert_output_contains "ro"
}

@test "a bad value is refused before queueing, naming the variable" {
  assert_refused_before_queueing env SLURM_NIX_STORE=/nonexistent/nix srun -N1 true
  assert_output_contains "nix: --nix-store=/nonexistent/nix"
  assert_output_contains "(from SLURM_NIX_STORE)"
  assert_refused_before_queueing env SLURM_NIX_STORE='~/nix' SLURM_NIX_WRITABLE=maybe sbatch -N1 --wrap true
  assert_output_contains "nix: SLURM_NIX_WRITABLE=maybe: not one of"
  assert_refused_before_queueing env SLURM_NIX_STORE='~/nix' SLURM_NIX_CLOSURE=/nix/store/nonexistent-x salloc -N1 true
  assert_output_contains "(from SLURM_NIX_CLOSURE)"
}

@test "sbatch --export=NONE with SLURM_NIX_STORE: the batch step gets the store" {
  run_as_user env SLURM_NIX_STORE='~/nix' sbatch --export=NONE --parsable -N1 \
    -o "$NIXC_SCRATCH/out/%j.out" --wrap "$NIX_HELLO_BIN"
  assert_success
  job=${output%%;*}
  assert_equal "$(wait_job "$job")" COMPLETED
  run cat "$NIXC_SCRATCH/out/$job.out"
  assert_output_contains "$NIX_GREETING on"
}

@test "an error in a command-line value overriding a variable does not blame the variable" {
  assert_refused_before_queueing env SLURM_NIX_STORE='~/nix' srun -N1 --nix-store=/nonexistent/nix true
  assert_output_contains "nix: --nix-store=/nonexistent/nix"
  assert_output_not_contains "SLURM_NIX_STORE"
}
