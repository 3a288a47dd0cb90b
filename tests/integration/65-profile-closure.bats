#!/usr/bin/env bats
# issue 11, item 6: --nix-profile with --nix-closure. A profile reaches its
# store path through the store's var/ (~/.nix-profile -> /nix/var/nix/
# profiles/P -> P-1-link -> /nix/store/...), which a closure view does not
# show: the profile is resolved as the user, on the node, before the view
# is built; its store path's closure joins the view and its bin goes on PATH.

load helpers
load nix_helpers

PROFILES=$NIXC_HOME/nix/var/nix/profiles

setup_file() {
  require_cluster
  need_fixtures
  as_user mkdir -p "$PROFILES"
  as_user ln -sfn "$NIX_HELLO" "$PROFILES/nixc-p-1-link"
  as_user ln -sfn nixc-p-1-link "$PROFILES/nixc-p"
  as_user ln -sfn /nix/var/nix/profiles/nixc-p "$NIXC_HOME/.nixc-closure-profile"
  as_user ln -sfn /nix/var/nix/db "$NIXC_HOME/.nixc-closure-bad"
}

teardown_file() {
  as_user rm -f "$PROFILES/nixc-p-1-link" "$PROFILES/nixc-p" \
    "$NIXC_HOME/.nixc-closure-profile" "$NIXC_HOME/.nixc-closure-bad"
  as_user rmdir "$PROFILES" 2>/dev/null || true
}

teardown() {
  assert_no_job_state 30
}

@test "a profile link through /nix/var works under --nix-closure: its store path joins the view" {
  run_as_user srun -N1 --nix-store='~/nix' --nix-closure="$NIX_OTHER" --nix-profile='~/.nixc-closure-profile' \
    sh -c 'echo "PATH=$PATH"; ls /nix/store; hello'
  assert_success
  assert_output_contains "PATH=$NIX_HELLO/bin:"
  assert_output_contains "$NIX_GREETING"
  assert_output_contains "${NIX_OTHER#/nix/store/}"
  assert_output_contains "${NIX_GLIBC#/nix/store/}"   # the profile's closure, from the DB
}

@test "the same in a batch job and its steps (the batch step resolves it too)" {
  run_batch -N1 --nix-store='~/nix' --nix-closure="$NIX_OTHER" --nix-profile='~/.nixc-closure-profile' -- 'hello; srun hello'
  assert_equal "$job_state" COMPLETED
  assert_equal "$(grep -c "$NIX_GREETING" <<<"$output")" 2
}

@test "the node resolves the profile when the step starts: a new generation is a new view" {
  run_batch -N1 --nix-store='~/nix' --nix-closure="$NIX_OTHER" --nix-profile='~/.nixc-closure-profile' -- \
    "srun sh -c 'echo one=\$PATH; readlink /proc/self/ns/mnt'; ln -sfn $NIX_BUSYBOX $PROFILES/nixc-p-1-link; srun sh -c 'echo two=\$PATH; readlink /proc/self/ns/mnt'"
  as_user ln -sfn "$NIX_HELLO" "$PROFILES/nixc-p-1-link"
  assert_equal "$job_state" COMPLETED
  assert_output_contains "one=$NIX_HELLO/bin:"
  assert_output_contains "two=$NIX_BUSYBOX/bin:"
  assert_equal "$(grep -c '^mnt:' <<<"$output")" 2
  assert_equal "$(grep '^mnt:' <<<"$output" | sort -u | wc -l)" 2   # two views
}

@test "a profile that leads into /nix/var but to no store path is refused before queueing" {
  assert_refused_before_queueing srun -N1 --nix-store='~/nix' --nix-closure="$NIX_HELLO" --nix-profile='~/.nixc-closure-bad' true
  assert_output_contains "nix: --nix-profile=$NIXC_HOME/.nixc-closure-bad: $NIXC_HOME/.nixc-closure-bad leads to /nix/var/nix/db, not a store path (a --nix-closure view shows only store paths)"
  # without a closure the whole store is there: it works as before
  run_as_user srun -N1 --nix-store='~/nix' --nix-profile='~/.nixc-closure-bad' true
  assert_success
}

@test "the spank-nix command resolves it the same way" {
  run_as_user "${SPANK_NIX_CLI:-$(dirname "$NIXC_PLUGIN")/../tools/spank-nix}" run --nix-store='~/nix' --nix-closure="$NIX_OTHER" \
    --nix-profile='~/.nixc-closure-profile' -- hello
  assert_success
  assert_output_contains "$NIX_GREETING"
}
