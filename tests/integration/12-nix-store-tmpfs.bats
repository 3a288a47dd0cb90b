#!/usr/bin/env bats
# cluster: NIXC_JOB_CONTAINER=tmpfs
# With job_container/tmpfs each job has a private /tmp and /dev/shm; tasks
# must keep seeing them inside the Nix view, and the view's pins live and die
# with the job's namespace.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf '^\(JobContainerType=job_container\|NamespaceType=namespace\)/tmpfs' "$NIXC_CONF" NIXC_JOB_CONTAINER=tmpfs
}

teardown() {
  assert_no_job_state
}

@test "hello runs from the store under job_container/tmpfs" {
  check_hello_on_every_node
}

@test "tasks in the view see the job's private /tmp and /dev/shm, shared with the batch script" {
  local body
  body=$(cat <<'SCRIPT'
echo from-batch > /tmp/nixc-private-$SLURM_JOB_ID
echo shm-from-batch > /dev/shm/nixc-shm-$SLURM_JOB_ID
srun --overlap -N1 -n1 --nix-store=none sh -c 'cat /tmp/nixc-private-$SLURM_JOB_ID'
srun --overlap -N1 -n1 --nix-store=~/nix-b sh -c 'cat /tmp/nixc-private-$SLURM_JOB_ID /dev/shm/nixc-shm-$SLURM_JOB_ID; echo from-step > /tmp/nixc-step-$SLURM_JOB_ID'
cat /tmp/nixc-step-$SLURM_JOB_ID
test -x /nix/store && echo batch-has-store
SCRIPT
)
  run_batch -N1 --nix-store='~/nix' -- "$body"
  assert_equal "$job_state" COMPLETED
  assert_equal "$(grep -c '^from-batch$' <<<"$output")" 2
  assert_output_contains "shm-from-batch"
  assert_output_contains "from-step"
  assert_output_contains "batch-has-store"
  # private: not on the host's /tmp
  run ls /tmp/nixc-private-"$job" /tmp/nixc-step-"$job"
  assert_failure
}

@test "steps of a job share one namespace per node under job_container/tmpfs" {
  run_as_user timeout 60 salloc -N2 bash -c \
    'for s in 1 2; do srun -N2 -n2 --nix-store=~/nix bash -c "echo ns \$(hostname) \$(readlink /proc/self/ns/user) \$(readlink /proc/self/ns/mnt)"; done'
  assert_success
  for n in $(nodes); do
    assert_equal "$(grep "^ns $n " <<<"$output" | wc -l)" 2
    assert_equal "$(grep "^ns $n " <<<"$output" | sort -u | wc -l)" 1
  done
  assert_ns_not_shared_by_nodes
}

@test "bad input is still refused before queueing" {
  assert_refused_before_queueing srun -N1 --nix-store='~/no-such-store' true
  assert_output_contains "nix: --nix-store=~/no-such-store: $NIXC_HOME/no-such-store does not exist"
}
