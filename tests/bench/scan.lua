-- tests/bench/scan.lua — wrk script of tests/bench/scan: GETs of distinct
-- code URLs, as a phone's browser sends them.
--
--   wrk -t1 -c64 -d10s --latency -s scan.lua http://HOST:PORT -- PATHS
--
-- PATHS holds one request path a line (/01/GTIN/21/SERIAL?S=SIG). Each
-- request takes the next path, so every request scans a different code
-- until the list wraps; several threads start at distinct sixteenths of
-- the list. The User-Agent is a phone's browser, so that the server
-- counts the scans as human. response() counts answers outside 2xx;
-- done() prints them with the figures on lines the bench script reads:
--   scan.lua: requests N
--   scan.lua: rps R
--   scan.lua: p50_us N
--   scan.lua: p99_us N
--   scan.lua: non2xx N
--   scan.lua: errors N      (connect, read, write and timeout errors)

local threads = {}
local nthreads = 0

-- Setup phase: numbers the threads so that each starts elsewhere.
function setup(thread)
	thread:set("thread_index", nthreads)
	nthreads = nthreads + 1
	table.insert(threads, thread)
end

local reqs = {}
local count = 0
local next_i = 1

-- Running phase, once per thread: pre-formats every request.
function init(args)
	local file = args[1]
	if file == nil then
		error("scan.lua: give the paths file after --")
	end
	local headers = {
		["User-Agent"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like " ..
		    "Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) " ..
		    "Version/17.0 Mobile/15E148 Safari/604.1",
		["Accept"] = "text/html,application/xhtml+xml,*/*;q=0.8",
		["Accept-Language"] = "zh-CN,zh-Hans;q=0.9",
	}
	for line in io.lines(file) do
		if #line > 0 then
			count = count + 1
			reqs[count] = wrk.format("GET", line, headers)
		end
	end
	if count == 0 then
		error("scan.lua: no paths in " .. file)
	end
	-- Up to 16 threads start at distinct sixteenths of the list.
	next_i = math.floor((thread_index or 0) * count / 16) % count + 1
	non2xx = 0
end

-- The next code's request.
function request()
	local r = reqs[next_i]
	next_i = next_i + 1
	if next_i > count then
		next_i = 1
	end
	return r
end

-- Counts answers outside 2xx.
function response(status, headers, body)
	if status < 200 or status > 299 then
		non2xx = non2xx + 1
	end
end

-- Done phase: prints the figures.
function done(summary, latency, requests)
	local bad = 0
	for _, t in ipairs(threads) do
		bad = bad + (t:get("non2xx") or 0)
	end
	local e = summary.errors
	io.write(string.format("scan.lua: requests %d\n", summary.requests))
	io.write(string.format("scan.lua: rps %.1f\n",
	    summary.requests / (summary.duration / 1e6)))
	io.write(string.format("scan.lua: p50_us %d\n", latency:percentile(50)))
	io.write(string.format("scan.lua: p99_us %d\n", latency:percentile(99)))
	io.write(string.format("scan.lua: non2xx %d\n", bad))
	io.write(string.format("scan.lua: errors %d\n",
	    e.connect + e.read + e.write + e.timeout))
end
