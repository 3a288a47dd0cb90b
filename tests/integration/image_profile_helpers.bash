# --nix-profile with --nix-closure on a squashfs image: fixtures and test
# bodies shared by 126-image-profile.bats (squashfs=fuse) and
# 127-image-profile-kernel.bats. Load after helpers, nix_helpers and
# image_helpers.
#
# A profile's links (~/.nix-profile -> /nix/var/nix/profiles/P -> P-1-link
# -> /nix/store/...) are inside the image, which only the view's helper
# mounts; under --nix-closure they would have to be read before the view is
# built. The combination is refused with one line, by srun, sbatch and
# salloc before the job is queued and by the node when it gets there.

NIXC_IMGP_DIR=$NIXC_HOME/.imgprof
NIXC_IMGP_LINK=$NIXC_HOME/.nixc-img-profile
IMGP_REASON="not supported with --nix-closure on a squashfs image"

# The image: the hello closure below store/, the store's DB (a store path's
# closure comes from it) and a profile in var/nix/profiles; the staging
# directory stays, a directory store with the same contents.
make_profile_image() {
  as_user sh -s "$NIXC_IMGP_DIR" "$NIX_CLOSURE_LIST" "$NIX_HELLO" "$NIXC_IMGP_LINK" <<'EOS'
set -e
d=$1 closure=$2 hello=$3 link=$4
{ [ ! -d "$d" ] || chmod -R u+w "$d"; } && rm -rf "$d"
mkdir -p "$d/stage/store" "$d/stage/var/nix/profiles"
sed "s|^/nix/store/|$HOME/nix/store/|" "$closure" | xargs cp -a -t "$d/stage/store"
cp -a ~/nix/var/nix/db "$d/stage/var/nix/"
ln -s "$hello" "$d/stage/var/nix/profiles/nixc-ip-1-link"
ln -s nixc-ip-1-link "$d/stage/var/nix/profiles/nixc-ip"
mksquashfs "$d/stage" "$d/p.sqsh" -comp zstd -noappend -quiet -no-progress >/dev/null
ln -sfn /nix/var/nix/profiles/nixc-ip "$link"
EOS
}

# setup_file of both files: MODE fuse (the default plugstack arguments) or
# kernel (squashfs=kernel).
image_profile_setup_file() {
  require_cluster
  need_fixtures
  case $1 in
    fuse) need_conf 'spank_nix.so *$' "$NIXC_DIR/etc/plugstack.conf" "the default plugstack arguments (squashfs=fuse)" ;;
    kernel) need_conf 'squashfs=kernel' "$NIXC_DIR/etc/plugstack.conf" "squashfs=kernel" ;;
  esac
  make_profile_image
}

remove_profile_image() {
  as_user sh -c 'chmod -R u+w "$1" && rm -rf "$1"; rm -f "$2"' sh "$NIXC_IMGP_DIR" "$NIXC_IMGP_LINK"
}

image_profile_test_refused_at_submit() {
  local line="nix: --nix-profile=$NIXC_IMGP_LINK: $IMGP_REASON"
  local opts=(--nix-store='~/.imgprof/p.sqsh' --nix-closure="$NIX_HELLO" --nix-profile='~/.nixc-img-profile')
  assert_refused_before_queueing srun -N1 "${opts[@]}" hello
  assert_output_contains "$line"
  assert_output_contains "drop --nix-closure"
  assert_refused_before_queueing sbatch "${opts[@]}" --wrap hello
  assert_output_contains "$line"
  assert_refused_before_queueing salloc -N1 "${opts[@]}" true
  assert_output_contains "$line"
  assert_no_image_left
}

# A directory store at submit, the image in its place when the job starts
# (a node that sees other files than the login node): the node refuses.
image_profile_test_refused_on_node() {
  as_user sh -c 'cd "$1" && chmod -R u+w swap 2>/dev/null; rm -rf swap && cp -a stage swap' sh "$NIXC_IMGP_DIR"
  job=$(submit -H -N1 -o "$NIXC_SCRATCH/out/%j.out" --nix-store='~/.imgprof/swap' \
    --nix-closure="$NIX_HELLO" --nix-profile='~/.nixc-img-profile' --wrap "hello; echo ran")
  as_user sh -c 'cd "$1" && chmod -R u+w swap && rm -rf swap && cp p.sqsh swap' sh "$NIXC_IMGP_DIR"
  scontrol release "$job"
  job_state=$(wait_job "$job" 60) || true
  output=$(cat "$NIXC_SCRATCH/out/$job.out")
  assert_equal "$job_state" FAILED
  assert_output_contains "nix: --nix-profile=$NIXC_IMGP_LINK: $IMGP_REASON"
  assert_output_not_contains "ran"
  assert_equal "$(grep -c 'nix: ' <<<"$output")" 1
  assert_no_image_left
}

# What the line says to do instead works: the whole image, its profile too.
image_profile_test_without_closure() {
  run_as_user srun -N1 --nix-store='~/.imgprof/p.sqsh' --nix-profile='~/.nixc-img-profile' \
    sh -c 'echo "PATH=$PATH"; hello'
  assert_success
  assert_output_contains "PATH=$NIXC_IMGP_LINK/bin:"
  assert_output_contains "$NIX_GREETING"
  # and the store path in the closure, without --nix-profile
  run_as_user srun -N1 --nix-store='~/.imgprof/p.sqsh' --nix-closure="$NIX_HELLO" "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING"
  assert_no_image_left
}
