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

-- rotation.lua, beside this script.
local rotation = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "")
    .. "rotation.lua")

setup = rotation.setup
request = rotation.request

-- Running phase, once per thread: pre-formats every request.
function init(args)
	local file = args[1]
	if file == nil then
		error("scan.lua: give the paths file after --")
	end
	local headers = rotation.phone_headers()
	headers["Accept"] = "text/html,application/xhtml+xml,*/*;q=0.8"
	rotation.load(file, function(line)
		return wrk.format("GET", line, headers)
	end, "scan.lua: no paths")
	non2xx = 0
end

-- Counts answers outside 2xx.
function response(status, headers, body)
	if status < 200 or status > 299 then
		non2xx = non2xx + 1
	end
end

-- Done phase: prints the figures.
function done(summary, latency, requests)
	rotation.report("scan.lua", summary, latency)
end
