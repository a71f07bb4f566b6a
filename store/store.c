/* store.c — environment, transactions, errors and the schema record. */
#include "store/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/fsutil.h"

/* Maximum size of the map: address space only; the file grows as needed. */
#define STORE_MAP_SIZE_DEFAULT (1ULL << 40)
#define STORE_MAX_READERS 1024
/* Below this much free space, a failed write means a full disk. */
#define STORE_LOW_SPACE (16ULL << 20)

static const char *store_db_names[STORE_DB_COUNT] = {
	[STORE_DB_META] = "meta",
	[STORE_DB_KEYS] = "keys",
	[STORE_DB_BATCHES] = "batches",
	[STORE_DB_CODES] = "codes",
	[STORE_DB_EVENTS] = "events",
	[STORE_DB_CODE_SCANS] = "code_scans",
	[STORE_DB_CAMPAIGNS] = "campaigns",
	[STORE_DB_CAMPAIGN_CONFIG] = "campaign_config",
	[STORE_DB_COUNTERS] = "counters",
	[STORE_DB_DRAWS] = "draws",
	[STORE_DB_DRAWS_BY_CODE] = "draws_by_code",
	[STORE_DB_CLAIMS] = "claims",
	[STORE_DB_SHOPS] = "shops",
	[STORE_DB_SHOP_TOKENS] = "shop_tokens",
	[STORE_DB_POINTS] = "points",
	[STORE_DB_DRAWCODES] = "drawcodes",
	[STORE_DB_FORGED_COUNTS] = "forged_counts",
	[STORE_DB_SIGNALS] = "signals",
	[STORE_DB_FORGERY_COUNTS] = "forgery_counts",
};

/* Maps LMDB return codes to negative errnos. */
int
store_error(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
		return -ENOSPC;
	case MDB_TXN_FULL:
	case MDB_CURSOR_FULL:
	case MDB_PAGE_FULL:
		return -E2BIG;
	case MDB_READERS_FULL:
	case MDB_MAP_RESIZED:
		return -EAGAIN;
	case MDB_VERSION_MISMATCH:
	case MDB_INVALID:
	case MDB_INCOMPATIBLE:
		return -EPROTO;
	case MDB_DBS_FULL:
		return -EMFILE;
	case MDB_PANIC:
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_BAD_TXN:
	case MDB_BAD_RSLOT:
		return -EIO;
	case MDB_BAD_VALSIZE:
	case MDB_BAD_DBI:
		return -EINVAL;
	default:
		return rc > 0 ? -rc : -EIO;
	}
}

/* Short texts for the errors this module returns. */
const char *
store_strerror(int err)
{
	switch (err) {
	case -ENOENT:
		return "not found";
	case -EEXIST:
		return "already exists";
	case -ENOSPC:
		return "store is full (disk or map size)";
	case -EPROTO:
		return "not a scanloop store, or made by an incompatible version";
	case -EIO:
	case -EBADMSG:			/* a record that no longer parses */
		return "I/O error or damaged store";
	case -EBUSY:
		return "a mint is still running for this batch";
	case -EAGAIN:
		return "store is busy, try again";
	default:
		return strerror(-err);
	}
}

/* Returns the map size, which SCANLOOP_MAP_SIZE can lower for tests. */
static size_t
store_map_size(void)
{
	const char *env = getenv("SCANLOOP_MAP_SIZE");
	char *end;
	unsigned long long v;

	if (env == NULL || *env == '\0')
		return STORE_MAP_SIZE_DEFAULT;
	v = strtoull(env, &end, 10);
	if (*end != '\0' || v < (1ULL << 20))
		return STORE_MAP_SIZE_DEFAULT;
	return (size_t)v;
}

/* Opens every named database in one transaction, creating missing ones
 * when create is set; checks (or, for a new store, writes) the schema. */
static int
store_open_dbs_txn(struct store *st, bool create, bool new_store)
{
	struct store_txn t;
	uint32_t schema;
	int ret, rc;

	if ((ret = store_txn_begin(st, !create, &t)) < 0)
		return ret;
	for (int i = 0; i < STORE_DB_COUNT; i++) {
		rc = mdb_dbi_open(store_mdb_txn(&t), store_db_names[i],
		    create ? MDB_CREATE : 0, &st->dbi[i]);
		if (rc != 0) {
			ret = store_error(rc);
			goto fail;
		}
	}
	ret = store_get_txn(&t, STORE_DB_META, "schema", 6, &schema,
	    sizeof(schema));
	if (ret == -ENOENT && new_store) {
		schema = STORE_SCHEMA_VERSION;
		ret = store_put_txn(&t, STORE_DB_META, "schema", 6, &schema,
		    sizeof(schema), 0);
	} else if (ret == -ENOENT)
		ret = -EPROTO;
	if (ret < 0)
		goto fail;
	if (schema != STORE_SCHEMA_VERSION) {
		ret = -EPROTO;
		goto fail;
	}
	/* Commit even a read-only transaction: aborting it would close the
	 * database handles it opened. */
	return store_txn_commit(&t);
fail:
	store_txn_abort(&t);
	return ret;
}

/* Opens the named databases. A read transaction suffices when they all
 * exist, so that opening never waits for a writer (a mint, the server);
 * a write transaction creates what a new or older store lacks. */
static int
store_open_dbs(struct store *st, bool writable, bool new_store)
{
	int ret = store_open_dbs_txn(st, false, false);

	if (ret == -ENOENT || ret == -EPROTO) {
		if (!writable)
			return -EPROTO;
		ret = store_open_dbs_txn(st, true, new_store);
	}
	return ret;
}

/* Opens or creates the store. */
int
store_open(const char *dir, int flags, struct store **out)
{
	struct store *st;
	char path[PATH_MAX + 16];
	struct stat sb;
	int ret, rc;
	bool create = (flags & STORE_CREATE) != 0;

	*out = NULL;
	if (strlen(dir) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (stat(dir, &sb) < 0) {
		if (errno != ENOENT || !create)
			return -errno;
		if ((ret = fsutil_mkdirs(dir, 0700)) < 0)
			return ret;
	} else if (!S_ISDIR(sb.st_mode))
		return -ENOTDIR;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (!create && access(path, F_OK) < 0)
		return -ENOENT;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -ENOMEM;
	st->lock_fd = -1;
	st->rdonly = (flags & STORE_RDONLY) != 0;
	strcpy(st->dir, dir);
	if ((rc = mdb_env_create(&st->env)) != 0) {
		ret = store_error(rc);
		free(st);
		return ret;
	}
	mdb_env_set_maxdbs(st->env, 32);
	mdb_env_set_maxreaders(st->env, STORE_MAX_READERS);
	mdb_env_set_mapsize(st->env, store_map_size());
	/* Durable: no MDB_NOSYNC, no MDB_MAPASYNC, no MDB_WRITEMAP. */
	rc = mdb_env_open(st->env, dir,
	    MDB_NOTLS | (st->rdonly ? MDB_RDONLY : 0), 0600);
	if (rc != 0) {
		ret = store_error(rc);
		goto fail;
	}
	if ((ret = store_open_dbs(st, !st->rdonly, create && !st->rdonly)) < 0)
		goto fail;
	if (!st->rdonly) {
		snprintf(path, sizeof(path), "%s/mint.lock", dir);
		st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (st->lock_fd < 0) {
			ret = -errno;
			goto fail;
		}
	}
	*out = st;
	return 0;
fail:
	store_close(st);
	return ret;
}

/* Closes the environment. */
void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->env != NULL)
		mdb_env_close(st->env);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	free(st);
}

/* The store directory. */
const char *
store_dir(const struct store *st)
{
	return st->dir;
}

/* Begins a transaction, handling a map grown by another process and
 * reader slots left by dead processes. */
int
store_txn_begin(struct store *st, bool rdonly, struct store_txn *t)
{
	MDB_txn *txn;
	int rc, dead;

	memset(t, 0, sizeof(*t));
	t->st = st;
	t->rdonly = rdonly;
	for (int attempt = 0; attempt < 3; attempt++) {
		rc = mdb_txn_begin(st->env, NULL, rdonly ? MDB_RDONLY : 0, &txn);
		if (rc == MDB_MAP_RESIZED) {
			mdb_env_set_mapsize(st->env, 0);
			continue;
		}
		if (rc == MDB_READERS_FULL) {
			mdb_reader_check(st->env, &dead);
			continue;
		}
		break;
	}
	if (rc != 0) {
		t->ret = store_error(rc);
		return t->ret;
	}
	t->txn = txn;
	return 0;
}

/* True when the store's file system has almost no room left. */
static bool
store_space_low(const struct store *st)
{
	struct statvfs vfs;

	if (statvfs(st->dir, &vfs) < 0)
		return false;
	return (uint64_t)vfs.f_bavail * vfs.f_frsize < STORE_LOW_SPACE;
}

/* Commits, or aborts after an earlier error. LMDB reports a short write
 * ("filesystem full?") as EIO: on a file system with almost no room left
 * that is a full disk, -ENOSPC, not an I/O error. */
int
store_txn_commit(struct store_txn *t)
{
	int rc;

	if (t->txn == NULL)
		return t->ret ? t->ret : -EINVAL;
	if (t->ret != 0) {
		mdb_txn_abort(store_mdb_txn(t));
		t->txn = NULL;
		return t->ret;
	}
	rc = mdb_txn_commit(store_mdb_txn(t));
	t->txn = NULL;
	if (rc != 0)
		t->ret = store_error(rc);
	if (t->ret == -EIO && store_space_low(t->st))
		t->ret = -ENOSPC;
	return t->ret;
}

/* Aborts. */
void
store_txn_abort(struct store_txn *t)
{
	if (t->txn != NULL)
		mdb_txn_abort(store_mdb_txn(t));
	t->txn = NULL;
}

/* Resets a read transaction. */
void
store_txn_reset(struct store_txn *t)
{
	if (t->txn != NULL)
		mdb_txn_reset(store_mdb_txn(t));
}

/* Renews a reset read transaction. */
int
store_txn_renew(struct store_txn *t)
{
	int rc;

	t->ret = 0;
	rc = mdb_txn_renew(store_mdb_txn(t));
	if (rc != 0)
		t->ret = store_error(rc);
	return t->ret;
}

/* Reads a fixed-size value. */
int
store_get_txn(struct store_txn *t, enum store_db db, const void *key,
    size_t klen, void *val, size_t vlen)
{
	MDB_val v;
	int ret;

	if ((ret = store_lookup_txn(t, db, key, klen, &v)) < 0)
		return ret;
	if (v.mv_size != vlen)
		return store_txn_fail(t, -EIO);
	memcpy(val, v.mv_data, vlen);
	return 0;
}

/* Looks a key up. */
int
store_lookup_txn(struct store_txn *t, enum store_db db, const void *key,
    size_t klen, MDB_val *v)
{
	MDB_val k = { klen, (void *)key };
	int rc;

	if (t->ret != 0)
		return t->ret;
	rc = mdb_get(store_mdb_txn(t), t->st->dbi[db], &k, v);
	if (rc == MDB_NOTFOUND)
		return -ENOENT;	/* not sticky: absence is an answer */
	if (rc != 0)
		return store_txn_fail(t, store_error(rc));
	return 0;
}

/* Writes a value. */
int
store_put_txn(struct store_txn *t, enum store_db db, const void *key,
    size_t klen, const void *val, size_t vlen, unsigned flags)
{
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };
	int rc;

	if (t->ret != 0)
		return t->ret;
	rc = mdb_put(store_mdb_txn(t), t->st->dbi[db], &k, &v, flags);
	if (rc == MDB_KEYEXIST)
		return -EEXIST;	/* not sticky: the caller decides */
	if (rc != 0)
		return store_txn_fail(t, store_error(rc));
	return 0;
}

/* Deletes a key. */
int
store_del_txn(struct store_txn *t, enum store_db db, const void *key,
    size_t klen)
{
	MDB_val k = { klen, (void *)key };
	int rc;

	if (t->ret != 0)
		return t->ret;
	rc = mdb_del(store_mdb_txn(t), t->st->dbi[db], &k, NULL);
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc != 0)
		return store_txn_fail(t, store_error(rc));
	return 0;
}

/* Walks the entries whose keys start with prefix, from key "from". */
int
store_walk_txn(struct store_txn *t, enum store_db db, const uint8_t *from,
    size_t fromlen, size_t prefixlen,
    int (*cb)(const MDB_val *k, const MDB_val *v, void *), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, ret = 0;

	if ((ret = store_cursor_open_txn(t, db, &cur)) != 0)
		return ret;
	k.mv_size = fromlen;
	k.mv_data = (void *)from;
	rc = fromlen > 0 ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) :
	    mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0) {
		/* prefixlen 0 (from NULL): memcmp may not take NULL. */
		if (prefixlen > 0 && (k.mv_size < prefixlen ||
		    memcmp(k.mv_data, from, prefixlen) != 0))
			break;
		if ((ret = cb(&k, &v, arg)) != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (ret == 0 && rc != 0 && rc != MDB_NOTFOUND)
		ret = store_txn_fail(t, store_error(rc));
	return ret;
}

/* Increments a named counter in meta. */
int
store_counter_next_txn(struct store_txn *t, const char *name, uint64_t *value)
{
	uint64_t v = 0;
	int ret;

	ret = store_get_txn(t, STORE_DB_META, name, strlen(name), &v, sizeof(v));
	if (ret < 0 && ret != -ENOENT)
		return ret;
	v++;
	if ((ret = store_put_txn(t, STORE_DB_META, name, strlen(name), &v,
	    sizeof(v), 0)) < 0)
		return ret;
	*value = v;
	return 0;
}

/* Page counts of the codes database and the file size. */
int
store_stats_get(struct store *st, struct store_stats *s)
{
	struct store_txn t;
	char path[PATH_MAX + 16];
	struct stat sb;
	MDB_stat ms;
	int ret, rc;

	memset(s, 0, sizeof(*s));
	if ((ret = store_txn_begin(st, true, &t)) < 0)
		return ret;
	rc = mdb_stat(store_mdb_txn(&t), st->dbi[STORE_DB_CODES], &ms);
	store_txn_abort(&t);
	if (rc != 0)
		return store_error(rc);
	s->codes = ms.ms_entries;
	s->page_size = ms.ms_psize;
	s->code_pages = ms.ms_branch_pages + ms.ms_leaf_pages +
	    ms.ms_overflow_pages;
	snprintf(path, sizeof(path), "%s/data.mdb", st->dir);
	if (stat(path, &sb) == 0)
		s->file_bytes = (uint64_t)sb.st_size;
	return 0;
}
