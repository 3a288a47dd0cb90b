#!/usr/bin/env bats
# Bug 6 of issue 9: mounts made on the host after a job's view was built
# appear in it (autofs homes, CVMFS); the store and hidden paths stay as
# they are, and other jobs' pins never enter a view.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
}

teardown() {
  local m
  [ -z "${holder:-}" ] || kill "$holder" 2>/dev/null || true
  for m in "$NIXC_SCRATCH/later/m" "$NIXC_SCRATCH/hid/m"; do
    mountpoint -q "$m" && umount "$m"
  done
  assert_no_job_state
}

@test "a host mount made after the first step appears in later steps" {
  local d=$NIXC_SCRATCH/later ready=$NIXC_SCRATCH/later-ready
  mkdir -p "$d/m"
  chmod 755 "$d" "$d/m"
  rm -f "$ready"
  # the first step builds the view; then the host mounts; then a later step looks
  id=$(submit -N2 --nix-store='~/nix' -o "$NIXC_SCRATCH/out/%j.out" --wrap "
    srun -N2 -n2 sh -c 'ls $d/m | wc -l'
    touch $ready.first
    while [ ! -e $ready ]; do sleep 0.1; done
    srun -N2 -n2 sh -c 'echo later \$(hostname) \$(cat $d/m/file)'
    cat $d/m/file")
  local i
  for i in $(seq 300); do [ -e "$ready.first" ] && break; sleep 0.1; done
  [ -e "$ready.first" ]
  mount -t tmpfs -o mode=755 later "$d/m"
  echo mounted-later >"$d/m/file"
  touch "$ready"
  assert_equal "$(wait_job "$id" 60)" COMPLETED
  output=$(cat "$NIXC_SCRATCH/out/$id.out")
  local n
  for n in $(nodes); do assert_output_contains "later $n mounted-later"; done
  # the batch script too
  assert_equal "$(tail -1 <<<"$output")" mounted-later
  umount "$d/m"
}

@test "a host mount under a hidden path made later stays hidden" {
  local d=$NIXC_SCRATCH/hid ready=$NIXC_SCRATCH/hid-ready
  mkdir -p "$d/m"
  chmod 755 "$d" "$d/m"
  rm -f "$ready" "$ready.first"
  id=$(submit -N1 --nix-store='~/nix' --nix-hide="$d" -o "$NIXC_SCRATCH/out/%j.out" --wrap "
    srun -n1 true
    touch $ready.first
    while [ ! -e $ready ]; do sleep 0.1; done
    srun -n1 sh -c 'echo step: \$(ls -A $d | wc -l) \$(ls $d/m/file 2>&1)'")
  local i
  for i in $(seq 300); do [ -e "$ready.first" ] && break; sleep 0.1; done
  [ -e "$ready.first" ]
  mount -t tmpfs -o mode=755 hidden-later "$d/m"
  echo x >"$d/m/file"
  touch "$ready"
  assert_equal "$(wait_job "$id" 60)" COMPLETED
  output=$(cat "$NIXC_SCRATCH/out/$id.out")
  assert_output_contains "step: 0 "
  assert_output_contains "No such file"
  umount "$d/m"
}

@test "with the node's /run shared (as systemd makes it), a job pins while another job's view exists" {
  # a view that received the state dir's mount as a slave would make the
  # kernel refuse every later pin on the node (EINVAL)
  # the top mount on /run (a release root has its own /run beneath)
  run on_node "$(nodes | head -1)" sh -c 'findmnt -rno PROPAGATION /run | tail -n1'
  assert_equal "$output" shared
  local n id
  n=$(nodes | head -1)
  id=$(submit -N1 -w "$n" --nix-store='~/nix' -o /dev/null --wrap 'sleep 30')
  wait_job_state "$id" RUNNING 30
  local i
  for i in $(seq 50); do
    [ -n "$(on_node "$n" find "$NIXC_STATE_DIR" -name '*.mnt')" ] && break
    sleep 0.2
  done
  run_as_user srun -N1 -w "$n" --nix-store='~/nix' "$NIX_HELLO_BIN"
  scancel "$id"
  wait_job "$id" 30 >/dev/null || true
  assert_success
  assert_output_contains "$NIX_GREETING on $n"
}

@test "with a copy of the node's /run in another mount namespace (a systemd service's), jobs still pin" {
  # A pin is a mount namespace file, which the kernel will not copy into
  # another namespace: while the state dir was on a /run that propagates
  # to a copy elsewhere, every pin failed (EINVAL) and so did every job.
  # The state dir is now a private mount of its own.
  local n
  n=$(nodes | head -1)
  holder=$(on_node "$n" sh -c 'unshare --mount --propagation slave sleep 120 </dev/null >/dev/null 2>&1 & echo $!')
  [ -n "$holder" ]
  run on_node "$n" sh -c "grep ' /run ' /proc/$holder/mountinfo | tail -n1 | grep -c master:"
  assert_equal "$output" 1
  run_as_user srun -N1 -w "$n" --nix-store='~/nix' "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING on $n"
  run on_node "$n" findmnt -rno PROPAGATION "$NIXC_STATE_DIR"
  assert_equal "$output" private
  kill "$holder"
  holder=
}
