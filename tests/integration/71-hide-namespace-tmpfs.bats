#!/usr/bin/env bats
# cluster: NIXC_JOB_CONTAINER=tmpfs NIXC_NS_DIRS=/tmp,/dev/shm,/opt/spank-nix-jobdir
# slurm: >=23.02
# --nix-hide under job_container/tmpfs (namespace/tmpfs from 25.11) with a
# private directory below /opt (job_container.conf Dirs): the plugin reads
# job_container.conf next to slurm.conf and keeps the job's private
# directories and the node's BasePath reachable. Bodies in ns_hide_helpers.bash.

load helpers
load nix_helpers
load ns_hide_helpers

setup_file() { ns_hide_setup_file job_container.conf; }
teardown() { assert_no_job_state; }

@test "tmpfs: --nix-hide=/opt keeps the job's private directory below it" {
  check_hide_keeps_private_dir
}

@test "tmpfs: --nix-hide=/tmp keeps the job's private /tmp" {
  check_hide_keeps_job_tmp
}

@test "tmpfs: --nix-hide=/var keeps the node's BasePath" {
  check_hide_keeps_base_path
}
