#include "yaml_reader.h"

#include <stdio.h>
#include <string.h>

/* The next line of text (without '\n', cut at CONF_LINE_MAX); NULL at the end. */
const char *conf_next_line(const char *p, char *line)
{
	const char *end;
	size_t len;

	if (!p || !*p)
		return NULL;
	end = strchrnul(p, '\n');
	len = (size_t)(end - p) < CONF_LINE_MAX - 1 ? (size_t)(end - p) : CONF_LINE_MAX - 1;
	memcpy(line, p, len);
	line[len] = '\0';
	return *end ? end + 1 : end;
}

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
	char path[512], item[YAML_KEY_MAX + 16];
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
	snprintf(r->f[r->depth].key, YAML_KEY_MAX, "%s", key ? key : "");
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

void yaml_read(const char *text, struct yaml_reader *r)
{
	char line[CONF_LINE_MAX];

	for (const char *p = text; !r->broken && (p = conf_next_line(p, line));)
		yaml_line(r, line);
}
