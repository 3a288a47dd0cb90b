#include "nix_state_list.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nix_state.h"
#include "nix_state_in_use.h"

/* Is the file at path a pinned mount namespace (a bind of an nsfs)? */
static bool is_pinned(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	bool pinned;

	if (fd < 0)
		return false;
	pinned = ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNS;
	close(fd);
	return pinned;
}

/* One field of a .view description ("name=<len>:<bytes> "), cut to fit
 * out; "" when absent. */
static void view_field(const char *desc, size_t len, const char *name, char *out,
		       size_t outlen)
{
	size_t nlen = strlen(name), i = 0;

	out[0] = '\0';
	while (i < len) {
		const char *f = desc + i, *colon;
		char *end;
		unsigned long vlen;

		colon = memchr(f, ':', len - i);
		if (!colon || !memchr(f, '=', (size_t)(colon - f)))
			return;
		vlen = strtoul(strchr(f, '=') + 1, &end, 10);
		if (end != colon || vlen > len - (size_t)(colon + 1 - desc))
			return;
		if ((size_t)(strchr(f, '=') - f) == nlen && !strncmp(f, name, nlen)) {
			snprintf(out, outlen, "%.*s", (int)vlen, colon + 1);
			return;
		}
		i = (size_t)(colon + 1 - desc) + vlen + 1;
	}
}

static void read_view(const char *job, const char *name, struct nix_state_view *v)
{
	char path[2 * PATH_MAX + 32], closure[8];
	static char desc[NIX_STATE_VIEW_MAX];
	size_t len = 0;
	FILE *f;

	memset(v, 0, sizeof(*v));
	snprintf(v->key, sizeof(v->key), "%.*s", (int)(strlen(name) - 4), name);
	snprintf(path, sizeof(path), "%s/%s", job, name);
	v->pinned = is_pinned(path);
	snprintf(path, sizeof(path), "%s/%s.view", job, v->key);
	f = fopen(path, "re");
	if (f) {
		len = fread(desc, 1, sizeof(desc), f);
		fclose(f);
	}
	view_field(desc, len, "store", v->store, sizeof(v->store));
	view_field(desc, len, "closure", closure, sizeof(closure));
	view_field(desc, len, "hide", v->hide, sizeof(v->hide));
	view_field(desc, len, "writable", v->writable, sizeof(v->writable));
	v->closure = closure[0] != '\0';
}

/* Owner record: uid and whether it is of this boot. */
static void read_owner(const char *job, struct nix_state_job *out)
{
	char file[PATH_MAX + NAME_MAX + 16], line[160], boot[64];
	unsigned uid;
	struct stat st;
	FILE *f;

	snprintf(file, sizeof(file), "%s/owner", job);
	f = fopen(file, "re");
	if (!f)
		return;
	if (fstat(fileno(f), &st) == 0)
		out->since = st.st_mtime;
	nix_boot_id(boot);
	if (fgets(line, sizeof(line), f) && sscanf(line, "uid=%u ", &uid) == 1) {
		const char *b = strstr(line, "boot=");

		out->has_owner = true;
		out->uid = (uid_t)uid;
		line[strcspn(line, "\n")] = '\0';
		out->this_boot = b && !strcmp(b + 5, boot);
	}
	fclose(f);
}

static void read_job(const char *node, const char *job, uint32_t id,
		     const struct ino_set *used, bool used_ok, struct nix_state_job *out)
{
	struct ino_set pinned = { 0 };
	struct dirent *de;
	DIR *d;

	memset(out, 0, sizeof(*out));
	snprintf(out->node, sizeof(out->node), "%s", node);
	snprintf(out->path, sizeof(out->path), "%s", job);
	out->jobid = id;
	read_owner(job, out);
	d = opendir(job);
	while (d && (de = readdir(d)) && out->nviews < NIX_STATE_LIST_VIEWS) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".mnt"))
			continue;
		read_view(job, de->d_name, &out->views[out->nviews++]);
	}
	if (d)
		closedir(d);
	out->in_use = -1;
	if (!used_ok)
		return;
	nix_state_pinned_namespaces(job, &pinned);
	out->in_use = 0;
	for (size_t k = 0; k < pinned.n; k++)
		if (nix_ino_set_has(used, pinned.v[k]))
			out->in_use = 1;
	free(pinned.v);
}

int nix_state_list(const char *state_dir, nix_state_list_cb cb, void *arg,
		   struct nix_err *err)
{
	static struct nix_state_job job;
	struct ino_set used = { 0 };
	struct dirent *nd, *jd;
	DIR *top = opendir(state_dir);
	bool used_ok;

	if (!top)
		return errno == ENOENT ? 0 : nix_err_errno(err, errno, "cannot open %s", state_dir);
	used_ok = nix_namespaces_in_use(&used) == 0;
	while ((nd = readdir(top))) {
		char node_dir[PATH_MAX];
		DIR *d;

		if (!nix_state_is_plain_name(nd->d_name) || nd->d_name[0] == '.')
			continue;
		snprintf(node_dir, sizeof(node_dir), "%s/%s", state_dir, nd->d_name);
		d = opendir(node_dir);
		while (d && (jd = readdir(d))) {
			char path[PATH_MAX + NAME_MAX + 2];
			unsigned id;
			char tail;

			if (sscanf(jd->d_name, "job.%u%c", &id, &tail) != 1)
				continue;
			snprintf(path, sizeof(path), "%s/%s", node_dir, jd->d_name);
			read_job(nd->d_name, path, id, &used, used_ok, &job);
			cb(&job, arg);
		}
		if (d)
			closedir(d);
	}
	closedir(top);
	free(used.v);
	return 0;
}
