/* A small reader of the YAML that Slurm's namespace.yaml man page uses:
 * block mappings and sequences by indentation, plain or quoted scalars,
 * flow lists ("[a, b]") and comments. It hands each scalar to a callback
 * with its path ("defaults.base_path", "node_confs[1].nodes[0]"); anything
 * else is skipped, never guessed at. Plain text in; no Slurm. */
#ifndef SPANK_NIX_YAML_READER_H
#define SPANK_NIX_YAML_READER_H

#include <stdbool.h>

#define CONF_LINE_MAX 4096 /* a longer line is cut */
#define YAML_DEPTH 16
#define YAML_KEY_MAX 64

/* What the reader keeps of the document: the path of each scalar, e.g.
 * "defaults.base_path", "node_confs[1].nodes[0]",
 * "node_confs[0].options.dir_confs[2].path". */
struct yaml_frame {
	int indent;
	bool item;              /* a "- " sequence item, else a "key:" */
	char key[YAML_KEY_MAX];
	int items;              /* key: how many sequence items it has had */
};

struct yaml_reader {
	struct yaml_frame f[YAML_DEPTH];
	int depth;
	bool broken; /* deeper than YAML_DEPTH or a tab: stop reading */
	void (*scalar)(void *ctx, const char *path, const char *value);
	void *ctx;
};

/* Read text, calling r->scalar(r->ctx, path, value) for each scalar; stops
 * (r->broken) at a tab used for indentation or nesting deeper than
 * YAML_DEPTH. r starts zeroed but for scalar and ctx. */
void yaml_read(const char *text, struct yaml_reader *r);

/* The next line of text p into line (CONF_LINE_MAX bytes, without '\n',
 * cut at the end); returns where the line after starts, NULL at the end. */
const char *conf_next_line(const char *p, char *line);

#endif
