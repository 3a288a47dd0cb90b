#!/usr/bin/env bats
# cluster: NIXC_PLUGIN_ARGS="userns=never"
# Issue 13 item 2: userns=never. Root builds each view in a mount namespace
# of the initial user namespace and the tasks join it before Slurm drops
# privileges: the same views (store, closure, hide), one mount namespace per
# view per job per node, MPI single copy, and the user's attacks on it
# (tests/attacks/rootless-view.c, show-euid.c).

load helpers
load nix_helpers
load mpi_helpers
load rootless_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'userns=never' "$NIXC_DIR/etc/plugstack.conf" 'NIXC_PLUGIN_ARGS="userns=never"'
  rootless_setup_file
  mpi_setup_file
}

teardown_file() {
  rootless_teardown_file
}

teardown() {
  assert_no_job_state
}

@test "hello on every node; the task is in a view of its own in the initial user namespace, real owners, no_new_privs" {
  check_hello_on_every_node
  local n
  for n in $(nodes); do check_rootless_view "$n"; done
}

@test "a closure view with /usr,/opt hidden runs the store-only hello; hidden directories are empty and read-only" {
  run_as_user srun -N2 --nix-store='~/nix' --nix-closure="$NIX_HELLO" --nix-hide=/usr,/opt --nix-profile="$NIX_HELLO" hello
  assert_success
  for n in $(nodes); do assert_output_contains "$NIX_GREETING on $n"; done
  run_as_user srun -N1 --nix-store='~/nix' --nix-hide=/usr,/opt "$NIX_BUSYBOX/bin/sh" -c \
    'echo "usr=[$(ls -A /usr)]"; mkdir /usr/x 2>/dev/null || echo usr-ro; ls /nix/var >/dev/null && echo has-var'
  assert_success
  assert_output_contains "usr=[]"
  assert_output_contains "usr-ro"
  assert_output_contains "has-var"
}

@test "a job whose working directory is hidden fails with the reason, the node stays idle" {
  run_as_user srun -N1 --nix-store='~/nix' --nix-hide=/home true
  assert_failure
  assert_output_contains "nix: cannot return to $NIXC_HOME"
  assert_nodes_idle
}

@test "one mount namespace per view per job per node: the batch script and its steps share it; another view has its own" {
  check_batch_and_step_share_namespaces
  run_batch -N1 --nix-store='~/nix' -- 'for i in 1 2; do srun --overlap -n1 stat -Lc "view mntns=%i" /proc/self/ns/mnt; done; srun --overlap -n1 --nix-hide=/opt stat -Lc "hide mntns=%i" /proc/self/ns/mnt'
  assert_equal "$job_state" COMPLETED
  local views
  views=$(grep -oE '^view mntns=[0-9]+' <<<"$output" | sort -u)
  assert_equal "$(wc -l <<<"$views")" 1
  assert_equal "$(grep -c '^view mntns=' <<<"$output")" 2
  assert_output_contains "hide mntns="
  assert_output_not_contains "hide ${views#view }"
}

@test "Open MPI -N2 -n4 Allreduce uses single copy: a node's ranks share one view, in the initial user namespace" {
  if slurm_has_pmix; then
    usrun_env "$OMPI_CMA_REPORT" -- --mpi=pmix --nix-store="$NIXC_STORE_A" -N2 -n4 \
      sh -c "$(nix_then "$NIXC_MPI_BIN/allreduce.openmpi -i 20")"
    assert_success
  else
    ompi_batch 2 4 "$NIXC_STORE_A" sh -c "'$(nix_then "$NIXC_MPI_BIN/allreduce.openmpi -i 20")'"
    assert_equal "$job_state" COMPLETED
  fi
  assert_output_contains "allreduce size=4 sum=10 expect=10 verified=ok"
  assert_single_copy_used
  local h pairs host
  for h in $(nodes); do
    pairs=$(grep -E "host=$h " <<<"$output" | grep -oE 'userns=[0-9]+ mntns=[0-9]+' | sort -u)
    assert_equal "$(wc -l <<<"$pairs")" 1
    assert_equal "${pairs%% *}" "userns=$(init_userns)"
    host=$(host_ns "$h")
    [ "${pairs##* }" != "mntns=${host#* }" ] || { echo "ranks on $h are in the host's mount namespace" >&2; return 1; }
  done
}

@test "attacks: no mount or umount in the view, no way to the hidden files, no setns from outside, set-user-ID programs in the store gain nothing" {
  check_rootless_attacks "$(nodes | head -1)"
}

@test "nodes are idle after the jobs" {
  assert_nodes_idle 20
}
