/* group.c — group unlocks (拼团): start, join, read, draw. */
#include "rewards/group.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define GROUP_SERIAL_DOMAIN "SCANLOOP-GROUP-DRAW-1"

static_assert(GROUP_ID_CHARS == 16, "group id text length");

/* The id as base32. */
void
group_id_text(const uint8_t id[STORE_GROUP_ID_BYTES],
    char out[GROUP_ID_CHARS + 1])
{
	base32_encode(out, id, STORE_GROUP_ID_BYTES);
}

/* Reads 16 base32 characters of either case. */
bool
group_id_parse(const char *s, size_t len, uint8_t id[STORE_GROUP_ID_BYTES])
{
	char up[GROUP_ID_CHARS];

	if (len != GROUP_ID_CHARS)
		return false;
	for (size_t i = 0; i < len; i++)
		up[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	return base32_decode(id, STORE_GROUP_ID_BYTES, up, sizeof(up)) == 0;
}

/* BLAKE2b of the domain, the group id and the visitor, 8 bytes. */
void
group_serial(const uint8_t id[STORE_GROUP_ID_BYTES],
    const uint8_t visitor[STORE_VISITOR_BYTES],
    uint8_t serial[STORE_SERIAL_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, STORE_SERIAL_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)GROUP_SERIAL_DOMAIN,
	    sizeof(GROUP_SERIAL_DOMAIN));
	crypto_generichash_update(&st, id, STORE_GROUP_ID_BYTES);
	crypto_generichash_update(&st, visitor, STORE_VISITOR_BYTES);
	crypto_generichash_final(&st, serial, STORE_SERIAL_BYTES);
}

/* Machine names. */
const char *
group_status_name(int status)
{
	static const char *const names[] = { "open", "unlocked", "expired",
	    "not_found", "closed", "too_many", "not_member", "locked",
	    "full" };

	if (status < 0 || (size_t)status >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[status];
}

/* Words for people. */
const char *
group_status_text(int status, bool zh)
{
	switch (status) {
	case GROUP_OPEN:
		return zh ? "拼团进行中：分享链接，邀请好友加入。" :
		    "The group is filling: share its link to invite friends.";
	case GROUP_UNLOCKED:
		return zh ? "拼团成功！每位成员都有一次抽奖机会。" :
		    "The group is complete! Every member has one draw.";
	case GROUP_EXPIRED:
		return zh ? "拼团已过期：截止时间前人数未满，无法再加入。" :
		    "This group has expired: it did not fill before its "
		    "deadline, and no one can join it now.";
	case GROUP_NOT_FOUND:
		return zh ? "没有找到这个拼团，请检查链接。" :
		    "No such group. Please check the link.";
	case GROUP_CLOSED:
		return zh ? "活动当前不接受拼团。" :
		    "The campaign takes no groups now.";
	case GROUP_TOO_MANY:
		return zh ? "您今天发起的拼团已达上限，请明天再来。" :
		    "You have started as many groups as you may today. Please "
		    "come back tomorrow.";
	case GROUP_NOT_MEMBER:
		return zh ? "您不是该拼团的成员。" :
		    "You are not a member of this group.";
	case GROUP_LOCKED:
		return zh ? "人数未满，暂不能抽奖。" :
		    "The group is not complete yet: no draw so far.";
	case GROUP_FULL:
		return zh ? "该拼团人数已满，无法加入。" :
		    "This group is full: no one else can join.";
	default:
		return zh ? "暂时无法处理。" : "Not available now.";
	}
}

/* The state of a group at now. */
static int
group_state(const struct store_group *g, int64_t now)
{
	if (g->unlocked != 0)
		return GROUP_UNLOCKED;
	return now >= g->deadline ? GROUP_EXPIRED : GROUP_OPEN;
}

/* Reads the campaign id of a group. */
int
group_campaign_txn(struct store_txn *t, const uint8_t id[STORE_GROUP_ID_BYTES],
    char campaign[STORE_ID_MAX + 1])
{
	struct store_group g;
	int ret;

	if ((ret = store_group_get_txn(t, id, &g)) < 0)
		return ret;
	memcpy(campaign, g.campaign, STORE_ID_MAX + 1);
	campaign[STORE_ID_MAX] = '\0';
	return 0;
}

/* True when the campaign takes groups at now (its rules, its state). */
static int
group_running(struct store_txn *t, const struct group_request *rq, bool *ok)
{
	struct store_campaign hdr;
	int ret;

	*ok = false;
	if (!rq->c->group.on)
		return 0;
	ret = tallies_header_get(rq->tallies, t, rq->c->id, &hdr);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	*ok = campaign_running(&hdr, rq->now) &&
	    campaign_day(rq->c, rq->now) >= 0;
	return 0;
}

/* Starts a group. */
int
group_start_txn(struct store_txn *t, const struct group_request *rq,
    struct group_result *res)
{
	const struct campaign *c = rq->c;
	struct store_group *g = &res->g;
	struct store_group_member *m = &res->m;
	uint64_t n;
	bool ok;
	int day, ret;

	memset(res, 0, sizeof(*res));
	if ((ret = group_running(t, rq, &ok)) < 0)
		return ret;
	if (!ok) {
		res->status = GROUP_CLOSED;
		return 0;
	}
	day = campaign_day(c, rq->now);
	if ((ret = store_counter_get_txn(t, c->id, STORE_COUNT_GROUP_START,
	    rq->visitor, (uint32_t)day + 1, &n)) < 0)
		return ret;
	if (n >= c->group.starts_per_day) {
		res->status = GROUP_TOO_MANY;
		return 0;
	}
	memcpy(g->id, rq->id, STORE_GROUP_ID_BYTES);
	snprintf(g->campaign, sizeof(g->campaign), "%s", c->id);
	memcpy(g->creator, rq->visitor, STORE_VISITOR_BYTES);
	g->created = rq->now;
	g->deadline = rq->now + c->group.window_us;
	if (g->deadline > c->end)
		g->deadline = c->end;
	g->size = c->group.size;
	g->joined = 1;
	m->joined = rq->now;
	m->index = 1;
	memcpy(m->visitor, rq->visitor, STORE_VISITOR_BYTES);
	if ((ret = store_group_add_txn(t, g)) < 0 ||
	    (ret = store_group_member_add_txn(t, g->id, m)) < 0 ||
	    (ret = store_counter_add_txn(t, c->id, STORE_COUNT_GROUP_START,
	    rq->visitor, (uint32_t)day + 1, 1)) < 0)
		return ret;
	res->status = GROUP_OPEN;
	res->member = true;
	res->joined_now = true;
	return 0;
}

/* Reads a group, the visitor's membership and draw. */
int
group_read_txn(struct store_txn *t, const struct group_request *rq,
    struct group_result *res)
{
	uint8_t serial[STORE_SERIAL_BYTES];
	int ret;

	memset(res, 0, sizeof(*res));
	ret = store_group_get_txn(t, rq->id, &res->g);
	if (ret == -ENOENT) {
		res->status = GROUP_NOT_FOUND;
		return 0;
	}
	if (ret < 0)
		return ret;
	if (strncmp(res->g.campaign, rq->c->id, STORE_ID_MAX) != 0)
		return -EINVAL;
	res->status = group_state(&res->g, rq->now);
	ret = store_group_member_get_txn(t, rq->id, rq->visitor, &res->m);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	res->member = true;
	if (res->status != GROUP_UNLOCKED)
		return 0;
	group_serial(rq->id, rq->visitor, serial);
	ret = draw_lookup_txn(t, rq->tallies, rq->c, serial, rq->claim_key,
	    &res->draw);
	if (ret == -ENOENT)
		return 0;
	res->has_draw = ret == 0;
	return ret;
}

/* Joins a group; the last member unlocks it. */
int
group_join_txn(struct store_txn *t, const struct group_request *rq,
    struct group_result *res)
{
	struct store_group *g = &res->g;
	struct store_group_member *m = &res->m;
	bool ok;
	int ret;

	if ((ret = group_read_txn(t, rq, res)) < 0 ||
	    res->status == GROUP_NOT_FOUND || res->member)
		return ret;
	if (res->status == GROUP_UNLOCKED)
		res->status = GROUP_FULL;
	if (res->status != GROUP_OPEN)
		return 0;
	if ((ret = group_running(t, rq, &ok)) < 0)
		return ret;
	if (!ok) {
		res->status = GROUP_CLOSED;
		return 0;
	}
	memset(m, 0, sizeof(*m));
	m->joined = rq->now;
	m->index = ++g->joined;
	memcpy(m->visitor, rq->visitor, STORE_VISITOR_BYTES);
	if (g->joined >= g->size) {
		g->unlocked = rq->now;
		res->status = GROUP_UNLOCKED;
	}
	if ((ret = store_group_member_add_txn(t, g->id, m)) < 0 ||
	    (ret = store_group_put_txn(t, g)) < 0)
		return ret;
	res->member = true;
	res->joined_now = true;
	return 0;
}

/* A member's draw. */
int
group_draw_txn(struct store_txn *t, const struct group_request *rq,
    struct group_result *res)
{
	struct draw_request drq;
	int ret;

	if ((ret = group_read_txn(t, rq, res)) < 0 ||
	    res->status == GROUP_NOT_FOUND)
		return ret;
	if (!res->member) {
		res->status = GROUP_NOT_MEMBER;
		return 0;
	}
	if (res->status == GROUP_OPEN)
		res->status = GROUP_LOCKED;
	if (res->status != GROUP_UNLOCKED || res->has_draw)
		return 0;
	memset(&drq, 0, sizeof(drq));
	drq.c = rq->c;
	group_serial(rq->id, rq->visitor, drq.serial);
	memcpy(drq.visitor, rq->visitor, STORE_VISITOR_BYTES);
	memcpy(drq.net, rq->net, sizeof(drq.net));
	drq.now = rq->now;
	drq.claim_key = rq->claim_key;
	drq.tallies = rq->tallies;
	if ((ret = draw_online_txn(t, &drq, &res->draw)) < 0)
		return ret;
	/* With stock leased from PostgreSQL and none held yet, nothing was
	 * written: the member draws again later. */
	res->has_draw = res->draw.status != DRAW_RETRY;
	return 0;
}
