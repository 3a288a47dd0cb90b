#!/usr/bin/env bats
# cluster: NIXC_PLUGIN_ARGS="max_views=3"
# What one user can make root keep on a node (issue 10, items 4, 8, 9, 10):
# views per job are capped by the site (each is a pin in the node's mount
# table), a path with a newline still gives one namespace per job, the
# prolog sweeps job directories without an owner record, and a store other
# users may write to is refused.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
  need_conf 'max_views=3' "$NIXC_DIR/etc/plugstack.conf" 'NIXC_PLUGIN_ARGS="max_views=3"'
}

teardown() {
  assert_no_job_state
}

@test "max_views: a job's 4th view on a node is refused with one line, the first three are still reused" {
  local i pins
  # the batch step's view is the first; each --nix-hide is another
  job=$(submit -N1 -o "$NIXC_SCRATCH/out/%j.out" --nix-store='~/nix' --wrap 'for h in /srv /mnt /media /srv; do
      srun --overlap -n1 --nix-hide=$h true; echo "$h rc=$?"
    done; touch "'"$NIXC_SCRATCH"'/views-done.$SLURM_JOB_ID"; sleep 5')
  for i in $(seq 300); do [ -e "$NIXC_SCRATCH/views-done.$job" ] && break; sleep 0.1; done
  # the node holds no more pins than the site allows
  pins=$(for n in $(nodes); do on_node "$n" findmnt -rno TARGET; done |
    grep -c "^$NIXC_STATE_DIR/.*/job\.$job/.*\.mnt$" || true)
  job_state=$(wait_job "$job" 60) || true
  output=$(cat "$NIXC_SCRATCH/out/$job.out")
  assert_equal "$pins" 3
  assert_equal "$job_state" COMPLETED
  assert_output_contains "/srv rc=0"
  assert_output_contains "/mnt rc=0"
  assert_output_contains "/media rc=1"
  assert_equal "$(grep -c '^/srv rc=0' <<<"$output")" 2
  assert_equal "$(grep -c 'nix: ' <<<"$output")" 1
  assert_output_contains "nix: this job already has 3 views (sets of --nix-* options) on this node, the most this site allows (max_views=3)"
  assert_nodes_idle
}

@test "a --nix-hide path with a newline: every task of the job shares one namespace" {
  local dir="$NIXC_DIR/hid"$'\n'"den"
  mkdir -p "$dir"
  run_as_user srun -N1 -n3 --nix-store='~/nix' --nix-hide="$dir" readlink /proc/self/ns/user /proc/self/ns/mnt
  rmdir "$dir"
  assert_success
  assert_equal "$(grep -c . <<<"$output")" 6
  assert_equal "$(sort -u <<<"$output" | wc -l)" 2
}

@test "the prolog sweeps a job directory without an owner record" {
  local node stale
  node=$(nodes | tr ' ' '\n' | head -1)
  stale="$NIXC_STATE_DIR/$node/job.99999"
  on_node "$node" mkdir -p "$stale"
  on_node "$node" touch "$stale/lock" "$stale/0123456789abcdef.view"
  run_as_user srun -N1 -w "$node" --nix-store='~/nix' true
  assert_success
  run on_node "$node" test -e "$stale"
  assert_failure
}

@test "a store/ or var/nix/db other users may write to is refused, like the store's directory" {
  local d="$NIXC_SCRATCH/gw"
  as_user_sh "rm -rf '$d' && mkdir -p '$d/store' '$d/var/nix/db' && chmod -R 755 '$d' && chmod 775 '$d/store'"
  assert_refused_before_queueing srun -N1 --nix-store="$d" true
  assert_output_contains "nix: --nix-store=$d: store/ is group- or world-writable (chmod go-w)"
  as_user_sh "chmod 755 '$d/store' && chmod 777 '$d/var/nix/db'"
  assert_refused_before_queueing srun -N1 --nix-store="$d" true
  assert_output_contains "nix: --nix-store=$d: var/nix/db/ is group- or world-writable (chmod go-w)"
  as_user_sh "chmod 755 '$d/var/nix/db'"
  run_as_user srun -N1 --nix-store="$d" true
  assert_success
  as_user rm -rf "$d"
}

@test "the prolog sweeps the state of a job that ended without its epilog, and keeps a live job's" {
  local node dir pid i
  node=$(nodes | tr ' ' '\n' | head -1)
  dir="$NIXC_STATE_DIR/$node/job.99998"
  # a job's namespaces, pinned as the plugin pins them, with a task in them
  setpriv --reuid="$(id -u "$NIXC_USER")" --regid="$(id -g "$NIXC_USER")" --clear-groups \
    unshare --user --mount sleep 120 3>&- &
  pid=$!
  for i in $(seq 50); do
    [ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ] && break
    sleep 0.1
  done
  on_node "$node" mkdir -p "$dir"
  on_node "$node" sh -c "echo 'uid=$(id -u "$NIXC_USER") boot=$(cat /proc/sys/kernel/random/boot_id)' >'$dir/owner'"
  on_node "$node" touch "$dir/lock" "$dir/0000000000000001.mnt"
  on_node "$node" mount --bind "/proc/$pid/ns/mnt" "$dir/0000000000000001.mnt"

  # another job's prolog on that node: the task is alive, its state stays
  run_as_user srun -N1 -w "$node" --nix-store='~/nix' true
  assert_success
  on_node "$node" test -e "$dir/0000000000000001.mnt"

  # the job ended while slurmd was down (no epilog): the next prolog sweeps it
  kill "$pid"
  wait "$pid" || true
  run_as_user srun -N1 -w "$node" --nix-store='~/nix' true
  assert_success
  run on_node "$node" test -e "$dir"
  assert_failure
  run bash -c "'$NIXC_CLUSTER' on-node '$node' findmnt -rno TARGET | grep -F '$dir'"
  assert_failure
}
