#include "slurm_paths.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nix_path.h"

void slurm_paths_add(struct slurm_paths *out, const char *path)
{
	char norm[PATH_MAX];

	if (out->n == SLURM_PATHS_MAX || nix_path_normalize(path, norm, sizeof(norm), NULL) < 0)
		return;
	for (int i = 0; i < out->n; i++)
		if (!strcmp(out->path[i], norm))
			return;
	strcpy(out->path[out->n++], norm);
}

void slurm_paths_add_dir_of(struct slurm_paths *out, const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	slurm_paths_add(out, dir);
}

void slurm_conf_expand(const char *in, const char *node, const char *host,
		       char *out, size_t outlen)
{
	size_t o = 0;

	for (const char *p = in; *p && o + 1 < outlen; p++) {
		const char *sub = NULL;

		if (p[0] == '%' && p[1] == 'n')
			sub = node;
		else if (p[0] == '%' && p[1] == 'h')
			sub = host;
		if (sub) {
			o += snprintf(out + o, outlen - o, "%s", sub);
			p++;
			continue;
		}
		out[o++] = *p;
	}
	out[o < outlen ? o : outlen - 1] = '\0';
}

/* The value of "Key=value" on a line (case-insensitive key), or NULL. */
static const char *value_of(const char *line, const char *key)
{
	size_t n = strlen(key);

	while (*line == ' ' || *line == '\t')
		line++;
	if (strncasecmp(line, key, n) || line[n] != '=')
		return NULL;
	return line + n + 1;
}

void slurm_paths_from_conf(const char *conf_text, const char *conf_path,
			   const char *node, const char *host,
			   struct slurm_paths *out)
{
	char line[4096], val[PATH_MAX], exp[PATH_MAX];
	const char *p = conf_text, *v;

	out->n = 0;
	out->ns_type = SLURM_NS_NONE;
	slurm_paths_add_dir_of(out, conf_path);
	while (p && *p) {
		const char *end = strchrnul(p, '\n');
		size_t len = (size_t)(end - p) < sizeof(line) - 1 ? (size_t)(end - p) : sizeof(line) - 1;

		memcpy(line, p, len);
		line[len] = '\0';
		line[strcspn(line, "# \t\r")] = '\0'; /* one key=value per line here */
		p = *end ? end + 1 : end;

		if ((v = value_of(line, "SlurmdSpoolDir")) || (v = value_of(line, "TmpFS"))) {
			snprintf(val, sizeof(val), "%s", v);
			slurm_conf_expand(val, node, host, exp, sizeof(exp));
			slurm_paths_add(out, exp);
		} else if ((v = value_of(line, "AuthInfo"))) {
			const char *s = strstr(v, "socket=");

			if (!s)
				continue;
			snprintf(val, sizeof(val), "%s", s + strlen("socket="));
			val[strcspn(val, ",")] = '\0';
			slurm_paths_add_dir_of(out, val);
		} else if ((v = value_of(line, "PlugStackConfig")) ||
			   (v = value_of(line, "TaskProlog")) ||
			   (v = value_of(line, "TaskEpilog"))) {
			slurm_paths_add_dir_of(out, v);
		} else if ((v = value_of(line, "NamespaceType")) ||
			   (v = value_of(line, "JobContainerType"))) {
			/* 25.11 renamed JobContainerType; either names the plugin */
			out->ns_type = slurm_ns_type_of(v);
		} else if ((v = value_of(line, "PluginDir"))) {
			char *save = NULL;

			snprintf(val, sizeof(val), "%s", v);
			for (char *d = strtok_r(val, ":", &save); d; d = strtok_r(NULL, ":", &save))
				slurm_paths_add(out, d);
		}
	}
}

/* Root's files, named by slurmstepd's own environment, but a FIFO or a
 * device there must not hang or flood the root task. */
char *slurm_conf_read_text(const char *conf_path, off_t max)
{
	int fd = open(conf_path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	char *text = NULL;
	size_t got = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > max)
		goto out;
	text = malloc((size_t)st.st_size + 1);
	while (text && got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* shrunk while read: what was read is all */
		got += (size_t)n;
	}
	if (text)
		text[got] = '\0';
out:
	close(fd);
	return text;
}

void slurm_paths_add_ns(struct slurm_paths *out, const char *conf_path,
			const char *node, const char *host)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(conf_path, '/');
	struct slurm_ns_conf *ns;

	if (out->ns_type == SLURM_NS_NONE || !slash)
		return;
	/* the namespace plugin's file is next to slurm.conf */
	if ((size_t)(slash - conf_path) >= sizeof(dir))
		return;
	memcpy(dir, conf_path, (size_t)(slash - conf_path));
	dir[slash - conf_path] = '\0';
	ns = malloc(sizeof(*ns));
	if (!ns)
		return;
	slurm_ns_conf_read(out->ns_type, dir[0] ? dir : "/", node, host, ns);
	if (ns->enabled) {
		slurm_paths_add(out, ns->base_path);
		for (int i = 0; i < ns->ndirs; i++)
			slurm_paths_add(out, ns->dirs[i]);
	}
	free(ns);
}

void slurm_paths_read(const char *conf_path, const char *node,
		      const char *host, struct slurm_paths *out)
{
	char *text = slurm_conf_read_text(conf_path, SLURM_CONF_MAX);

	slurm_paths_from_conf(text ? text : "", conf_path, node, host, out);
	free(text);
	slurm_paths_add_ns(out, conf_path, node, host);
	slurm_paths_add(out, "/var/run/munge");
	slurm_paths_add(out, "/run/munge");
	slurm_paths_add(out, "/var/spool/slurmd");
}

/* What --nix-hide must leave reachable for Slurm to keep working inside:
 * its conf (srun in a batch script), spool, TmpFS and munge socket. Only
 * from slurmstepd's own environment (set by slurmd): spank_getenv would
 * give the job's SLURM_CONF, which its user chooses (a FIFO to hang root,
 * a file saying SlurmdSpoolDir=/opt to un-hide /opt). */
void slurm_paths_for_task(const char *node, const void *plugin_symbol,
			  struct slurm_paths *out)
{
	char host[256];
	const char *conf = getenv("SLURM_CONF");

	if (!conf || conf[0] != '/')
		conf = "/etc/slurm/slurm.conf";
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "%s", node);
	slurm_paths_read(conf, node, host, out);
	/* srun inside a batch script loads this very plugin */
	Dl_info self;

	if (dladdr(plugin_symbol, &self) && self.dli_fname && self.dli_fname[0] == '/')
		slurm_paths_add_dir_of(out, self.dli_fname);
}
