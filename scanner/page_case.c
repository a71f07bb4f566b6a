/* page_case.c — the page of a case or pallet code: what it holds. It
 * never offers a draw: draws belong to the items inside. */
#include "scanner/pages_internal.h"
#include "scanner/pages_assets.h"

#include <inttypes.h>

/* Appends the page of an aggregation code. */
int
page_render_case(const struct page_case *p, struct buf *out)
{
	struct page_out o = { out, 0 };
	size_t start = out->len;
	enum page_lang lang = p->lang;
	const char *what = p->pallet ? TR(lang, "托盘", "Pallet") :
	    TR(lang, "整箱", "Case");

	page_open(&o, lang, what, "info", NULL);
	page_hero(&o, page_icon_info, what);
	put(&o, "<p>");
	put(&o, p->pallet ?
	    TR(lang, "这是一个托盘的物流码，不是某一件商品的码。",
		"This is the code of a pallet, not of one item.") :
	    TR(lang, "这是一箱商品的物流码，不是某一件商品的码。",
		"This is the code of a case, not of one item."));
	put(&o, "</p>\n</header>\n<section class=\"cd\"><dl>\n");
	put(&o, "<dt>");
	put(&o, TR(lang, "件数", "Items"));
	put(&o, "</dt><dd class=\"m\" id=\"items\">");
	page_putf(&o, "%" PRIu64, p->items);
	put(&o, "</dd>\n");
	if (p->mixed)
		put_field(&o, TR(lang, "商品", "Product"),
		    TR(lang, "多种商品", "several products"));
	else
		put_field(&o, TR(lang, "商品编码", "Product (GTIN)"), p->gtin);
	if (p->pallet) {
		put(&o, "<dt>");
		put(&o, TR(lang, "箱数", "Cases"));
		put(&o, "</dt><dd class=\"m\">");
		page_putf(&o, "%" PRIu64, p->children);
		put(&o, "</dd>\n");
	}
	put_field(&o, "SSCC", p->sscc);
	put(&o, "</dl></section>\n<section class=\"cd\"><p>");
	put(&o, TR(lang,
	    "每件商品的包装上都有它自己的二维码。扫描商品包装上的二维码，"
	    "即可验证这一件商品是否为正品并参加活动。",
	    "Each item inside carries its own code. Scan the code on an "
	    "item's package to check that it is genuine and to take part in "
	    "its campaign."));
	put(&o, "</p></section>\n");
	page_close(&o, lang, p->self_path, PAGE_SCRIPT_CODE);
	return page_finish(&o, start);
}
