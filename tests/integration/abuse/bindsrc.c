/*
 * bindsrc.c — an LD_PRELOAD shim for the abuse tests: binds each IPv4
 * socket that connects unbound to the next address of $BINDSRC (a comma
 * separated list, taken in turn), so that a load tool without a
 * source-address option (slowhttptest) comes from other loopback
 * addresses (127.0.1.x) than the genuine client, as clients on other
 * machines would. Without $BINDSRC, or for other sockets, it does nothing.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define BINDSRC_MAX 64

static struct in_addr bindsrc_addrs[BINDSRC_MAX];
static atomic_uint bindsrc_n = UINT32_MAX;	/* unread */
static atomic_uint bindsrc_next;

/* Reads $BINDSRC once (a race reads it twice, to the same result). */
static unsigned
bindsrc_load(void)
{
	unsigned n = atomic_load(&bindsrc_n);
	const char *env, *p;

	if (n != UINT32_MAX)
		return n;
	n = 0;
	env = getenv("BINDSRC");
	for (p = env; p != NULL && *p != '\0' && n < BINDSRC_MAX;) {
		char text[INET_ADDRSTRLEN];
		size_t len = strcspn(p, ",");

		if (len < sizeof(text)) {
			memcpy(text, p, len);
			text[len] = '\0';
			if (inet_pton(AF_INET, text, &bindsrc_addrs[n]) == 1)
				n++;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	atomic_store(&bindsrc_n, n);
	return n;
}

/* connect(2), from the next source address when the socket is unbound
 * (declared as glibc declares it under _GNU_SOURCE, which meson sets). */
int
connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	static int (*real)(int, __CONST_SOCKADDR_ARG, socklen_t);
	const struct sockaddr *sa = addr.__sockaddr__;
	struct sockaddr_in cur, src;
	socklen_t curlen = sizeof(cur);
	unsigned n = bindsrc_load();

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "connect");
	if (real == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (n > 0 && sa != NULL && sa->sa_family == AF_INET &&
	    getsockname(fd, (struct sockaddr *)&cur, &curlen) == 0 &&
	    cur.sin_family == AF_INET && cur.sin_port == 0 &&
	    cur.sin_addr.s_addr == htonl(INADDR_ANY)) {
		memset(&src, 0, sizeof(src));
		src.sin_family = AF_INET;
		src.sin_addr = bindsrc_addrs[atomic_fetch_add(&bindsrc_next,
		    1) % n];
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
			return -1;
	}
	return real(fd, sa, len);
}
