// group.mjs — group unlock (拼团) in a real browser (issue 15).
//
// Run by run_group.sh, which starts `scanloop serve` with a campaign whose
// groups need 3 members within 2 hours and whose only tier always wins,
// and passes:
//   SL_BASE      http://127.0.0.1:PORT
//   SL_CODE      path of a code of the campaign (its page links to /G/)
//   SL_PRIZE     the prize's name
//   SL_OUT, SL_RESULT, CHROMIUM  as for the other browser tests
//
// A phone (zh-CN) opens the code's page and follows its group link to the
// start page; the start button POSTs the campaign and lands on the
// group's page, which shows 1 / 3, the deadline made local, and the link to
// share, filled in by the script (group-zh-start.png). Two other phones
// (one English) open that link and join; the third join unlocks it
// (group-en-full.png). Each of them then taps the draw button and sees the
// prize and its claim code on the page (group-zh-drawn.png). A fourth
// phone sees the group full, with no join button. Every page runs its
// script under the Content-Security-Policy; no request leaves the origin.
import { harness, phoneContext, WAIT_MS } from './harness.mjs';

const h = harness('browser_group', 'run_group.sh');
const { need, check, checkCsp, shot, result, watch } = h;

const base = need('SL_BASE');
const code = need('SL_CODE');
const prize = need('SL_PRIZE');
const phones = [];
const pages = {};

// Taps a button and waits for its POST's answer and the page the script
// goes to then (the answer's body is gone with the page it came to: the
// page that follows shows what it said).
async function tapPost(page, sel, path) {
	const posted = page.waitForResponse((r) =>
	    r.request().method() === 'POST' &&
	    new URL(r.url()).pathname.endsWith(path), { timeout: WAIT_MS });
	const nav = page.waitForNavigation({ waitUntil: 'load',
	    timeout: WAIT_MS });
	await page.tap(sel, { timeout: WAIT_MS });
	const r = await posted;
	await nav;
	return { status: r.status(), sent: r.request().postDataJSON(),
	    path: new URL(page.url()).pathname };
}

// A phone of its own (a visitor cookie of its own), in lang.
async function phone(browser, name, locale) {
	const ctx = await phoneContext(browser, { locale });
	const page = await ctx.newPage();
	h.current = page;
	watch(page, name);
	phones.push(ctx);
	return page;
}

// The creator: the code's page, the start page, the new group's page.
async function start(browser) {
	const page = await phone(browser, 'creator', 'zh-CN');
	let resp = await page.goto(base + code, { waitUntil: 'load' });
	check(resp.status() === 200, `code page: status ${resp.status()}`);
	const link = page.locator('a[href^="/G/?campaign="]');
	check(await link.count() === 1, 'code page: no group link');
	await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
	    link.tap()]);
	await page.locator('#gp').waitFor({ state: 'visible' });
	await checkCsp(page, 'start page');
	const a = await tapPost(page, '#gs', '/api/v1/groups');
	check(a.status === 200, `start: status ${a.status}`);
	check(a.sent.lang === 'zh-CN' && a.sent.campaign === 'browser-group',
	    `start POST ${JSON.stringify(a.sent)}`);
	check(/^\/G\/[A-Z2-7]{16}$/.test(a.path), `start led to ${page.url()}`);
	await page.locator('#gu').waitFor({ state: 'visible' });
	const share = await page.inputValue('#gu');
	check(share === base + a.path, `share link ${share}`);
	const text = await page.textContent('main');
	check(text.includes('1 / 3') && text.includes('已有 1 人加入'),
	    `group page: ${text}`);
	const when = await page.textContent('time');
	check(!when.includes('UTC'), `the deadline stays in UTC: ${when}`);
	await checkCsp(page, 'group page');
	await shot(page, 'group-zh-start.png');
	result.group = a.path.slice(3);
	result.share = share;
	pages.creator = page;
}

// Two more visitors join through the link; the second fills the group.
async function join(browser) {
	for (const [n, locale] of [[2, 'zh-CN'], [3, 'en-US']]) {
		const page = await phone(browser, `member ${n}`, locale);
		await page.goto(result.share + (locale === 'en-US' ? '?lang=en' :
		    ''), { waitUntil: 'load' });
		await page.locator('#gj').waitFor({ state: 'visible' });
		const a = await tapPost(page, '#gj', '/join');
		check(a.status === 200 && a.path === '/G/' + result.group,
		    `join ${n}: ${a.status}, then ${a.path}`);
		const after = await page.textContent('main');
		check(after.includes(`${n} / 3`), `join ${n}: ${after}`);
		await page.locator(n === 3 ? '#gd' : '#gu').waitFor(
		    { state: 'visible' });
		await checkCsp(page, `member ${n}`);
		if (n === 3) {
			const text = await page.textContent('main');
			check(text.includes('3 of 3 joined') &&
			    text.includes('Every member has one draw'),
			    `full group page: ${text}`);
			await shot(page, 'group-en-full.png');
		}
		pages[`member${n}`] = page;
	}
}

// Each member draws on the page and sees the prize and the claim code.
async function draw(browser) {
	const claims = [];
	for (const key of ['creator', 'member2', 'member3']) {
		const page = pages[key];
		h.current = page;
		await page.reload({ waitUntil: 'load' });
		await page.locator('#gd').waitFor({ state: 'visible' });
		const a = await tapPost(page, '#gd', '/draw');
		check(a.status === 200, `${key} draws: ${a.status}`);
		const text = await page.textContent('main');
		check(text.includes(prize), `${key}: no prize on the page`);
		const m = /([A-Z2-7]{4}(-[A-Z2-7]{4}){5})/.exec(text);
		check(m !== null, `${key}: no claim code on the page: ${text}`);
		check(await page.locator('#gd').count() === 0,
		    `${key}: a second draw button`);
		claims.push(m ? m[1] : null);
		await checkCsp(page, `${key} after the draw`);
		if (key === 'creator')
			await shot(page, 'group-zh-drawn.png');
	}
	result.claims = claims;
	const late = await phone(browser, 'late visitor', 'zh-CN');
	await late.goto(result.share, { waitUntil: 'load' });
	check(await late.locator('#gj').count() === 0,
	    'a full group still offers to join');
	const text = await late.textContent('main');
	check(text.includes('该拼团人数已满'), `full group to a visitor: ${text}`);
	for (const ctx of phones)
		await ctx.close();
}

h.main([start, join, draw], 'group-failure.png');
