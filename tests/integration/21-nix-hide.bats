#!/usr/bin/env bats
# --nix-hide: host software hidden behind empty read-only directories, with
# Slurm still working inside (its conf, spool and munge socket stay).

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
}

teardown() {
  assert_no_job_state
}

@test "with --nix-closure and --nix-hide=/usr,/opt the store-only hello runs, by absolute path and through PATH" {
  run_as_user srun -N2 --nix-store='~/nix' --nix-closure="$NIX_HELLO" --nix-hide=/usr,/opt "$NIX_HELLO_BIN"
  assert_success
  for n in $(nodes); do assert_output_contains "$NIX_GREETING on $n"; done
  run_as_user srun -N1 --nix-store='~/nix' --nix-closure="$NIX_HELLO" --nix-hide=/usr,/opt --nix-profile="$NIX_HELLO" hello
  assert_success
  assert_output_contains "$NIX_GREETING"
}

@test "hidden directories are empty and read-only inside, untouched outside" {
  # the host's shell lives in /usr: use the store's busybox to look around
  local bb="$NIX_BUSYBOX/bin/sh"
  run_as_user srun -N1 --nix-store='~/nix' --nix-hide=/usr,/opt "$bb" -c \
    'echo "usr=[$(ls -A /usr)]"; echo "opt=[$(ls -A /opt)]"; mkdir /usr/x 2>/dev/null || echo usr-ro; test -x /bin/sh || echo no-host-sh'
  assert_success
  assert_output_contains "usr=[]"
  assert_output_contains "opt=[]"
  assert_output_contains "usr-ro"
  assert_output_contains "no-host-sh"
  [ -x /usr/bin/env ]
}

@test "Slurm keeps working inside: hiding the prefix of its conf, spool and munge socket" {
  # the test cluster keeps slurm.conf, the spool and munge under $NIXC_DIR
  local prefix
  prefix=$(dirname "$NIXC_DIR")
  run_batch -N2 --nix-store='~/nix' --nix-hide="$prefix" -- "ls $prefix | wc -l; srun --overlap -N2 -n2 $NIX_HELLO_BIN"
  assert_equal "$job_state" COMPLETED
  for n in $(nodes); do assert_output_contains "$NIX_GREETING on $n"; done
}

@test "errors: hiding / or the store, relative paths, and hiding without a store" {
  assert_refused_before_queueing srun -N1 --nix-store='~/nix' --nix-hide=/ true
  assert_output_contains "nix: --nix-hide=/: cannot hide /"
  assert_refused_before_queueing srun -N1 --nix-store='~/nix' --nix-hide=/nix true
  assert_output_contains "nix: --nix-hide=/nix: /nix would hide the store at /nix"
  assert_refused_before_queueing srun -N1 --nix-store='~/nix' --nix-hide=usr true
  assert_output_contains "nix: --nix-hide=usr: usr: not an absolute path"
  assert_refused_before_queueing srun -N1 --nix-hide=/usr true
  assert_output_contains "nix: --nix-hide=/usr: needs --nix-store"
}

@test "a job whose working directory is hidden fails with the reason, the node stays idle" {
  run_as_user srun -N1 --nix-store='~/nix' --nix-hide=/home true
  assert_failure
  assert_output_contains "nix: --nix-hide: the working directory $NIXC_HOME is in the hidden /home: start the step in a directory that is not hidden"
  assert_nodes_idle
}
