-- tests/bench/draw.lua — wrk script of tests/bench/draw: scans (GETs of
-- distinct code URLs) or prize draws (POST /api/v1/draws of distinct
-- codes), as a phone sends them.
--
--   wrk -t1 -c64 -d10s --latency -s draw.lua http://HOST:PORT -- scan PATHS
--   wrk -t1 -c64 -d10s --latency -s draw.lua http://HOST:PORT -- draw URLS
--
-- scan: PATHS holds one request path a line (/01/GTIN/21/SERIAL?S=SIG);
-- each request GETs the next one. draw: URLS holds one code URL a line
-- (HTTPS://S.EXAMPLE.COM/01/...); each request POSTs {"code": URL} to
-- /api/v1/draws. Either way every request names a different code until
-- the list wraps (several threads start at distinct sixteenths of it),
-- and the User-Agent is a phone's browser, so that the server counts
-- human scans. response() counts answers outside 2xx and, for draws,
-- those whose status is "new" (a draw made now) and "repeat" (the code
-- drew before: the list wrapped). done() prints, on lines the bench
-- script reads:
--   draw.lua: requests N
--   draw.lua: rps R
--   draw.lua: p50_us N
--   draw.lua: p99_us N
--   draw.lua: non2xx N
--   draw.lua: errors N      (connect, read, write and timeout errors)
--   draw.lua: new N         (draw: answers with "status":"new")
--   draw.lua: repeat N      (draw: answers with "status":"repeat")

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
local draw_mode = false

-- A JSON string literal of a code URL (which holds no quote, backslash or
-- control character; anything else is refused).
local function json_string(s)
	if s:find('[%c"\\]') then
		error("draw.lua: a code URL with a character JSON must escape: " .. s)
	end
	return '"' .. s .. '"'
end

-- Running phase, once per thread: pre-formats every request.
function init(args)
	local mode, file = args[1], args[2]
	if (mode ~= "scan" and mode ~= "draw") or file == nil then
		error("draw.lua: give 'scan PATHS' or 'draw URLS' after --")
	end
	draw_mode = mode == "draw"
	local headers = {
		["User-Agent"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like " ..
		    "Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) " ..
		    "Version/17.0 Mobile/15E148 Safari/604.1",
		["Accept-Language"] = "zh-CN,zh-Hans;q=0.9",
	}
	if draw_mode then
		headers["Accept"] = "application/json"
		headers["Content-Type"] = "application/json"
	else
		headers["Accept"] = "text/html,application/xhtml+xml,*/*;q=0.8"
	end
	for line in io.lines(file) do
		line = line:gsub("\r$", "")
		if #line > 0 then
			count = count + 1
			if draw_mode then
				reqs[count] = wrk.format("POST", "/api/v1/draws",
				    headers, '{"code":' .. json_string(line) .. '}')
			else
				reqs[count] = wrk.format("GET", line, headers)
			end
		end
	end
	if count == 0 then
		error("draw.lua: no lines in " .. file)
	end
	next_i = math.floor((thread_index or 0) * count / 16) % count + 1
	non2xx = 0
	new = 0
	repeated = 0
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

-- Counts answers outside 2xx, and new and repeated draws.
function response(status, headers, body)
	if status < 200 or status > 299 then
		non2xx = non2xx + 1
	elseif draw_mode then
		if body:find('"status":"new"', 1, true) then
			new = new + 1
		elseif body:find('"status":"repeat"', 1, true) then
			repeated = repeated + 1
		end
	end
end

-- Done phase: prints the figures.
function done(summary, latency, requests)
	local bad, n, rep = 0, 0, 0
	for _, t in ipairs(threads) do
		bad = bad + (t:get("non2xx") or 0)
		n = n + (t:get("new") or 0)
		rep = rep + (t:get("repeated") or 0)
	end
	local e = summary.errors
	io.write(string.format("draw.lua: requests %d\n", summary.requests))
	io.write(string.format("draw.lua: rps %.1f\n",
	    summary.requests / (summary.duration / 1e6)))
	io.write(string.format("draw.lua: p50_us %d\n", latency:percentile(50)))
	io.write(string.format("draw.lua: p99_us %d\n", latency:percentile(99)))
	io.write(string.format("draw.lua: non2xx %d\n", bad))
	io.write(string.format("draw.lua: errors %d\n",
	    e.connect + e.read + e.write + e.timeout))
	io.write(string.format("draw.lua: new %d\n", n))
	io.write(string.format("draw.lua: repeat %d\n", rep))
end
