#!/usr/bin/env bats
# cluster: down
# After `cluster down` nothing of the cluster is left: no process, network
# namespace, bridge, mount, cgroup or file. run-all runs this file last, after
# stopping the cluster; NIXC_RECORDED_PIDS names a file of "pid starttime"
# lines it saved from `cluster pids` before each `down`.

load helpers

# starttime of a live, non-zombie pid (field 22 of /proc/pid/stat), empty if gone.
starttime() { awk '{ sub(/^.*\) /, ""); if ($1 != "Z") print $20 }' "/proc/$1/stat" 2>/dev/null || true; }

@test "no process of the cluster is alive (recorded pids)" {
  [ -n "${NIXC_RECORDED_PIDS:-}" ] || skip "NIXC_RECORDED_PIDS not set (run by tests/run-all)"
  local alive="" pid st
  while read -r pid st; do
    [ -n "$pid" ] || continue
    [ "$(starttime "$pid")" = "$st" ] && alive+=" $pid($(tr '\0' ' ' <"/proc/$pid/cmdline"))"
  done <"$NIXC_RECORDED_PIDS"
  [ -z "$alive" ] || { echo "still alive:$alive" >&2; return 1; }
}

@test "no process of the test user from this cluster is left (zombies aside)" {
  # Other clusters (another NIXC_NAME) may run jobs as the same user: look
  # only at processes with this cluster's SLURM_CONF or node cgroups.
  local left="" pid stat
  while read -r pid stat; do
    [[ $stat == Z* ]] && continue
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "SLURM_CONF=$NIXC_CONF" ||
      grep -qE "/slurm_${NIXC_NAME}[0-9]+/" "/proc/$pid/cgroup" 2>/dev/null; then
      left+=" $pid($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null))"
    fi
  done < <(ps -u "$NIXC_USER" -o pid=,stat=)
  [ -z "$left" ] || { echo "left:$left" >&2; return 1; }
}

@test "no network namespace of the cluster" {
  run bash -c "ip netns list 2>/dev/null | grep -E '^${NIXC_NAME}-n[0-9]+'"
  assert_failure
}

@test "no bridge or veth of the cluster" {
  run ip link show "$NIXC_BRIDGE"
  assert_failure
  run bash -c "ip -o link | grep -E ': ${NIXC_NAME}-v[0-9]+@'"
  assert_failure
}

@test "/run/netns is gone unless something else uses it" {
  [ ! -e /run/spank-nix-made-run-netns ] || [ -n "$(ls -A /run/netns 2>/dev/null)" ]
}

@test "no /etc/hosts line of the cluster" {
  run grep -F "# spank-nix-cluster:$NIXC_NAME" /etc/hosts
  assert_failure
}

@test "nothing mounted under NIXC_DIR" {
  run grep -F " $NIXC_DIR" /proc/self/mountinfo
  assert_failure
}

@test "no cgroup of the cluster's nodes" {
  for n in $(nodes); do
    run bash -c "ls -d /sys/fs/cgroup/*/slurm_$n 2>/dev/null"
    assert_failure
  done
}

@test "NIXC_DIR is removed" {
  [ ! -e "$NIXC_DIR" ]
}

@test "no daemon listens on the cluster's ports" {
  run bash -c "ss -Htlnp | grep -E ':($NIXC_CTLD_PORT|$NIXC_SLURMD_PORT)\\b'"
  assert_failure
}
