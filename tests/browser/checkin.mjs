// checkin.mjs — store check-in (到店打卡) in a real browser (issue 15).
//
// Run by run_checkin.sh, which starts `scanloop serve` with a campaign
// whose check-ins earn 10 points and a draw whose only tier always wins,
// and passes:
//   SL_BASE      http://127.0.0.1:PORT
//   SL_STORE     path of store sh-1's code: /K/sh-1/{SIG}
//   SL_LAT, SL_LON  where sh-1 is (radius 150 m)
//   SL_TOKEN     sh-1's API token (for the staff's check-in code)
//   SL_PRIZE     the prize's name
//   SL_COUPON    the name of the two-day streak's prize (a coupon)
//   SL_VISITOR   a visitor id (sl_vid) that checked in yesterday
//   SL_OUT, SL_RESULT, CHROMIUM  as for the other browser tests
//
// A phone (zh-CN) in the store opens the store's code: the check-in card
// shows (the script ran under the Content-Security-Policy), a tap asks for
// the position and POSTs it once with the store, its signature and the
// fix; the card then says it checked in, with the points and the prize
// won and its claim code (checkin-zh.png); a second tap says "already
// today". A phone 2 km away is told it is not at the store. The staff page
// (English) issues an exemption code with the store's token; a phone that
// refuses location checks in with it (checkin-code-en.png); a second phone
// with the same code is refused. Each new check-in shows the progress
// toward the streak's coupon by name; the visitor who checked in
// yesterday (its cookie set) completes the streak and is shown the coupon,
// its claim code and the claim link (checkin-streak-zh.png). No request
// leaves the origin.
import { harness, phoneContext, WAIT_MS } from './harness.mjs';

const h = harness('browser_checkin', 'run_checkin.sh');
const { need, check, checkCsp, shot, result, watch } = h;

const base = need('SL_BASE');
const store = need('SL_STORE');
const lat = Number(need('SL_LAT'));
const lon = Number(need('SL_LON'));
const token = need('SL_TOKEN');
const prize = need('SL_PRIZE');
const coupon = need('SL_COUPON');
const visitor = need('SL_VISITOR');

// Taps a button and waits for the check-in POST's answer (JSON).
async function tapCheckin(page, sel) {
	const posted = page.waitForResponse((r) =>
	    r.request().method() === 'POST' &&
	    new URL(r.url()).pathname === '/api/v1/checkins',
	{ timeout: WAIT_MS });
	await page.tap(sel, { timeout: WAIT_MS });
	const r = await posted;
	return { status: r.status(), sent: r.request().postDataJSON(),
	    body: await r.json() };
}

// The lines of the answer in #ckm, once the script wrote them.
async function message(page, want) {
	await page.waitForFunction((w) => (document.getElementById('ckm')
	    .textContent || '').includes(w), want, { timeout: WAIT_MS });
	return page.evaluate(() => [...document.querySelectorAll('#ckm p')]
	    .map((p) => p.textContent));
}

// A phone inside the fence: checks in, then is told it did today.
async function inside(browser) {
	const geo = { latitude: lat + 0.0003, longitude: lon, accuracy: 25 };
	const ctx = await phoneContext(browser,
	    { geolocation: geo, permissions: ['geolocation'] });
	const page = await ctx.newPage();
	h.current = page;
	watch(page, 'store page');
	const resp = await page.goto(base + store, { waitUntil: 'load' });
	check(resp.status() === 200, `store page: status ${resp.status()}`);
	await page.locator('#ck').waitFor({ state: 'visible' });
	check(await page.locator('#ckc').isVisible(),
	    'store page: no exemption code field');
	await checkCsp(page, 'store page');
	await shot(page, 'checkin-zh-before.png');
	const a = await tapCheckin(page, '#ckb');
	check(a.status === 200 && a.body.status === 'new',
	    `check-in: ${a.status} ${JSON.stringify(a.body)}`);
	check(a.sent.store === 'sh-1' && a.sent.sig === store.split('/')[3] &&
	    a.sent.lat === geo.latitude && a.sent.lon === geo.longitude &&
	    a.sent.accuracy === geo.accuracy && a.sent.lang === 'zh-CN',
	    `check-in POST body ${JSON.stringify(a.sent)}`);
	const lines = await message(page, '打卡成功');
	check(lines.some((l) => l.includes('获得 10 积分')),
	    `points not shown: ${JSON.stringify(lines)}`);
	check(lines.some((l) => l.includes(prize)),
	    `prize not shown: ${JSON.stringify(lines)}`);
	check(lines.includes(`连续打卡进度：1/2 天 → ${coupon}`),
	    `streak progress not shown: ${JSON.stringify(lines)}`);
	const claim = lines.find((l) => l.startsWith('领奖码：'));
	check(/^领奖码：[A-Z2-7]{4}(-[A-Z2-7]{4}){5}$/.test(claim || ''),
	    `claim code not shown: ${JSON.stringify(lines)}`);
	result.claim = (claim || '').replace('领奖码：', '');
	await checkCsp(page, 'store page after the check-in');
	await shot(page, 'checkin-zh.png');
	const b = await tapCheckin(page, '#ckb');
	check(b.body.status === 'already', `again: ${JSON.stringify(b.body)}`);
	await message(page, '今天已在本店打过卡');
	await ctx.close();
}

// A phone 2 km north: outside, nothing earned.
async function outside(browser) {
	const geo = { latitude: lat + 0.018, longitude: lon, accuracy: 10 };
	const ctx = await phoneContext(browser,
	    { geolocation: geo, permissions: ['geolocation'] });
	const page = await ctx.newPage();
	h.current = page;
	watch(page, 'store page far away');
	await page.goto(base + store, { waitUntil: 'load' });
	await page.locator('#ck').waitFor({ state: 'visible' });
	const a = await tapCheckin(page, '#ckb');
	check(a.body.status === 'outside', `far away: ${JSON.stringify(a.body)}`);
	await message(page, '不在门店范围内');
	await ctx.close();
}

// The staff's code, used by a phone without location, once.
async function exemption(browser) {
	const staff = await phoneContext(browser, { locale: 'en-US' });
	const sp = await staff.newPage();
	h.current = sp;
	watch(sp, 'staff page');
	await sp.goto(`${base}/store/checkin-code?lang=en`, { waitUntil: 'load' });
	await sp.locator('#xs').waitFor({ state: 'visible' });
	await sp.fill('#xt', token);
	const issued = sp.waitForResponse((r) => new URL(r.url()).pathname ===
	    '/api/v1/stores/me/checkin-code', { timeout: WAIT_MS });
	await sp.tap('#xgo');
	const ir = await issued;
	check(ir.status() === 200, `check-in code: status ${ir.status()}`);
	await sp.waitForFunction(() => /^[0-9]{8}$/.test(
	    document.querySelector('#xo .big')?.textContent || ''), null,
	{ timeout: WAIT_MS });
	const code = await sp.locator('#xo .big').textContent();
	await checkCsp(sp, 'staff page');
	await shot(sp, 'checkin-staff-en.png');

	for (const [n, want] of [[1, 'new'], [2, 'bad_code']]) {
		const ctx = await phoneContext(browser, { locale: 'en-US' });
		const page = await ctx.newPage();
		h.current = page;
		watch(page, `phone ${n} without location`);
		await page.goto(`${base}${store}?lang=en`, { waitUntil: 'load' });
		await page.locator('#ck').waitFor({ state: 'visible' });
		await page.fill('#ckc', code);
		const a = await tapCheckin(page, '#ckxb');
		check(a.body.status === want && a.sent.exemption === code,
		    `phone ${n} with the code: ${JSON.stringify(a.body)}`);
		await message(page, want === 'new' ? 'You have checked in.' :
		    'used or expired');
		await checkCsp(page, `phone ${n}`);
		if (n === 1)
			await shot(page, 'checkin-code-en.png');
		await ctx.close();
	}
	result.code = code;
	await staff.close();
}

// The visitor who checked in yesterday: today completes the streak, and
// its coupon is granted with a claim code and link.
async function streak(browser) {
	const geo = { latitude: lat, longitude: lon, accuracy: 20 };
	const ctx = await phoneContext(browser,
	    { geolocation: geo, permissions: ['geolocation'] });
	await ctx.addCookies([{ name: 'sl_vid', value: visitor, url: base }]);
	const page = await ctx.newPage();
	h.current = page;
	watch(page, 'store page, the streak');
	await page.goto(base + store, { waitUntil: 'load' });
	await page.locator('#ck').waitFor({ state: 'visible' });
	const a = await tapCheckin(page, '#ckb');
	const g = a.body.streak_prize || {};
	check(a.body.status === 'new' && g.status === 'granted' && g.claim,
	    `streak: ${JSON.stringify(a.body)}`);
	const lines = await message(page, `连续打卡奖励：${coupon}`);
	check(lines.includes(`连续打卡进度：2/2 天 → ${coupon}`),
	    `streak progress not shown: ${JSON.stringify(lines)}`);
	check(lines.includes(`领奖码：${g.claim?.text}`),
	    `streak claim code not shown: ${JSON.stringify(lines)}`);
	const link = page.locator('#ckm a');
	check(await link.getAttribute('href') === `/C/${g.claim?.token}` &&
	    (await link.textContent()).includes('领奖链接'),
	    `claim link: ${await link.evaluate((e) => e.outerHTML)}`);
	await checkCsp(page, 'store page after the streak');
	await shot(page, 'checkin-streak-zh.png');
	result.streak_draw = g.draw;
	result.streak_claim = g.claim?.token;
	await ctx.close();
}

h.main([inside, outside, exemption, streak], 'checkin-failure.png');
