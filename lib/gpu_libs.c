#include "gpu_libs.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The sonames nvidia-container-cli's `list --libraries` gives (its
 * utility, compute, video, graphics and display libraries). */
static const char *const driver_patterns[] = {
	"libcuda.so*", "libcudadebugger.so*", "libnvcuvid.so*", "libnvoptix.so*",
	"libnvidia-*.so*", "libGLX_nvidia.so*", "libEGL_nvidia.so*",
	"libGLESv2_nvidia.so*", "libGLESv1_CM_nvidia.so*", "libvdpau_nvidia.so*",
};

bool gpu_lib_is_driver(const char *soname)
{
	for (size_t i = 0; i < sizeof(driver_patterns) / sizeof(driver_patterns[0]); i++)
		if (fnmatch(driver_patterns[i], soname, 0) == 0)
			return true;
	return false;
}

void gpu_libs_free(struct gpu_libs *libs)
{
	for (size_t i = 0; i < libs->n; i++) {
		free(libs->v[i].name);
		free(libs->v[i].path);
	}
	free(libs->v);
	*libs = (struct gpu_libs){ 0 };
}

/* A 32-bit ELF file? (Anything unreadable counts as 64-bit: binding it
 * costs nothing, and the loader ignores what it cannot use.) */
static bool is_elf32(const char *path)
{
	unsigned char ident[EI_NIDENT];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, ident, sizeof(ident));
	close(fd);
	return n == (ssize_t)sizeof(ident) && !memcmp(ident, ELFMAG, SELFMAG) &&
	       ident[EI_CLASS] == ELFCLASS32;
}

/* Add name -> path unless the name is taken or the file is not there. */
static int add_lib(struct gpu_libs *out, const char *name, const char *path,
		   struct nix_err *err)
{
	struct stat st;

	if (out->n >= GPU_LIBS_MAX || stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	for (size_t i = 0; i < out->n; i++)
		if (!strcmp(out->v[i].name, name))
			return 0;
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 16;
		struct gpu_lib *v = realloc(out->v, cap * sizeof(*v));

		if (!v)
			return nix_err_set(err, "out of memory");
		out->v = v;
		out->cap = cap;
	}
	out->v[out->n] = (struct gpu_lib){ .name = strdup(name), .path = strdup(path),
					   .lib32 = is_elf32(path) };
	if (!out->v[out->n].name || !out->v[out->n].path) {
		free(out->v[out->n].name);
		free(out->v[out->n].path);
		return nix_err_set(err, "out of memory");
	}
	out->n++;
	return 0;
}

static int read_small_file(const char *path, size_t max, char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	ssize_t n;

	*data = NULL;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (size_t)st.st_size > max || !(*data = malloc(st.st_size))) {
		close(fd);
		return -1;
	}
	n = read(fd, *data, st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(*data);
		*data = NULL;
		return -1;
	}
	*len = n;
	return 0;
}

/* glibc's ld.so.cache, new format: a 48-byte header, then nlibs entries
 * of 24 bytes; keys (sonames) and values (paths) are offsets from the
 * header's start. */
#define LD_CACHE_MAGIC "glibc-ld.so.cache1.1"
#define LD_CACHE_HEADER 48
#define LD_CACHE_ENTRY 24

static const char *cache_string(const char *base, size_t room, uint32_t off)
{
	if (off >= room || !memchr(base + off, '\0', room - off))
		return NULL;
	return base + off;
}

int gpu_libs_from_ld_cache(const char *cache_path, struct gpu_libs *out,
			   struct nix_err *err)
{
	char *data, *base;
	size_t len, room;
	uint32_t nlibs;
	int rc = 0;

	if (read_small_file(cache_path, GPU_LD_CACHE_MAX, &data, &len) < 0)
		return 0; /* no cache: nothing to show */
	base = memmem(data, len, LD_CACHE_MAGIC, strlen(LD_CACHE_MAGIC));
	room = base ? len - (size_t)(base - data) : 0;
	if (room < LD_CACHE_HEADER)
		goto out;
	memcpy(&nlibs, base + 20, sizeof(nlibs));
	if (nlibs > (room - LD_CACHE_HEADER) / LD_CACHE_ENTRY)
		goto out;
	for (uint32_t i = 0; i < nlibs && rc == 0; i++) {
		const char *e = base + LD_CACHE_HEADER + (size_t)i * LD_CACHE_ENTRY;
		uint32_t key, value;
		const char *soname, *path;

		memcpy(&key, e + 4, sizeof(key));
		memcpy(&value, e + 8, sizeof(value));
		soname = cache_string(base, room, key);
		path = cache_string(base, room, value);
		if (soname && path && path[0] == '/' && gpu_lib_is_driver(soname))
			rc = add_lib(out, soname, path, err);
	}
out:
	free(data);
	return rc;
}

/* A directory item: its lib*.so* entries. */
static int add_dir(struct gpu_libs *out, const char *dir, struct nix_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX * 2];
	int rc = 0;

	if (!d)
		return 0;
	while (rc == 0 && (de = readdir(d))) {
		if (fnmatch("lib*.so*", de->d_name, 0) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		rc = add_lib(out, de->d_name, path, err);
	}
	closedir(d);
	return rc;
}

static int add_item(struct gpu_libs *out, const char *item, struct nix_err *err)
{
	struct stat st;
	glob_t g;
	int rc = 0;

	if (strpbrk(item, "*?[")) {
		if (glob(item, 0, NULL, &g) != 0)
			return 0;
		for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
			rc = add_lib(out, strrchr(g.gl_pathv[i], '/') + 1, g.gl_pathv[i], err);
		globfree(&g);
		return rc;
	}
	if (stat(item, &st) == 0 && S_ISDIR(st.st_mode))
		return add_dir(out, item, err);
	return add_lib(out, strrchr(item, '/') + 1, item, err);
}

int gpu_libs_setting_check(const char *setting, struct nix_err *err)
{
	char buf[PATH_MAX * 4], *save = NULL;

	if (!strcmp(setting, "auto") || !strcmp(setting, "none"))
		return 0;
	if (strlen(setting) >= sizeof(buf))
		return nix_err_set(err, "gpu_libs: value too long");
	strcpy(buf, setting);
	for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
		if (p[0] != '/')
			return nix_err_set(err, "gpu_libs=%s: %s is not an absolute path "
					   "(or say auto or none)", setting, p);
	return 0;
}

int gpu_libs_find(const char *setting, const char *ld_cache,
		  struct gpu_libs *out, struct nix_err *err)
{
	char buf[PATH_MAX * 4], *save = NULL;
	int rc = 0;

	*out = (struct gpu_libs){ 0 };
	if (!setting || !strcmp(setting, "none"))
		return 0;
	if (!strcmp(setting, "auto"))
		return gpu_libs_from_ld_cache(ld_cache, out, err);
	if (gpu_libs_setting_check(setting, err) < 0)
		return -1;
	strcpy(buf, setting);
	for (char *p = strtok_r(buf, ",", &save); p && rc == 0; p = strtok_r(NULL, ",", &save))
		rc = add_item(out, p, err);
	return rc;
}

int gpu_run_scan(int run_fd, struct host_root *run, struct nix_err *err)
{
	int fd = dup(run_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	struct stat st;
	size_t cap = 0;

	*run = (struct host_root){ 0 };
	if (!d) {
		if (fd >= 0)
			close(fd);
		return nix_err_errno(err, errno, "cannot list /run");
	}
	while ((de = readdir(d))) {
		struct host_entry e = { 0 };
		char link[PATH_MAX];
		ssize_t n;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		e.type = S_ISDIR(st.st_mode) ? HOST_DIR : S_ISLNK(st.st_mode) ? HOST_SYMLINK : HOST_FILE;
		if (e.type == HOST_SYMLINK) {
			n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
			if (n < 0)
				continue;
			link[n] = '\0';
			e.link = strdup(link);
		}
		e.name = strdup(de->d_name);
		if (run->len == cap) {
			struct host_entry *v = realloc(run->entries, (cap = cap ? cap * 2 : 32) * sizeof(*v));

			if (!v) {
				free(e.name);
				free(e.link);
				break;
			}
			run->entries = v;
		}
		run->entries[run->len++] = e;
	}
	closedir(d);
	return 0;
}

int gpu_plan_view(const struct gpu_libs *libs, int *run_fd,
		  struct mount_plan *plan, struct nix_err *err)
{
	struct host_root run;
	char old_run[64];
	int rc;

	*run_fd = -1;
	if (!libs->n)
		return 0;
	*run_fd = open("/run", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (*run_fd < 0)
		return nix_err_errno(err, errno, "GPU libraries: cannot open /run");
	if (gpu_run_scan(*run_fd, &run, err) < 0)
		return -1;
	snprintf(old_run, sizeof(old_run), "/proc/self/fd/%d", *run_fd);
	rc = mount_plan_gpu(libs, old_run, &run, plan, err);
	host_root_free(&run);
	return rc;
}
