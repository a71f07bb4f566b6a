/* fuzz_campaigns.c — the sample campaigns the rewards targets share. */
#include "fuzz.h"
#include "common/fsutil.h"
#include "rewards/campaign.h"

#include <limits.h>
#include <string.h>

#define FUZZ_SAMPLE_MAX (1 << 20)

const char *const fuzz_sample_names[FUZZ_SAMPLES] = {
	"inner-code.json", "spring-festival-zh.json", "winter-treats.json",
};

/* Reads samples/campaigns/name. */
char *
fuzz_sample_read(const char *name, size_t *len)
{
	char path[PATH_MAX], *text = NULL;
	int ret;

	fuzz_path(path, FUZZ_SAMPLES_DIR, name);
	if ((ret = fsutil_read_file(path, FUZZ_SAMPLE_MAX, &text, len)) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(-ret));
		abort();
	}
	return text;
}

/* Parses a sample campaign with its days resolved. */
struct campaign *
fuzz_sample_campaign(const char *name)
{
	struct campaign_errors errs = { NULL, 0 };
	struct campaign *c = NULL;
	size_t len;
	char *text = fuzz_sample_read(name, &len);

	if (campaign_parse(text, len, true, &c, &errs) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s: %s\n", name, errs.msgs[i]);
		fprintf(stderr, "%s: does not load (is tzdata installed?)\n",
		    name);
		abort();
	}
	campaign_errors_free(&errs);
	free(text);
	return c;
}
