// draw.mjs — a phone scans a code in a running campaign and draws, in a
// real browser (issue 5).
//
// Run by run_draw.sh, which starts `scanloop serve` on a fresh store with a
// campaign that draws on the outer code and whose only tier always wins a
// physical prize, and passes:
//   SL_BASE     http://127.0.0.1:PORT
//   SL_CODE     path of an active code: /01/{GTIN}/21/{SERIAL}?S={SIG}
//   SL_PRIZE    the prize's name (as in the campaign file)
//   SL_OUT      directory for the screenshots
//   SL_RESULT   file to write the result (JSON) to
//   CHROMIUM    the browser (default /usr/bin/chromium)
//
// Headless Chromium as a phone (zh-CN, touch, a phone's User-Agent) opens
// the code's page: genuine, with the draw card offering one draw through a
// plain form POST (screenshot draw-before.png). It taps the button; the
// answer is the result card: "you won", the prize, the claim code as text
// and as a QR code (an inline <svg> in the card), no draw form any more
// (draw-result.png). Exactly one POST /draw was sent, carrying the form's
// hidden fields, and no request left the origin; the pages' scripts ran
// under their Content-Security-Policy without a violation. Opening the
// code's page again shows the same result as a repeat (draw-repeat.png).
// run_draw.sh then checks the store and redeems the claim. Every wait is
// bounded.
import { harness, phoneContext, WAIT_MS } from './harness.mjs';

// Claim codes: 24 base32 characters in six groups of four.
const CLAIM_RE = /^[A-Z2-7]{4}(-[A-Z2-7]{4}){5}$/;

const h = harness('browser_draw', 'run_draw.sh');
const { need, check, checkCsp, shot, result } = h;

const base = need('SL_BASE');
const prize = need('SL_PRIZE');

// What the draw card shows.
async function card(page) {
	return page.evaluate(() => {
		const s = document.getElementById('draw');
		if (s === null)
			return null;
		const q = (sel) => s.querySelector(sel);
		const svg = s.querySelector('.qr svg');
		return {
			h1: document.querySelector('h1')?.textContent ?? null,
			main: document.querySelector('main')?.className ?? null,
			h2: q('h2')?.textContent ?? null,
			prize: q('.pz')?.textContent ?? null,
			claim: q('.cl')?.textContent ?? null,
			repeat: q('.rp')?.textContent ?? null,
			form: q('form') !== null,
			svg: svg === null ? null : {
				w: svg.getBoundingClientRect().width,
				h: svg.getBoundingClientRect().height,
				parts: svg.querySelectorAll('path, rect').length,
			},
			text: s.innerText,
		};
	});
}

// The phone: scan, tap draw, the result; the code's page again.
async function phone(browser) {
	const ctx = await phoneContext(browser);
	const page = await ctx.newPage();
	h.current = page;
	result.requests = h.watch(page).requests;

	// The scan: a genuine page with the draw offer.
	const code = need('SL_CODE');
	const resp = await page.goto(base + code,
	    { waitUntil: 'load', timeout: WAIT_MS });
	check(resp !== null && resp.status() === 200,
	    `code page: status ${resp?.status()}, want 200`);
	let c = await card(page);
	if (!check(c !== null, 'code page: no draw card (#draw)'))
		throw new Error('no draw card');
	check(c.main === 'ok' && c.h1 === '正品',
	    `code page: verdict ${c.main} "${c.h1}", want ok "正品"`);
	check(c.h2 === '您有一次抽奖机会', `code page: draw heading "${c.h2}"`);
	check(c.form, 'code page: no draw form');
	check(c.claim === null && c.svg === null,
	    'code page: a claim before the draw');
	const form = await page.evaluate(() => {
		const f = document.getElementById('dw');
		const v = (n) => f?.querySelector(`input[name="${n}"]`)?.value;
		return f === null ? null : {
			method: f.getAttribute('method'),
			action: f.getAttribute('action'),
			c: v('c'), e: v('e'), t: v('t'),
		};
	});
	check(form !== null && form.method === 'post' &&
	    form.action === '/draw', `draw form: ${JSON.stringify(form)}`);
	check(/^[1-9][0-9]*$/.test(form?.e || ''), `draw form: e "${form?.e}"`);
	check((form?.t || '').length >= 16, `draw form: t "${form?.t}"`);
	const button = page.locator('#dw button[type="submit"]');
	check(await button.isVisible() && await button.isEnabled(),
	    'the draw button is not visible and enabled');
	check((await button.textContent()) === '立即抽奖',
	    `the draw button says "${await button.textContent()}"`);
	await checkCsp(page, 'code page');
	await shot(page, 'draw-before.png');
	result.event_id = Number(form?.e);
	result.form = form;

	// The tap: one POST /draw; its answer is the result page.
	const answered = page.waitForResponse((r) =>
	    r.request().method() === 'POST' &&
	    new URL(r.url()).pathname === '/draw', { timeout: WAIT_MS });
	await page.tap('#dw button[type="submit"]', { timeout: WAIT_MS });
	const post = await answered;
	await page.waitForURL(`${base}/draw`,
	    { waitUntil: 'load', timeout: WAIT_MS });
	check(post.status() === 200, `POST /draw: status ${post.status()}`);
	const sent = new URLSearchParams(post.request().postData() || '');
	check(sent.get('c') === form?.c && sent.get('e') === form?.e &&
	    sent.get('t') === form?.t,
	    `POST /draw sent ${post.request().postData()}`);
	check((post.request().headers()['content-type'] || '')
	    .startsWith('application/x-www-form-urlencoded'),
	    'POST /draw is not a form post');
	c = await card(page);
	if (!check(c !== null, 'result page: no draw card'))
		throw new Error('no result card');
	check(c.h2 === '恭喜您中奖了！', `result: heading "${c.h2}"`);
	check(c.prize === prize, `result: prize "${c.prize}", want "${prize}"`);
	check(CLAIM_RE.test(c.claim || ''), `result: claim code "${c.claim}"`);
	check(c.svg !== null && c.svg.w >= 100 && c.svg.h >= 100 &&
	    c.svg.parts > 0, `result: claim QR ${JSON.stringify(c.svg)}`);
	check(!c.form, 'result: the draw form is still there');
	check(c.repeat === null, 'result: marked as a repeat');
	await checkCsp(page, 'result page');
	await shot(page, 'draw-result.png');
	result.claim = c.claim;

	// Exactly one draw request, and nothing but this origin.
	const posts = result.requests.filter((r) =>
	    r.startsWith('POST ') && new URL(r.slice(5)).pathname === '/draw');
	check(posts.length === 1, `${posts.length} POST /draw requests, want 1`);
	check(result.requests.every((r) => r.startsWith('GET ') ||
	    r === `POST ${base}/draw`),
	    `unexpected requests: ${JSON.stringify(result.requests)}`);

	// The code's page again: the same result, as a repeat, no form.
	const r2 = await page.goto(base + code,
	    { waitUntil: 'load', timeout: WAIT_MS });
	check(r2 !== null && r2.status() === 200,
	    `code page again: status ${r2?.status()}`);
	c = await card(page);
	if (check(c !== null, 'code page again: no draw card')) {
		check(c.repeat === '此码已参加过抽奖，以下是它的抽奖结果。',
		    `code page again: repeat notice "${c.repeat}"`);
		check(c.h2 === '恭喜您中奖了！' && c.prize === prize,
		    `code page again: "${c.h2}" "${c.prize}"`);
		check(c.claim === result.claim,
		    `code page again: claim "${c.claim}", first "${result.claim}"`);
		check(c.svg !== null && c.svg.parts > 0,
		    'code page again: no claim QR');
		check(!c.form, 'code page again: offers a draw');
	}
	await checkCsp(page, 'code page again');
	await shot(page, 'draw-repeat.png');
	check(result.requests.filter((r) => r.startsWith('POST ')).length === 1,
	    'the page sent another POST');
	await ctx.close();
}

h.main([phone], 'draw-failure.png');
