#!/usr/bin/env bats
# --nix-store=IMAGE --nix-closure --nix-profile with the default
# squashfs=fuse: refused with one nix: line naming --nix-profile, before
# the job is queued and on the node; nothing left. Bodies in
# image_profile_helpers.bash (shared with 127-image-profile-kernel.bats).

load helpers
load nix_helpers
load image_helpers
load image_profile_helpers

setup_file() { image_profile_setup_file fuse; }
teardown() { cancel_user_jobs; }
teardown_file() { remove_profile_image; }

@test "fuse: --nix-profile with --nix-closure on an image: srun, sbatch and salloc refuse it with one nix: line" {
  image_profile_test_refused_at_submit
}
@test "fuse: the node refuses it the same way (an image in the directory's place after srun's check), nothing left" {
  image_profile_test_refused_on_node
}
@test "fuse: what the line suggests works: the profile without --nix-closure, the store path in the closure" {
  image_profile_test_without_closure
}
