/*
 * pack.c — aggregation codes, the packing tree and dealers' receipts,
 * kept in meta:
 *
 *   "agg/"   SSCC(8)                  → struct store_agg
 *   "pack/"  parent(8) kind(1) id(8)  → (1 byte): parent holds the child
 *   "in/"    kind(1) id(8)            → parent(8): the child's one parent
 *   "bound/" serial(8)                → struct store_binding
 *   "sscc_next/" company prefix       → u64: SSCCs numbered so far
 *
 * An aggregate's record counts the items below it at any depth, so that
 * its page needs no walk; every change to the tree adjusts its
 * ancestors' counts in the same transaction.
 */
#include "store/store_internal.h"
#include "store/dealer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PACK_AGG_PREFIX "agg/"
#define PACK_AGG_KEY_LEN (4 + 8)
#define PACK_EDGE_PREFIX "pack/"
#define PACK_EDGE_KEY_LEN (5 + 8 + 1 + 8)
#define PACK_IN_PREFIX "in/"
#define PACK_IN_KEY_LEN (3 + 1 + 8)
#define PACK_BOUND_PREFIX "bound/"
#define PACK_BOUND_KEY_LEN (6 + 8)
#define PACK_SSCC_PREFIX "sscc_next/"

/* Reads 8 big-endian bytes. */
static uint64_t
pack_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The key of an aggregate. */
static void
pack_agg_key(uint64_t sscc, uint8_t key[PACK_AGG_KEY_LEN])
{
	memcpy(key, PACK_AGG_PREFIX, 4);
	store_u64_key(sscc, key + 4);
}

/* The key of an edge parent → child. */
static void
pack_edge_key(uint64_t parent, const struct store_pack_ref *c,
    uint8_t key[PACK_EDGE_KEY_LEN])
{
	memcpy(key, PACK_EDGE_PREFIX, 5);
	store_u64_key(parent, key + 5);
	key[13] = c->kind;
	memcpy(key + 14, c->id, 8);
}

/* The key of a child's parent. */
static void
pack_in_key(const struct store_pack_ref *c, uint8_t key[PACK_IN_KEY_LEN])
{
	memcpy(key, PACK_IN_PREFIX, 3);
	key[3] = c->kind;
	memcpy(key + 4, c->id, 8);
}

/* An aggregate as a reference. */
static void
pack_agg_ref(uint64_t sscc, struct store_pack_ref *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = STORE_PACK_AGG;
	store_u64_key(sscc, r->id);
}

/* True if a batch is visible (minted to the end). */
static int
pack_batch_visible_txn(struct store_txn *t, uint32_t id)
{
	struct store_batch b;
	int ret;

	if ((ret = store_batch_get_txn(t, id, &b)) < 0)
		return ret;
	return b.state == STORE_BATCH_MINTING ? -ENOENT : 0;
}

/* Reads an aggregate of a visible batch. */
int
store_agg_get_txn(struct store_txn *t, uint64_t sscc, struct store_agg *a)
{
	uint8_t key[PACK_AGG_KEY_LEN];
	int ret;

	pack_agg_key(sscc, key);
	if ((ret = store_get_txn(t, STORE_DB_META, key, sizeof(key), a,
	    sizeof(*a))) < 0)
		return ret;
	return pack_batch_visible_txn(t, a->batch_id);
}

/* Writes an aggregate. */
int
store_agg_put_txn(struct store_txn *t, const struct store_agg *a)
{
	uint8_t key[PACK_AGG_KEY_LEN];

	pack_agg_key(a->sscc, key);
	return store_put_txn(t, STORE_DB_META, key, sizeof(key), a,
	    sizeof(*a), 0);
}

/* Writes an edge and the child's parent (-EEXIST if it has one). */
static int
pack_edge_put_txn(struct store_txn *t, uint64_t parent,
    const struct store_pack_ref *c)
{
	uint8_t ek[PACK_EDGE_KEY_LEN], ik[PACK_IN_KEY_LEN], pv[8], one = 1;
	int ret;

	pack_in_key(c, ik);
	store_u64_key(parent, pv);
	if ((ret = store_put_txn(t, STORE_DB_META, ik, sizeof(ik), pv,
	    sizeof(pv), MDB_NOOVERWRITE)) < 0)
		return ret;
	pack_edge_key(parent, c, ek);
	return store_put_txn(t, STORE_DB_META, ek, sizeof(ek), &one, 1, 0);
}

/* Inserts a mint's aggregates and their rows. */
int
store_agg_insert(struct store *st, const struct store_agg *a, size_t na,
    const struct store_pack_row *rows, size_t nrows)
{
	struct store_txn t;
	uint8_t key[PACK_AGG_KEY_LEN];
	int ret;

	if ((ret = store_txn_begin(st, false, &t)) < 0)
		return ret;
	for (size_t i = 0; i < na && ret == 0; i++) {
		pack_agg_key(a[i].sscc, key);
		ret = store_put_txn(&t, STORE_DB_META, key, sizeof(key), &a[i],
		    sizeof(a[i]), MDB_NOOVERWRITE);
	}
	for (size_t i = 0; i < nrows && ret == 0; i++)
		ret = pack_edge_put_txn(&t, pack_be64(rows[i].parent.id),
		    &rows[i].child);
	if (ret < 0) {
		store_txn_abort(&t);
		return ret;
	}
	return store_txn_commit(&t);
}

/* Takes n numbers of a company prefix's SSCCs. */
int
store_sscc_reserve(struct store *st, const char *prefix, uint64_t n,
    uint64_t capacity, uint64_t *first)
{
	char key[64];
	struct store_txn t;
	uint64_t v = 0;
	int ret, klen;

	klen = snprintf(key, sizeof(key), PACK_SSCC_PREFIX "%s", prefix);
	if (klen < 0 || (size_t)klen >= sizeof(key))
		return -EINVAL;
	if ((ret = store_txn_begin(st, false, &t)) < 0)
		return ret;
	ret = store_get_txn(&t, STORE_DB_META, key, (size_t)klen, &v,
	    sizeof(v));
	if (ret == -ENOENT)
		ret = 0;
	if (ret == 0 && (v > capacity || n > capacity - v))
		ret = -ENOSPC;
	*first = v;
	v += n;
	if (ret == 0)
		ret = store_put_txn(&t, STORE_DB_META, key, (size_t)klen, &v,
		    sizeof(v), 0);
	if (ret < 0) {
		store_txn_abort(&t);
		return ret;
	}
	return store_txn_commit(&t);
}

/* The parent of a code. */
int
store_pack_parent_txn(struct store_txn *t, const struct store_pack_ref *r,
    uint64_t *parent)
{
	uint8_t ik[PACK_IN_KEY_LEN], pv[8];
	int ret;

	pack_in_key(r, ik);
	if ((ret = store_get_txn(t, STORE_DB_META, ik, sizeof(ik), pv,
	    sizeof(pv))) < 0)
		return ret;
	*parent = pack_be64(pv);
	return 0;
}

struct pack_children_walk {
	int (*cb)(const struct store_pack_ref *, void *);
	void *arg;
};

/* Walk callback for edges. */
static int
pack_children_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct pack_children_walk *w = arg;
	const uint8_t *p = k->mv_data;
	struct store_pack_ref r;

	(void)v;
	if (k->mv_size != PACK_EDGE_KEY_LEN)
		return -EIO;
	memset(&r, 0, sizeof(r));
	r.kind = p[13];
	memcpy(r.id, p + 14, 8);
	return w->cb(&r, w->arg);
}

/* The children of an aggregate. */
int
store_pack_children_txn(struct store_txn *t, uint64_t sscc,
    int (*cb)(const struct store_pack_ref *, void *), void *arg)
{
	struct pack_children_walk w = { cb, arg };
	uint8_t from[13];

	memcpy(from, PACK_EDGE_PREFIX, 5);
	store_u64_key(sscc, from + 5);
	return store_walk_txn(t, STORE_DB_META, from, sizeof(from),
	    sizeof(from), pack_children_cb, &w);
}

/* A growing array of references. */
struct pack_refs {
	struct store_pack_ref *r;
	size_t n, cap;
};

/* Collects a child. */
static int
pack_collect_cb(const struct store_pack_ref *r, void *arg)
{
	struct pack_refs *l = arg;
	struct store_pack_ref *nr;

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		if ((nr = realloc(l->r, l->cap * sizeof(*nr))) == NULL)
			return -ENOMEM;
		l->r = nr;
	}
	l->r[l->n++] = *r;
	return 0;
}

/* Adds delta items (and a height of at least height) to every ancestor
 * of an aggregate, the aggregate itself excluded. */
static int
pack_ancestors_add_txn(struct store_txn *t, uint64_t sscc, int64_t delta,
    unsigned height)
{
	struct store_pack_ref r;
	struct store_agg a;
	uint64_t p;
	int ret;

	for (int depth = 0; depth < STORE_PACK_DEPTH_MAX; depth++) {
		pack_agg_ref(sscc, &r);
		if ((ret = store_pack_parent_txn(t, &r, &p)) == -ENOENT)
			return 0;
		if (ret < 0 || (ret = store_agg_get_txn(t, p, &a)) < 0)
			return ret == -ENOENT ? store_txn_fail(t, -EIO) : ret;
		a.items = (uint64_t)((int64_t)a.items + delta);
		height++;
		if (a.height < height)
			a.height = (uint8_t)height;
		if ((ret = store_agg_put_txn(t, &a)) < 0)
			return ret;
		sscc = p;
	}
	return 0;
}

/* How many ancestors an aggregate has; *cycle if child is one. */
static int
pack_ancestors_txn(struct store_txn *t, uint64_t sscc, uint64_t child,
    unsigned *n, bool *cycle)
{
	struct store_pack_ref r;
	uint64_t p;
	int ret;

	*n = 0;
	*cycle = sscc == child;
	while (!*cycle && *n <= STORE_PACK_DEPTH_MAX) {
		pack_agg_ref(sscc, &r);
		if ((ret = store_pack_parent_txn(t, &r, &p)) == -ENOENT)
			return 0;
		if (ret < 0)
			return ret;
		(*n)++;
		*cycle = p == child;
		sscc = p;
	}
	return 0;
}

/* A child as sortable bytes, with its row. */
struct pack_child_key {
	uint8_t k[9];
	size_t row;
};

/* Orders children by kind and id, then row. */
static int
pack_child_cmp(const void *a, const void *b)
{
	const struct pack_child_key *x = a, *y = b;
	int c = memcmp(x->k, y->k, sizeof(x->k));

	if (c != 0)
		return c;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* Finds the first row that names a child a second time (SIZE_MAX: none). */
static int
pack_duplicates(const struct store_pack_row *rows, size_t n, size_t *dup)
{
	struct pack_child_key *k;

	*dup = SIZE_MAX;
	if ((k = malloc(n * sizeof(*k))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		k[i].k[0] = rows[i].child.kind;
		memcpy(k[i].k + 1, rows[i].child.id, 8);
		k[i].row = i;
	}
	qsort(k, n, sizeof(*k), pack_child_cmp);
	for (size_t i = 1; i < n; i++)
		if (memcmp(k[i].k, k[i - 1].k, sizeof(k[i].k)) == 0 &&
		    k[i].row < *dup)
			*dup = k[i].row;
	free(k);
	return 0;
}

/* What a child brings to its parent: items, product, height. */
struct pack_child_info {
	uint64_t items;
	char gtin[STORE_GTIN_LEN + 1];
	bool mixed;
	unsigned height;		/* 0: an item */
};

/* Reads the case or pallet a row names (its parent, or a child) and
 * checks it: known, the row's digest (if it gave a URL) the store's, not
 * received by a dealer. -EINVAL with *why. */
static int
pack_agg_check_txn(struct store_txn *t, const struct store_pack_ref *r,
    bool parent, struct store_agg *a, const char **why)
{
	int ret;

	if ((ret = store_agg_get_txn(t, pack_be64(r->id), a)) == -ENOENT) {
		*why = parent ? "unknown case or pallet code (parent)" :
		    "unknown case or pallet code (child)";
		return -EINVAL;
	}
	if (ret < 0)
		return ret;
	if (r->has_check && memcmp(a->check, r->check,
	    STORE_CHECK_BYTES) != 0) {
		*why = parent ? "the parent's signature is not the store's" :
		    "the child's signature is not the store's";
		return -EINVAL;
	}
	if (a->received != 0) {
		*why = parent ? "the parent was received by a dealer already" :
		    "the child was received by a dealer already";
		return -EINVAL;
	}
	return 0;
}

/* Checks a row's child and reads what it brings. -EINVAL with *why. */
static int
pack_child_txn(struct store_txn *t, const struct store_pack_row *row,
    struct pack_child_info *ci, const char **why)
{
	struct store_batch b;
	struct store_code c;
	struct store_agg a;
	int ret;

	memset(ci, 0, sizeof(*ci));
	if (row->child.kind == STORE_PACK_AGG) {
		if ((ret = pack_agg_check_txn(t, &row->child, false, &a,
		    why)) < 0)
			return ret;
		ci->items = a.items;
		memcpy(ci->gtin, a.gtin, sizeof(ci->gtin));
		ci->mixed = (a.flags & STORE_AGG_F_MIXED) != 0;
		ci->height = (unsigned)a.height + 1;
		return 0;
	}
	if ((ret = store_code_get_txn(t, row->child.id, &c)) == 0 &&
	    (ret = store_batch_get_txn(t, c.batch_id, &b)) == 0 &&
	    b.state == STORE_BATCH_MINTING)
		ret = -ENOENT;
	if (ret == -ENOENT) {
		*why = "unknown item code (child)";
		return -EINVAL;
	}
	if (ret < 0)
		return ret;
	if (row->child.has_check && memcmp(c.check, row->child.check,
	    STORE_CHECK_BYTES) != 0) {
		*why = "the child's signature is not the store's";
		return -EINVAL;
	}
	ci->items = 1;
	memcpy(ci->gtin, b.gtin, sizeof(ci->gtin));
	return 0;
}

/* Applies one row. 1: the store had it already; 0: added; -EINVAL with
 * *why. */
static int
pack_row_txn(struct store_txn *t, const struct store_pack_row *row,
    const char **why)
{
	struct pack_child_info ci;
	struct store_agg p;
	uint64_t parent = pack_be64(row->parent.id), old;
	unsigned depth;
	bool cycle;
	int ret;

	if ((ret = pack_agg_check_txn(t, &row->parent, true, &p, why)) < 0)
		return ret;
	if ((ret = pack_child_txn(t, row, &ci, why)) < 0)
		return ret;
	if ((ret = store_pack_parent_txn(t, &row->child, &old)) == 0) {
		if (old == parent)
			return 1;
		*why = "the child is packed in another case or pallet "
		    "(unlink that one first)";
		return -EINVAL;
	}
	if (ret != -ENOENT)
		return ret;
	if (row->child.kind == STORE_PACK_AGG) {
		if ((ret = pack_ancestors_txn(t, parent,
		    pack_be64(row->child.id), &depth, &cycle)) < 0)
			return ret;
		if (cycle) {
			*why = "a cycle: the child holds its parent";
			return -EINVAL;
		}
		if (depth + 1 + ci.height >= STORE_PACK_DEPTH_MAX) {
			*why = "nested deeper than 8 levels";
			return -EINVAL;
		}
	}
	if ((ret = pack_edge_put_txn(t, parent, &row->child)) < 0)
		return ret == -EEXIST ? store_txn_fail(t, -EIO) : ret;
	p.children++;
	p.items += ci.items;
	if (p.gtin[0] == '\0')
		memcpy(p.gtin, ci.gtin, sizeof(p.gtin));
	else if (ci.gtin[0] != '\0' && strcmp(p.gtin, ci.gtin) != 0)
		ci.mixed = true;
	if (ci.mixed)
		p.flags |= STORE_AGG_F_MIXED;
	if (p.height < ci.height)
		p.height = (uint8_t)ci.height;
	if ((ret = store_agg_put_txn(t, &p)) < 0)
		return ret;
	return pack_ancestors_add_txn(t, parent, (int64_t)ci.items, p.height);
}

/* Loads a packing table, all or nothing. */
int
store_pack_load(struct store *st, const struct store_pack_row *rows,
    size_t n, size_t *bad, uint64_t *added, const char **why)
{
	struct store_txn t;
	size_t dup;
	int ret;

	*bad = SIZE_MAX;
	*added = 0;
	*why = NULL;
	if ((ret = pack_duplicates(rows, n, &dup)) < 0)
		return ret;
	if (dup != SIZE_MAX) {
		*bad = dup;
		*why = "a child named twice (every child exactly once)";
		return -EINVAL;
	}
	if ((ret = store_txn_begin(st, false, &t)) < 0)
		return ret;
	for (size_t i = 0; i < n; i++) {
		if ((ret = pack_row_txn(&t, &rows[i], why)) < 0) {
			*bad = i;
			goto fail;
		}
		if (ret == 0)
			(*added)++;
	}
	if ((ret = store_txn_commit(&t)) < 0) {
		*added = 0;
		*why = "cannot commit the packing table";
	}
	return ret;
fail:
	if (ret != -EINVAL)
		*why = "cannot read or write the store";
	store_txn_abort(&t);
	*added = 0;
	return ret;
}

/* Empties an aggregate. */
int
store_pack_unlink(struct store *st, uint64_t sscc, uint64_t *n)
{
	struct pack_refs l = { NULL, 0, 0 };
	uint8_t ek[PACK_EDGE_KEY_LEN], ik[PACK_IN_KEY_LEN];
	struct store_txn t;
	struct store_agg a;
	int ret;

	*n = 0;
	if ((ret = store_txn_begin(st, false, &t)) < 0)
		return ret;
	if ((ret = store_agg_get_txn(&t, sscc, &a)) < 0)
		goto fail;
	if (a.received != 0) {
		ret = -EBUSY;
		goto fail;
	}
	if ((ret = store_pack_children_txn(&t, sscc, pack_collect_cb, &l)) < 0)
		goto fail;
	for (size_t i = 0; i < l.n; i++) {
		pack_edge_key(sscc, &l.r[i], ek);
		pack_in_key(&l.r[i], ik);
		if ((ret = store_del_txn(&t, STORE_DB_META, ek, sizeof(ek))) < 0 ||
		    (ret = store_del_txn(&t, STORE_DB_META, ik, sizeof(ik))) < 0) {
			ret = ret == -ENOENT ? store_txn_fail(&t, -EIO) : ret;
			goto fail;
		}
	}
	if ((ret = pack_ancestors_add_txn(&t, sscc, -(int64_t)a.items, 0)) < 0)
		goto fail;
	a.items = 0;
	a.children = 0;
	a.height = 0;
	a.flags &= (uint8_t)~STORE_AGG_F_MIXED;
	if ((ret = store_agg_put_txn(&t, &a)) < 0)
		goto fail;
	free(l.r);
	*n = l.n;
	return store_txn_commit(&t);
fail:
	free(l.r);
	store_txn_abort(&t);
	return ret;
}

/* Reads an item's binding. */
int
store_binding_get_txn(struct store_txn *t,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_binding *b)
{
	uint8_t key[PACK_BOUND_KEY_LEN];

	memcpy(key, PACK_BOUND_PREFIX, 6);
	memcpy(key + 6, serial, STORE_SERIAL_BYTES);
	return store_get_txn(t, STORE_DB_META, key, sizeof(key), b,
	    sizeof(*b));
}

/* Binds one item (or, without write, checks it can be); -EEXIST if
 * another dealer has it. */
static int
pack_bind_txn(struct store_txn *t, const uint8_t serial[8],
    const struct store_binding *nb, struct store_receipt *r, bool write)
{
	uint8_t key[PACK_BOUND_KEY_LEN];
	struct store_binding b;
	int ret;

	r->items++;
	if ((ret = store_binding_get_txn(t, serial, &b)) == 0) {
		if (strcmp(b.dealer, nb->dealer) == 0)
			return 0;
		memcpy(r->other, b.dealer, sizeof(r->other));
		return -EEXIST;
	}
	if (ret != -ENOENT)
		return ret;
	r->bound++;
	if (!write)
		return 0;
	memcpy(key, PACK_BOUND_PREFIX, 6);
	memcpy(key + 6, serial, STORE_SERIAL_BYTES);
	return store_put_txn(t, STORE_DB_META, key, sizeof(key), nb,
	    sizeof(*nb), 0);
}

/* Receives an aggregate and everything below it (without write: checks
 * that it can, changing nothing). */
static int
pack_receive_txn(struct store_txn *t, uint64_t sscc,
    const struct store_binding *nb, struct store_receipt *r, int depth,
    bool write)
{
	struct pack_refs l = { NULL, 0, 0 };
	struct store_agg a;
	int ret;

	if (depth >= STORE_PACK_DEPTH_MAX)
		return store_txn_fail(t, -EIO);	/* loads refuse this */
	if ((ret = store_agg_get_txn(t, sscc, &a)) < 0)
		return ret == -ENOENT && depth > 0 ? store_txn_fail(t, -EIO) :
		    ret;
	if (a.received != 0 && strcmp(a.dealer, nb->dealer) != 0) {
		memcpy(r->other, a.dealer, sizeof(r->other));
		return -EEXIST;
	}
	r->aggs++;
	if (a.received == 0 && write) {
		a.received = nb->time;
		memcpy(a.dealer, nb->dealer, sizeof(a.dealer));
		if ((ret = store_agg_put_txn(t, &a)) < 0)
			return ret;
	}
	if ((ret = store_pack_children_txn(t, sscc, pack_collect_cb, &l)) < 0)
		goto out;
	for (size_t i = 0; i < l.n && ret == 0; i++)
		ret = l.r[i].kind == STORE_PACK_ITEM ?
		    pack_bind_txn(t, l.r[i].id, nb, r, write) :
		    pack_receive_txn(t, pack_be64(l.r[i].id), nb, r,
		    depth + 1, write);
out:
	free(l.r);
	return ret;
}

/* Binds what is below an aggregate to a dealer: a pass that checks,
 * then one that writes, so that a refusal changes nothing. */
int
store_receive_txn(struct store_txn *t, uint64_t sscc, const char *dealer,
    int64_t now, struct store_receipt *r)
{
	struct store_binding nb;
	struct store_dealer d;
	int ret;

	memset(r, 0, sizeof(*r));
	memset(&nb, 0, sizeof(nb));
	if (strlen(dealer) > STORE_ID_MAX)
		return -EINVAL;
	strcpy(nb.dealer, dealer);
	nb.time = now;
	nb.sscc = sscc;
	if ((ret = store_dealer_get_txn(t, dealer, &d)) < 0)
		return ret == -ENOENT ? -EINVAL : ret;
	if ((ret = pack_receive_txn(t, sscc, &nb, r, 0, false)) < 0)
		return ret;
	memset(r, 0, sizeof(*r));
	if ((ret = pack_receive_txn(t, sscc, &nb, r, 0, true)) < 0)
		return ret == -EEXIST ? store_txn_fail(t, -EIO) : ret;
	if (r->bound == 0)
		return 0;
	d.received += r->bound;
	d.receipts++;
	return store_dealer_put_txn(t, &d);
}

/* Counts a consumer's scan. */
int
store_agg_scan_txn(struct store_txn *t, uint64_t sscc, int64_t now)
{
	struct store_agg a;
	int ret;

	if ((ret = store_agg_get_txn(t, sscc, &a)) < 0)
		return ret;
	a.scans++;
	a.last_scan = now;
	return store_agg_put_txn(t, &a);
}
