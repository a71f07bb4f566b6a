// report.mjs — the report page (GET /admin/report) in headless Chromium
// as a 360-pixel phone: it renders without script and without any other
// request, its charts are SVG with titles, nothing is wider than the
// screen (wide tables scroll inside their box), in English and Chinese;
// and it prints on A4. Screenshots report-en-360.png, report-zh-360.png
// and report-a4.pdf in SL_OUT.
import { harness, WAIT_MS } from './harness.mjs';
import { join } from 'node:path';

const h = harness('browser_report', 'run_report.sh');
const base = h.need('SL_BASE');
const token = h.need('SL_TOKEN');
const query = h.need('SL_QUERY');

async function view(browser, lang) {
	const ctx = await browser.newContext({
		viewport: { width: 360, height: 740 },
		deviceScaleFactor: 2,
		isMobile: true,
		hasTouch: true,
		javaScriptEnabled: false,
		extraHTTPHeaders: { Authorization: `Bearer ${token}` },
	});
	ctx.setDefaultTimeout(WAIT_MS);
	const page = await ctx.newPage();
	h.current = page;
	const seen = h.watch(page, `report ${lang}`);
	const res = await page.goto(`${base}/admin/report?${query}&lang=${lang}`);
	h.check(res.status() === 200, `${lang}: status ${res.status()}`);
	h.check(seen.requests.length === 1,
	    `${lang}: ${seen.requests.length} requests: ${seen.requests}`);
	const facts = await page.evaluate(() => {
		const svgs = [...document.querySelectorAll('svg')];
		return {
			scripts: document.querySelectorAll('script').length,
			svgs: svgs.length,
			titled: svgs.filter((s) => s.querySelector(':scope > title')).length,
			rects: document.querySelectorAll('svg rect').length,
			circles: document.querySelectorAll('svg circle').length,
			land: document.querySelectorAll('svg path.land').length,
			tables: document.querySelectorAll('table').length,
			width: document.documentElement.scrollWidth,
			wide: [...document.querySelectorAll('body *')]
			    .filter((e) => e.closest('.tw') === null &&
			    (e.tagName === 'svg' || e.closest('svg') === null) &&
			    e.getBoundingClientRect().right > 361)
			    .map((e) => e.tagName).slice(0, 5),
			h1: document.querySelector('h1').textContent,
			lang: document.documentElement.lang,
		};
	});
	h.result[lang] = facts;
	h.check(facts.scripts === 0, `${lang}: ${facts.scripts} scripts`);
	h.check(facts.svgs >= 3 && facts.titled === facts.svgs,
	    `${lang}: ${facts.svgs} SVG charts, ${facts.titled} with a title`);
	h.check(facts.rects > 10 && facts.circles > 0 && facts.land === 1,
	    `${lang}: bars ${facts.rects}, map points ${facts.circles}, outline ${facts.land}`);
	h.check(facts.tables >= 5, `${lang}: ${facts.tables} tables`);
	h.check(facts.width <= 360, `${lang}: the page is ${facts.width} px wide`);
	h.check(facts.wide.length === 0, `${lang}: wider than the screen: ${facts.wide}`);
	h.check(facts.lang === (lang === 'en' ? 'en' : 'zh-CN') &&
	    facts.h1 === (lang === 'en' ? 'Scan report' : '扫码报告'),
	    `${lang}: heading ${facts.h1} in ${facts.lang}`);
	await h.shot(page, `report-${lang}-360.png`);
	return { ctx, page };
}

h.main([
	async (browser) => {
		await view(browser, 'zh').then((v) => v.ctx.close());
		const { ctx, page } = await view(browser, 'en');
		await page.emulateMedia({ media: 'print' });
		const pdf = join(h.need('SL_OUT'), 'report-a4.pdf');
		const bytes = await page.pdf({ path: pdf, format: 'A4',
		    printBackground: true });
		h.check(bytes.length > 1000, `the A4 PDF is ${bytes.length} bytes`);
		h.result.pdf = pdf;
		console.log(`# A4 print: ${pdf}`);
		await ctx.close();
	},
], 'report-failure.png');
