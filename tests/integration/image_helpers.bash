# --nix-store=IMAGE (squashfs images): fixtures and test bodies shared by
# 13-image-fuse.bats, 14-image-kernel.bats (and the MPI files 16, 17).
# Load after helpers and nix_helpers.

NIXC_IMG_DIR=$NIXC_HOME/.img

# make_images: the fixture stores as images, made by the test user with the
# commands the README gives: the whole store (both layouts), a closure only,
# store B, and broken ones.
make_images() {
  as_user sh -s "$NIXC_IMG_DIR" "$NIX_CLOSURE_LIST" <<'EOS'
set -e
d=$1 closure=$2
{ [ ! -d "$d" ] || chmod -R u+w "$d"; } && rm -rf "$d" && mkdir -p "$d" && cd "$d"
sq() { mksquashfs "$@" -comp zstd -noappend -quiet -no-progress >/dev/null; }
sq ~/nix a.sqsh                      # DIR/store + DIR/var/nix/db
sq ~/nix chroot.sqsh -keep-as-directory   # nix/store + nix/var/nix/db
sq ~/nix-b b.sqsh
# from a closure: its store paths (here below ~/nix/store) under store/
mkdir -p stage/store
sed "s|^/nix/store/|$HOME/nix/store/|" "$closure" | xargs cp -a -t stage/store
sq stage closure.sqsh && chmod -R u+w stage && rm -rf stage
head -c 1000 a.sqsh >truncated.sqsh
echo "not an image" >text.sqsh
cp a.sqsh unreadable.sqsh && chmod 200 unreadable.sqsh
# a good superblock over zeroed inodes: only reading it finds out
cp a.sqsh corrupt.sqsh
inodes=$(od -An -t u8 -j 64 -N 8 a.sqsh | tr -d ' ')
dd if=/dev/zero of=corrupt.sqsh bs=1 seek="$inodes" count=4096 conv=notrunc status=none
EOS
}

# teardown: a failed test's jobs go, so that the next starts clean
cancel_user_jobs() { scancel -u "$NIXC_USER" 2>/dev/null || true; }

remove_images() { as_user sh -c 'chmod -R u+w "$1" && rm -rf "$1"' sh "$NIXC_IMG_DIR"; }

# What an image's view leaves behind, per mode: FUSE servers of the test
# user and the job cgroups they were moved into; loop devices on its images.
image_servers_left() {
  pgrep -a -u "$NIXC_USER" squashfuse || true
  find /sys/fs/cgroup -mindepth 4 -maxdepth 4 -type d \
    -path "*/slurm_${NIXC_NAME}*/uid_$(id -u "$NIXC_USER")/job_*" 2>/dev/null || true
}
# (the backing file's path as the kernel shows it from the node: below the
# mount that holds it, /home/u/.img/a.sqsh as /u/.img/a.sqsh)
image_loop_path() { echo "/${NIXC_HOME##*/}/.img/$1"; }
image_loops_left() { /usr/sbin/losetup -l -n -O NAME,BACK-FILE | grep -F "$(image_loop_path '')" || true; }

# assert_no_image_left [TIMEOUT=20]: the jobs' state, processes and nodes as
# check_nothing_left, and no FUSE server, job cgroup or loop device.
assert_no_image_left() {
  local timeout=${1:-20} deadline left
  check_nothing_left
  deadline=$(($(date +%s) + timeout))
  while :; do
    left=$(image_servers_left; image_loops_left)
    [ -z "$left" ] && return 0
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "left after the jobs (${timeout}s): $left" >&2
      return 1
    fi
    sleep 0.2
  done
}

# image_in_use MODE: what shows a job's image is set up on a node now.
image_in_use() {
  case "$1" in
    fuse) pgrep -u "$NIXC_USER" -x 'squashfuse(_ll)?' ;;
    kernel) image_loops_left | grep . ;;
  esac
}

# ---- test bodies ------------------------------------------------------

image_test_hello_both_layouts() {
  local img
  for img in a chroot; do
    run_as_user srun -N"$NIXC_NODES" --nix-store="~/.img/$img.sqsh" sh -c \
      "$NIX_HELLO_BIN && test ! -w /nix && findmnt -no OPTIONS /nix"
    assert_success
    local n
    for n in $(nodes); do assert_output_contains "$NIX_GREETING on $n"; done
    assert_output_contains "ro,nosuid,nodev"
  done
}

# One image per job per node: two srun steps of a batch job (the first,
# which built the view, has ended when the second starts) share the
# namespaces, and there is one server / loop device per node (counted in
# the job's cgroups: an earlier job's server may still be ending); a batch step
# with the store shares them with its steps too.
image_test_steps_share_one_mount() {
  local mode=$1 step="srun -n1 --nix-store=~/.img/a.sqsh sh -c '$NIX_HELLO_BIN && readlink /proc/self/ns/user /proc/self/ns/mnt'"
  run_batch -N1 -- "
    $step
    sleep 1
    $step
    echo servers=\$(pgrep -u \$(id -u) -x 'squashfuse(_ll)?' | while read -r p; do
      grep -Eqs \"/job_\${SLURM_JOB_ID}(/|\\\$)\" /proc/\$p/cgroup && echo \$p; done | wc -l)"
  assert_equal "$job_state" COMPLETED
  assert_equal "$(grep -c "$NIX_GREETING" <<<"$output")" 2
  assert_equal "$(grep -c '^user:\|^mnt:' <<<"$output")" 4
  assert_equal "$(grep '^user:\|^mnt:' <<<"$output" | sort -u | wc -l)" 2
  if [ "$mode" = fuse ]; then assert_output_contains "servers=1"; else assert_output_contains "servers=0"; fi
  assert_no_image_left

  run_batch -N1 --nix-store='~/.img/a.sqsh' -- "
    readlink /proc/self/ns/user /proc/self/ns/mnt
    srun -n1 sh -c '$NIX_HELLO_BIN && readlink /proc/self/ns/user /proc/self/ns/mnt'"
  assert_equal "$job_state" COMPLETED
  assert_equal "$(grep -c '^user:\|^mnt:' <<<"$output")" 4
  assert_equal "$(grep '^user:\|^mnt:' <<<"$output" | sort -u | wc -l)" 2
  assert_no_image_left
}

image_test_closure() {
  run_as_user srun -N1 --nix-store='~/.img/a.sqsh' --nix-closure="$NIX_HELLO" \
    sh -c "$NIX_HELLO_BIN; ls /nix/store | wc -l; ls /nix/var 2>&1; test -e $NIX_OTHER || echo no-other"
  assert_success
  assert_output_contains "$NIX_GREETING"
  assert_output_contains "no-other"
  assert_equal "$(sed -n 2p <<<"$output")" 3
  # an image made from the closure alone has no DB: the list checks it
  run_as_user srun -N1 --nix-store='~/.img/closure.sqsh' --nix-closure="$NIX_CLOSURE_LIST" "$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING"
}

image_test_hide() {
  run_as_user srun -N1 --nix-store='~/.img/a.sqsh' --nix-hide=/usr \
    "$NIX_BUSYBOX/bin/sh" -c "$NIX_HELLO_BIN; $NIX_BUSYBOX/bin/ls -A /usr | $NIX_BUSYBOX/bin/wc -l"
  assert_success
  assert_output_contains "$NIX_GREETING"
  assert_equal "$(tail -1 <<<"$output" | tr -d ' ')" 0
}

image_test_refused_at_submit() {
  local img reason
  for img in text truncated unreadable; do
    case $img in
      text) reason="$NIXC_IMG_DIR/text.sqsh is not a directory nor a squashfs image (no 'hsqs' magic" ;;
      truncated) reason="truncated: the image says" ;;
      unreadable) reason="the image is not readable by the job's user" ;;
    esac
    assert_refused_before_queueing srun -N1 --nix-store="~/.img/$img.sqsh" true
    assert_output_contains "nix: --nix-store=~/.img/$img.sqsh: $reason"
    assert_refused_before_queueing sbatch --nix-store="~/.img/$img.sqsh" --wrap true
    assert_output_contains "nix: --nix-store=~/.img/$img.sqsh: $reason"
  done
  assert_no_image_left
}

# What only reading it shows fails the tasks with one nix: line.
image_test_corrupt_fails_the_task() {
  run_as_user srun -N"$NIXC_NODES" --nix-store='~/.img/corrupt.sqsh' true
  assert_failure
  assert_output_contains "nix: --nix-store=~/.img/corrupt.sqsh: "
  assert_output_contains "(corrupt?)"
  assert_no_image_left
}

# Swapped between submit and start: the node opens what is there then.
# Swapped while the job runs: its steps keep the image it started with.
image_test_swapped() {
  as_user cp "$NIXC_IMG_DIR/a.sqsh" "$NIXC_IMG_DIR/swap.sqsh"
  job=$(submit -H -N1 -o "$NIXC_SCRATCH/out/%j.out" --nix-store='~/.img/swap.sqsh' --wrap "$NIX_HELLO_BIN")
  as_user mv "$NIXC_IMG_DIR/text.sqsh" "$NIXC_IMG_DIR/swap.sqsh"
  scontrol release "$job"
  job_state=$(wait_job "$job" 60) || true
  output=$(cat "$NIXC_SCRATCH/out/$job.out")
  assert_equal "$job_state" FAILED
  assert_output_contains "nix: --nix-store=~/.img/swap.sqsh: $NIXC_IMG_DIR/swap.sqsh is not a directory nor a squashfs image"
  assert_no_image_left

  as_user cp "$NIXC_IMG_DIR/a.sqsh" "$NIXC_IMG_DIR/swap.sqsh"
  run_batch -N1 --nix-store='~/.img/swap.sqsh' -- "
    srun -n1 $NIX_HELLO_BIN
    mv ~/.img/b.sqsh ~/.img/swap.sqsh
    srun -n1 $NIX_HELLO_BIN"
  assert_equal "$job_state" COMPLETED
  assert_equal "$(grep -c "^$NIX_GREETING on" <<<"$output")" 2
  run_as_user srun -N1 --nix-store='~/.img/swap.sqsh' "$(fixture_var b NIX_HELLO_BIN)"
  assert_success
  assert_output_contains "store B on"
  assert_no_image_left
}

# scancel (TERM, then KILL) of a running job, and a KILL of everything.
image_test_cancel_leaves_nothing() {
  local mode=$1 sig
  for sig in TERM KILL; do
    job=$(submit -N"$NIXC_NODES" -o /dev/null --nix-store='~/.img/a.sqsh' \
      --wrap "srun -N$NIXC_NODES sh -c '$NIX_HELLO_BIN && sleep 300'")
    wait_job_state "$job" RUNNING 30
    local deadline=$(($(date +%s) + 30))
    until image_in_use "$mode" >/dev/null && [ "$(grep -c . < <(image_in_use "$mode"))" -ge "$NIXC_NODES" ]; do
      [ "$(date +%s)" -lt "$deadline" ] || { echo "no image in use on every node"; return 1; }
      sleep 0.2
    done
    scancel --full -s "$sig" "$job"
    [ "$sig" = KILL ] || scancel "$job"
    wait_job "$job" 60 >/dev/null || true
    assert_no_image_left 30
  done
}
