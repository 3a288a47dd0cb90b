#include "slurm_ns_conf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "slurm_paths.h"

#define LINE_MAX_LEN 4096
#define YAML_DEPTH 16
#define KEY_MAX 64

enum slurm_ns_type slurm_ns_type_of(const char *plugin)
{
	if (!strcasecmp(plugin, "job_container/tmpfs") || !strcasecmp(plugin, "namespace/tmpfs"))
		return SLURM_NS_TMPFS;
	if (!strcasecmp(plugin, "namespace/linux"))
		return SLURM_NS_LINUX;
	return SLURM_NS_NONE;
}

/* ------------------------------------------------------------ host lists */

/* One "prefix[ranges]suffix" (or a plain name) against node. */
static bool host_expr_has(const char *expr, size_t len, const char *node)
{
	const char *open = memchr(expr, '[', len), *close;
	size_t pre, suf, nlen = strlen(node);
	char ranges[256], *save = NULL;

	if (!open)
		return len == nlen && !strncmp(expr, node, len);
	close = memchr(open, ']', len - (size_t)(open - expr));
	if (!close || (size_t)(close - open) >= sizeof(ranges))
		return false;
	pre = (size_t)(open - expr);
	suf = len - (size_t)(close - expr) - 1;
	if (nlen <= pre + suf || strncmp(node, expr, pre) ||
	    strncmp(node + nlen - suf, close + 1, suf))
		return false;
	/* the number between prefix and suffix */
	size_t dlen = nlen - pre - suf;
	const char *digits = node + pre;

	for (size_t i = 0; i < dlen; i++)
		if (!isdigit((unsigned char)digits[i]))
			return false;
	long num = strtol(digits, NULL, 10);

	memcpy(ranges, open + 1, (size_t)(close - open) - 1);
	ranges[close - open - 1] = '\0';
	for (char *r = strtok_r(ranges, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(r, '-');
		long lo = strtol(r, NULL, 10), hi = dash ? strtol(dash + 1, NULL, 10) : lo;
		size_t width = dash ? (size_t)(dash - r) : strlen(r);

		/* zero-padded ranges ("n[01-04]") name nodes of that width */
		if (r[0] == '0' && width > 1 && dlen != width)
			continue;
		if (num >= lo && num <= hi)
			return true;
	}
	return false;
}

bool slurm_hostlist_has(const char *list, const char *node)
{
	const char *p = list;

	while (*p) {
		size_t len = 0;
		int depth = 0;

		/* a comma inside brackets belongs to the range list */
		while (p[len] && (depth || p[len] != ',')) {
			depth += p[len] == '[' ? 1 : p[len] == ']' ? -1 : 0;
			len++;
		}
		if (len && host_expr_has(p, len, node))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
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
	char buf[LINE_MAX_LEN], *save = NULL;

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

/* The next line of text (without '\n', cut at LINE_MAX_LEN); NULL at the end. */
static const char *next_line(const char *p, char *line)
{
	const char *end;
	size_t len;

	if (!p || !*p)
		return NULL;
	end = strchrnul(p, '\n');
	len = (size_t)(end - p) < LINE_MAX_LEN - 1 ? (size_t)(end - p) : LINE_MAX_LEN - 1;
	memcpy(line, p, len);
	line[len] = '\0';
	return *end ? end + 1 : end;
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
	char line[LINE_MAX_LEN];
	struct jc_line l;

	init_conf(out);
	for (const char *p = text; (p = next_line(p, line));) {
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

/* What the reader keeps of the document: the path of each scalar, e.g.
 * "defaults.base_path", "node_confs[1].nodes[0]",
 * "node_confs[0].options.dir_confs[2].path". */
struct yaml_frame {
	int indent;
	bool item;              /* a "- " sequence item, else a "key:" */
	char key[KEY_MAX];
	int items;              /* key: how many sequence items it has had */
};

struct yaml_reader {
	struct yaml_frame f[YAML_DEPTH];
	int depth;
	bool broken; /* deeper than YAML_DEPTH or a tab: stop reading */
	void (*scalar)(void *ctx, const char *path, const char *value);
	void *ctx;
};

/* Append s to out (len bytes), cut at the end; returns the new length. */
static size_t append(char *out, size_t o, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (o >= len)
		return o;
	if (n > len - o - 1)
		n = len - o - 1;
	memcpy(out + o, s, n);
	out[o + n] = '\0';
	return o + n;
}

static void yaml_path(const struct yaml_reader *r, const char *last, char *out, size_t len)
{
	char index[16];
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < r->depth; i++) {
		if (r->f[i].item) {
			sprintf(index, "[%d]", (r->f[i - 1].items - 1) & 0xffffff);
			o = append(out, o, len, index);
			continue;
		}
		if (o)
			o = append(out, o, len, ".");
		o = append(out, o, len, r->f[i].key);
	}
	if (last) {
		if (o)
			o = append(out, o, len, ".");
		append(out, o, len, last);
	}
}

/* A scalar without its quotes and trailing blanks. */
static char *unquote(char *v)
{
	size_t n;

	while (*v == ' ')
		v++;
	n = strlen(v);
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\r'))
		v[--n] = '\0';
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = '\0';
		return v + 1;
	}
	return v;
}

/* Cut a comment: '#' at the start or after a blank, outside quotes. */
static void cut_comment(char *line)
{
	char quote = 0;

	for (char *c = line; *c; c++) {
		if (quote) {
			quote = *c == quote ? 0 : quote;
		} else if (*c == '"' || *c == '\'') {
			quote = *c;
		} else if (*c == '#' && (c == line || c[-1] == ' ')) {
			*c = '\0';
			return;
		}
	}
}

/* The first comma of s outside brackets, or NULL. */
static char *top_level_comma(char *s)
{
	int depth = 0;

	for (; *s; s++) {
		depth += *s == '[' ? 1 : *s == ']' ? -1 : 0;
		if (*s == ',' && depth <= 0)
			return s;
	}
	return NULL;
}

static void yaml_emit(struct yaml_reader *r, const char *key, char *value)
{
	char path[512], item[KEY_MAX + 16];
	int i = 0;

	value = unquote(value);
	if (value[0] != '[') {
		yaml_path(r, key, path, sizeof(path));
		r->scalar(r->ctx, path, value);
		return;
	}
	/* a flow list: key[0], key[1]... (host lists keep their brackets) */
	char *end = strrchr(value, ']');

	if (!end)
		return;
	*end = '\0';
	for (char *v = value + 1; v;) {
		char *next = top_level_comma(v);

		if (next)
			*next++ = '\0';
		snprintf(item, sizeof(item), "%s[%d]", key ? key : "", i++);
		yaml_path(r, item, path, sizeof(path));
		r->scalar(r->ctx, path, unquote(v));
		v = next;
	}
}

static bool yaml_push(struct yaml_reader *r, int indent, bool item, const char *key)
{
	if (r->depth == YAML_DEPTH) {
		r->broken = true;
		return false;
	}
	r->f[r->depth] = (struct yaml_frame){ .indent = indent, .item = item, .items = 0 };
	snprintf(r->f[r->depth].key, KEY_MAX, "%s", key ? key : "");
	r->depth++;
	return true;
}

/* "key: value" or "key:" at column col. */
static void yaml_key_line(struct yaml_reader *r, int col, char *content)
{
	char *colon = strstr(content, ": "), *value;

	if (!colon && content[strlen(content) - 1] == ':')
		colon = content + strlen(content) - 1;
	if (!colon || colon == content)
		return; /* not a mapping entry: skipped */
	*colon = '\0';
	value = colon[1] ? colon + 2 : colon + 1;
	content = unquote(content);
	value += strspn(value, " ");
	if (*value && *value != '\r')
		yaml_emit(r, content, value);
	else
		yaml_push(r, col, false, content); /* a block follows */
}

static void yaml_line(struct yaml_reader *r, char *line)
{
	int col = 0;
	char *content;

	cut_comment(line);
	while (line[col] == ' ')
		col++;
	content = line + col;
	if (content[0] == '\t') {
		r->broken = true; /* YAML forbids tabs for indentation */
		return;
	}
	content[strcspn(content, "\r")] = '\0';
	if (!content[strspn(content, " ")] || !strcmp(content, "---"))
		return;
	bool item = content[0] == '-' && (content[1] == ' ' || content[1] == '\0');

	/* leave the blocks this line is not inside */
	while (r->depth) {
		const struct yaml_frame *top = &r->f[r->depth - 1];

		if (top->indent > col || (top->indent == col && (!item || top->item)))
			r->depth--;
		else
			break;
	}
	if (!item) {
		yaml_key_line(r, col, content);
		return;
	}
	if (!r->depth || r->f[r->depth - 1].item)
		return; /* a sequence without a key: not ours */
	r->f[r->depth - 1].items++;
	if (!yaml_push(r, col, true, NULL))
		return;
	content = unquote(content + 1);
	if (!*content)
		return;
	if (strstr(content, ": ") || content[strlen(content) - 1] == ':')
		yaml_key_line(r, col + 2, content);
	else
		yaml_emit(r, NULL, content);
}

static void yaml_read(const char *text, struct yaml_reader *r)
{
	char line[LINE_MAX_LEN];

	for (const char *p = text; !r->broken && (p = next_line(p, line));)
		yaml_line(r, line);
}

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
