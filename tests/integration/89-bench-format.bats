#!/usr/bin/env bats
# The README's Performance section (issue 16, item 3): it names the commit
# its numbers were measured at, which must be in this branch's history, and
# its tables are in the format the bench commands print today (so a change
# of format cannot leave stale tables behind). Needs no cluster.

load helpers

perf_section() { sed -n '/^## Performance$/,/^## /p' "$NIXC_REPO/README.md"; }

@test "the commit named in README's Performance section is an ancestor of HEAD" {
  command -v git >/dev/null || { echo "git is needed to check the README's commit" >&2; return 1; }
  git -C "$NIXC_REPO" rev-parse --git-dir >/dev/null 2>&1 ||
    { echo "$NIXC_REPO is not a git checkout: cannot check the README's commit" >&2; return 1; }
  local commits c
  commits=$(perf_section | grep -oE '\bat `?[0-9a-f]{7,40}\b' | grep -oE '[0-9a-f]{7,40}$' | sort -u)
  [ -n "$commits" ] || { echo "README's Performance section names no commit (\"at <hash>\")" >&2; return 1; }
  for c in $commits; do
    git -C "$NIXC_REPO" cat-file -e "$c^{commit}" 2>/dev/null ||
      { echo "README names $c, which is not a commit here" >&2; return 1; }
    git -C "$NIXC_REPO" merge-base --is-ancestor "$c" HEAD ||
      { echo "README names $c, which is not an ancestor of HEAD" >&2; return 1; }
  done
}

@test "README's performance tables are in the format bench/run and bench/closure-views print" {
  local work
  work=$(mktemp -d)
  run python3 "$BATS_TEST_DIRNAME/bench_format.py" "$NIXC_REPO/README.md" "$NIXC_REPO/bench" "$work"
  rm -rf "$work"
  [ "$status" -eq 0 ] || {
    echo "README.md's Performance section does not show what the bench commands print;" \
      "regenerate it (sudo bench/run; sudo bench/closure-views):" >&2
    echo "$output" >&2
    return 1
  }
}
