/*
 * conf-node.c: a YAML document as brood's own read-only tree. The only file
 * of brood that includes libyaml: the walkers read struct conf_node.
 *
 * libyaml's document API loads the whole file; each of its nodes then
 * becomes one struct conf_node, in libyaml's order, so an alias is the very
 * node its anchor names. The tree is a graph: a node may be reached from
 * several places, even from inside itself ("&a [*a]"), and nothing here
 * recurses through it. A node keeps what the walkers read: its kind, a
 * scalar's text and length (the text may hold a NUL, from a "\0" escape),
 * whether the scalar was plain (a quoted "null" is a string), where it
 * starts (1-based; columns in characters, as libyaml counts them), and a
 * sequence's items or a mapping's pairs in the file's order. Tags are left
 * behind: libyaml tags every scalar as a string, and brood reads a type
 * from the text.
 *
 * Loading fails with a message placed in the file: libyaml's own problem
 * (with its context when it gives one), or a second document, which
 * libyaml would let brood ignore without a word. libyaml does not reject a
 * repeated mapping key either (the spec forbids one, and the second would
 * silently win): conf_node_repeated finds one, and the walker that reads
 * the mapping reports it, where it knows the path of keys that led there.
 *
 * Invariants: a loaded tree never changes; every pointer in it lives as
 * long as its doc; the scalars' text is libyaml's, in the document the doc
 * keeps loaded.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "conf-int.h"
#include "util.h"

struct conf_node_doc {
	yaml_document_t yaml;           /* holds the scalars' text */
	struct conf_node *nodes;        /* one per libyaml node, in its order */
	const struct conf_node **items; /* every sequence's items, one after another */
	struct conf_node_pair *pairs;   /* every mapping's pairs, one after another */
	const struct conf_node *root;   /* NULL: the document is empty */
};

/* libyaml's own complaint, placed. A reader error (a control character)
 * carries a byte offset instead of a mark. */
static char *
conf_node_problem(const char *path, const yaml_parser_t *parser, const char *buf, size_t len)
{
	const char *problem = parser->problem != NULL ? parser->problem : "cannot parse";
	size_t line, col;

	if (parser->error == YAML_MEMORY_ERROR)
		util_fatal("out of memory (parsing %s)", path);
	if (parser->error == YAML_READER_ERROR) {
		conf_position(buf, len, parser->problem_offset, &line, &col);
		return conf_msg(path, line, col, "%s", problem);
	}
	line = parser->problem_mark.line + 1;
	col = parser->problem_mark.column + 1;
	if (parser->context != NULL)
		return conf_msg(path, line, col, "%s (%s at %zu:%zu)", problem, parser->context,
		    parser->context_mark.line + 1, parser->context_mark.column + 1);
	return conf_msg(path, line, col, "%s", problem);
}

/* The node libyaml calls i (its items and pairs count from 1). */
static const struct conf_node *
conf_node_at(const struct conf_node_doc *d, int i)
{
	return &d->nodes[i - 1];
}

/* The tree of the loaded d->yaml: every node, then every item and pair,
 * each array in one allocation. */
static void
conf_node_build(struct conf_node_doc *d)
{
	const yaml_node_t *start = d->yaml.nodes.start, *top = d->yaml.nodes.top, *yn;
	size_t nitems = 0, npairs = 0;
	const struct conf_node **item;
	struct conf_node_pair *pair;
	struct conf_node *n;

	for (yn = start; yn < top; yn++) {
		if (yn->type == YAML_SEQUENCE_NODE)
			nitems += (size_t)(yn->data.sequence.items.top - yn->data.sequence.items.start);
		else if (yn->type == YAML_MAPPING_NODE)
			npairs += (size_t)(yn->data.mapping.pairs.top - yn->data.mapping.pairs.start);
	}
	d->nodes = xcalloc((size_t)(top - start), sizeof *d->nodes);
	d->items = item = xcalloc(nitems, sizeof *d->items);
	d->pairs = pair = xcalloc(npairs, sizeof *d->pairs);
	for (yn = start, n = d->nodes; yn < top; yn++, n++) {
		n->line = yn->start_mark.line + 1;
		n->col = yn->start_mark.column + 1;
		if (yn->type == YAML_SEQUENCE_NODE) {
			const yaml_node_item_t *i;

			n->kind = CONF_NODE_SEQUENCE;
			n->items = item;
			for (i = yn->data.sequence.items.start; i < yn->data.sequence.items.top; i++)
				*item++ = conf_node_at(d, *i);
			n->count = (size_t)(item - n->items);
		} else if (yn->type == YAML_MAPPING_NODE) {
			const yaml_node_pair_t *p;

			n->kind = CONF_NODE_MAPPING;
			n->pairs = pair;
			for (p = yn->data.mapping.pairs.start; p < yn->data.mapping.pairs.top; p++) {
				pair->key = conf_node_at(d, p->key);
				pair->value = conf_node_at(d, p->value);
				pair++;
			}
			n->count = (size_t)(pair - n->pairs);
		} else {
			n->kind = CONF_NODE_SCALAR;
			n->text = (const char *)yn->data.scalar.value;
			n->len = yn->data.scalar.length;
			n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		}
	}
	d->root = top > start ? &d->nodes[0] : NULL;
}

int
conf_node_load(const char *path, const char *buf, size_t len, struct conf_node_doc **doc,
    char **cause)
{
	struct conf_node_doc *d = xcalloc(1, sizeof *d);
	yaml_document_t extra;
	yaml_parser_t parser;
	char *err = NULL;

	if (!yaml_parser_initialize(&parser))
		util_fatal("out of memory (parsing %s)", path);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	if (!yaml_parser_load(&parser, &d->yaml)) {
		*cause = conf_node_problem(path, &parser, buf, len);
		yaml_parser_delete(&parser);
		free(d);
		return -1;
	}
	/* A second document would otherwise be ignored without a word. */
	if (!yaml_parser_load(&parser, &extra)) {
		err = conf_node_problem(path, &parser, buf, len);
	} else {
		if (yaml_document_get_root_node(&extra) != NULL)
			err = conf_msg(path, extra.start_mark.line + 1, extra.start_mark.column + 1,
			    "a second document (brood reads one)");
		yaml_document_delete(&extra);
	}
	yaml_parser_delete(&parser);
	if (err != NULL) {
		yaml_document_delete(&d->yaml);
		free(d);
		*cause = err;
		return -1;
	}
	conf_node_build(d);
	*doc = d;
	return 0;
}

const struct conf_node *
conf_node_root(const struct conf_node_doc *doc)
{
	return doc->root;
}

void
conf_node_free(struct conf_node_doc *doc)
{
	if (doc == NULL)
		return;
	yaml_document_delete(&doc->yaml);
	free(doc->nodes);
	free(doc->items);
	free(doc->pairs);
	free(doc);
}

/* --- repeated keys ------------------------------------------------------- */

struct conf_node_key {
	const struct conf_node *node;
	size_t order;
};

static bool
conf_node_same(const struct conf_node *a, const struct conf_node *b)
{
	return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

/* By text, then by place in the mapping. */
static int
conf_node_key_cmp(const void *a, const void *b)
{
	const struct conf_node_key *x = a, *z = b;
	size_t lx = x->node->len, lz = z->node->len;
	int d;

	if (lx != lz)
		return lx < lz ? -1 : 1;
	d = memcmp(x->node->text, z->node->text, lx);
	if (d != 0)
		return d;
	return (x->order > z->order) - (x->order < z->order);
}

/* Sorted, so thousands of names cost no more than their parse. */
const struct conf_node *
conf_node_repeated(const struct conf_node *n, const struct conf_node **first)
{
	struct conf_node_key *keys = xcalloc(n->count, sizeof *keys);
	const struct conf_node_key *dup = NULL, *earlier = NULL;
	const struct conf_node *found = NULL;
	size_t i, j;

	for (i = 0; i < n->count; i++) {
		keys[i].node = n->kind == CONF_NODE_MAPPING ? n->pairs[i].key : n->items[i];
		keys[i].order = i;
	}
	qsort(keys, n->count, sizeof *keys, conf_node_key_cmp);
	for (i = 1, j = 0; i < n->count; i++) {
		if (!conf_node_same(keys[i].node, keys[j].node)) {
			j = i;
		} else if (dup == NULL || keys[i].order < dup->order) {
			dup = &keys[i];
			earlier = &keys[j];
		}
	}
	if (dup != NULL) {
		found = dup->node;
		*first = earlier->node;
	}
	free(keys);
	return found;
}
