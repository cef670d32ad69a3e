-- xmppfuzz exec adapter (protocol 1) for Prosody 0.12's stream parser.
--
-- Drives Prosody's own util.xmppstream over lua-expat with the settings and
-- stream callbacks of mod_c2s (modules/mod_c2s.lua), and prints what it sees
-- in the `xmppfuzz parse` line format. See README.md beside this file.
--
-- Usage (normally through ./run, which finds the interpreter and Prosody's
-- source directory the way Debian's /usr/bin/prosody does):
--   adapter.lua SOURCEDIR --persistent   persistent mode (exec-persistent:)
--   adapter.lua SOURCEDIR --once         one input on stdin, side from
--                                        $XMPPFUZZ_SIDE (exec:); exit 1
--                                        after an error line, else 0
-- Any other argument: a usage line on stderr, exit 2.

local sourcedir = arg[1] or "/usr/lib/prosody"

-- The package paths the way Prosody's launcher sets them: its source
-- directory first, relative entries dropped.
local function sanitise_paths(paths)
	local function drop_relative(p)
		if p:sub(1, 1) ~= "/" then return "" end
	end
	return (paths:gsub("[^;]+;?", drop_relative):gsub(";;+", ";"))
end
package.path = sanitise_paths(sourcedir .. "/?.lua;" .. package.path)
package.cpath = sanitise_paths(sourcedir .. "/?.so;" .. package.cpath)

-- ---------------------------------------------------------------------------
-- Observation hook. util.xmppstream stamps the stream's xml:lang (or "en")
-- on every top-level stanza that has none, just before handing it to
-- handlestanza. The `stanza` line shows the stanza as parsed, so the adapter
-- has to know whether the xml:lang came from the input. lxp.new is wrapped
-- (before util.xmppstream captures it) so that StartElement/EndElement also
-- record the element depth and, for each top-level element, whether expat
-- reported an xml:lang attribute. The wrapper only reads; Prosody's handlers
-- run unchanged with the same arguments and the same parser object.
-- ---------------------------------------------------------------------------
local lxp = require "lxp"
local real_lxp_new = lxp.new
local XML_NS = "http://www.w3.org/XML/1998/namespace"
local observed = { depth = 0, had_lang = false }

local wrapped_lxp = setmetatable({}, { __index = lxp })
function wrapped_lxp.new(handlers, ...)
	if type(handlers) ~= "table" or not handlers.StartElement then
		return real_lxp_new(handlers, ...)
	end
	local proxy = {}
	for k, v in pairs(handlers) do proxy[k] = v end
	local start_element, end_element = handlers.StartElement, handlers.EndElement
	proxy.StartElement = function(parser, tagname, attr)
		observed.depth = observed.depth + 1
		if observed.depth == 2 then
			observed.had_lang = attr[XML_NS .. "\1lang"] ~= nil
		end
		return start_element(parser, tagname, attr)
	end
	proxy.EndElement = function(parser, tagname)
		local r = end_element(parser, tagname)
		observed.depth = observed.depth - 1
		return r
	end
	return real_lxp_new(proxy, ...)
end
package.loaded["lxp"] = wrapped_lxp

local xmppstream = require "util.xmppstream"
local nameprep = require "util.encodings".stringprep.nameprep

-- mod_c2s defaults (Prosody 0.12.3).
local DEFAULT_NS = "jabber:client"
local UNAUTHED_STANZA_SIZE_LIMIT = 10000      -- c2s_unauthed_stanza_size_limit
local AUTHED_STANZA_SIZE_LIMIT = 1024 * 256   -- c2s_stanza_size_limit
local MAX_CHILD_ELEMENTS = 25000              -- c2s_max_child_elements
-- net.server_epoll reads at most read_size bytes per onincoming.
local READ_SIZE = 8192
local STREAMS_NS = "http://etherx.jabber.org/streams"
local STREAMS_ERRORS_NS = "urn:ietf:params:xml:ns:xmpp-streams"

local served_host = nameprep(os.getenv("XMPPFUZZ_PROSODY_HOST") or "localhost")

-- ---------------------------------------------------------------------------
-- Canonical form (README "Canonical form").
-- ---------------------------------------------------------------------------
local function escape(s, attribute)
	return (s:gsub("[&<>\"\t\n\r]", function(c)
		if c == "&" then return "&amp;" end
		if c == "<" then return "&lt;" end
		if c == ">" then return "&gt;" end
		if c == "\n" then return "&#10;" end
		if c == "\r" then return "&#13;" end
		if not attribute then return c end
		if c == "\"" then return "&quot;" end
		return "&#9;"
	end))
end

local xml_mapped = { ["xml:lang"] = "lang", ["xml:space"] = "space", ["xml:base"] = "base", ["xml:id"] = "id" }

-- Attribute keys of a Prosody stanza: "xmlns" (the element's namespace, set
-- by util.xmppstream), "xml:lang" and the three other names it maps, "NS\1name"
-- for any other namespaced attribute, plain names for the rest.
local function attribute_list(attr, skip)
	local list = {}
	for k, v in pairs(attr) do
		if type(k) == "string" and k ~= "xmlns" and not (skip and skip[k]) then
			local ns, name = k:match("^([^\1]*)\1(.*)$")
			if not ns then
				if xml_mapped[k] then
					ns, name = XML_NS, xml_mapped[k]
				else
					ns, name = "", k
				end
			end
			list[#list + 1] = { ns = ns, name = name, value = v }
		end
	end
	table.sort(list, function(a, b)
		if a.ns ~= b.ns then return a.ns < b.ns end
		return a.name < b.name
	end)
	return list
end

local function append_attributes(buf, list)
	local prefixes, count = {}, 0
	for _, a in ipairs(list) do
		if a.ns ~= "" and a.ns ~= XML_NS and not prefixes[a.ns] then
			prefixes[a.ns] = "n" .. count
			buf[#buf + 1] = " xmlns:n" .. count .. "=\"" .. escape(a.ns, true) .. "\""
			count = count + 1
		end
	end
	for _, a in ipairs(list) do
		buf[#buf + 1] = " "
		if a.ns == XML_NS then
			buf[#buf + 1] = "xml:"
		elseif a.ns ~= "" then
			buf[#buf + 1] = prefixes[a.ns] .. ":"
		end
		buf[#buf + 1] = a.name .. "=\"" .. escape(a.value, true) .. "\""
	end
end

-- An element's namespace: util.xmppstream leaves attr.xmlns unset exactly
-- when the element is in the stream's default namespace (jabber:client) and
-- no ancestor below the stream is in another one; otherwise it is set.
local function append_element(buf, el, parent_ns, skip)
	local ns = el.attr.xmlns or DEFAULT_NS
	buf[#buf + 1] = "<" .. el.name
	if parent_ns ~= ns then
		buf[#buf + 1] = " xmlns=\"" .. escape(ns, true) .. "\""
	end
	append_attributes(buf, attribute_list(el.attr, skip))
	if #el == 0 then
		buf[#buf + 1] = "/>"
		return
	end
	buf[#buf + 1] = ">"
	for i = 1, #el do
		local child = el[i]
		if type(child) == "string" then
			buf[#buf + 1] = escape(child, false)
		else
			append_element(buf, child, ns, nil)
		end
	end
	buf[#buf + 1] = "</" .. el.name .. ">"
end

local function canonical(stanza, skip)
	local buf = {}
	append_element(buf, stanza, nil, skip)
	return table.concat(buf)
end

local function canonical_header(attr)
	local buf = { "<stream:stream xmlns:stream=\"", STREAMS_NS, "\" xmlns=\"", DEFAULT_NS, "\"" }
	append_attributes(buf, attribute_list(attr, nil))
	buf[#buf + 1] = ">"
	return table.concat(buf)
end

-- Bytes from the peer (routed serialisations, log text) are escaped: "\" as
-- "\\", C0 controls and DEL as \xHH.
local function escape_bytes(s)
	return (s:gsub("[%z\1-\31\127\\]", function(c)
		if c == "\\" then return "\\\\" end
		return string.format("\\x%02x", c:byte())
	end))
end

-- ---------------------------------------------------------------------------
-- One stream: a fresh session and util.xmppstream parser, as
-- mod_c2s's listener.onconnect makes them.
-- ---------------------------------------------------------------------------
local function parse_stream(side, data, authenticated, emit)
	observed.depth, observed.had_lang = 0, false
	local session = { notopen = true, closed = false }
	local stopped_with_error = false

	-- session:close(reason) of mod_c2s: reason nil/false sends no stream
	-- error; a string is the stream error condition sent. After a close the
	-- session is destroyed and whatever the parser still reports is lost.
	local function close(condition, why)
		if session.closed then return end
		session.closed = true
		if why then emit("log " .. escape_bytes(why)) end
		if condition then
			emit("error " .. condition)
			stopped_with_error = true
		end
	end

	local callbacks = { default_ns = DEFAULT_NS }

	function callbacks.streamopened(_, attr)
		if session.closed then return end
		if side == "server" then
			-- stream_callbacks._streamopened
			if not attr.to then
				return close("improper-addressing", "no 'to' on the stream header")
			end
			local host = nameprep(attr.to)
			if not host then
				return close("improper-addressing", "'to' fails nameprep")
			end
			if host ~= served_host then
				return close("host-unknown", "not a served host: " .. host)
			end
		end
		session.notopen = nil
		emit("stream-open " .. canonical_header(attr))
	end

	function callbacks.streamclosed()
		if session.closed then return end
		emit("stream-close")
		close(nil)  -- session:close(false): </stream:stream>, no error
	end

	function callbacks.handlestanza(_, stanza)
		if session.closed then return end
		local skip = (not observed.had_lang) and { ["xml:lang"] = true } or nil
		emit("stanza " .. canonical(stanza, skip))
		emit("routed " .. escape_bytes(tostring(stanza)))
	end

	function callbacks.error(_, err, detail)
		if session.closed then return end
		if err == "no-stream" then
			close("invalid-namespace", "no-stream: " .. tostring(detail))
		elseif err == "parse-error" then
			close("not-well-formed", "parse-error: " .. tostring(detail))
		elseif err == "stream-error" then
			-- The peer's <stream:error/>: mod_c2s logs it and closes without
			-- sending a stream error of its own.
			emit("stanza " .. canonical(detail, (not observed.had_lang) and { ["xml:lang"] = true } or nil))
			local condition = "undefined-condition"
			for child in detail:childtags(nil, STREAMS_ERRORS_NS) do
				if child.name ~= "text" then condition = child.name break end
			end
			close(nil, "peer stream error " .. condition .. ": closed without a stream error")
		else
			-- invalid-top-level-element: mod_c2s's error callback has no branch
			-- for it, so the stanza is still delivered.
			emit("log ignored stream callback error " .. escape_bytes(tostring(err)))
		end
	end

	local stream = xmppstream.new(session, callbacks, UNAUTHED_STANZA_SIZE_LIMIT,
		{ max_elements = MAX_CHILD_ELEMENTS })
	if authenticated then
		-- mod_c2s's authentication-success hook
		stream:set_stanza_size_limit(AUTHED_STANZA_SIZE_LIMIT)
	end

	-- session.data, once per read of at most READ_SIZE bytes
	local pos = 1
	while pos <= #data and not session.closed do
		local chunk = data:sub(pos, pos + READ_SIZE - 1)
		pos = pos + #chunk
		local ok, res, err = pcall(stream.feed, stream, chunk)
		if not ok then
			-- net.server_epoll catches errors from the listener and logs them.
			emit("log lua error in feed: " .. escape_bytes(tostring(res)))
			break
		end
		if not res then
			if err == "stanza-too-large" then
				close("policy-violation", "stanza-too-large")
			else
				close("not-well-formed", "invalid XML: " .. tostring(err))
			end
		end
	end
	return stopped_with_error
end

-- ---------------------------------------------------------------------------
-- Modes
-- ---------------------------------------------------------------------------
local function truthy(s)
	return s ~= nil and s ~= "" and s ~= "0"
end

local default_authenticated = truthy(os.getenv("XMPPFUZZ_AUTHENTICATED"))
	or os.getenv("XMPPFUZZ_PROFILE") == "authenticated"

local out = io.stdout
out:setvbuf("full")
local function emit(line) out:write(line, "\n") end

local mode = #arg == 2 and ({ ["--persistent"] = "persistent", ["--once"] = "once" })[arg[2]]
if not mode then
	io.stderr:write("usage: run --persistent | --once | --check\n")
	os.exit(2)
end

if mode == "once" then
	local side = os.getenv("XMPPFUZZ_SIDE")
	if side ~= "server" and side ~= "client" then
		io.stderr:write("prosody adapter: run --once: XMPPFUZZ_SIDE must be server or client\n")
		os.exit(2)
	end
	local data = io.stdin:read("a") or ""
	local refused = parse_stream(side, data, default_authenticated, emit)
	out:flush()
	os.exit(refused and 1 or 0)
end

emit("xmppfuzz-exec 1 prosody-util.xmppstream")
out:flush()
while true do
	local header = io.stdin:read("l")
	if not header then break end
	local fields = {}
	for f in header:gmatch("%S+") do fields[#fields + 1] = f end
	local side, n = fields[2], tonumber(fields[3])
	if fields[1] ~= "input" or (side ~= "server" and side ~= "client") or not n
		or not fields[3]:match("^%d+$") then
		io.stderr:write("prosody adapter: bad request line: ", escape_bytes(header), "\n")
		os.exit(2)
	end
	-- Later protocol fields are ignored, except an optional profile=... that
	-- says whether the stream counts as authenticated (the stanza limit).
	local authenticated = default_authenticated
	for i = 4, #fields do
		local profile = fields[i]:match("^profile=(.*)$")
		if profile then authenticated = profile == "authenticated" end
	end
	local data = n > 0 and io.stdin:read(n) or ""
	if not data or #data ~= n then
		io.stderr:write("prosody adapter: input shorter than announced\n")
		os.exit(2)
	end
	parse_stream(side, data, authenticated, emit)
	emit("done")
	out:flush()
end
os.exit(0)
