# Helpers for the spank-nix integration tests (bats). Load with:
#   load helpers
# The cluster is started by tests/run-all (or by hand: tests/cluster/cluster up).
# A file that needs another cluster configuration starts with a header line
#   # cluster: NIXC_JOB_CONTAINER=tmpfs NIXC_PLUGIN_ARGS="..."
# and run-all restarts the cluster with that environment for that file.
# `# cluster: down` means the file runs after the cluster is stopped.

NIXC_TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NIXC_CLUSTER=$(cd "$NIXC_TESTS_DIR/../cluster" && pwd)/cluster
# shellcheck source=../cluster/config.sh
. "$NIXC_TESTS_DIR/../cluster/config.sh"
export SLURM_CONF=$NIXC_CONF
export NIXC_CLUSTER

# Fixture stores (made by run-all via tests/fixtures/make-store):
#   NIXC_STORE_A=$NIXC_HOME/nix   its variables: $NIXC_FIXTURE_A (an env file)
#   NIXC_STORE_B=$NIXC_HOME/nix-b its variables: $NIXC_FIXTURE_B (--greeting "store B")
NIXC_STORE_A=${NIXC_STORE_A:-$NIXC_HOME/nix}
NIXC_STORE_B=${NIXC_STORE_B:-$NIXC_HOME/nix-b}
NIXC_FIXTURES_DIR=${NIXC_FIXTURES_DIR:-$NIXC_REPO/build/test-fixtures}
NIXC_FIXTURE_A=${NIXC_FIXTURE_A:-$NIXC_FIXTURES_DIR/store-a.env}
NIXC_FIXTURE_B=${NIXC_FIXTURE_B:-$NIXC_FIXTURES_DIR/store-b.env}
export NIXC_STORE_A NIXC_STORE_B NIXC_FIXTURE_A NIXC_FIXTURE_B

# Store A's variables (NIX_HELLO_BIN=... etc.) are loaded into every test.
if [ -r "$NIXC_FIXTURE_A" ]; then
  # shellcheck disable=SC1090
  . "$NIXC_FIXTURE_A"
fi

# fixture_var STORE VAR: print VAR from the env file of store a or b.
fixture_var() {
  local f
  case "$1" in a | A) f=$NIXC_FIXTURE_A ;; b | B) f=$NIXC_FIXTURE_B ;; *) f=$1 ;; esac
  [ -r "$f" ] || { echo "fixture_var: no fixture file $f" >&2; return 1; }
  (set +u; . "$f" && printf '%s\n' "${!2}")
}

# require_fixtures: skip the test when the fixture stores were not built.
require_fixtures() {
  [ -r "$NIXC_FIXTURE_A" ] || skip "fixture stores not built ($NIXC_FIXTURE_A)"
}

# as_user CMD...: run CMD as the test user, cwd = its home, SLURM_CONF set.
as_user() { "$NIXC_CLUSTER" as-user "$@"; }
# as_user_sh 'shell code': the same through bash -c.
as_user_sh() { "$NIXC_CLUSTER" as-user bash -c "$1"; }
# run_as_user CMD...: bats `run` as the test user ($status, $output, $lines).
run_as_user() { run "$NIXC_CLUSTER" as-user "$@"; }

# Node names, e.g. "snx1 snx2".
nodes() { nixc_node_list; }
# on_node NODE CMD...: CMD as root in NODE's own mount namespace (its /run,
# the plugin's state dir and pins; the rest is the host's).
on_node() { "$NIXC_CLUSTER" on-node "$@"; }

# assert_ns_not_shared_by_nodes: $output has lines "ns TAG... HOST NS NS..." (HOST the
# first field naming a node): no namespace appears on two nodes.
assert_ns_not_shared_by_nodes() {
  local shared
  shared=$(awk -v nodes=" $(nodes | tr '\n' ' ') " '
    $1 == "ns" {
      host = ""
      for (i = 2; i <= NF; i++) {
        if (host == "" && index(nodes, " " $i " ")) { host = $i; continue }
        if (host != "") { if (($i in at) && at[$i] != host) print $i, at[$i], host; at[$i] = host }
      }
    }' <<<"$output")
  [ -z "$shared" ] || { echo "namespaces shared by two nodes: $shared" >&2; return 1; }
}
node_log() { echo "$NIXC_DIR/log/slurmd-$1.log"; }
ctld_log() { echo "$NIXC_DIR/log/slurmctld.log"; }

# job_field ID FIELD: one field of `scontrol show job` (e.g. JobState, ExitCode).
job_field() {
  scontrol show job "$1" -o 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}

job_state() { job_field "$1" JobState; }

# submit ARGS...: sbatch --parsable as the test user; prints the job id.
submit() {
  local out
  out=$(as_user sbatch --parsable "$@") || { echo "sbatch failed: $out" >&2; return 1; }
  echo "${out%%;*}"
}

# wait_job ID [TIMEOUT=60]: poll until the job is finished; prints its final
# state. Fails on timeout. (No slurmdbd: scontrol only; MinJobAge=300 keeps
# finished jobs visible.)
wait_job() {
  local id=$1 timeout=${2:-60} state deadline
  deadline=$(($(date +%s) + timeout))
  while :; do
    state=$(job_state "$id")
    case "$state" in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | BOOT_FAIL | DEADLINE)
        echo "$state"; return 0 ;;
      "") echo "wait_job: job $id unknown" >&2; return 1 ;;
    esac
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "wait_job: job $id still $state after ${timeout}s" >&2
      echo "$state"
      return 1
    fi
    sleep 0.1
  done
}

# wait_job_state ID STATE [TIMEOUT=30]: poll until the job reaches STATE.
wait_job_state() {
  local id=$1 want=$2 timeout=${3:-30} deadline
  deadline=$(($(date +%s) + timeout))
  until [ "$(job_state "$id")" = "$want" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "job $id is $(job_state "$id"), not $want" >&2; return 1; }
    sleep 0.1
  done
}

# run_batch [sbatch args...] -- 'script body': submit a batch job as the user
# (output to $NIXC_SCRATCH/out/<id>.out), wait for it, and set $job,
# $job_state, $job_exit (ExitCode) and $output (the job's output file).
# $NIXC_SCRATCH is the test user's, made by `cluster up`, removed by `down`:
# put tests' files there, not in the user's home.
run_batch() {
  local args=() body
  while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
  [ "${1:-}" = -- ] && shift
  body=$1
  job=$(submit "${args[@]}" -o "$NIXC_SCRATCH/out/%j.out" --wrap "$body") || return 1
  job_state=$(wait_job "$job" "${BATCH_TIMEOUT:-60}") || true
  job_exit=$(job_field "$job" ExitCode)
  output=$(cat "$NIXC_SCRATCH/out/$job.out" 2>/dev/null || true)
}

# node_states: "name state" lines as sinfo shows them (idle, mix, alloc, drain...).
node_states() { sinfo -h -N -o '%N %t' | sort -u; }

# assert_nodes_idle [TIMEOUT=20]: every node returns to plain `idle` (jobs may
# still be completing); fails at once if a node is drained/down/failing.
assert_nodes_idle() {
  local timeout=${1:-20} deadline states bad
  deadline=$(($(date +%s) + timeout))
  while :; do
    states=$(node_states)
    bad=$(awk '$2 ~ /drain|drng|down|fail|inval|\*/' <<<"$states")
    if [ -n "$bad" ]; then
      echo "nodes not healthy: $bad" >&2
      sinfo -R >&2 || true
      return 1
    fi
    [ -z "$(awk '$2 != "idle"' <<<"$states")" ] && return 0
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "nodes not idle after ${timeout}s: $states" >&2
      return 1
    fi
    sleep 0.1
  done
}

# cluster_is_up: the cluster's daemons are running.
cluster_is_up() { "$NIXC_CLUSTER" status >/dev/null 2>&1; }

# require_cluster: fail clearly (in setup_file) when the cluster is not up.
require_cluster() {
  cluster_is_up || {
    echo "the test cluster $NIXC_NAME is not up: run tests/cluster/cluster up (or tests/run-all)" >&2
    return 1
  }
}

# show_output: $output on stderr. A long one (MPI's verbose logs) starts
# with its last lines: the reason is usually there, and CI reports keep
# only the head of a failure.
show_output() {
  local n
  n=$(printf '%s\n' "$output" | wc -l)
  if [ "$n" -gt 40 ]; then
    echo "[the last 20 of $n lines first]" >&2
    printf '%s\n' "$output" | tail -n 20 >&2
    echo "[all $n lines]" >&2
  fi
  printf '%s\n' "$output" >&2
}

# Some asserts (bats-assert is not packaged in Debian 12).
assert_success() {
  if [ "$status" -ne 0 ]; then
    echo "expected success, got status $status; output:" >&2
    show_output
    return 1
  fi
}
assert_failure() {
  if [ "$status" -eq 0 ]; then
    echo "expected failure, got status 0; output:" >&2
    show_output
    return 1
  fi
}
# assert_output_contains TEXT
assert_output_contains() {
  if [[ "$output" != *"$1"* ]]; then
    echo "output does not contain '$1':" >&2
    show_output
    return 1
  fi
}
assert_output_not_contains() {
  if [[ "$output" == *"$1"* ]]; then
    echo "output contains '$1':" >&2
    show_output
    return 1
  fi
}
# assert_equal ACTUAL EXPECTED
assert_equal() {
  if [ "$1" != "$2" ]; then
    printf 'expected: %s\nactual:   %s\n' "$2" "$1" >&2
    return 1
  fi
}
