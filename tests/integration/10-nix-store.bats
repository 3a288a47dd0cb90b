#!/usr/bin/env bats
# --nix-store: the user's store at /nix for every task, one namespace per job
# per node shared by the batch script and all steps.

load helpers
load nix_helpers

setup_file() {
  require_cluster
  need_fixtures
}

teardown() {
  assert_no_job_state
}


@test "srun --help explains the [nix] options" {
  run_as_user srun --help
  assert_success
  assert_output_contains "--nix-store=DIR"
  assert_output_contains "[nix] The Nix store in DIR"
  assert_output_contains "--nix-writable"
}

@test "sbatch and salloc accept the options too" {
  run_as_user sbatch --help
  assert_output_contains "--nix-store=DIR"
  run_as_user salloc --help
  assert_output_contains "--nix-store=DIR"
}

@test "srun -N2 --nix-store=~/nix runs the store-only hello on both nodes" {
  run_as_user srun -N2 --nix-store='~/nix' "$NIX_HELLO_BIN"
  assert_success
  for n in $(nodes); do
    assert_output_contains "$NIX_GREETING on $n"
  done
}

@test "without --nix-store the store-only hello does not exist" {
  run_as_user srun -N1 "$NIX_HELLO_BIN"
  assert_failure
  assert_output_contains "No such file or directory"
  assert_nodes_idle
}

@test "the store is read-only, nosuid, nodev, and its files are the user's" {
  run_as_user srun -N1 --nix-store="$NIXC_STORE_A" sh -c \
    'findmnt -no OPTIONS /nix; stat -c %U /nix/store; touch /nix/store/x 2>&1; echo touch=$?'
  assert_success
  assert_output_contains "ro,nosuid,nodev"
  assert_output_contains "$NIXC_USER"
  assert_output_contains "Read-only file system"
  assert_output_contains "touch=1"
}

@test "everything else of the host looks the same inside" {
  as_user sh -c "echo outside > $NIXC_SCRATCH/host-file"
  run_as_user srun -N1 --nix-store='~/nix' sh -c \
    'cat '"$NIXC_SCRATCH"'/host-file; echo inside > /tmp/nixc-from-task-$SLURM_JOB_ID; ls -d /dev/shm /etc/slurm* /proc/1 >/dev/null && echo dirs-ok; echo "cwd=$PWD"'
  assert_success
  assert_output_contains "outside"
  assert_output_contains "dirs-ok"
  assert_output_contains "cwd=$NIXC_HOME"
  # what the task wrote to /tmp is on the host
  run bash -c "cat /tmp/nixc-from-task-* && rm -f /tmp/nixc-from-task-*"
  assert_output_contains "inside"
}

@test "tasks are in their own user and mount namespaces, with the user's ids" {
  run_as_user srun -N1 --nix-store='~/nix' sh -c \
    'readlink /proc/self/ns/user; readlink /proc/self/ns/mnt; id -u; id -g; cat /proc/self/uid_map'
  assert_success
  local host_user host_mnt uid
  host_user=$(readlink /proc/self/ns/user)
  host_mnt=$(readlink /proc/self/ns/mnt)
  assert_output_not_contains "$host_user"
  assert_output_not_contains "$host_mnt"
  uid=$(id -u "$NIXC_USER")
  assert_equal "${lines[2]}" "$uid"
  assert_equal "${lines[3]}" "$(id -g "$NIXC_USER")"
  assert_equal "$(echo ${lines[4]})" "$uid $uid 1"
}

@test "--nix-writable mounts the store read-write on a one-node job" {
  run_as_user srun -N1 --nix-store='~/nix' --nix-writable sh -c \
    'findmnt -no OPTIONS /nix; touch /nix/var/nixc-writable && rm /nix/var/nixc-writable && echo wrote'
  assert_success
  assert_output_contains "rw,nosuid,nodev"
  assert_output_contains "wrote"
}

@test "--nix-writable is refused on a multi-node job, on the node, without draining it" {
  run_as_user srun -N2 --nix-store='~/nix' --nix-writable true
  assert_failure
  assert_output_contains "nix: --nix-writable: a writable store is for one-node jobs"
  assert_nodes_idle
}

@test "a batch script, sequential and concurrent steps share one namespace per node" {
  # prints "ns TAG HOST USERNS MNTNS"
  as_user sh -c 'printf "%s\n" "#!/bin/sh" "echo ns \$1 \$(hostname) \$(readlink /proc/self/ns/user) \$(readlink /proc/self/ns/mnt)" "sleep \${2:-0}" > '"$NIXC_SCRATCH/ns"' && chmod +x '"$NIXC_SCRATCH/ns"
  local body
  body=$(cat <<'SCRIPT'
NS batch
# a step that stays alive on both nodes while the others run, so every
# namespace compared below is alive at the same time (inodes get reused)
srun --overlap -N2 -n2 NS hold 8 &
sleep 2
srun --overlap -N2 -n2 NS seq1
srun --overlap -N2 -n2 NS seq2
srun --overlap -N2 -n2 NS conc1 1 &
srun --overlap -N2 -n2 NS conc2 1 &
wait
SCRIPT
)
  body=${body//NS /$NIXC_SCRATCH/ns }
  run_batch -N2 --ntasks-per-node=2 --nix-store='~/nix' -- "$body"
  assert_equal "$job_state" COMPLETED
  local n lines_n distinct
  for step in batch hold seq1 seq2 conc1 conc2; do
    [[ "$output" == *"ns $step "* ]] || { echo "no line from $step: $output" >&2; return 1; }
  done
  assert_equal "$(grep -c '^ns ' <<<"$output")" 11
  for n in $(nodes); do
    lines_n=$(grep "^ns [a-z0-9]* $n " <<<"$output")
    distinct=$(awk '{print $4, $5}' <<<"$lines_n" | sort -u | wc -l)
    assert_equal "$distinct" 1
  done
  # and two nodes never share one
  assert_ns_not_shared_by_nodes
  # and not the host's
  assert_output_not_contains "$(readlink /proc/self/ns/user)"
}

@test "an inner srun --nix-store=<other store> gets the other store, in the job's user namespace" {
  local hello_b body
  hello_b=$(fixture_var b NIX_HELLO_BIN)
  body="echo \"batch \$(readlink /proc/self/ns/user) \$(readlink /proc/self/ns/mnt)\"
$NIX_HELLO_BIN
srun --overlap -N1 -n1 --nix-store='~/nix-b' bash -c '$hello_b; echo \"inner \$(readlink /proc/self/ns/user) \$(readlink /proc/self/ns/mnt)\"'
srun --overlap -N1 -n1 --nix-store=none bash -c 'test -e /nix && echo has-nix || echo no-nix'"
  run_batch -N1 --nix-store='~/nix' -- "$body"
  assert_equal "$job_state" COMPLETED
  assert_output_contains "$NIX_GREETING on"
  assert_output_contains "$(fixture_var b NIX_GREETING) on"
  assert_output_contains "no-nix"
  local b_user b_mnt i_user i_mnt
  read -r _ b_user b_mnt <<<"$(grep '^batch ' <<<"$output")"
  read -r _ i_user i_mnt <<<"$(grep '^inner ' <<<"$output")"
  assert_equal "$i_user" "$b_user"
  [ "$i_mnt" != "$b_mnt" ]
}

@test "salloc: every step of the allocation shares the namespace" {
  run_as_user timeout 60 salloc -N2 --nix-store='~/nix' bash -c \
    'for s in 1 2; do srun -N2 -n2 bash -c "echo ns \$(hostname) \$(readlink /proc/self/ns/user) \$(readlink /proc/self/ns/mnt)"; done; srun -N2 '"$NIX_HELLO_BIN"
  assert_success
  assert_output_contains "$NIX_GREETING"
  for n in $(nodes); do
    assert_equal "$(grep "^ns $n " <<<"$output" | wc -l)" 2
    assert_equal "$(grep "^ns $n " <<<"$output" | sort -u | wc -l)" 1
  done
  assert_ns_not_shared_by_nodes
}

@test "two concurrent first steps of a job build its namespace once" {
  run_as_user timeout 60 salloc -N1 bash -c \
    'for s in a b c; do srun --overlap -n1 --nix-store=~/nix bash -c "echo ns \$(readlink /proc/self/ns/user) \$(readlink /proc/self/ns/mnt); sleep 2" & done; wait'
  assert_success
  assert_equal "$(grep -c '^ns ' <<<"$output")" 3
  assert_equal "$(grep '^ns ' <<<"$output" | sort -u | wc -l)" 1
}

@test "sbatch --export=NONE still gets the store" {
  run_batch -N1 --export=NONE --nix-store='~/nix' -- "$NIX_HELLO_BIN"
  assert_equal "$job_state" COMPLETED
  assert_output_contains "$NIX_GREETING"
}

@test "nothing is left after the jobs: no pin, no state, no helper process" {
  check_nothing_left
}

@test "state left by an earlier job with the same id, or from another boot, is cleared" {
  local next n
  next=$(scontrol show config | sed -n 's/^NEXT_JOB_ID *= *//p')
  [ -n "$next" ]
  for n in $(nodes); do
    # what a crashed slurmd would leave for the next job id: not ours
    on_node "$n" sh -c 'd=$1/$2; mkdir -p "$d/job.$3" "$d/job.999999" &&
      echo "uid=0 boot=not-this-boot" >"$d/job.$3/owner" &&
      echo "uid=0 boot=not-this-boot" >"$d/job.999999/owner" &&
      touch "$d/job.$3/0000000000000000.mnt"' sh "$NIXC_STATE_DIR" "$n" "$next"
  done
  run_as_user srun -N2 --nix-store='~/nix' "$NIX_HELLO_BIN"
  assert_success
  for n in $(nodes); do assert_output_contains "$NIX_GREETING on $n"; done
  assert_no_job_state
}

@test "the pins are root's: the user cannot open them, even while the job runs" {
  local id
  id=$(submit -N1 --nix-store='~/nix' -o /dev/null --wrap 'sleep 30')
  wait_job_state "$id" RUNNING 30
  # the pin appears when the batch step's task starts
  local i pin="" n
  n=$(job_field "$id" BatchHost)
  for i in $(seq 50); do
    pin=$(on_node "$n" find "$NIXC_STATE_DIR" -name '*.mnt' 2>/dev/null | head -1)
    [ -n "$pin" ] && break
    sleep 0.2
  done
  [ -n "$pin" ]
  # as the user, in the node's mount namespace (where the pin is)
  run on_node "$n" setpriv --reuid="$NIXC_USER" --regid="$NIXC_USER" --init-groups cat "$pin"
  assert_failure
  assert_output_contains "Permission denied"
  run on_node "$n" setpriv --reuid="$NIXC_USER" --regid="$NIXC_USER" --init-groups nsenter --mount="$pin" true
  assert_failure
  run on_node "$n" stat -c '%U %a' "$NIXC_STATE_DIR"
  assert_equal "$output" "root 700"
  scancel "$id"
  wait_job "$id" 30 >/dev/null || true
}
