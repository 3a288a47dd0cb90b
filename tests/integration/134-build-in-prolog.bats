#!/usr/bin/env bats
# cluster: NIXC_PROLOG_FLAGS=Alloc NIXC_PLUGIN_ARGS="build_in_prolog=yes" NIXC_NO_USERNS_NODES=2
# Issue 16, first steps: with build_in_prolog=yes and PrologFlags=Alloc, the
# view a job declares at salloc or sbatch is built by slurmd's job prolog on
# every node at allocation, and the job's first step finds it pinned, as a
# later step does. What the prolog leaves (an option given to srun alone, a
# writable store, any error) is the first step's, as without it; a failed
# build never fails the prolog, which would drain the node. The second node
# refuses user namespaces (as in 43-userns-auto.bats): its prolog builds the
# view without one and says so once in slurmd's log, as a step would.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'build_in_prolog=yes' "$NIXC_DIR/etc/plugstack.conf" "NIXC_PLUGIN_ARGS=build_in_prolog=yes"
}

teardown() {
  assert_no_job_state 30
}

# prolog_built JOB NODE: slurmd's line for a view the prolog built.
prolog_built() { grep -a "nix: view built: job=$1 .* in=prolog" "$(node_log "$2")" || true; }

# found_steps JOB: the steps of JOB whose view slurmstepd found pinned
# before the fork, in order, on any node.
found_steps() {
  job_slurmd_log "$1" |
    sed -n "s/.*nix: step $1\.\([0-9]*\): the view, pinned, found before the tasks were forked.*/\1/p" |
    sort -n | tr '\n' ' '
}

@test "a closure given to salloc is built at allocation on every node; the first step finds it pinned" {
  run_as_user timeout 90 salloc -N2 --nix-store=~/nix --nix-closure="$NIX_HELLO" bash -c '
    echo "job $SLURM_JOB_ID"
    srun -N2 '"$NIX_HELLO_BIN"'
    srun -N2 sh -c "ls /nix/store | wc -l"'
  assert_success
  job=$(sed -n 's/^job //p' <<<"$output")
  assert_equal "$(grep -c "$NIX_GREETING" <<<"$output")" 2
  for n in $(nodes); do
    [ -n "$(prolog_built "$job" "$n")" ] || { echo "no prolog build on $n"; job_slurmd_log "$job"; return 1; }
  done
  # both steps, on both nodes, found it: none built it
  assert_equal "$(found_steps "$job")" "0 0 1 1 "
  run job_slurmd_log "$job"
  assert_output_not_contains "nix: view built:"
  # userns=auto's fallback, logged by the prolog that met it
  local fallback="the kernel refuses user namespaces (Operation not permitted): views are built as root (userns=never)"
  local first second
  first=$(nodes | sed -n 1p) second=$(nodes | sed -n 2p)
  assert_equal "$(grep -c "nix: node $second: $fallback" "$(node_log "$second")")" 1
  assert_equal "$(grep -c "$fallback" "$(node_log "$first")")" 0
  assert_nodes_idle
}

@test "options given to srun alone are the first step's to build" {
  run_as_user timeout 90 salloc -N1 bash -c '
    echo "job $SLURM_JOB_ID"
    srun --nix-store=~/nix --nix-closure='"$NIX_HELLO"' '"$NIX_HELLO_BIN"''
  assert_success
  job=$(sed -n 's/^job //p' <<<"$output")
  assert_output_contains "$NIX_GREETING"
  assert_equal "$(cat "$NIXC_DIR"/log/slurmd-*.log | grep -ac "nix: view built: job=$job .* in=prolog")" 0
  assert_equal "$(job_slurmd_log "$job" | grep -c "nix: view built: job=$job ")" 1
}

@test "a writable store is left to the first step, which builds it" {
  run_as_user timeout 90 salloc -N1 --nix-store=~/nix --nix-writable bash -c '
    echo "job $SLURM_JOB_ID"
    srun '"$NIX_HELLO_BIN"''
  assert_success
  job=$(sed -n 's/^job //p' <<<"$output")
  assert_output_contains "$NIX_GREETING"
  run grep -a "nix: job $job node .*: the view is left to the first step: --nix-writable" "$NIXC_DIR"/log/slurmd-*.log
  assert_success
  assert_equal "$(job_slurmd_log "$job" | grep -c "nix: view built: job=$job .*kind=writable")" 1
}

@test "a prolog build that fails leaves the job to its first step, which says why; the node stays up" {
  local list=$NIXC_SCRATCH/prolog-closure.list
  as_user sh -c "printf '%s\n' '$NIX_HELLO' > '$list'"
  # held, so that the list goes away after sbatch's check and before the prolog
  job=$(submit -H -N1 --nix-store=~/nix --nix-closure="$list" -o "$NIXC_SCRATCH/out/%j.out" --wrap "$NIX_HELLO_BIN")
  as_user rm -f "$list"
  scontrol release "$job"
  job_state=$(wait_job "$job" 60) || true
  output=$(cat "$NIXC_SCRATCH/out/$job.out" 2>/dev/null || true)
  assert_equal "$job_state" FAILED
  assert_output_contains "nix: --nix-closure=$list: "
  run grep -a "nix: job $job node .*: the view is left to the first step: --nix-closure=$list: " "$NIXC_DIR"/log/slurmd-*.log
  assert_success
  assert_nodes_idle
}
