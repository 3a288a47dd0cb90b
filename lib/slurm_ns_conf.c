#include "slurm_ns_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "slurm_hostlist.h"
#include "slurm_paths.h"
#include "yaml_reader.h"

enum slurm_ns_type slurm_ns_type_of(const char *plugin)
{
	if (!strcasecmp(plugin, "job_container/tmpfs") || !strcasecmp(plugin, "namespace/tmpfs"))
		return SLURM_NS_TMPFS;
	if (!strcasecmp(plugin, "namespace/linux"))
		return SLURM_NS_LINUX;
	return SLURM_NS_NONE;
}

/* ------------------------------------------------------------ results */

static void set_base_path(struct slurm_ns_conf *out, const char *v,
			  const char *node, const char *host)
{
	slurm_conf_expand(v, node, host, out->base_path, sizeof(out->base_path));
	out->enabled = out->base_path[0] && strncasecmp(out->base_path, "none", 4);
}

static void add_dir(struct slurm_ns_conf *out, const char *dir)
{
	if (out->ndirs < SLURM_NS_DIRS_MAX && dir[0] == '/')
		snprintf(out->dirs[out->ndirs++], PATH_MAX, "%s", dir);
}

/* "Dirs=/tmp,/dev/shm": replaces what was there. */
static void set_dirs(struct slurm_ns_conf *out, const char *list)
{
	char buf[CONF_LINE_MAX], *save = NULL;

	out->ndirs = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *d = strtok_r(buf, ", ", &save); d; d = strtok_r(NULL, ", ", &save))
		add_dir(out, d);
}

static void init_conf(struct slurm_ns_conf *out)
{
	out->enabled = false;
	out->base_path[0] = '\0';
	set_dirs(out, "/tmp,/dev/shm"); /* Slurm's default Dirs */
}

/* ------------------------------------------------------------ job_container.conf */

/* One "Key=value Key=value" line: its NodeName (or NULL), BasePath, Dirs. */
struct jc_line {
	const char *nodes, *base_path, *dirs;
};

static void jc_parse_line(char *line, struct jc_line *l)
{
	char *save = NULL;

	memset(l, 0, sizeof(*l));
	line[strcspn(line, "#\r")] = '\0';
	for (char *tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			continue;
		*eq = '\0';
		if (!strcasecmp(tok, "NodeName"))
			l->nodes = eq + 1;
		else if (!strcasecmp(tok, "BasePath"))
			l->base_path = eq + 1;
		else if (!strcasecmp(tok, "Dirs"))
			l->dirs = eq + 1;
	}
}

void slurm_ns_conf_from_jc(const char *text, const char *node, const char *host,
			   struct slurm_ns_conf *out)
{
	char line[CONF_LINE_MAX];
	struct jc_line l;

	init_conf(out);
	for (const char *p = text; (p = conf_next_line(p, line));) {
		jc_parse_line(line, &l);
		/* a NodeName line for another node says nothing about this one */
		if (l.nodes && !slurm_hostlist_has(l.nodes, node))
			continue;
		if (l.base_path)
			set_base_path(out, l.base_path, node, host);
		if (l.dirs)
			set_dirs(out, l.dirs);
	}
}

/* ------------------------------------------------------------ namespace.yaml */

/* Pass 1: the first node_confs item whose nodes name this node. */
struct yaml_find_node {
	const char *node;
	int found; /* item index, -1 */
};

/* "node_confs[3].nodes..." -> 3, else -1. */
static int node_conf_index(const char *path, const char **rest)
{
	char *end;
	long i;

	if (strncmp(path, "node_confs[", 11))
		return -1;
	i = strtol(path + 11, &end, 10);
	if (end[0] != ']' || end[1] != '.')
		return -1;
	*rest = end + 2;
	return (int)i;
}

static void find_node_scalar(void *ctx, const char *path, const char *value)
{
	struct yaml_find_node *f = ctx;
	const char *rest;
	int i = node_conf_index(path, &rest);

	if (i < 0 || f->found >= 0 || strncmp(rest, "nodes", 5))
		return;
	if (slurm_hostlist_has(value, f->node))
		f->found = i;
}

/* Pass 2: the defaults, then that item's options over them. */
struct yaml_collect {
	struct slurm_ns_conf *out;
	const char *node, *host;
	int item;
	bool dir_confs_seen[2]; /* [0] defaults, [1] the node's: replace Dirs */
	struct slurm_ns_conf node_conf;
	bool node_base_path, node_dirs;
};

static void collect_option(struct yaml_collect *c, int node, const char *key, const char *value)
{
	struct slurm_ns_conf *to = node ? &c->node_conf : c->out;

	if (!strcmp(key, "base_path")) {
		set_base_path(to, value, c->node, c->host);
		c->node_base_path |= node;
	} else if (!strcmp(key, "dirs")) {
		if (!c->dir_confs_seen[node])
			set_dirs(to, value);
		c->node_dirs |= node;
	} else if (!strncmp(key, "dirs[", 5)) {
		if (!strcmp(key, "dirs[0]") && !c->dir_confs_seen[node])
			to->ndirs = 0;
		if (!c->dir_confs_seen[node])
			add_dir(to, value);
		c->node_dirs |= node;
	} else if (!strncmp(key, "dir_confs[", 10) && strstr(key, "].path")) {
		/* dir_confs supersede dirs */
		if (!c->dir_confs_seen[node])
			to->ndirs = 0;
		c->dir_confs_seen[node] = true;
		add_dir(to, value);
		c->node_dirs |= node;
	}
}

static void collect_scalar(void *ctx, const char *path, const char *value)
{
	struct yaml_collect *c = ctx;
	const char *rest;

	if (!strncmp(path, "defaults.", 9)) {
		collect_option(c, 0, path + 9, value);
		return;
	}
	if (node_conf_index(path, &rest) == c->item && !strncmp(rest, "options.", 8))
		collect_option(c, 1, rest + 8, value);
}

void slurm_ns_conf_from_yaml(const char *text, const char *node, const char *host,
			     struct slurm_ns_conf *out)
{
	struct yaml_find_node find = { .node = node, .found = -1 };
	struct yaml_reader r = { .scalar = find_node_scalar, .ctx = &find };
	struct yaml_collect c = { .out = out, .node = node, .host = host };

	init_conf(out);
	yaml_read(text, &r);
	c.item = find.found;
	init_conf(&c.node_conf);
	r = (struct yaml_reader){ .scalar = collect_scalar, .ctx = &c };
	yaml_read(text, &r);
	if (c.node_base_path) {
		memcpy(out->base_path, c.node_conf.base_path, sizeof(out->base_path));
		out->enabled = c.node_conf.enabled;
	}
	if (c.node_dirs) {
		memcpy(out->dirs, c.node_conf.dirs, sizeof(out->dirs));
		out->ndirs = c.node_conf.ndirs;
	}
}

/* ------------------------------------------------------------ files */

void slurm_ns_conf_read(enum slurm_ns_type type, const char *conf_dir,
			const char *node, const char *host, struct slurm_ns_conf *out)
{
	char path[PATH_MAX];
	char *text;

	init_conf(out);
	if (type == SLURM_NS_NONE)
		return;
	snprintf(path, sizeof(path), "%s/%s", conf_dir,
		 type == SLURM_NS_LINUX ? "namespace.yaml" : "job_container.conf");
	text = slurm_conf_read_text(path, SLURM_NS_CONF_MAX);
	if (!text)
		return;
	if (type == SLURM_NS_LINUX)
		slurm_ns_conf_from_yaml(text, node, host, out);
	else
		slurm_ns_conf_from_jc(text, node, host, out);
	free(text);
}
