/*
 * page_reason.c — verify's reasons (codegen/code.c, codegen/gs1_*.c,
 * scanner/verify.c) in the words of a page: a Chinese page shows them in
 * Chinese, an English page in English. The reasons stay English and
 * machine-stable in the JSON API, the CLI and the logs.
 */
#include "scanner/pages.h"

#include <string.h>

struct page_reason {
	const char *en;		/* verify's reason, as it is */
	const char *zh;
};

/* Every reason a scan page can show (unit.pages checks the sources). */
static const struct page_reason page_reasons[] = {
	{ "empty", "内容为空" },
	{ "too long", "内容过长" },
	{ "contains a NUL byte", "含有非法的空字符" },
	{ "a character that a URL may not hold", "含有网址中不允许的字符" },
	{ "not an http(s) URL or a path", "不是 http(s) 网址或路径" },
	{ "URL has no host or path", "网址缺少主机名或路径" },
	{ "unexpected character in host", "主机名中有不允许的字符" },
	{ "not a GS1 Digital Link of a product (no /01/{GTIN})",
	    "不是商品的 GS1 数字链接（缺少 /01/ 商品编码）" },
	{ "the path after the GTIN is not /22/, /10/, /21/ in this order, "
	    "or /235/", "商品编码之后的路径不是按顺序排列的 /22/、/10/、/21/ "
	    "或单独的 /235/" },
	{ "a GS1 value is empty", "GS1 数据值为空" },
	{ "a GS1 value holds an encoded NUL byte", "GS1 数据值含有编码的空字符" },
	{ "a GS1 value has the wrong length for its AI",
	    "GS1 数据值的长度与其应用标识符不符" },
	{ "a GS1 value has a character its AI does not allow",
	    "GS1 数据值含有其应用标识符不允许的字符" },
	{ "a GS1 value has a wrong check digit", "GS1 数据值的校验位错误" },
	{ "unknown GS1 Application Identifier", "未知的 GS1 应用标识符" },
	{ "a GS1 AI in the query is not a data attribute",
	    "查询参数中的 GS1 应用标识符不能作为数据属性" },
	{ "a GS1 AI in the query belongs in the path",
	    "查询参数中的 GS1 应用标识符应位于路径中" },
	{ "a GS1 AI appears twice", "GS1 应用标识符重复出现" },
	{ "too many GS1 AIs", "GS1 应用标识符过多" },
	{ "GTIN check digit is wrong", "商品编码的校验位错误" },
	{ "GTIN is not 8, 12, 13 or 14 digits",
	    "商品编码不是 8、12、13 或 14 位数字" },
	{ "a product's link without a serial", "这是商品链接，没有序列号" },
	{ "serial is not 13 canonical base32 characters",
	    "序列号不是 13 位规范的 base32 字符" },
	{ "no signature (S parameter)", "缺少签名（S 参数）" },
	{ "signature has the wrong length", "签名长度错误" },
	{ "more than one signature (S parameter)", "有多个签名（S 参数）" },
	{ "signature is not canonical base32", "签名不是规范的 base32 编码" },
	{ "unknown code format version", "未知的码格式版本" },
	{ "signature length does not match its scheme",
	    "签名长度与其签名方案不符" },
	{ "unknown key", "未知的密钥" },
	{ "scheme does not match the key", "签名方案与密钥不符" },
	{ "unknown serial", "未知的序列号" },
	{ "unknown serial (signed by our key but not minted into this store)",
	    "未知的序列号（由本品牌密钥签名，但未在本系统中生成）" },
	{ "bad signature", "签名无效" },
	{ "key does not match the batch", "密钥与批次不符" },
	{ "GTIN does not match the batch", "商品编码与批次不符" },
	{ "the URL's host is not the host of this key's codes",
	    "网址的主机名不是该密钥所发码的主机名" },
	{ "not activated yet", "尚未激活" },
	{ "void", "已作废" },
	{ "a draw code has 16 characters", "抽奖码应为 16 个字符" },
	{ "not a draw code", "不是抽奖码" },
	{ "unknown draw code", "未知的抽奖码" },
};

/* The reason in the page's language; NULL when none is known. */
const char *
page_reason_text(enum page_lang lang, const char *reason)
{
	for (size_t i = 0; i < sizeof(page_reasons) / sizeof(page_reasons[0]);
	    i++)
		if (strcmp(page_reasons[i].en, reason) == 0)
			return lang == PAGE_LANG_ZH ? page_reasons[i].zh :
			    page_reasons[i].en;
	return NULL;
}
