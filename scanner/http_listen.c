/*
 * http_listen.c — the server's listening sockets: the --listen address,
 * one socket per loop, and the check that no other process shares them.
 *
 * Each loop has its own socket, bound to the same address with
 * SO_REUSEPORT, and the kernel spreads new connections over them. But
 * SO_REUSEPORT lets any process of the same user join the group: a second
 * `scanloop serve` (say, on another store) would bind without a word and
 * take half of the connections, answering genuine codes with "forged".
 * So before binding, a probe socket without SO_REUSEPORT is bound to the
 * address: it fails with EADDRINUSE if anything listens there. Two servers
 * starting in the same instant could both pass the probe; after listening,
 * the kernel's table of listening sockets (/proc/net/tcp, tcp6) must show
 * no socket on the port but ours, or the server refuses to run.
 */
#include "scanner/http.h"
#include "scanner/http_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define HTTP_BACKLOG 1024
#define HTTP_TCP_LISTEN 0x0A		/* TCP_LISTEN in /proc/net/tcp */

/* Parses "ADDR:PORT" or "[V6]:PORT". */
int
http_listen_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon;
	unsigned long port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':' || (size_t)(rb - s - 1) >=
		    sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = '\0';
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port > 65535 || errno != 0)
		return -EINVAL;
	if (host[0] == '\0' || strcmp(host, "*") == 0)
		strcpy(host, "0.0.0.0");
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
	} else
		return -EINVAL;
	return 0;
}

/* Binds a socket without SO_REUSEPORT to the address and closes it:
 * -EADDRINUSE when another socket listens there (SO_REUSEADDR lets the
 * probe pass connections of an earlier run in TIME_WAIT). Port 0 always
 * passes: the kernel picks a port nobody holds. */
int
http_listen_probe(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd, one = 1, ret = 0;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)ss, len) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Opens one listening socket with SO_REUSEPORT. */
int
http_listen_open(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd, one = 1;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)ss, len) < 0 ||
	    listen(fd, HTTP_BACKLOG) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Reads the hex address of a /proc/net/tcp{,6} line ("0100007F:1F90")
 * into its bytes in network order and its port. */
static bool
http_listen_proc_addr(const char *s, size_t nbytes, uint8_t *addr,
    unsigned *port)
{
	for (size_t w = 0; w < nbytes / 4; w++) {
		char word[9];
		uint32_t v;

		memcpy(word, s + w * 8, 8);
		word[8] = '\0';
		if (sscanf(word, "%8x", &v) != 1)
			return false;
		/* The kernel prints each 32-bit word as it sits in memory. */
		memcpy(addr + w * 4, &v, 4);
	}
	return s[nbytes * 2] == ':' && sscanf(s + nbytes * 2 + 1, "%4x",
	    port) == 1;
}

/* True if a socket inode is one of ours. */
static bool
http_listen_ours(const unsigned long *inodes, unsigned n, unsigned long ino)
{
	for (unsigned i = 0; i < n; i++)
		if (inodes[i] == ino)
			return true;
	return false;
}

/* Counts in one /proc table the listening sockets on port that may take
 * connections meant for addr (the same address, or a wildcard on either
 * side) and are not ours. -1 when the table cannot be read. */
static int
http_listen_count_foreign(const char *table, size_t nbytes,
    const uint8_t *addr, unsigned port, const unsigned long *inodes,
    unsigned n)
{
	static const uint8_t any[16];
	char line[512];
	int found = 0;
	FILE *f;

	if ((f = fopen(table, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char local[80];
		unsigned st, lport;
		unsigned long ino;
		uint8_t a[16];

		if (sscanf(line, " %*[^:]: %79s %*s %x %*s %*s %*s %*s %*s %lu",
		    local, &st, &ino) != 3 || st != HTTP_TCP_LISTEN ||
		    strlen(local) != nbytes * 2 + 5 ||
		    !http_listen_proc_addr(local, nbytes, a, &lport) ||
		    lport != port || http_listen_ours(inodes, n, ino))
			continue;
		if (addr == NULL || memcmp(a, addr, nbytes) == 0 ||
		    memcmp(a, any, nbytes) == 0 || memcmp(addr, any, nbytes) == 0)
			found++;
	}
	fclose(f);
	return found;
}

/* After our n sockets listen on ss: -EADDRINUSE if the kernel shows
 * another listening socket on the same port and address (another process
 * joined the SO_REUSEPORT group, or started with us). 0 when the tables
 * cannot be read: the probe before binding is then the only check. */
int
http_listen_check_alone(const int *fds, unsigned n,
    const struct sockaddr_storage *ss)
{
	unsigned long inodes[256];
	unsigned port;
	int v4, v6 = 0;

	if (n > sizeof(inodes) / sizeof(inodes[0]))
		return 0;
	for (unsigned i = 0; i < n; i++) {
		struct stat sb;

		if (fstat(fds[i], &sb) < 0)
			return 0;
		inodes[i] = (unsigned long)sb.st_ino;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		port = ntohs(in6->sin6_port);
		v6 = http_listen_count_foreign("/proc/net/tcp6", 16,
		    in6->sin6_addr.s6_addr, port, inodes, n);
		/* [::] also takes IPv4 connections: any IPv4 listener on the
		 * port competes. */
		v4 = IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr) ?
		    http_listen_count_foreign("/proc/net/tcp", 4, NULL, port,
		    inodes, n) : 0;
	} else {
		const struct sockaddr_in *in4 = (const void *)ss;

		port = ntohs(in4->sin_port);
		v4 = http_listen_count_foreign("/proc/net/tcp", 4,
		    (const uint8_t *)&in4->sin_addr, port, inodes, n);
	}
	return v4 > 0 || v6 > 0 ? -EADDRINUSE : 0;
}
