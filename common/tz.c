/* tz.c — IANA time zones: is one installed, and running code in one. */
#include "common/tz.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define TZ_DIR "/usr/share/zoneinfo/"

/* True when the zone is installed (UTC always is). */
bool
tz_known(const char *tz)
{
	char path[PATH_MAX];
	struct stat sb;

	if (strcmp(tz, "UTC") == 0)
		return true;
	if (tz[0] == '\0' || tz[0] == '/' || strstr(tz, "..") != NULL)
		return false;
	if (snprintf(path, sizeof(path), "%s%s", TZ_DIR, tz) >=
	    (int)sizeof(path))
		return false;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Sets TZ, saving the old value. */
int
tz_push(const char *tz, char **saved)
{
	const char *prev = getenv("TZ");

	*saved = NULL;
	if (prev != NULL && (*saved = strdup(prev)) == NULL)
		return -ENOMEM;
	setenv("TZ", tz, 1);
	tzset();
	return 0;
}

/* Restores TZ. */
void
tz_pop(char *saved)
{
	if (saved != NULL) {
		setenv("TZ", saved, 1);
		free(saved);
	} else
		unsetenv("TZ");
	tzset();
}
