/*
 * cluster.c — the cluster file, the owner of a serial (rendezvous
 * hashing), the shared secret, and the owner's answers as the answering
 * node reads them. Pure functions but cluster_load, so that the parsers
 * are fuzzed on their own (tests/fuzz/fuzz_cluster.c).
 */
#include "scanner/cluster.h"
#include "scanner/http_internal.h"
#include "common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The hash's key is fixed: ownership must be the same on every node and
 * across versions; it is not a secret (nothing is gained by steering a
 * serial to a node: every node is trusted). */
static const uint8_t cluster_hrw_key[crypto_shorthash_KEYBYTES] =
    "scanloop-hrw-v1";

/* Splits the next whitespace-separated word of [*p, e) into w. */
static bool
cluster_word(const char **p, const char *e, char *w, size_t cap)
{
	const char *s;

	while (*p < e && (**p == ' ' || **p == '\t'))
		(*p)++;
	s = *p;
	while (*p < e && **p != ' ' && **p != '\t')
		(*p)++;
	if (*p == s || (size_t)(*p - s) >= cap)
		return false;
	memcpy(w, s, (size_t)(*p - s));
	w[*p - s] = '\0';
	return true;
}

/* True if only blanks are left in [p, e). */
static bool
cluster_rest_empty(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	return p == e;
}

/* Reads one "node ID ADDR" line's rest into cl. */
static int
cluster_parse_node(const char *p, const char *e, struct cluster *cl,
    const char **why)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char id[16], addr[CLUSTER_ADDR_MAX];
	unsigned long v;
	char *end;

	if (!cluster_word(&p, e, id, sizeof(id)) ||
	    !cluster_word(&p, e, addr, sizeof(addr))) {
		*why = "'node' wants an id and an ADDR:PORT";
		return -EINVAL;
	}
	if (!cluster_rest_empty(p, e)) {
		*why = "'node' takes an id and an ADDR:PORT only";
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(id, &end, 10);
	if (*end != '\0' || id[0] < '1' || id[0] > '9' || v > 65535 ||
	    errno != 0) {
		*why = "a node id is from 1 to 65535";
		return -EINVAL;
	}
	if (http_listen_parse(addr, &ss, &sl) < 0 ||
	    strchr(addr, '*') != NULL || addr[0] == ':') {
		*why = "a node's address is IP:PORT or [IPv6]:PORT";
		return -EINVAL;
	}
	if (cluster_find(cl, (uint32_t)v) >= 0) {
		*why = "a node id is named twice";
		return -EINVAL;
	}
	for (unsigned i = 0; i < cl->n; i++)
		if (strcmp(cl->nodes[i].addr, addr) == 0) {
			*why = "two nodes have the same address";
			return -EINVAL;
		}
	if (cl->n == CLUSTER_NODES_MAX) {
		*why = "too many nodes";
		return -EINVAL;
	}
	cl->nodes[cl->n].id = (uint32_t)v;
	memcpy(cl->nodes[cl->n].addr, addr, sizeof(addr));
	cl->n++;
	return 0;
}

/* Reads one "secret PATH" line's rest into cl. */
static int
cluster_parse_secret(const char *p, const char *e, const char *dir,
    struct cluster *cl, const char **why)
{
	char path[2048];
	int n;

	if (cl->secret_path[0] != '\0') {
		*why = "'secret' is named twice";
		return -EINVAL;
	}
	if (!cluster_word(&p, e, path, sizeof(path)) ||
	    !cluster_rest_empty(p, e)) {
		*why = "'secret' wants one path";
		return -EINVAL;
	}
	if (path[0] == '/' || dir[0] == '\0')
		n = snprintf(cl->secret_path, sizeof(cl->secret_path), "%s",
		    path);
	else
		n = snprintf(cl->secret_path, sizeof(cl->secret_path), "%s/%s",
		    dir, path);
	if (n < 0 || (size_t)n >= sizeof(cl->secret_path)) {
		*why = "the secret's path is too long";
		return -EINVAL;
	}
	return 0;
}

/* Parses a cluster file's text. */
int
cluster_parse(const char *text, size_t len, const char *dir,
    struct cluster *cl, char *why, size_t whylen)
{
	const char *p = text, *e = text + len, *reason = NULL;
	unsigned line = 0;
	int ret = 0;

	memset(cl, 0, sizeof(*cl));
	while (p < e && ret == 0) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl != NULL ? nl : e, *hash;
		char word[8];

		line++;
		if ((hash = memchr(p, '#', (size_t)(le - p))) != NULL)
			le = hash;
		while (le > p && (le[-1] == ' ' || le[-1] == '\t' ||
		    le[-1] == '\r'))
			le--;
		if (le > p && memchr(p, '\0', (size_t)(le - p)) != NULL) {
			reason = "a NUL byte";
			ret = -EINVAL;
		} else if (!cluster_word(&p, le, word, sizeof(word)))
			;	/* blank */
		else if (strcmp(word, "node") == 0)
			ret = cluster_parse_node(p, le, cl, &reason);
		else if (strcmp(word, "secret") == 0)
			ret = cluster_parse_secret(p, le, dir, cl, &reason);
		else {
			reason = "a line is 'node ID ADDR:PORT' or 'secret PATH'";
			ret = -EINVAL;
		}
		p = nl != NULL ? nl + 1 : e;
	}
	if (ret == 0 && cl->n == 0) {
		reason = "no node";
		ret = -EINVAL;
		line = 0;
	} else if (ret == 0 && cl->secret_path[0] == '\0') {
		reason = "no 'secret PATH' line";
		ret = -EINVAL;
		line = 0;
	}
	if (ret < 0 && line > 0)
		snprintf(why, whylen, "line %u: %s", line, reason);
	else if (ret < 0)
		snprintf(why, whylen, "%s", reason);
	return ret;
}

/* Reads the secret file: its owner's alone, one line. */
static int
cluster_load_secret(struct cluster *cl, char *why, size_t whylen)
{
	struct stat sb;
	char *buf = NULL;
	size_t len = 0;
	int fd = -1, ret;

	if ((fd = open(cl->secret_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(fd, &sb) < 0) {
		ret = -errno;
		snprintf(why, whylen, "cannot read the cluster secret %s: %s",
		    cl->secret_path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode) || (sb.st_mode & 077) != 0) {
		ret = -EPERM;
		snprintf(why, whylen, "the cluster secret %s must be a file "
		    "only its owner may read (chmod 600)", cl->secret_path);
		goto fail;
	}
	close(fd);
	fd = -1;
	if ((ret = fsutil_read_file(cl->secret_path, CLUSTER_SECRET_MAX + 2,
	    &buf, &len)) < 0) {
		snprintf(why, whylen, "cannot read the cluster secret %s: %s",
		    cl->secret_path, strerror(-ret));
		goto fail;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	ret = -EINVAL;
	if (len < CLUSTER_SECRET_MIN || len > CLUSTER_SECRET_MAX) {
		snprintf(why, whylen, "the cluster secret %s must be %d to %d "
		    "characters (e.g. openssl rand -hex 32)", cl->secret_path,
		    CLUSTER_SECRET_MIN, CLUSTER_SECRET_MAX);
		goto fail;
	}
	for (size_t i = 0; i < len; i++)
		if (buf[i] <= ' ' || buf[i] > '~') {
			snprintf(why, whylen, "the cluster secret %s must be "
			    "one line of printable characters", cl->secret_path);
			goto fail;
		}
	memcpy(cl->secret, buf, len);
	cl->secret[len] = '\0';
	cl->secret_len = len;
	ret = 0;
fail:
	if (buf != NULL) {
		sodium_memzero(buf, len);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Reads a cluster file and its secret. */
int
cluster_load(const char *path, struct cluster *cl, char *why, size_t whylen)
{
	char dir[2048], *slash;
	char *text = NULL;
	size_t len;
	int ret;

	if ((ret = fsutil_read_file(path, CLUSTER_FILE_MAX, &text, &len)) < 0) {
		snprintf(why, whylen, "cannot read %s: %s", path,
		    ret == -EFBIG ? "too large" : strerror(-ret));
		return ret;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		dir[0] = '\0';
	ret = cluster_parse(text, len, dir, cl, why, whylen);
	free(text);
	if (ret == 0)
		ret = cluster_load_secret(cl, why, whylen);
	return ret;
}

/* Wipes the secret. */
void
cluster_wipe(struct cluster *cl)
{
	sodium_memzero(cl->secret, sizeof(cl->secret));
	cl->secret_len = 0;
}

/* The index of node id, or -1. */
int
cluster_find(const struct cluster *cl, uint32_t id)
{
	for (unsigned i = 0; i < cl->n; i++)
		if (cl->nodes[i].id == id)
			return (int)i;
	return -1;
}

/* The index of the serial's owner: the highest SipHash of (serial, id). */
unsigned
cluster_owner(const struct cluster *cl, const uint8_t serial[8])
{
	uint8_t in[12], h[crypto_shorthash_BYTES];
	uint64_t best = 0, w;
	unsigned owner = 0;

	memcpy(in, serial, 8);
	for (unsigned i = 0; i < cl->n; i++) {
		uint32_t id = cl->nodes[i].id;

		in[8] = (uint8_t)(id >> 24);
		in[9] = (uint8_t)(id >> 16);
		in[10] = (uint8_t)(id >> 8);
		in[11] = (uint8_t)id;
		crypto_shorthash(h, in, sizeof(in), cluster_hrw_key);
		w = 0;
		for (int k = 0; k < 8; k++)
			w = w << 8 | h[k];
		/* Ties (2^-64) go to the lower id, whatever the file's order. */
		if (i == 0 || w > best || (w == best &&
		    id < cl->nodes[owner].id)) {
			best = w;
			owner = i;
		}
	}
	return owner;
}

/* True if value is the secret: both hashed, the hashes compared in
 * constant time, so neither length nor content leaks by timing. */
bool
cluster_auth(const struct cluster *cl, struct http_slice value)
{
	uint8_t a[32], b[32];
	bool ok;

	if (cl->secret_len == 0)
		return false;
	crypto_generichash(a, sizeof(a), (const uint8_t *)value.p, value.len,
	    NULL, 0);
	crypto_generichash(b, sizeof(b), (const uint8_t *)cl->secret,
	    cl->secret_len, NULL, 0);
	ok = sodium_memcmp(a, b, sizeof(a)) == 0;
	sodium_memzero(b, sizeof(b));
	return ok;
}

/* True for the headers an answer's relay sets itself. */
static bool
cluster_hop_header(struct http_slice name)
{
	static const char *const hop[] = { "date", "server", "content-length",
	    "connection", "content-type", "keep-alive", "transfer-encoding" };

	for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (http_slice_eq(name, hop[i]))
			return true;
	return false;
}

/* Reads the status line "HTTP/1.x NNN ..." of [p, e). */
static int
cluster_reply_status(const char *p, const char *e)
{
	int status = 0;

	if (e - p < 12 || memcmp(p, "HTTP/1.", 7) != 0 ||
	    (p[7] != '0' && p[7] != '1') || p[8] != ' ')
		return -1;
	for (int i = 9; i < 12; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		status = status * 10 + (p[i] - '0');
	}
	if (status < 100 || status > 599 || (e - p > 12 && p[12] != ' '))
		return -1;
	return status;
}

/* Takes one header line [p, e) of an answer into r. */
static int
cluster_reply_header(const char *p, const char *e, struct cluster_reply *r,
    size_t *extra_len, bool *has_length)
{
	const char *colon = memchr(p, ':', (size_t)(e - p));
	struct http_slice name, value;
	size_t n = (size_t)(e - p);

	if (colon == NULL || colon == p)
		return -1;
	for (const char *q = p; q < e; q++)
		if ((unsigned char)*q < ' ' && *q != '\t')
			return -1;
	name = (struct http_slice){ p, (size_t)(colon - p) };
	value.p = colon + 1;
	while (value.p < e && (*value.p == ' ' || *value.p == '\t'))
		value.p++;
	value.len = (size_t)(e - value.p);
	if (http_slice_eq(name, "content-length")) {
		size_t v = 0;

		if (value.len == 0 || value.len > 9 || *has_length)
			return -1;
		for (size_t i = 0; i < value.len; i++) {
			if (value.p[i] < '0' || value.p[i] > '9')
				return -1;
			v = v * 10 + (size_t)(value.p[i] - '0');
		}
		if (v > CLUSTER_REPLY_BODY_MAX)
			return -1;
		r->content_length = v;
		*has_length = true;
	} else if (http_slice_eq(name, "transfer-encoding"))
		return -1;	/* the owner never chunks these answers */
	else if (http_slice_eq(name, "connection"))
		r->keep_alive = http_slice_eq(value, "keep-alive");
	else if (http_slice_eq(name, "content-type")) {
		if (value.len >= sizeof(r->content_type))
			return -1;
		memcpy(r->content_type, value.p, value.len);
		r->content_type[value.len] = '\0';
	}
	if (cluster_hop_header(name))
		return 0;
	if (*extra_len + n + 3 > sizeof(r->extra))
		return -1;
	memcpy(r->extra + *extra_len, p, n);
	memcpy(r->extra + *extra_len + n, "\r\n", 3);
	*extra_len += n + 2;
	return 0;
}

/* Parses the head of an owner's answer. */
int
cluster_reply_parse(const char *buf, size_t len, struct cluster_reply *r)
{
	const char *p = buf, *end, *e;
	size_t extra_len = 0, scan = len < CLUSTER_REPLY_HEAD_MAX ? len :
	    CLUSTER_REPLY_HEAD_MAX;
	bool has_length = false;

	memset(r, 0, sizeof(*r));
	end = NULL;
	for (size_t i = 0; i + 4 <= scan; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
			end = buf + i;
			break;
		}
	if (end == NULL)
		return len >= CLUSTER_REPLY_HEAD_MAX ? -1 : 0;
	e = memchr(p, '\r', (size_t)(end - p + 1));
	if (e == NULL || e[1] != '\n' || (r->status = cluster_reply_status(p,
	    e)) < 0)
		return -1;
	r->keep_alive = p[7] == '1';
	p = e + 2;
	while (p < end + 2) {
		e = memchr(p, '\r', (size_t)(end + 2 - p));
		if (e == NULL || e[1] != '\n' ||
		    cluster_reply_header(p, e, r, &extra_len, &has_length) < 0)
			return -1;
		p = e + 2;
	}
	if (!has_length)
		return -1;	/* the owner always says how long */
	r->head_len = (size_t)(end - buf) + 4;
	return (int)r->head_len;
}
