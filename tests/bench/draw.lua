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

-- rotation.lua, beside this script.
local rotation = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "")
    .. "rotation.lua")

setup = rotation.setup
request = rotation.request

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
	local headers = rotation.phone_headers()
	if draw_mode then
		headers["Accept"] = "application/json"
		headers["Content-Type"] = "application/json"
	else
		headers["Accept"] = "text/html,application/xhtml+xml,*/*;q=0.8"
	end
	rotation.load(file, function(line)
		if draw_mode then
			return wrk.format("POST", "/api/v1/draws", headers,
			    '{"code":' .. json_string(line) .. '}')
		end
		return wrk.format("GET", line, headers)
	end, "draw.lua: no lines")
	non2xx = 0
	new = 0
	repeated = 0
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
	rotation.report("draw.lua", summary, latency)
	io.write(string.format("draw.lua: new %d\n", rotation.sum("new")))
	io.write(string.format("draw.lua: repeat %d\n",
	    rotation.sum("repeated")))
end
