# Views built without a user namespace (userns=never, or auto falling
# back): shared by 42-userns-never.bats and 43-userns-auto.bats. Load after
# helpers and nix_helpers.

ROOTLESS_ATTACKS=$NIXC_SCRATCH/attacks-rootless
ROOTLESS_HIDDEN=$NIXC_SCRATCH/uns-hidden

# The attack programs (tests/attacks/), where jobs can run them; a
# directory to hide, with a file the user may read on the host; and a
# set-user-ID root program in the user's store (the control shows it is one
# where the file system honours it).
rootless_setup_file() {
  install -d -m 0755 "$ROOTLESS_ATTACKS" "$ROOTLESS_HIDDEN"
  cc -Wall -Werror -o "$ROOTLESS_ATTACKS/rootless-view" "$NIXC_REPO/tests/attacks/rootless-view.c"
  echo secret >"$ROOTLESS_HIDDEN/secret"
  chmod 0644 "$ROOTLESS_HIDDEN/secret"
  local dir
  dir=$(rootless_store_dir)/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-suid-probe/bin
  install -d -m 0755 -o "$NIXC_USER" "$dir" "$(dirname "$dir")"
  cc -Wall -Werror -o "$dir/show-euid" "$NIXC_REPO/tests/attacks/show-euid.c"
  chown 0:0 "$dir/show-euid"
  chmod 4755 "$dir/show-euid"
}

rootless_teardown_file() {
  rm -rf "$(rootless_store_dir)/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-suid-probe" "$ROOTLESS_HIDDEN" "$ROOTLESS_ATTACKS"
}

# The host directory behind /nix/store of store A (either layout).
rootless_store_dir() {
  if [ -d "$NIXC_STORE_A/store" ]; then echo "$NIXC_STORE_A/store"; else echo "$NIXC_STORE_A/nix/store"; fi
}

SUID_PROBE=/nix/store/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-suid-probe/bin/show-euid

# The initial user namespace (every node of the test cluster is in it).
init_userns() { stat -Lc %i /proc/self/ns/user; } # bats runs as root on the host

# host_mntns NODE: the mount namespace of a task without a store on NODE.
host_mntns() { as_user srun -w "$1" -n1 stat -Lc %i /proc/self/ns/mnt; }

# check_rootless_view NODE: a task on NODE is in a view (a mount namespace
# of its own, /nix there) in the initial user namespace, with the real
# owners of files, no_new_privs and its real ids.
check_rootless_view() {
  run_as_user srun -w "$1" -n1 --nix-store='~/nix' sh -c \
    "$NIX_HELLO_BIN; echo userns=\$(stat -Lc %i /proc/self/ns/user) mntns=\$(stat -Lc %i /proc/self/ns/mnt); stat -c owner=%u /etc/passwd; grep NoNewPrivs /proc/self/status; id -u"
  assert_success
  assert_output_contains "$NIX_GREETING on $1"
  assert_output_contains "userns=$(init_userns) "
  assert_output_not_contains "mntns=$(host_mntns "$1")"
  assert_output_contains "owner=0"
  assert_output_contains "NoNewPrivs:	1"
  assert_output_contains "$(id -u "$NIXC_USER")"
}

# check_rootless_attacks NODE: the user's attacks on a view on NODE, from
# inside and from outside the job, and a set-user-ID program in the store.
check_rootless_attacks() {
  local node=$1
  run_as_user srun -w "$node" -n1 --nix-store='~/nix' --nix-hide="$ROOTLESS_HIDDEN" \
    "$ROOTLESS_ATTACKS/rootless-view" inside "$ROOTLESS_HIDDEN"
  echo "$output"
  assert_success
  assert_output_contains "blocked: umount $ROOTLESS_HIDDEN"
  assert_output_contains "blocked: umount /nix"
  assert_output_not_contains "ESCAPED"

  # the set-user-ID root program runs as the user in the view; the control
  # (on the host, where the file system honours set-user-ID) runs as root
  run_as_user "$(rootless_store_dir)/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-suid-probe/bin/show-euid"
  assert_output_contains "euid=0"
  run_as_user srun -w "$node" -n1 --nix-store='~/nix' "$SUID_PROBE"
  assert_success
  assert_output_contains "euid=$(id -u "$NIXC_USER")"

  # from outside the job: the user's own process on the host
  local job pid out
  job=$(submit -w "$node" --nix-store='~/nix' -o /dev/null --wrap "srun -n1 sleep 307")
  for _ in $(seq 150); do
    pid=$(pgrep -u "$NIXC_USER" -f '(^|/)sleep 307$' | head -1 || true)
    [ -n "$pid" ] && break
    sleep 0.2
  done
  [ -n "$pid" ] || { scancel "$job"; echo "the job's task never started" >&2; return 1; }
  out=$(as_user "$ROOTLESS_ATTACKS/rootless-view" setns "$pid" 2>&1) || { scancel "$job"; echo "$out"; return 1; }
  echo "$out"
  scancel "$job"
  wait_job "$job" 60 >/dev/null || true
  [[ "$out" == *"blocked: setns into /proc/$pid/ns/mnt"* ]]
}
