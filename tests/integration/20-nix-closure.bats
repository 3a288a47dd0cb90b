#!/usr/bin/env bats
# --nix-closure: only the declared closures under /nix/store, read-only, no
# var/; --nix-profile puts a store path's bin/ on PATH.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
}

teardown() {
  undo_node_mounts
  assert_no_job_state
}

# A test that mounts on a node lists them: node_mounts=(NODE TARGET...);
# they are unmounted, last first, whether the test passed or not.
node_mounts=()
undo_node_mounts() {
  local i
  for ((i = ${#node_mounts[@]} - 1; i > 0; i--)); do
    on_node "${node_mounts[0]}" umount "${node_mounts[i]}" || true
  done
  node_mounts=()
}

# the closure's basenames, sorted, from the fixture's `nix-store -qR` list
expected_store_listing() { xargs -n1 basename <"$NIX_CLOSURE_LIST" | sort; }

# closure_of PATH...: the union of the closures, from the store's database
closure_of() {
  local roots=""
  for p in "$@"; do roots+="${roots:+,}'$p'"; done
  sqlite3 "file:$NIXC_STORE_A/var/nix/db/db.sqlite?immutable=1" "
    WITH RECURSIVE c(id) AS (SELECT id FROM ValidPaths WHERE path IN ($roots)
      UNION SELECT r.reference FROM Refs r JOIN c ON r.referrer = c.id)
    SELECT path FROM ValidPaths JOIN c USING (id);" | xargs -n1 basename | sort
}

# task_lines TASK TAG: the lines a task (srun -l) printed with TAG:
task_lines() { sed -n "s/^ *$1: $2://p" <<<"$output"; }

assert_closure_view() { # SPEC
  run_as_user srun -l -N2 --nix-store='~/nix' --nix-closure="$1" sh -c \
    'for f in /nix/*; do echo "top:$f"; done; for f in /nix/store/*; do echo "store:${f##*/}"; done
     '"$NIX_HELLO_BIN"' | sed "s/^/hello:/"
     touch /nix/store/x 2>/dev/null || echo "ro:store"; mkdir /nix/y 2>/dev/null || echo "ro:top"'
  assert_success
  local t
  for t in 0 1; do
    assert_equal "$(task_lines $t store | sort)" "$(expected_store_listing)"
    assert_equal "$(task_lines $t top)" /nix/store
    assert_equal "$(task_lines $t ro | sort | tr '\n' ' ')" "store top "
    [[ "$(task_lines $t hello)" == "$NIX_GREETING on "* ]]
  done
  assert_output_not_contains "$(basename "$NIX_OTHER")"
}

@test "a store path: exactly its closure, read-only, hello runs, var/ and other paths absent" {
  assert_closure_view "$NIX_HELLO"
}

@test "a path below a store path means that store path" {
  assert_closure_view "$NIX_HELLO_BIN"
}

@test "a nix-store -qR list" {
  assert_closure_view "$NIX_CLOSURE_LIST"
}

@test "a closureInfo directory" {
  assert_closure_view "$NIX_CLOSURE_INFO"
}

@test "several SPECs: the union" {
  run_as_user srun -N1 --nix-store='~/nix' --nix-closure="$NIX_HELLO,$NIX_OTHER" ls /nix/store
  assert_success
  assert_output_contains "$(basename "$NIX_OTHER")"
  assert_output_contains "$(basename "$NIX_HELLO")"
  assert_equal "$(sort <<<"$output")" "$(closure_of "$NIX_HELLO" "$NIX_OTHER")"
}

@test "--nix-profile: a command only in the store is found through PATH" {
  run_as_user srun -N1 --nix-store='~/nix' --nix-closure="$NIX_HELLO" --nix-profile="$NIX_HELLO" hello
  assert_success
  assert_output_contains "$NIX_GREETING"
  run_as_user srun -N1 --nix-store='~/nix' --nix-profile="$NIX_HELLO" sh -c 'echo "$PATH"'
  assert_success
  [[ "${lines[0]}" == "$NIX_HELLO/bin:"* ]]
}

@test "a sbatch job's steps share the closure view; another closure gets its own mount namespace, same user namespace" {
  local body
  body="echo \"batch \$(readlink /proc/self/ns/user) \$(readlink /proc/self/ns/mnt)\"
srun --overlap -n1 sh -c 'echo \"same \$(readlink /proc/self/ns/user) \$(readlink /proc/self/ns/mnt)\"'
srun --overlap -n1 --nix-closure=$NIX_OTHER sh -c 'echo \"other \$(readlink /proc/self/ns/user) \$(readlink /proc/self/ns/mnt)\"; ls /nix/store'"
  run_batch -N1 --nix-store='~/nix' --nix-closure="$NIX_HELLO" -- "$body"
  assert_equal "$job_state" COMPLETED
  local bu bm su sm ou om
  read -r _ bu bm <<<"$(grep '^batch ' <<<"$output")"
  read -r _ su sm <<<"$(grep '^same ' <<<"$output")"
  read -r _ ou om <<<"$(grep '^other ' <<<"$output")"
  assert_equal "$su $sm" "$bu $bm"
  assert_equal "$ou" "$bu"
  [ "$om" != "$bm" ]
  assert_output_contains "$(basename "$NIX_OTHER")"
}

@test "errors: a path not valid in the store, refused before queueing" {
  assert_refused_before_queueing srun -N1 --nix-store='~/nix' --nix-closure=/nix/store/00000000000000000000000000000000-nothing true
  assert_output_contains "nix: --nix-closure=/nix/store/00000000000000000000000000000000-nothing: "
  assert_output_contains "is not a valid path in the store"
}

@test "errors: malformed SPECs and hostile list files" {
  as_user sh -c 'cd ~ && rm -rf .badc && mkdir .badc && cd .badc &&
    : > empty &&
    head -c 4096 /dev/urandom > junk &&
    echo /etc/passwd > outside &&
    printf "%s\n" "'"$NIX_HELLO"'/../x" > dotdot &&
    head -c 1100000 /dev/zero | tr "\0" a > longline &&
    mkdir noinfo'
  local spec
  for spec in '/nix/store/not-a-path' 'relative' '' ',,' ; do
    assert_refused_before_queueing srun -N1 --nix-store='~/nix' --nix-closure="$spec" true
    assert_output_contains "nix: --nix-closure=$spec: "
  done
  for f in empty junk outside dotdot longline noinfo; do
    assert_refused_before_queueing srun -N1 --nix-store='~/nix' --nix-closure="$NIXC_HOME/.badc/$f" true
    assert_output_contains "nix: --nix-closure=$NIXC_HOME/.badc/$f: "
  done
  as_user rm -rf "$NIXC_HOME/.badc"
}

@test "errors: a million-line list is refused or read, never crashes" {
  as_user sh -c "for i in \$(seq 1000000); do echo $NIX_HELLO; done > ~/.million"
  run_as_user timeout 60 srun -N1 --nix-store='~/nix' --nix-closure="$NIXC_HOME/.million" ls /nix/store
  assert_success
  assert_equal "${#lines[@]}" 1
  as_user rm -f "$NIXC_HOME/.million"
}

@test "errors: --nix-closure needs a store and refuses --nix-writable" {
  assert_refused_before_queueing srun -N1 --nix-closure="$NIX_HELLO" true
  assert_output_contains "nix: --nix-closure=$NIX_HELLO: needs --nix-store"
  assert_refused_before_queueing srun -N1 --nix-store='~/nix' --nix-writable --nix-closure="$NIX_HELLO" true
  assert_output_contains "nix: --nix-closure: a closure view is read-only"
}

# A path of the closure that the database lists but store/ has lost is only
# found on the node, while the view is being built (the walk of the closure
# runs as its entries are mounted): the error still names --nix-closure, the
# step fails, the node stays up, nothing is left.
@test "errors: a path of the closure gone from store/, found while the view is built" {
  local lost
  lost=$(closure_of "$NIX_HELLO" | grep -v -e '-hello-' | head -n1)
  [ -n "$lost" ]
  as_user mv "$NIXC_STORE_A/store/$lost" "$NIXC_STORE_A/store/.lost-$lost"
  run_as_user srun -N1 --nix-store='~/nix' --nix-closure="$NIX_HELLO" true
  as_user mv "$NIXC_STORE_A/store/.lost-$lost" "$NIXC_STORE_A/store/$lost"
  assert_failure
  assert_output_contains "nix: --nix-closure=$NIX_HELLO: $lost is in the database but not in store/"
  assert_nodes_idle
}

# Where the node's mount of the store is shared (systemd makes / shared),
# the view's entries must still be private mounts: a slave would take the
# node's later mounts in the store (here one hiding hello's bin/), and each
# of the node's mount events there would visit every entry of every view
# (5,000 paths: ~600 against ~55 us per mount and umount on the node,
# bench/RESULTS-closure.md).
@test "a closure view takes no mount events from the node's mount of the store" {
  local node flag bin i
  node=$(nodes | head -n1)
  flag=$NIXC_SCRATCH/events.$$
  bin=$NIXC_STORE_A/store/$(basename "$NIX_HELLO")/bin
  node_mounts=("$node" "$NIXC_STORE_A")
  on_node "$node" mount --bind "$NIXC_STORE_A" "$NIXC_STORE_A"
  on_node "$node" mount --make-shared "$NIXC_STORE_A"
  job=$(submit -N1 -w "$node" --nix-store='~/nix' --nix-closure="$NIX_HELLO" \
    -o "$NIXC_SCRATCH/out/%j.out" --wrap "srun -n1 true && touch $flag.built
until [ -e $flag.mounted ]; do sleep 0.1; done
srun -n1 sh -c 'ls /nix/store/$(basename "$NIX_HELLO")/bin | sed s/^/bin:/
  grep \" /nix/store/\" /proc/self/mountinfo | grep -c -e shared: -e master: | sed s/^/tagged:/
  grep -c \" /nix/store/\" /proc/self/mountinfo | sed s/^/entries:/'")
  for ((i = 0; i < 600; i++)); do [ -e "$flag.built" ] && break; sleep 0.1; done
  if [ -e "$flag.built" ]; then
    on_node "$node" mount -t tmpfs -o size=1m,mode=0755 none "$bin"
    node_mounts+=("$bin")
  fi
  as_user touch "$flag.mounted"
  job_state=$(wait_job "$job") || true
  output=$(cat "$NIXC_SCRATCH/out/$job.out" 2>/dev/null || true)
  as_user rm -f "$flag.built" "$flag.mounted"
  assert_equal "$job_state" COMPLETED
  assert_output_contains "bin:$(basename "$NIX_HELLO_BIN")"
  assert_output_contains "tagged:0"
  [ "$(sed -n 's/^entries://p' <<<"$output")" -gt 0 ]
}
