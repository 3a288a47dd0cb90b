# MPI/PMI tests shared by 30-mpi.bats (job_container/none) and
# 31-mpi-tmpfs.bats (job_container/tmpfs). Load after helpers.
#
# The programs (tests/mpi/*.c) are built by tests/mpi/build into
# $NIXC_MPI_BIN (default: $NIXC_DIR/mpi-bin, readable by the test user).
#
# MPICH note: Debian 12's MPICH 4.0.2 is ch4:ucx with UCX 1.13.1. UCX decides
# that two processes are on the same machine from the kernel's boot_id (plus
# the IPC namespace if it is not the initial one). The test cluster's "nodes"
# share one kernel, boot_id, IPC and PID namespace, so UCX would use shared
# memory (/proc/<pid>/fd links) and CMA between ranks of DIFFERENT nodes, which
# spank-nix (one user namespace per job per NODE) correctly forbids: "open
# (/proc/<pid>/fd/N) failed: Permission denied ... Shared memory error". Real
# nodes have their own kernels. So multi-node MPICH runs use UCX_TLS=self,tcp;
# single-node MPICH runs keep UCX's defaults (shared memory + CMA).
MPI_UCX_MULTINODE=${MPI_UCX_MULTINODE:-UCX_TLS=self,tcp}

NIXC_MPI_BIN=${NIXC_MPI_BIN:-$NIXC_DIR/mpi-bin}
export NIXC_MPI_BIN
# A timeout for every srun (the test never hangs).
MPI_TIMEOUT=${MPI_TIMEOUT:-120}

# How Open MPI says whether ranks on a node use single copy (CMA,
# process_vm_readv) between them, by major version (Debian 12: 4.1, 13: 5.0,
# unstable: 6.0):
# - 4.1 warns by itself when it cannot ("The default
#   btl_vader_single_copy_mechanism CMA is\n not available due to different
#   user namespaces."); forcing CMA there makes the job fail.
# - 5 and 6 print nothing and have no btl_vader_single_copy_mechanism (it is
#   silently ignored): their smsc framework, made verbose, names the selected
#   component and says when a peer cannot be reached; forced CMA (smsc=cma)
#   then falls back to copying, silently.
OMPI_MAJOR=$(mpirun.openmpi --version 2>/dev/null | sed -n 's/.*(Open MPI) \([0-9]*\)\..*/\1/p' | head -1)
CMA_WARNING="not available due to different user namespaces"
SMSC_SELECTED="selected shared-memory single-copy component: cma"
SMSC_REFUSED="processes are in difference namespaces" # sic
if [ "${OMPI_MAJOR:-4}" -ge 5 ]; then
  OMPI_CMA_REPORT=OMPI_MCA_smsc_base_verbose=100
  OMPI_FORCE_CMA=OMPI_MCA_smsc=cma
else
  OMPI_CMA_REPORT=OMPI_MCA_btl_base_verbose=0 # 4.1 warns by itself
  OMPI_FORCE_CMA=OMPI_MCA_btl_vader_single_copy_mechanism=cma
fi

# $output shows Open MPI using single copy between the ranks of a node.
assert_single_copy_used() {
  if [ "${OMPI_MAJOR:-4}" -ge 5 ]; then
    assert_output_contains "$SMSC_SELECTED"
    assert_output_not_contains "$SMSC_REFUSED"
  else
    assert_output_not_contains "$CMA_WARNING"
    assert_output_not_contains "vader"
  fi
}
# $output shows Open MPI refusing single copy (ranks in different namespaces).
assert_single_copy_refused() {
  if [ "${OMPI_MAJOR:-4}" -ge 5 ]; then
    assert_output_contains "$SMSC_REFUSED"
  else
    assert_output_contains "$CMA_WARNING"
  fi
}

# Slurm's mpi/pmix launches Open MPI's ranks with srun; Debian's Slurm 26.05
# has no mpi/pmix (Debian bug 1149781) and Open MPI 5+ no PMI-2, so there
# Open MPI runs the way such a site runs it: its own mpirun inside an sbatch
# job, whose daemons on the other nodes are srun steps.
slurm_has_pmix() { "$NIXC_CLUSTER" as-user srun --mpi=list 2>&1 | grep -qw pmix; }

mpi_setup_file() {
  require_cluster
  if [ ! -r "$NIXC_FIXTURE_A" ]; then
    "$NIXC_REPO/tests/fixtures/make-store" --user "$NIXC_USER" --dir "$NIXC_STORE_A" \
      --out "$NIXC_FIXTURE_A" >/dev/null
  fi
  "$NIXC_REPO/tests/mpi/build" "$NIXC_MPI_BIN" >/dev/null
  # jobs may not see the repository (under /tmp, job_container/tmpfs hides it)
  install -m 0755 "$NIXC_REPO/bench/nix-wrap" "$NIXC_MPI_BIN/nix-wrap"
}

# usrun ARGS...: srun as the test user under a timeout; sets $status/$output
# (stdout and stderr together).
usrun() { run timeout "$MPI_TIMEOUT" "$NIXC_CLUSTER" as-user srun "$@"; }
usrun_env() { # usrun_env VAR=VAL... -- ARGS...
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  run timeout "$MPI_TIMEOUT" "$NIXC_CLUSTER" as-user env "${envs[@]}" srun "$@"
}

# host_ns NODE: "userns mntns" of a task WITHOUT --nix-store on NODE.
host_ns() {
  timeout 60 "$NIXC_CLUSTER" as-user srun -w "$1" -n1 \
    sh -c 'echo "$(stat -Lc %i /proc/self/ns/user) $(stat -Lc %i /proc/self/ns/mnt)"'
}

# assert_ranks_share_ns N: $output has N "rank=... host=H userns=U mntns=M"
# lines; per host all ranks show one (U, M); that pair differs from a plain
# task's on that host; and /nix was visible (checked by the caller's command).
assert_ranks_share_ns() {
  local want=$1 got h pairs hostpair
  got=$(grep -cE '(^|pmi2 )rank=[0-9]+ .*userns=[0-9]+ mntns=[0-9]+' <<<"$output" || true)
  assert_equal "$got" "$want"
  for h in $(grep -oE 'host=[^ ]+' <<<"$output" | sort -u | cut -d= -f2); do
    pairs=$(grep -E "host=$h " <<<"$output" | grep -oE 'userns=[0-9]+ mntns=[0-9]+' | sort -u)
    [ "$(wc -l <<<"$pairs")" = 1 ] || { echo "ranks on $h are in different namespaces: $pairs" >&2; return 1; }
    hostpair=$(host_ns "$h") || { echo "host_ns $h failed" >&2; return 1; }
    [ "$pairs" != "userns=${hostpair% *} mntns=${hostpair#* }" ] || {
      echo "ranks on $h are in the host's namespaces ($hostpair)" >&2; return 1; }
    [ "${pairs%% *}" != "userns=${hostpair% *}" ] || { echo "ranks on $h share the host's user namespace" >&2; return 1; }
    [ "${pairs##* }" != "mntns=${hostpair#* }" ] || { echo "ranks on $h share the host's mount namespace" >&2; return 1; }
  done
  # and two nodes never share one
  local shared
  shared=$(grep -oE 'host=[^ ]+ userns=[0-9]+ mntns=[0-9]+' <<<"$output" | sort -u |
    awk '{ for (i = 2; i <= 3; i++) { if (($i in at) && at[$i] != $1) print $i; at[$i] = $1 } }')
  [ -z "$shared" ] || { echo "namespaces shared by two nodes: $shared" >&2; return 1; }
}

# assert_pingpong_sizes SIZE...: each size has a verified line with MBps > 0.
assert_pingpong_sizes() {
  local s line
  for s in "$@"; do
    line=$(grep -E "^pingpong size=$s " <<<"$output" || true)
    [ -n "$line" ] || { echo "no ping-pong result for $s bytes:" >&2; printf '%s\n' "$output" >&2; return 1; }
    [[ "$line" == *verified=ok* ]] || { echo "ping-pong $s not verified: $line" >&2; return 1; }
    awk -v l="$line" 'BEGIN { if (match(l, /MBps=[0-9.]+/)) { v = substr(l, RSTART + 5, RLENGTH - 5); exit !(v > 0) } exit 1 }' ||
      { echo "ping-pong $s: no bandwidth > 0: $line" >&2; return 1; }
  done
  assert_output_not_contains timeout
}

# The store's hello must run in the same task, so /nix is really there.
nix_then() { echo "$NIX_HELLO_BIN >/dev/null && exec $*"; }

# ompi_batch NODES TASKS STORE CMD...: CMD under Open MPI's own mpirun (one
# rank per task) in an sbatch job with --nix-store=STORE (STORE "none": no
# store: the wrapper control), with the single-copy report on; sets $output
# to the job's output and $job_state.
ompi_batch() {
  local nodes=$1 tasks=$2 store=$3; shift 3
  local dir=$NIXC_HOME/.nixc-out script
  as_user mkdir -p "$dir"
  script=$(as_user mktemp "$dir/ompi-XXXXXX.sh")
  as_user tee "$script" >/dev/null <<EOS
#!/bin/bash
#SBATCH -N$nodes -n$tasks -t 5
#SBATCH --nix-store=$store
export $OMPI_CMA_REPORT ${OMPI_BATCH_ENV:-}
# the nodes' own subnet (Open MPI finds no TCP pairing between them otherwise)
export OMPI_MCA_btl_tcp_if_include=$NIXC_SUBNET.0/24 OMPI_MCA_oob_tcp_if_include=$NIXC_SUBNET.0/24
timeout 150 mpirun.openmpi --bind-to none -n $tasks $* 2>&1
echo "mpirun-exit=\$?"
EOS
  job=$(submit -o "$dir/%j.out" "$script")
  job_state=$(wait_job "$job" 240) || true
  output=$(cat "$dir/$job.out" 2>/dev/null || true)
}

mpi_test_openmpi_allreduce() {
  if slurm_has_pmix; then
    usrun_env "$OMPI_CMA_REPORT" -- --mpi=pmix --nix-store="$NIXC_STORE_A" -N2 -n4 \
      sh -c "$(nix_then "$NIXC_MPI_BIN/allreduce.openmpi -i 20")"
    assert_success
  else
    ompi_batch 2 4 "$NIXC_STORE_A" sh -c "'$(nix_then "$NIXC_MPI_BIN/allreduce.openmpi -i 20")'"
    assert_equal "$job_state" COMPLETED
    assert_output_contains "mpirun-exit=0"
  fi
  assert_output_contains "allreduce size=4 sum=10 expect=10 verified=ok"
  assert_single_copy_used
  assert_ranks_share_ns 4
  [ "$(grep -oE 'host=[^ ]+' <<<"$output" | sort -u | wc -l)" = 2 ]
}

# A batch script that is itself in the namespace (#SBATCH --nix-store) runs
# the large ping-pongs, 2 ranks on one node (srun --mpi=pmix, or mpirun where
# Slurm has no pmix).
mpi_test_batch_pingpong() {
  local script=$NIXC_HOME/.nixc-out/mpi-pingpong.sh launch
  if slurm_has_pmix; then
    launch="srun --mpi=pmix"
  else
    launch="mpirun.openmpi --bind-to none -n 2"
  fi
  as_user mkdir -p "$NIXC_HOME/.nixc-out"
  as_user tee "$script" >/dev/null <<EOS
#!/bin/bash
#SBATCH -N1 -n2
#SBATCH --nix-store=$NIXC_STORE_A
#SBATCH -t 5
$NIX_HELLO_BIN >/dev/null || { echo "batch script: no /nix"; exit 3; }
echo "batch userns=\$(stat -Lc %i /proc/self/ns/user) mntns=\$(stat -Lc %i /proc/self/ns/mnt)"
export $OMPI_CMA_REPORT
timeout 200 $launch $NIXC_MPI_BIN/pingpong.openmpi -m 4194304 -M 16777216 -t 60 2>&1
echo "srun-exit=\$?"
EOS
  job=$(submit -o "$NIXC_HOME/.nixc-out/%j.out" "$script")
  job_state=$(wait_job "$job" 300) || true
  output=$(cat "$NIXC_HOME/.nixc-out/$job.out" 2>/dev/null || true)
  assert_equal "$job_state" COMPLETED
  assert_output_contains "srun-exit=0"
  assert_pingpong_sizes 4194304 8388608 16777216
  assert_single_copy_used
  # the batch script and both ranks are in one user and one mount namespace
  local b r
  b=$(grep -oE '^batch userns=[0-9]+ mntns=[0-9]+' <<<"$output" | cut -d' ' -f2-)
  r=$(grep -oE '^rank=[0-9]+ host=[^ ]+ userns=[0-9]+ mntns=[0-9]+' <<<"$output" | cut -d' ' -f3- | sort -u)
  [ -n "$b" ] && [ "$b" = "$r" ] || { echo "batch script ($b) and ranks ($r) not in the same namespaces" >&2; return 1; }
}

# CMA forced (4.1: btl_vader_single_copy_mechanism=cma, 5+: smsc=cma).
mpi_test_forced_cma() {
  if slurm_has_pmix; then
    usrun_env "$OMPI_FORCE_CMA" "$OMPI_CMA_REPORT" -- --mpi=pmix --nix-store="$NIXC_STORE_A" -N1 -n2 \
      "$NIXC_MPI_BIN/pingpong.openmpi" -m 1024 -M 16777216 -t 60
    assert_success
  else
    OMPI_BATCH_ENV=$OMPI_FORCE_CMA ompi_batch 1 2 "$NIXC_STORE_A" \
      "$NIXC_MPI_BIN/pingpong.openmpi" -m 1024 -M 16777216 -t 60
    assert_equal "$job_state" COMPLETED
    assert_output_contains "mpirun-exit=0"
  fi
  assert_pingpong_sizes 1024 65536 1048576 4194304 16777216
  assert_single_copy_used
}

# Control: the per-task wrapper (one user namespace per rank) is refused
# single copy by Open MPI (4.1: warning, and forced CMA fails; 5+: smsc says
# so). This proves the tests above can fail.
mpi_test_wrapper_control() {
  local wrap=("$NIXC_MPI_BIN/nix-wrap" "$NIXC_STORE_A" "$NIXC_MPI_BIN/pingpong.openmpi" -m 1024 -M 65536 -t 30)
  if slurm_has_pmix; then
    usrun_env "$OMPI_CMA_REPORT" -- --mpi=pmix -N1 -n2 "${wrap[@]}"
    assert_success
  else
    ompi_batch 1 2 none "${wrap[@]}"
    assert_equal "$job_state" COMPLETED
    assert_output_contains "mpirun-exit=0"
  fi
  assert_single_copy_refused
  if [ "${OMPI_MAJOR:-4}" -lt 5 ]; then
    usrun_env "$OMPI_FORCE_CMA" -- --mpi=pmix -N1 -n2 "${wrap[@]}"
    assert_failure
  fi
}

mpi_test_pmi2_client() {
  usrun --mpi=pmi2 --nix-store="$NIXC_STORE_A" -N2 -n4 sh -c "$(nix_then "$NIXC_MPI_BIN/pmi2client")"
  assert_success
  assert_output_not_contains FAIL
  local r
  for r in 0 1 2 3; do assert_output_contains "pmi2 rank=$r size=4 "; done
  [ "$(grep -c 'fd=socket kvs=ok' <<<"$output")" = 4 ]
  assert_ranks_share_ns 4
}

# MPICH 4.0.2 (Debian 12) speaks the PMI-1 wire protocol on PMI_FD
# ("cmd=init pmi_version=1"), which Slurm's mpi/pmi2 serves.
# One rank per node: with three ranks busy-polling on a node of this 2-CPU
# machine, MPICH/UCX over TCP now and then never returned from the end of
# the program after verifying its results, bare as well (-N2 -n4, 8 runs
# each: bare 2 hung, --nix-store 4; -N2 -n2: none of 8 either way). Sharing
# a node's namespaces is the ping-pong's test.
mpi_test_mpich_allreduce() {
  usrun_env "$MPI_UCX_MULTINODE" -- --mpi=pmi2 --nix-store="$NIXC_STORE_A" -N2 -n2 --ntasks-per-node=1 \
    sh -c "$(nix_then "$NIXC_MPI_BIN/allreduce.mpich -i 3 -t 100")"
  assert_success
  assert_output_contains "allreduce size=2 sum=3 expect=3 verified=ok"
  assert_ranks_share_ns 2
}

mpi_test_mpich_pingpong() {
  usrun --mpi=pmi2 --nix-store="$NIXC_STORE_A" -N1 -n2 "$NIXC_MPI_BIN/pingpong.mpich" -m 1024 -M 16777216 -t 60
  assert_success
  assert_pingpong_sizes 1024 65536 1048576 4194304 16777216
  assert_ranks_share_ns 2
}
