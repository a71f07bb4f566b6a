/* test_http_listen.c — the listeners' exclusivity (scanner/http_listen.c):
 * the probe refuses an address another socket listens on, even one with
 * SO_REUSEPORT, and the check after listening finds a foreign socket in
 * the SO_REUSEPORT group, on the same address or a wildcard, and nothing
 * on another address. */
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scanner/http_internal.h"

/* An address from "ADDR:PORT". */
static void
addr(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	assert_int_equal(http_listen_parse(text, ss, len), 0);
}

/* The port a socket is bound to. */
static unsigned
port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* A listener on ADDR and the port of fd (with SO_REUSEPORT, as another
 * server would make it). */
static int
listener_on(const char *host, unsigned port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	char text[80];
	int fd;

	snprintf(text, sizeof(text), "%s:%u", host, port);
	addr(text, ss, len);
	fd = http_listen_open(ss, *len);
	assert_true(fd >= 0);
	return fd;
}

/* Parsing --listen. */
static void
test_parse(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;

	(void)state;
	addr("127.0.0.1:8080", &ss, &len);
	assert_int_equal(ss.ss_family, AF_INET);
	addr("[::1]:0", &ss, &len);
	assert_int_equal(ss.ss_family, AF_INET6);
	addr(":80", &ss, &len);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(http_listen_parse("127.0.0.1", &ss, &len), -EINVAL);
	assert_int_equal(http_listen_parse("127.0.0.1:65536", &ss, &len),
	    -EINVAL);
	assert_int_equal(http_listen_parse("[::1:80", &ss, &len), -EINVAL);
	assert_int_equal(http_listen_parse("host:80", &ss, &len), -EINVAL);
}

/* The probe and the check against a foreign SO_REUSEPORT listener. */
static void
test_foreign(void **state)
{
	struct sockaddr_storage ss, other;
	socklen_t len, olen;
	int theirs, ours[2], fd;
	unsigned port;

	(void)state;
	addr("127.0.0.1:0", &ss, &len);
	assert_int_equal(http_listen_probe(&ss, len), 0);
	theirs = http_listen_open(&ss, len);
	assert_true(theirs >= 0);
	port = port_of(theirs);
	((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	/* Anything listening there: the probe fails. */
	assert_int_equal(http_listen_probe(&ss, len), -EADDRINUSE);
	/* Joining the group works (that is the hole), and the check sees
	 * the foreign socket; counted as ours, it passes. */
	ours[0] = http_listen_open(&ss, len);
	ours[1] = http_listen_open(&ss, len);
	assert_true(ours[0] >= 0 && ours[1] >= 0);
	assert_int_equal(http_listen_check_alone(ours, 2, &ss), -EADDRINUSE);
	fd = ours[1];
	ours[1] = theirs;
	assert_int_equal(http_listen_check_alone(ours, 2, &ss), -EADDRINUSE);
	{
		int all[3] = { ours[0], fd, theirs };

		assert_int_equal(http_listen_check_alone(all, 3, &ss), 0);
	}
	close(fd);
	close(theirs);
	assert_int_equal(http_listen_check_alone(ours, 1, &ss), 0);
	/* A wildcard listener on the port competes with 127.0.0.1. */
	fd = listener_on("0.0.0.0", port, &other, &olen);
	assert_int_equal(http_listen_check_alone(ours, 1, &ss), -EADDRINUSE);
	close(fd);
	/* Another address on the same port does not. */
	fd = listener_on("127.0.0.2", port, &other, &olen);
	assert_int_equal(http_listen_check_alone(ours, 1, &ss), 0);
	close(fd);
	close(ours[0]);
	/* Nothing listens any more: the probe passes again. */
	assert_int_equal(http_listen_probe(&ss, len), 0);
}

/* The same for IPv6, when the machine has it. */
static void
test_foreign_v6(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int theirs, ours;

	(void)state;
	addr("[::1]:0", &ss, &len);
	theirs = http_listen_open(&ss, len);
	if (theirs < 0)
		skip();
	((struct sockaddr_in6 *)&ss)->sin6_port = htons(
	    (uint16_t)port_of(theirs));
	assert_int_equal(http_listen_probe(&ss, len), -EADDRINUSE);
	ours = http_listen_open(&ss, len);
	assert_true(ours >= 0);
	assert_int_equal(http_listen_check_alone(&ours, 1, &ss), -EADDRINUSE);
	close(theirs);
	assert_int_equal(http_listen_check_alone(&ours, 1, &ss), 0);
	close(ours);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_foreign_v6),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
