# A store on a file system that stops answering (tests/attacks/hang-fs.py,
# stopped with SIGSTOP), as a store on a server that went away: the
# namespace helper, opening it as the user, waits there until root's time
# budget kills it. What the fault and attack tests need to find it at work
# every time.
#   start_hanging_store    mounts it at $HANG_STORE, stopped; sets $HANG_PID
#   stop_hanging_store     lets it answer, unmounts it, stops it by pid

start_hanging_store() {
  HANG_STORE=$NIXC_SCRATCH/hanging-store
  export HANG_STORE
  install -d -m 755 -o "$NIXC_USER" "$HANG_STORE"
  /usr/bin/python3 "$NIXC_REPO/tests/attacks/hang-fs.py" "$HANG_STORE" \
    "$(id -u "$NIXC_USER")" "$(id -g "$NIXC_USER")" >"$BATS_FILE_TMPDIR/hang-fs.log" 2>&1 &
  HANG_PID=$!
  export HANG_PID
  local deadline=$(($(date +%s) + 10))
  until mountpoint -q "$HANG_STORE"; do
    [ "$(date +%s)" -lt "$deadline" ] || { cat "$BATS_FILE_TMPDIR/hang-fs.log" >&2; return 1; }
    sleep 0.1
  done
  kill -STOP "$HANG_PID"
}

stop_hanging_store() {
  kill -CONT "$HANG_PID" 2>/dev/null || true
  umount -l "$HANG_STORE" 2>/dev/null || true
  kill "$HANG_PID" 2>/dev/null || true
  wait "$HANG_PID" 2>/dev/null || true
  rmdir "$HANG_STORE" 2>/dev/null || true
}

# The attack programs, built once per file where the user may run them:
# $ATTACKS/snoop-helper ($SNOOP).
build_snoop() {
  ATTACKS=$NIXC_SCRATCH/attacks
  SNOOP=$ATTACKS/snoop-helper
  export ATTACKS SNOOP
  install -d -m 755 "$ATTACKS"
  cc -Wall -Werror -o "$SNOOP" "$NIXC_REPO/tests/attacks/snoop-helper.c"
}

# wait_for_helper: the pid of the test user's helper once it is at work
# (found and SIGSTOPped by the snooper, as root); fails after 20 s.
wait_for_helper() {
  "$SNOOP" 20 "$(id -u "$NIXC_USER")" stop
}
