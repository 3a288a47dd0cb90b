# --nix-hide under a job namespace plugin (71: job_container/tmpfs or
# namespace/tmpfs, job_container.conf; 72: namespace/linux, namespace.yaml).
# The cluster gives jobs a private directory below /opt besides /tmp and
# /dev/shm (NIXC_NS_DIRS): the plugin reads the namespace plugin's file and
# keeps its Dirs and BasePath reachable, as it keeps Slurm's other paths.
NS_JOBDIR=/opt/spank-nix-jobdir

ns_hide_setup_file() {
  require_cluster
  need_fixtures
  need_conf "Dirs=.*$NS_JOBDIR\|dirs: .*$NS_JOBDIR" "$NIXC_DIR/etc/$1" "NIXC_NS_DIRS with $NS_JOBDIR"
}

# --nix-hide=/opt: the job's private directory below /opt stays, and is
# the job's own (nothing reaches the node's directory).
check_hide_keeps_private_dir() {
  local n
  n=$(nodes | head -1)
  run_as_user srun -w "$n" -N1 --nix-store='~/nix' --nix-hide=/opt sh -c \
    "$NIX_HELLO_BIN >/dev/null && echo job-data >$NS_JOBDIR/f && cat $NS_JOBDIR/f && echo \"opt: \$(ls /opt | tr '\n' ' ')\""
  assert_success
  assert_output_contains "job-data"
  # /opt is hidden: the kept directory is all it shows
  assert_output_contains "opt: ${NS_JOBDIR#/opt/} "
  run on_node "$n" ls -A "$NS_JOBDIR"
  assert_equal "$output" ""
}

# --nix-hide=/tmp: the job's private /tmp (a Dirs entry) stays, writable.
check_hide_keeps_job_tmp() {
  run_as_user srun -N1 --nix-store='~/nix' --nix-hide=/tmp sh -c \
    "$NIX_HELLO_BIN >/dev/null && echo in-tmp >/tmp/nix-hide-check && cat /tmp/nix-hide-check"
  assert_success
  assert_output_contains "in-tmp"
}

# --nix-hide=/var: the node's BasePath (under /var/tmp here) stays as the
# job sees it without the option.
check_hide_keeps_base_path() {
  local n
  n=$(nodes | head -1)
  run_as_user srun -w "$n" -N1 --nix-store='~/nix' sh -c "test -d '$NIXC_DIR/jc/$n' && echo base-there"
  assert_success
  assert_output_contains "base-there"
  run_as_user srun -w "$n" -N1 --nix-store='~/nix' --nix-hide=/var sh -c \
    "test -d '$NIXC_DIR/jc/$n' && echo base-there; ls /var"
  assert_success
  assert_output_contains "base-there"
  assert_output_not_contains "lib" # /var/lib is hidden
}
