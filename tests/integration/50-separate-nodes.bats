#!/usr/bin/env bats
# The test cluster's nodes are as separate as machines: each slurmd has its
# own mount namespace with its own /run (the plugin's state dir and pins),
# while /home (the users' stores) is shared, like NFS.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
}

teardown() {
  assert_no_job_state
}

# the CPUs this test may run on
cpus() {
  local r
  for r in $(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status | tr ',' ' '); do
    seq "${r%-*}" "${r#*-}"
  done
}

# mntns_id FILE: the kernel's id of a mount namespace (NS_GET_MNTNS_ID)
mntns_id() {
  perl -e 'open(my $f, "<", $ARGV[0]) or die "$ARGV[0]: $!\n"; my $b = "\0" x 8;
    ioctl($f, 0x8008b705, $b) or die "$!\n"; print unpack("Q", $b), "\n"' "$1"
}

@test "every node has its own mount namespace and /run; /home is the host's" {
  local n seen="" mnt
  for n in $(nodes); do
    mnt=$(readlink "/proc/$(cat "$NIXC_DIR/pids/slurmd-$n")/ns/mnt")
    [ "$mnt" != "$(readlink /proc/self/ns/mnt)" ]
    [[ " $seen " != *" $mnt "* ]] || { echo "$n shares $mnt" >&2; return 1; }
    seen="$seen $mnt"
    # the top mount on /run (a release root has its own /run beneath)
    run on_node "$n" sh -c 'findmnt -rno FSTYPE,SOURCE /run | tail -n1'
    assert_equal "$output" "tmpfs $n-run"
    on_node "$n" touch "/run/only-on-$n"
  done
  for n in $(nodes); do
    run on_node "$n" ls /run
    assert_output_contains "only-on-$n"
    assert_equal "$(grep -c '^only-on-' <<<"$output")" 1
    on_node "$n" rm "/run/only-on-$n"
    # the stores are shared
    on_node "$n" test -d "$NIXC_STORE_A/store"
  done
}

@test "a node's mounts are shared, as systemd makes them, and a service holds slave copies" {
  local n svc
  for n in $(nodes); do
    run on_node "$n" findmnt -rno PROPAGATION /
    [[ "$output" == shared* ]] || { echo "$n: / is $output" >&2; return 1; }
    svc=$(cat "$NIXC_DIR/pids/service-$n")
    [ "$(readlink "/proc/$svc/ns/mnt")" != "$(readlink "/proc/$(cat "$NIXC_DIR/pids/slurmd-$n")/ns/mnt")" ]
    # the node's /run reaches the service: a slave of it
    run on_node "$n" sh -c "grep ' /run ' /proc/$svc/mountinfo | tail -n1 | grep -c master:"
    assert_equal "$output" 1
  done
}

@test "a host mount made after the nodes started reaches them (slave propagation)" {
  local d=$NIXC_SCRATCH/later-mount n missing=""
  mkdir -p "$d"
  mount -t tmpfs later-mount "$d"
  touch "$d/here"
  for n in $(nodes); do on_node "$n" test -e "$d/here" || missing="$missing $n"; done
  umount "$d"
  assert_equal "$missing" ""
}

@test "every node's mount namespace is older than every namespace a job makes" {
  # the kernel refuses to pin (bind-mount) a namespace from a newer one
  local n node_id job_ids c
  run_batch -N2 --nix-store='~/nix' -- 'srun -N2 -n2 sh -c "echo ns \$(hostname) \$(readlink /proc/self/ns/mnt)"'
  assert_equal "$job_state" COMPLETED
  for n in $(nodes); do
    node_id=$(mntns_id "/proc/$(cat "$NIXC_DIR/pids/mntns-$n")/ns/mnt")
    # a namespace made now, on any CPU, gets a higher id
    for c in $(cpus); do
      job_ids=$(taskset -c "$c" unshare --mount perl -e 'open(my $f, "<", "/proc/self/ns/mnt") or die; my $b = "\0" x 8;
        ioctl($f, 0x8008b705, $b) or die; print unpack("Q", $b), "\n"')
      [ "$job_ids" -gt "$node_id" ] || { echo "$n: id $node_id, CPU $c now gives $job_ids" >&2; return 1; }
    done
  done
  assert_ns_not_shared_by_nodes
}

@test "a job's pins are on its own node only" {
  local id n other
  id=$(submit -N1 --nix-store='~/nix' -o /dev/null --wrap 'sleep 30')
  wait_job_state "$id" RUNNING 30
  n=$(job_field "$id" BatchHost)
  local i pin=""
  for i in $(seq 50); do
    pin=$(on_node "$n" find "$NIXC_STATE_DIR" -name '*.mnt' 2>/dev/null | head -1)
    [ -n "$pin" ] && break
    sleep 0.2
  done
  [ -n "$pin" ]
  for other in $(nodes); do
    [ "$other" = "$n" ] && continue
    run on_node "$other" find "$NIXC_STATE_DIR" -name '*.mnt'
    assert_equal "$output" ""
  done
  run test -e "$pin" # nor on the host
  assert_failure
  scancel "$id"
  wait_job "$id" 30 >/dev/null || true
}
