// harness.mjs — what the browser tests (scan.mjs, draw.mjs) share: the
// environment they are given, checks that collect every problem, the
// phone's browser context with the CSP watcher, the watch on a page's
// requests and errors, screenshots, and launching Chromium with a failure
// screenshot and the result file.
import { chromium } from 'playwright-core';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const WAIT_MS = 20000;
// A phone's browser: "HeadlessChrome" in the default User-Agent is counted
// as a bot by the server, as it should be.
export const PHONE_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) ' +
    'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 ' +
    'Mobile Safari/537.36';

// Collects securitypolicyviolation events in the page. Init scripts are
// added through the DevTools protocol, which the page's CSP does not
// govern, so this watcher does not weaken the policy under test.
const CSP_WATCH = () => {
	window.__cspViolations = [];
	document.addEventListener('securitypolicyviolation', (e) => {
		window.__cspViolations.push(
		    `${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`);
	});
};

// A phone's browser context (zh-CN in Shanghai, touch, a phone's
// User-Agent, bounded waits) with the CSP watcher in every page; extra
// adds context options.
export async function phoneContext(browser, extra = {}) {
	const ctx = await browser.newContext({
		viewport: { width: 390, height: 844 },
		deviceScaleFactor: 2,
		isMobile: true,
		hasTouch: true,
		locale: 'zh-CN',
		timezoneId: 'Asia/Shanghai',
		userAgent: PHONE_UA,
		...extra,
	});
	ctx.setDefaultTimeout(WAIT_MS);
	await ctx.addInitScript(CSP_WATCH);
	return ctx;
}

// The harness of one test, named as in its FAIL lines; its script sets
// h.current to the page in use, for a screenshot when a step throws.
export function harness(name, script) {
	const h = { current: null, problems: [], result: { screenshots: [] } };

	// Returns the environment variable or exits with a usage error.
	h.need = (v) => {
		const s = process.env[v];
		if (s === undefined || s === '') {
			console.error(`FAIL [${name}]: ${v} is not set (${script} sets it)`);
			process.exit(2);
		}
		return s;
	};
	const outDir = h.need('SL_OUT');

	// Records a failed check (the test goes on, to show them all).
	h.check = (ok, what) => {
		if (!ok)
			h.problems.push(what);
		return ok;
	};

	// Checks the CSP violations the page saw.
	h.checkCsp = async (page, what) => {
		const v = await page.evaluate(() => window.__cspViolations || null);
		h.check(Array.isArray(v), `${what}: the CSP watcher did not run`);
		for (const x of v || [])
			h.problems.push(`${what}: CSP violation: ${x}`);
	};

	// Watches a page: requests to other origins than SL_BASE's, failed
	// requests, console errors (CSP reports among them) and uncaught
	// exceptions are problems, named after the page if a name is given.
	// A page expected to answer status (not 200) may have its own "Failed
	// to load resource" for it, nothing else. Returns the requests and
	// console errors and warnings it saw, as they come.
	h.watch = (page, name, status = 200) => {
		const origin = new URL(h.need('SL_BASE')).origin;
		const at = name ? `${name}: ` : '';
		const seen = { requests: [], errors: [] };
		page.on('request', (r) => {
			const u = r.url();
			seen.requests.push(`${r.method()} ${u}`);
			let o = null;
			try {
				o = new URL(u).origin;
			} catch (e) {
				/* reported below */
			}
			if (!u.startsWith('data:') && o !== origin)
				h.problems.push(`${at}request to another origin: ${u}`);
		});
		page.on('requestfailed', (r) => {
			h.problems.push(`${at}request failed: ${r.method()} ` +
			    `${r.url()}: ${r.failure()?.errorText}`);
		});
		page.on('console', (m) => {
			if (status !== 200 && m.type() === 'error' &&
			    m.text().includes(`status of ${status} `) &&
			    m.location().url === page.url())
				return;
			if (m.type() === 'error' || m.type() === 'warning')
				seen.errors.push(`${m.type()}: ${m.text()}`);
			if (m.type() === 'error' ||
			    /Content[- ]Security[- ]Policy/i.test(m.text()))
				h.problems.push(`${at}console ${m.type()}: ${m.text()}`);
		});
		page.on('pageerror', (e) => {
			h.problems.push(`${at}uncaught exception: ${e.message}`);
		});
		return seen;
	};

	// Takes a full-page screenshot into the output directory.
	h.shot = async (page, file) => {
		const path = join(outDir, file);
		await page.screenshot({ path, fullPage: true, timeout: WAIT_MS });
		h.result.screenshots.push(path);
		console.log(`# screenshot: ${path}`);
	};

	// Launches Chromium, runs the steps, writes the result; a step that
	// throws leaves failureShot of the page in use.
	h.run = async (steps, failureShot) => {
		const browser = await chromium.launch({
			executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
			headless: true,
			timeout: WAIT_MS * 2,
			args: ['--no-sandbox', '--disable-gpu', '--disable-quic',
			    '--no-first-run', '--disable-background-networking',
			    '--disable-component-update', '--disable-sync',
			    '--disable-dev-shm-usage'],
		});
		h.result.browser = browser.version();
		console.log(`# browser: Chromium ${h.result.browser}, ` +
		    `playwright-core under node ${process.version}`);
		try {
			for (const step of steps)
				await step(browser);
		} catch (e) {
			if (h.current !== null)
				await h.shot(h.current, failureShot).catch(() => {});
			throw e;
		} finally {
			await browser.close();
		}
		h.result.problems = h.problems;
		writeFileSync(h.need('SL_RESULT'),
		    JSON.stringify(h.result, null, 1) + '\n');
		for (const p of h.problems)
			console.error(`FAIL [${name}]: ${p}`);
		process.exitCode = h.problems.length === 0 ? 0 : 1;
	};

	// Runs the steps, failing on what they throw.
	h.main = (steps, failureShot) => {
		h.run(steps, failureShot).catch((e) => {
			console.error(`FAIL [${name}]: ${e.stack || e}`);
			for (const p of h.problems)
				console.error(`FAIL [${name}]: ${p}`);
			process.exitCode = 1;
		});
	};
	return h;
}
