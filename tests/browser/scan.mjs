// scan.mjs — a phone opens a code's URL in a real browser (issue 4).
//
// Run by run.sh, which starts `scanloop serve` on a fresh store and passes:
//   SL_BASE       http://127.0.0.1:PORT
//   SL_CODE       path of an active code: /01/{GTIN}/21/{SERIAL}?S={SIG}
//   SL_CODE_BOT   path of another active code (for the headless-UA visit)
//   SL_FORGED     path of a code with a forged signature
//   SL_LAT, SL_LON, SL_ACC   the position the browser reports
//   SL_OUT        directory for the screenshots
//   SL_RESULT     file to write the result (JSON) to
//   CHROMIUM      the browser (default /usr/bin/chromium)
//
// Headless Chromium with a phone's viewport, touch, zh-CN and a granted
// geolocation opens the code page; the test checks the genuine verdict, that
// the page's script ran under its Content-Security-Policy (nothing blocked,
// no request to another origin), taps "share my location", and checks the
// POST the page sent and the thank-you message; another phone far away
// then gets the "verified elsewhere" warning (a clone signal). run.sh
// then checks that the store holds the position. Every wait is bounded.
import { harness, phoneContext, WAIT_MS } from './harness.mjs';

const h = harness('browser', 'run.sh');
const { need, check, checkCsp, shot, result, problems } = h;

const base = need('SL_BASE');
const geo = {
	latitude: Number(need('SL_LAT')),
	longitude: Number(need('SL_LON')),
	accuracy: Number(need('SL_ACC')),
};
result.requests = {};

// Watches a page (h.watch), keeping what it saw in the result.
function watch(page, name, status = 200) {
	result.requests[name] = h.watch(page, name, status);
}

// Opens a path; returns the main response.
async function open(page, path) {
	h.current = page;
	const resp = await page.goto(base + path,
	    { waitUntil: 'load', timeout: WAIT_MS });
	if (resp === null)
		throw new Error(`no response for ${path}`);
	return resp;
}

// Texts of the verdict: <main> class, <h1>, <html lang>.
async function verdict(page) {
	return page.evaluate(() => ({
		cls: document.querySelector('main')?.className ?? null,
		h1: document.querySelector('h1')?.textContent ?? null,
		lang: document.documentElement.lang,
		title: document.title,
		text: document.body.innerText,
	}));
}

// The phone: the scan, the tap, the position; then the English page of
// the same code from the same phone: "you scanned this before", with no
// copy warning (the visitor cookie says it is the same phone).
async function phone(browser) {
	const ctx = await phoneContext(browser,
	    { geolocation: geo, permissions: ['geolocation'] });
	const page = await ctx.newPage();
	watch(page, 'genuine page');

	const code = need('SL_CODE');
	const resp = await open(page, code);
	check(resp.status() === 200,
	    `genuine page: status ${resp.status()}, want 200`);
	const csp = (await resp.allHeaders())['content-security-policy'] || '';
	check(/script-src 'sha256-/.test(csp) && /default-src 'none'/.test(csp),
	    `genuine page: Content-Security-Policy is "${csp}"`);
	let v = await verdict(page);
	check(v.lang === 'zh-CN', `genuine page: lang "${v.lang}", want zh-CN`);
	check(v.cls === 'ok', `genuine page: <main> class "${v.cls}", want ok`);
	check(v.h1 === '正品', `genuine page: headline "${v.h1}", want 正品`);
	check(v.text.includes('这是该码第一次被扫描。'),
	    'genuine page: no "first scan" sentence');

	// The script ran (the CSP hash matched): it showed #loc-box and wrote
	// the scan time in local time, keeping the UTC text as the title.
	const box = page.locator('#loc-box');
	const btn = page.locator('#loc');
	const msg = page.locator('#loc-msg');
	await box.waitFor({ state: 'visible', timeout: WAIT_MS });
	check(await btn.isVisible(), 'genuine page: #loc is not visible');
	check(await btn.isEnabled(), 'genuine page: #loc is disabled');
	const eventId = await btn.getAttribute('data-event');
	const token = await btn.getAttribute('data-token');
	const okText = await btn.getAttribute('data-ok');
	check(/^[1-9][0-9]*$/.test(eventId || ''),
	    `genuine page: data-event "${eventId}"`);
	check((token || '').length >= 16, `genuine page: data-token "${token}"`);
	check(((await msg.textContent()) || '') === '',
	    'genuine page: #loc-msg is not empty before the tap');
	const time = await page.evaluate(() => {
		const t = document.querySelector('time');
		return t ? { title: t.title, text: t.textContent } : null;
	});
	check(time !== null && / UTC$/.test(time.title) &&
	    !/ UTC$/.test(time.text),
	    `genuine page: <time> not localised: ${JSON.stringify(time)}`);
	await checkCsp(page, 'genuine page');
	await shot(page, 'genuine-zh-before-tap.png');

	// Tap; the page asks for the position and POSTs it.
	const posted = page.waitForResponse((r) =>
	    r.request().method() === 'POST' &&
	    new URL(r.url()).pathname === `/api/v1/scans/${eventId}/location`,
	{ timeout: WAIT_MS });
	await page.tap('#loc', { timeout: WAIT_MS });
	const post = await posted;
	check(post.status() === 200,
	    `location POST: status ${post.status()}, want 200`);
	let body = null;
	try {
		body = post.request().postDataJSON();
	} catch (e) {
		problems.push(`location POST: body is not JSON: ${e.message}`);
	}
	check(body !== null && body.token === token &&
	    body.lat === geo.latitude && body.lon === geo.longitude &&
	    body.accuracy === geo.accuracy,
	    `location POST: body ${JSON.stringify(body)}`);
	check(post.request().headers()['content-type'] === 'application/json',
	    'location POST: Content-Type is not application/json');
	await page.waitForFunction(
	    (want) => document.getElementById('loc-msg').textContent === want,
	    okText, { timeout: WAIT_MS });
	check(okText === '谢谢！位置已发送。', `data-ok is "${okText}"`);
	check(await btn.isHidden(), 'the button is still shown after success');
	check(!/\be\b/.test((await msg.getAttribute('class')) || ''),
	    '#loc-msg has the error class');
	await checkCsp(page, 'genuine page after the tap');
	await shot(page, 'genuine-zh-after-tap.png');
	result.event_id = Number(eventId);

	// The first-party visitor cookie: set by the server, out of reach of
	// scripts.
	const vid = (await ctx.cookies(base)).find((c) => c.name === 'sl_vid');
	check(vid !== undefined && vid.httpOnly && vid.sameSite === 'Lax',
	    `visitor cookie: ${JSON.stringify(vid)}`);
	check(await page.evaluate(() => document.cookie) === '',
	    'document.cookie shows the visitor cookie');

	// The same code again, in English, from the same phone: a repeat of
	// its own scan, not a sign of a copied label.
	const en = await ctx.newPage();
	watch(en, 'English page');
	const r2 = await open(en, code + '&lang=en');
	check(r2.status() === 200, `English page: status ${r2.status()}`);
	v = await verdict(en);
	check(v.lang === 'en', `English page: lang "${v.lang}", want en`);
	check(v.cls === 'ok', `English page: class "${v.cls}", want ok`);
	check(v.h1 === 'Genuine product', `English page: headline "${v.h1}"`);
	check(v.text.includes('You scanned this before, on '),
	    'English page: does not say "You scanned this before"');
	check(!v.text.includes('may have been copied.'),
	    'English page: warns of a copy on the same phone\'s repeat');
	await en.locator('#loc-box').waitFor({ state: 'visible' });
	check((await en.locator('#loc').textContent()) === 'Share my location',
	    'English page: button text');
	await checkCsp(en, 'English page');
	await shot(en, 'genuine-en-scanned-by-you.png');
	result.en_event_id = Number(await en.locator('#loc')
	    .getAttribute('data-event'));

	// A forged signature: 404 and the forged page, no location section.
	const fp = await ctx.newPage();
	watch(fp, 'forged page', 404);
	const r3 = await open(fp, need('SL_FORGED'));
	check(r3.status() === 404, `forged page: status ${r3.status()}, want 404`);
	v = await verdict(fp);
	check(v.cls === 'bad', `forged page: class "${v.cls}", want bad`);
	check(v.h1 === '未通过验证', `forged page: headline "${v.h1}"`);
	check(await fp.locator('#loc').count() === 0,
	    'forged page: has a location button');
	await checkCsp(fp, 'forged page');
	await shot(fp, 'forged-zh.png');
	await ctx.close();
}

// Another phone (another visitor) far away shares its position for the
// same code: a clone, and the page says the code was verified elsewhere.
async function elsewhere(browser) {
	const far = { latitude: geo.latitude + 10, longitude: geo.longitude,
	    accuracy: 20 };
	const ctx = await phoneContext(browser,
	    { geolocation: far, permissions: ['geolocation'] });
	const page = await ctx.newPage();
	watch(page, 'page far away');
	const r = await open(page, need('SL_CODE'));
	check(r.status() === 200, `page far away: status ${r.status()}`);
	const btn = page.locator('#loc');
	await page.locator('#loc-box').waitFor({ state: 'visible' });
	const want = await btn.getAttribute('data-elsewhere');
	check(want === '谢谢！此码不久前也在很远的另一处被验证过，' +
	    '标签可能被复制。请向品牌方核实。', `data-elsewhere is "${want}"`);
	await page.tap('#loc', { timeout: WAIT_MS });
	await page.waitForFunction(
	    (w) => document.getElementById('loc-msg').textContent === w,
	    want, { timeout: WAIT_MS });
	check(/\be\b/.test((await page.locator('#loc-msg')
	    .getAttribute('class')) || ''), 'the warning has no class e');
	await checkCsp(page, 'page far away');
	await shot(page, 'genuine-zh-verified-elsewhere.png');
	result.elsewhere_event_id = Number(await btn.getAttribute('data-event'));
	await ctx.close();
}

// Chromium's own User-Agent ("HeadlessChrome"): the server records a bot
// and the page has no location button.
async function headless(browser) {
	const ctx = await browser.newContext({
		viewport: { width: 390, height: 844 },
		isMobile: true,
		hasTouch: true,
		locale: 'en-US',
	});
	ctx.setDefaultTimeout(WAIT_MS);
	const page = await ctx.newPage();
	watch(page, 'headless page');
	const ua = await page.evaluate(() => navigator.userAgent);
	check(/HeadlessChrome/.test(ua), `headless UA is "${ua}"`);
	const r = await open(page, need('SL_CODE_BOT'));
	check(r.status() === 200, `headless page: status ${r.status()}`);
	const v = await verdict(page);
	check(v.cls === 'ok' && v.h1 === 'Genuine product',
	    `headless page: ${v.cls} "${v.h1}"`);
	check(await page.locator('#loc').count() === 0,
	    'headless page: a bot got a location button');
	await ctx.close();
}

h.main([phone, elsewhere, headless], 'failure.png');
