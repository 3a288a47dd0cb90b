/* GPU driver libraries for /run/opengl-driver/lib, nixpkgs' place for the
 * host's driver (a store cannot hold the driver matching the node's kernel
 * module): which host files to show there, as plain data. The view binds
 * them (mount_plan_gpu); device nodes stay as the host has them.
 *
 * Where they come from (the admin's gpu_libs= setting):
 *   auto         the driver's libraries in ldconfig's cache (gpu_ld_cache=,
 *                /etc/ld.so.cache): the libraries nvidia-container-cli
 *                lists (libcuda, libnvidia-*, the GL/EGL/GLES/Vulkan and
 *                VDPAU ICDs ...), by soname
 *   none         nothing
 *   ITEM[,ITEM]  absolute paths: a file, a glob, or a directory (its lib*.so*)
 * 32-bit libraries (ELF class) go to /run/opengl-driver-32/lib. */
#ifndef SPANK_NIX_GPU_LIBS_H
#define SPANK_NIX_GPU_LIBS_H

#include <stdbool.h>
#include <stddef.h>

#include "mount_plan.h"
#include "nix_error.h"

#define GPU_LIBS_MAX 512          /* more are not shown */
#define GPU_LD_CACHE_MAX (16 << 20) /* a bigger cache is not read */

struct gpu_lib {
	char *name;  /* the file name in /run/opengl-driver[-32]/lib */
	char *path;  /* the host file (may be a symlink: the mount follows it) */
	bool lib32;
};

struct gpu_libs {
	struct gpu_lib *v;
	size_t n, cap;
};

/* Is this soname one of the driver's? */
bool gpu_lib_is_driver(const char *soname);

/* The driver's libraries listed in an ldconfig cache (new format, glibc
 * 2.32+, or the compat one holding it). A missing cache: none. */
int gpu_libs_from_ld_cache(const char *cache_path, struct gpu_libs *out,
			   struct nix_err *err);

/* What a gpu_libs= setting shows (see above). Files that do not exist are
 * left out; the first of two with the same name wins. */
int gpu_libs_find(const char *setting, const char *ld_cache,
		  struct gpu_libs *out, struct nix_err *err);

/* Check a gpu_libs= setting's syntax (for the plugstack parser). */
int gpu_libs_setting_check(const char *setting, struct nix_err *err);

void gpu_libs_free(struct gpu_libs *libs);

/* Open /run and add to plan what shows libs under it (nothing when there
 * are none). *run_fd (-1 if not opened) must stay open until the plan is
 * applied: the old /run is reached through it. */
int gpu_plan_view(const struct gpu_libs *libs, int *run_fd,
		  struct mount_plan *plan, struct nix_err *err);

/* The entries of the directory run_fd (/run), as mount_plan_gpu takes them. */
int gpu_run_scan(int run_fd, struct host_root *run, struct nix_err *err);

#endif
