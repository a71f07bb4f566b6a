/*
 * page_group.c — the group pages (拼团): a campaign's start page (GET
 * /G/?campaign=ID), where a consumer starts a group, and a group's (GET
 * /G/{ID}): how many joined of how many, until when, and what the visitor
 * may do: join, share the link, draw once it filled. The buttons are the
 * script's (page_group_script); the server renders every state.
 */
#include "scanner/pages.h"
#include "scanner/pages_assets.h"
#include "scanner/pages_internal.h"
#include "rewards/group.h"

#include <string.h>

/* The words the script shows, as data- attributes. */
static void
page_group_words(struct page_out *o, enum page_lang lang)
{
	put(o, TR(lang,
	    " data-wait=\"请稍候…\" data-err=\"操作失败，请稍后再试。\""
	    " data-net=\"网络错误，请检查网络后重试。\""
	    " data-copied=\"链接已复制。\"",
	    " data-wait=\"One moment…\" data-err=\"That did not work. "
	    "Please try again later.\""
	    " data-net=\"Network error. Please check the connection and try "
	    "again.\" data-copied=\"Link copied.\""));
}

/* The start page's card: the rule and the button. */
static void
page_group_start(struct page_out *o, const struct page_group *p)
{
	enum page_lang lang = p->lang;

	put(o, "<section class=\"cd\" id=\"gp\" hidden data-campaign=\"");
	put_esc(o, p->campaign_id, PAGE_FIELD_MAX);
	put(o, "\"");
	page_group_words(o, lang);
	put(o, ">\n<p>");
	page_putf(o, lang == PAGE_LANG_EN ? "Start a group and share its "
	    "link: when %u people have joined within %u hours, each of them "
	    "gets one draw." : "发起拼团并分享链接：%u 人在 %u 小时内加入后，"
	    "每人获得一次抽奖机会。", p->size, p->window_hours);
	put(o, "</p>\n<button type=\"button\" id=\"gs\">");
	put(o, TR(lang, "发起拼团", "Start a group"));
	put(o, "</button>\n<div id=\"gm\" role=\"status\" "
	    "aria-live=\"polite\"></div>\n</section>\n");
}

/* A group's card: the count, the deadline, and the visitor's action. */
static void
page_group_card(struct page_out *o, const struct page_group *p)
{
	enum page_lang lang = p->lang;

	put(o, "<section class=\"cd\"><p class=\"gn\">");
	page_putf(o, "%u / %u", p->joined, p->size);
	put(o, "</p>\n<p class=\"mu\">");
	page_putf(o, lang == PAGE_LANG_EN ? "%u of %u joined" :
	    "已有 %u 人加入，共需 %u 人", p->joined, p->size);
	put(o, "</p>\n<p class=\"mu\">");
	put(o, TR(lang, "截止时间：", "Deadline: "));
	page_put_time(o, p->deadline);
	put(o, "</p>\n<p");
	if (p->status != GROUP_OPEN && p->status != GROUP_UNLOCKED)
		put(o, " class=\"e\"");
	put(o, ">");
	put_esc(o, p->status_text, PAGE_TEXT_MAX);
	put(o, "</p>\n");
	if (p->member && p->status == GROUP_OPEN)
		put(o, TR(lang, "<p>您已加入。</p>\n",
		    "<p>You are in this group.</p>\n"));
	if (p->draw_text != NULL) {
		put(o, "<p class=\"gw\">");
		put_esc(o, p->draw_text, PAGE_TEXT_MAX);
		put(o, "</p>\n");
	}
	if (p->claim_text != NULL) {
		put(o, "<p>");
		put(o, TR(lang, "领奖码：", "Claim code: "));
		put(o, "<span class=\"m\">");
		put_esc(o, p->claim_text, PAGE_CLAIM_MAX);
		put(o, "</span></p>\n");
	}
	put(o, "</section>\n");
	if (p->status != GROUP_OPEN && !p->can_draw)
		return;
	put(o, "<section class=\"cd\" id=\"gp\" hidden data-id=\"");
	put_esc(o, p->group_id, PAGE_FIELD_MAX);
	put(o, "\" data-share=\"/G/");
	put_esc(o, p->group_id, PAGE_FIELD_MAX);
	put(o, "\"");
	page_group_words(o, lang);
	put(o, ">\n");
	if (p->can_draw)
		put(o, TR(lang, "<button type=\"button\" id=\"gd\">抽奖</button>\n",
		    "<button type=\"button\" id=\"gd\">Draw</button>\n"));
	else if (!p->member)
		put(o, TR(lang, "<button type=\"button\" id=\"gj\">加入拼团"
		    "</button>\n", "<button type=\"button\" id=\"gj\">Join "
		    "this group</button>\n"));
	else
		put(o, TR(lang,
		    "<label for=\"gu\">把链接分享给好友</label>"
		    "<input id=\"gu\" readonly>"
		    "<button type=\"button\" id=\"gc\">复制链接</button>\n",
		    "<label for=\"gu\">Share this link with friends</label>"
		    "<input id=\"gu\" readonly>"
		    "<button type=\"button\" id=\"gc\">Copy the link</button>\n"));
	put(o, "<div id=\"gm\" role=\"status\" aria-live=\"polite\"></div>\n"
	    "</section>\n");
}

/* Appends a group page. */
int
page_render_group(const struct page_group *p, struct buf *out)
{
	struct page_out o = { out, 0 };
	size_t start = out->len;
	enum page_lang lang = p->lang;
	const char *title = TR(lang, "拼团抽奖", "Group draw");

	page_open(&o, lang, title, "info", page_css_group);
	page_hero(&o, page_icon_gift, title);
	put(&o, "<p>");
	put_esc(&o, p->campaign_name, PAGE_NAME_MAX);
	put(&o, "</p>\n</header>\n<noscript><section class=\"cd adv\"><p>");
	put(&o, TR(lang, "拼团需要启用 JavaScript。",
	    "Groups need JavaScript."));
	put(&o, "</p></section></noscript>\n");
	if (p->group_id == NULL)
		page_group_start(&o, p);
	else
		page_group_card(&o, p);
	page_close(&o, lang, p->self_path, PAGE_SCRIPT_GROUP);
	return page_finish(&o, start);
}
