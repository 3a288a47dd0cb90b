#!/usr/bin/env bats
# cluster: down
# issue 13, item 4: spank-nix, the command-line tool, without any cluster:
# the view a job gets (the same store checks, limits, error lines and
# mounts), unprivileged, in the user's own user namespace.

load helpers
load nix_helpers

setup_file() {
  need_fixtures
  [ -x "$SPANK_NIX_CLI" ] || { echo "no $SPANK_NIX_CLI: build first" >&2; return 1; }
}

SPANK_NIX_CLI=${SPANK_NIX_CLI:-$(dirname "$NIXC_PLUGIN")/../tools/spank-nix}

cli() { run_as_user "$SPANK_NIX_CLI" "$@"; }

@test "--help in the style of Slurm's commands; bad usage exits 2" {
  cli --help
  assert_success
  assert_output_contains "Usage: spank-nix run [OPTIONS...] [--] COMMAND [ARGS...]"
  for o in nix-store nix-writable nix-closure nix-profile nix-hide; do assert_output_contains "--$o"; done
  for v in STORE WRITABLE CLOSURE PROFILE HIDE; do assert_output_contains "SLURM_NIX_$v"; done
  cli frobnicate
  assert_equal "$status" 2
  cli run --nix-store='~/nix'
  assert_equal "$status" 2
}

@test "check: a good store is described, a bad one refused with srun's line" {
  cli check --nix-store='~/nix' --nix-hide=/opt
  assert_success
  assert_output_contains "nix: $NIXC_HOME/nix at /nix, read-only, hiding /opt"
  cli check --nix-store=/nonexistent/nix
  assert_equal "$status" 1
  assert_equal "$output" "spank-nix: error: nix: --nix-store=/nonexistent/nix: /nonexistent does not exist"
  cli check --nix-store='~/nix' --nix-closure=/nix/store/00000000000000000000000000000000-nope
  assert_equal "$status" 1
  assert_output_contains "spank-nix: error: nix: --nix-closure=/nix/store/00000000000000000000000000000000-nope: "
}

@test "check: the same limits as srun" {
  cli check --nix-store='~/nix' --nix-hide="/$(head -c 5000 /dev/zero | tr '\0' a)"
  assert_equal "$status" 1
  assert_output_contains "5001 bytes, longer than the 4095 this option takes"
  cli check --nix-store=none --nix-hide=/opt
  assert_equal "$status" 1
  assert_output_contains "nix: --nix-hide=/opt: needs --nix-store"
}

@test "run: the store at /nix, ro,nosuid,nodev, the user's own ids, one-line id maps" {
  cli run --nix-store='~/nix' -- sh -c "$NIX_HELLO_BIN; findmnt -no OPTIONS /nix; id -u; id -g; cat /proc/self/uid_map"
  assert_success
  assert_output_contains "$NIX_GREETING"
  assert_output_contains "ro,nosuid,nodev"
  assert_output_contains "$(id -u "$NIXC_USER")"
  assert_equal "$(grep -cE '^ +[0-9]+ +[0-9]+ +1$' <<<"$output")" 1
  # nothing of the host changed: no /nix outside, no staging directory left
  [ ! -e /nix ]
  run bash -c "find /tmp -maxdepth 1 -name 'spank-nix.*' -user $NIXC_USER"
  assert_equal "$output" ""
}

@test "run: closure, hide and profile as a job gets them; the command's exit status" {
  cli run --nix-store='~/nix' --nix-closure="$NIX_HELLO" --nix-hide=/opt --nix-profile="$NIX_HELLO" -- \
    sh -c 'echo opt=$(ls -A /opt | wc -l) paths=$(ls /nix/store | wc -l) var=$(test -e /nix/var && echo yes || echo no); command -v hello; exit 7'
  assert_equal "$status" 7
  assert_output_contains "opt=0 paths=3 var=no"
  assert_output_contains "$NIX_HELLO/bin/hello"
}

@test "run: SLURM_NIX_STORE is read; the command line wins" {
  run_as_user env SLURM_NIX_STORE='~/nix' "$SPANK_NIX_CLI" run -- "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING"
  run_as_user env SLURM_NIX_STORE=/nonexistent "$SPANK_NIX_CLI" run --nix-store='~/nix' -- "$NIX_HELLO_BIN"
  assert_success
  run_as_user env SLURM_NIX_STORE=/nonexistent "$SPANK_NIX_CLI" check
  assert_equal "$status" 1
  run_as_user env SLURM_NIX_STORE='~/nix' SLURM_NIX_WRITABLE=maybe "$SPANK_NIX_CLI" check
  assert_equal "$status" 1
  assert_output_contains "nix: SLURM_NIX_WRITABLE=maybe: not one of"
}

@test "run: --nix-writable mounts the store read-write; without it nothing can be written" {
  cli run --nix-store='~/nix' --nix-writable -- findmnt -no OPTIONS /nix
  assert_success
  assert_output_contains "rw,nosuid,nodev"
  cli run --nix-store='~/nix' -- sh -c 'touch /nix/store/.x 2>&1 || echo refused'
  assert_output_contains "refused"
}

@test "shell: \$SHELL in the view" {
  run_as_user env SHELL=/bin/sh "$SPANK_NIX_CLI" shell --nix-store='~/nix' <<<"$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING"
}

@test "a site's plugstack.conf: its settings apply, a bad one disables like the plugin" {
  local conf
  conf=$(mktemp /tmp/spank-nix-cli-test.XXXXXX)
  chmod 644 "$conf"
  echo "required /usr/lib/spank_nix.so allowed_stores=/srv/nix" >"$conf"
  cli check --plugstack="$conf" --nix-store='~/nix'
  assert_equal "$status" 1
  assert_output_contains "spank-nix: error: nix: --nix-store=~/nix: "
  echo "required /usr/lib/spank_nix.so frobnicate=1" >"$conf"
  cli check --plugstack="$conf" --nix-store='~/nix'
  assert_equal "$status" 1
  assert_output_contains "nix: spank-nix is disabled on this cluster: plugstack.conf: "
  rm -f "$conf"
}

@test "run: a signal to spank-nix reaches the command; nothing is left" {
  run_as_user bash -c "$SPANK_NIX_CLI run --nix-store='~/nix' -- sleep 60 & pid=\$!; sleep 1; kill -TERM \$pid; wait \$pid; echo rc=\$?"
  assert_output_contains "rc=143"
  sleep 0.5
  run pgrep -u "$NIXC_USER" -f "sleep 60"
  assert_failure
  run bash -c "find /tmp -maxdepth 1 -name 'spank-nix.*' -user $NIXC_USER"
  assert_equal "$output" ""
}
