/* report_text.c — the words of the report page in Chinese and English. */
#include "analytics/report_internal.h"

#include <string.h>

struct report_word {
	const char *key;
	const char *en;
	const char *zh;
};

static const struct report_word report_words[] = {
	{ "title", "Scan report", "扫码报告" },
	{ "period", "Period", "统计期间" },
	{ "previous", "Previous period", "上一期间" },
	{ "this", "This period", "本期" },
	{ "change", "Change", "变化" },
	{ "tz", "Time zone", "时区" },
	{ "generated", "Generated", "生成时间" },
	{ "snapshot", "Events up to", "事件截至" },
	{ "filters", "Covers", "范围" },
	{ "all", "all batches", "全部批次" },
	{ "batch", "Batch", "批次" },
	{ "campaign", "Campaign", "活动" },
	{ "summary", "Summary", "概览" },
	{ "scans", "Scans", "扫码次数" },
	{ "human", "Human scans", "真人扫码" },
	{ "bot", "Bots", "机器人" },
	{ "head", "HEAD requests", "HEAD 请求" },
	{ "api", "of which by app (API)", "其中应用 (API)" },
	{ "first_scans", "First scans", "首次扫码" },
	{ "repeats", "Repeat scans", "重复扫码" },
	{ "codes_scanned", "Distinct codes scanned", "被扫码数(去重)" },
	{ "located", "Located scans", "带位置的扫码" },
	{ "verdicts", "Verdicts", "验证结果" },
	{ "genuine", "Genuine", "正品" },
	{ "not_active", "Not yet active", "未激活" },
	{ "void", "Void", "已作废" },
	{ "forged", "Forged", "伪造" },
	{ "malformed", "Not our code", "非本系统码" },
	{ "per_day", "Scans per day", "每日扫码" },
	{ "per_hour", "Scans by hour of day", "各时段扫码" },
	{ "day", "Day", "日期" },
	{ "hour", "Hour of day", "时段" },
	{ "count", "Scans", "次数" },
	{ "prev_human", "Human, previous period", "真人(上一期间)" },
	{ "batches", "Batches", "批次" },
	{ "line", "Line", "产线" },
	{ "activated", "Active codes", "已激活码数" },
	{ "scanned", "Codes scanned", "已扫码数" },
	{ "scan_rate", "Scan rate", "扫码率" },
	{ "new_codes", "First scans in period", "本期首次扫码" },
	{ "where", "Where", "扫码地点" },
	{ "map", "Located scans", "带位置的扫码分布" },
	{ "map_note", "Circles: scans per 1° square (filled: this period; "
	    "ring: previous period).", "圆点：每 1° 方格的扫码次数（实心：本期；"
	    "空心：上一期间）。" },
	{ "area", "Area", "地区" },
	{ "unknown", "Unknown (outside the outlines)", "未知（轮廓之外）" },
	{ "lat", "Latitude", "纬度" },
	{ "lon", "Longitude", "经度" },
	{ "top_codes", "Most repeated codes", "重复扫码最多的码" },
	{ "serial", "Serial", "序列号" },
	{ "incomplete", "Table full: some entries are not counted.",
	    "表已满：部分条目未计入。" },
	{ "prefixes", "Forged scans by address", "伪造扫码来源地址段" },
	{ "prefix", "Address prefix", "地址段" },
	{ "draws", "Draws", "抽奖次数" },
	{ "wins", "Wins", "中奖" },
	{ "misses", "Misses", "未中奖" },
	{ "tickets", "Sealed tickets issued", "到店开奖券" },
	{ "opened", "Tickets opened", "已开奖券" },
	{ "grants", "Prizes granted (check-in streaks)", "连续打卡直接发放" },
	{ "refused", "Refused draws", "被拒抽奖" },
	{ "points", "Points issued", "发放积分" },
	{ "claims", "Claims", "兑奖凭证" },
	{ "claims_redeemed", "of which redeemed", "其中已核销" },
	{ "redeemed", "Redemptions", "核销次数" },
	{ "redemption_rate", "Redemption rate", "核销率" },
	{ "tiers", "Prizes", "奖项" },
	{ "tier", "Prize", "奖项" },
	{ "stock", "Stock", "库存" },
	{ "awarded", "Awarded", "发放" },
	{ "remaining", "Left at end", "期末剩余" },
	{ "daily_cap", "Daily cap", "每日上限" },
	{ "max_day", "Most in a day", "单日最多" },
	{ "days_at_cap", "Days at cap", "达上限天数" },
	{ "stores", "Redemptions by store", "各门店核销" },
	{ "checkins", "Store check-ins", "到店打卡" },
	{ "checkin_days", "Check-ins by day and store", "每日各门店打卡" },
	{ "date", "Date", "日期" },
	{ "store", "Store", "门店" },
	{ "signals", "Signals", "风险信号" },
	{ "signal_kind", "Signal", "信号" },
	{ "leaked_job", "Leaked print jobs", "印刷任务泄露" },
	{ "clone", "Cloned codes", "码被复制" },
	{ "diversion", "Diversion (outside the sales region)",
	    "窜货（销售区域外）" },
	{ "by_dealer", "Diversion by dealer (whose region the items left)",
	    "按经销商统计的窜货（商品离开的经销区域）" },
	{ "dealer", "Dealer", "经销商" },
	{ "diversion_count", "Diversions", "窜货次数" },
	{ "no_dealer", "(no dealer: the batch's sales region)",
	    "（无经销商：批次销售区域）" },
	{ "forgery_burst", "Bursts of forged scans", "伪造码集中扫码" },
	{ "redemption_anomaly", "Redemption anomalies", "核销异常" },
	{ "latest", "Latest", "最新" },
	{ "time", "Time", "时间" },
	{ "place", "Where", "地点" },
	{ "detail", "Detail", "详情" },
	{ "anomalies", "Stores redeeming more than their scans explain",
	    "核销明显多于扫码份额的门店" },
	{ "scans_near", "Located scans near", "附近带位置扫码" },
	{ "expected", "Expected", "预期" },
	{ "p_value", "P(X ≥ redeemed)", "P(X ≥ 核销)" },
	{ "signals_note", "Signals are raised as scans are made (docs/"
	    "signals.md); redemption anomalies are computed over the period "
	    "for every located store.", "风险信号在扫码时产生（见 docs/signals.md）；"
	    "核销异常按本期间对所有有位置的门店计算。" },
	{ "none", "None.", "无。" },
	{ "source", "Map: Natural Earth 1:50m countries (public domain).",
	    "地图：Natural Earth 1:50m 国家边界（公有领域）。" },
	{ "notes", "Human scans are by people (browsers and apps); bots "
	    "include link previews and tools. First scans and repeats count "
	    "human scans of codes whose signature matched. Scan rate: codes "
	    "scanned by the period's end over active codes.",
	    "真人扫码指浏览器与应用的扫码；机器人包括链接预览与工具。首次扫码与重复扫码"
	    "只计签名相符的真人扫码。扫码率：期末已扫码数 ÷ 已激活码数。" },
};

/* The word for key in lang (the key itself when there is none). */
const char *
report_text(enum report_lang lang, const char *key)
{
	for (size_t i = 0; i < sizeof(report_words) / sizeof(report_words[0]);
	    i++)
		if (strcmp(report_words[i].key, key) == 0)
			return lang == REPORT_LANG_EN ? report_words[i].en :
			    report_words[i].zh;
	return key;
}
