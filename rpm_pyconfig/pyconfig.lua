-- rpm-pyconfig's parse-time evaluator, run by rpm's Lua while it parses a spec.
--
-- `rpm-pyconfig compile` appends pyconfig_stanzas.lua (the shipped templates translated
-- by rpm_pyconfig/stanzas.py: never edit it) and the registry (pyconfig.registry) to this
-- file and writes the chunk as rpm's Lua bytecode beside a small macros file that loads it
-- (or, without rpm at hand, as source inside the macros file); `rpm-pyconfig compile
-- --lua`, which macros.pyconfig runs when the compiled file is missing or stale, prints the
-- registry and has rpm load this file and the stanzas from the package.  The Python code
-- and the Jinja templates stay the reference: this file answers only inputs it understands
-- exactly, and calls pyconfig.bail() for anything else (an error, an unusual form), upon
-- which the macro runs the tool as before, so every message is the tool's own.  Any other
-- Lua error is a bug, and macros.pyconfig stops the parse saying so.  tests/test_compiled.py
-- holds both evaluators to the same bytes.
--
-- Written for rpm's Lua 5.3/5.4 and embedded in a macros file: braces in strings are
-- written \123 and \125, so that rpm's search for the end of %{lua:} is not fooled.

pyconfig = pyconfig or {}
local P = pyconfig
-- The bytecode form loads its lazy parts through P's metatable (compiled._split_lazy); a
-- source loaded over it (the fallback's) defines every field itself.
setmetatable(P, nil)
-- The globals the hot paths call, as locals: a global is a table lookup on every call (the
-- spec-text check alone was a quarter of a stanza's time).
local type, getmetatable, setmetatable, ipairs, pairs, next = type, getmetatable, setmetatable,
                                                              ipairs, pairs, next
local math_type = math.type
-- What macros.pyconfig expects of this file: it treats a compiled registry of another API
-- (written by an older tool) as stale.  3: the macros' entry points (P.stanza...) are here;
-- 4: P.test, P.each and P.stanza take rpm's arg table.
P.API = 4
local BAIL = setmetatable({}, {__tostring = function() return "pyconfig: not handled in Lua" end})
P.BAIL = BAIL
-- The metatable of runtimes handed to templates (see P.select and P.jinja).
local RUNTIME = {}
P.RUNTIME = RUNTIME

function P.bail()
  error(BAIL, 0)
end

-- Strings compare by bytes (Python compares code points; UTF-8 keeps that order).  Lua's
-- own < on strings uses the locale (strcoll), which rpm sets.
local byte_of = string.byte
local function byte_less(a, b)
  local n = #a < #b and #a or #b
  for i = 1, n do
    local x, y = byte_of(a, i), byte_of(b, i)
    if x ~= y then
      return x < y
    end
  end
  return #a < #b
end
P.byte_less = byte_less

-- out with the items of list not in seen appended, each once, in order (seen records them)
local function add_unseen(out, seen, list)
  for _, item in ipairs(list) do
    if not seen[item] then
      seen[item] = true
      out[#out + 1] = item
    end
  end
  return out
end

local function sorted_unique(list)
  local out = add_unseen({}, {}, list)
  table.sort(out, byte_less)
  return out
end

-- Text the Python side splits or strips with str methods: bail on anything where Python's
-- idea of whitespace (Unicode, \x1c-\x1f) differs from Lua's.
-- (Patterns anchored at both ends: an unanchored search tries every position, which cost
-- Lua 5.3 two to four times as much on the values a stanza prints.)
local function plain(text)
  if not text:find("^[%z\1-\10\14-\27 -\127]*$") then
    P.bail()
  end
  return text
end

-- (Only the last byte is tried for trailing space: "%s$" tries every position.  Callers
-- pass plain() text, where %s is exactly these bytes.)
local function strip(text)
  if not text:find("^%s") and not text:find("[\t-\r ]", -1) then
    return text
  end
  return (text:gsub("^%s+", ""):gsub("%s+$", ""))
end

local function words(text)
  local out = {}
  for word in plain(text):gmatch("%S+") do
    out[#out + 1] = word
  end
  return out
end

-- escape_rpm: values printed into spec text.
local function E(text)
  if not text:find("%", 1, true) then
    return text
  end
  return (text:gsub("%%", "%%%%"))
end
P.escape_rpm = E

-- spectext.line: one line of literal text on a spec line expanded once.  Python refuses
-- control characters (the tool says so); Lua also leaves non-ASCII text to the tool, whose
-- idea of "printable" it does not share.
local function L(text)
  -- the common case: nothing to refuse or escape (no control character, %, \ or byte
  -- above 126), in one anchored search: the class is tab, space-$, &-[ and ]-~
  if text:find("^[]-~\t -$&-[]*$") then
    return text
  end
  if not text:find("^[\t -~]*$") then
    P.bail()
  end
  return (E(text):gsub("\\", "\\%%{?nil}"))
end
P.literal = L

-- shlex.quote
local function Q(text)
  if text == "" then
    return "''"
  end
  if text:find("^[%w@%%+=:,./_-]*$") then
    return text
  end
  if not text:find("'", 1, true) then  -- a plain search, not gsub's try at every byte
    return "'" .. text .. "'"
  end
  return "'" .. text:gsub("'", "'\"'\"'") .. "'"
end
P.shell_quote = Q

-- The generate_buildrequires stanza's `--rpm-dbpath PATH` for backend-requires: the build's
-- rpm database, %_dbpath, as rpmbuild --dbpath and --define '_dbpath PATH' set it.  The
-- stanza's text calls this while rpm expands it, at parse time, so it expands %_dbpath only
-- when that starts no process: a definition made of plain text and references to such
-- definitions (%{_var}/lib/rpm on rpm >= 4.20).  Debian 12's rpm defines it as
-- %(bash -c 'echo ~/.rpmdb'), two processes on every parse: for that (or any definition that
-- runs something) nothing is passed, and backend-requires' own rpm reads rpm's definition.
-- (A lazy group, see compiled._split_lazy: only %pyconfig_generate_buildrequires needs it.)
--@lazy-group dbpath
local function starts_no_process(name, depth)
  if depth > 8 or rpm.expand("%\123?" .. name .. ":1\125") ~= "1" then
    return false
  end
  local body = rpm.expand("%\123macrobody:" .. name .. "\125")
  local at = 1
  while true do
    local percent = body:find("%", at, true)
    if not percent then
      return true
    end
    -- %%, or a reference to a macro named _...: never one of rpm's built-in macros
    local braced = body:match("^%%\123(_[%w_]*)\125", percent)
    local bare = not braced and body:match("^%%(_[%w_]*)", percent)
    if body:sub(percent + 1, percent + 1) == "%" then
      at = percent + 2
    elseif braced and starts_no_process(braced, depth + 1) then
      at = percent + #braced + 3
    elseif bare and starts_no_process(bare, depth + 1) then
      at = percent + #bare + 1
    else
      return false
    end
  end
end

function P.rpm_dbpath_option()
  if not starts_no_process("_dbpath", 0) then
    return ""
  end
  local path = rpm.expand("%\123_dbpath\125")
  if path == "" then
    return ""
  end
  if path:find("%c") then
    error("rpm-pyconfig: %_dbpath has a control character: " .. string.format("%q", path), 0)
  end
  return " --rpm-dbpath " .. Q(path)
end
--@lazy-group-end dbpath

-- PEP 503 names: canonicalize_name
local function canonical(name)
  if name:find("[\128-\255]") then
    P.bail()  -- Python's str.lower() folds some non-ASCII letters (U+212A to k), Lua's not
  end
  return (name:gsub("[-_.]+", "-"):lower())
end

-- -- @-expressions --------------------------------------------------------------------

--@lazy-group expressions

-- A list of literal strings and {token} tables; bail on anything that is not a valid
-- expression (the tool then reports it with its caret).
function P.parse_expression(source)
  local tokens = P.registry.tokens
  local parts, text, pos = {}, {}, 1
  while pos <= #source do
    local at = source:find("@", pos, true)
    if not at then
      text[#text + 1] = source:sub(pos)
      break
    end
    text[#text + 1] = source:sub(pos, at - 1)
    local nxt = source:sub(at + 1, at + 1)
    local name, after
    if nxt == "@" then
      text[#text + 1] = "@"
      pos = at + 2
    else
      if nxt == "\123" then
        name = source:match("^[A-Za-z_][A-Za-z0-9_]*", at + 2)
        if not name or source:sub(at + 2 + #name, at + 2 + #name) ~= "\125" then
          P.bail()
        end
        after = at + 3 + #name
      else
        name = source:match("^[A-Za-z_][A-Za-z0-9_]*", at + 1)
        if not name then
          P.bail()
        end
        after = at + 1 + #name
      end
      if not tokens[name] then
        P.bail()
      end
      parts[#parts + 1] = table.concat(text)
      text = {}
      parts[#parts + 1] = {name}
      pos = after
    end
  end
  parts[#parts + 1] = table.concat(text)
  return parts
end

function P.evaluate(parts, runtime, escape)
  local out = {}
  for i, part in ipairs(parts) do
    if type(part) == "table" then
      local value = runtime.t[part[1]]
      out[i] = escape and escape(value) or value
    else
      out[i] = part
    end
  end
  return table.concat(out)
end
--@lazy-group-end expressions

-- -- globs (fnmatch.fnmatchcase) ------------------------------------------------------

-- (A lazy group: only --only and --exclude use them.)
--@lazy-group globs
local function glob_pattern(glob)
  local out, i = {"^"}, 1
  while i <= #glob do
    local c = glob:sub(i, i)
    if c == "*" then
      out[#out + 1] = ".*"
    elseif c == "?" then
      out[#out + 1] = "."
    elseif c == "[" then
      local close = glob:find("]", i + 2, true)
      local body = close and glob:sub(i + 1, close - 1)
      -- Only plain sets ([abc], [!a-z]) of names' characters; the rest goes to the tool.
      if not body or not body:match("^!?[A-Za-z0-9_.+-]+$") or body:find("^!?%-") or
         body:find("%-$") then
        P.bail()
      end
      local negate = body:sub(1, 1) == "!"
      if negate then
        body = body:sub(2)
      end
      local set = {}
      local function literal(char)
        return char:find("%w") and char or "%" .. char
      end
      local j = 1
      while j <= #body do
        local a, dash, b = body:sub(j, j), body:sub(j + 1, j + 1), body:sub(j + 2, j + 2)
        if dash == "-" and b ~= "" then
          if a > b then
            P.bail()
          end
          if a:find("%w") and b:find("%w") then
            set[#set + 1] = a .. "-" .. b
          else
            -- Lua's sets take no escaped end of a range ([%.-q] is '.', '-' and 'q'): a
            -- range from or to punctuation is its characters, one by one
            for code = a:byte(), b:byte() do
              set[#set + 1] = literal(string.char(code))
            end
          end
          j = j + 3
        else
          set[#set + 1] = literal(a)
          j = j + 1
        end
      end
      out[#out + 1] = "[" .. (negate and "^" or "") .. table.concat(set) .. "]"
      i = close
    else
      out[#out + 1] = "%" .. c
      if c:find("%w") then
        out[#out] = c
      end
    end
    i = i + 1
  end
  out[#out + 1] = "$"
  return table.concat(out)
end

function P.glob_match(name, glob)
  if glob:find("[\128-\255]") then
    P.bail()
  end
  return name:find(glob_pattern(glob)) ~= nil
end
--@lazy-group-end globs

-- Release numbers: used below and by the Jinja operations.
local function number(digits)
  if #digits > 15 then
    P.bail()
  end
  return tonumber(digits)
end

local function release_string(release, trim)
  local parts = {}
  for i, n in ipairs(release) do
    parts[i] = n
  end
  if trim then
    while #parts > 1 and parts[#parts] == 0 do
      parts[#parts] = nil
    end
  end
  for i, n in ipairs(parts) do
    parts[i] = string.format("%d", n)
  end
  return table.concat(parts, ".")
end

-- From here to "--@lazy-end", the versions, --where conditions, markers and requirements
-- (half of this file) are compiled by `rpm-pyconfig compile` as a chunk of their own, loaded
-- on the first read of a P field they define (P's __index, compiled.py: a spec without
-- --where or requirements never loads them).  So they reach what is above only through
-- its top-level locals, captured where the part stands in this file (a local assigned
-- again below it would reach the part as it was there: tests/test_compiled.py checks that
-- none is), and what is below reaches them only through P.  The --@lazy-group parts
-- further down follow the same rules.
--@lazy-begin

-- The string and table functions the hot paths call, as locals (a global is a table lookup
-- and a method call a metatable lookup on every call).
-- (gmatch is not among them: its iterator cost as much as ten searches; the loops below
-- find their separators instead.)
local find, match, sub, byte, lower = string.find, string.match, string.sub, string.byte,
                                      string.lower
local concat, sort = table.concat, table.sort

-- canonical() of names, extras and markers' extra literals, once per text
local canonicals_seen = {}
local function canon(name)
  local c = canonicals_seen[name]
  if not c then
    -- (most names are canonical already: one anchored search, not gsub's try at every
    -- byte and a lower-cased copy)
    c = find(name, "^[a-z0-9]*$") and name or canonical(name)
    canonicals_seen[name] = c
  end
  return c
end

-- -- versions (PEP 440), for --where and markers ------------------------------------------

local PRE = {alpha = "a", a = "a", beta = "b", b = "b", preview = "rc", pre = "rc", c = "rc",
             rc = "rc"}
local PRE_WORDS = {"alpha", "a", "beta", "b", "preview", "pre", "c", "rc"}
local POST_WORDS = {"post", "rev", "r"}
local DEV_WORDS = {"dev"}

-- The first word of *words* at *pos* of *s* (after an optional separator): the word, its
-- digits and the position after them; nil when none is there.
local function suffix(s, pos, words)
  if pos > #s then
    return nil  -- nothing left (the common case): no word can follow
  end
  local at = pos + #match(s, "^[-_.]?", pos)
  for k = 1, #words do
    local word = words[k]
    if sub(s, at, at + #word - 1) == word then
      local p = at + #word
      local sep2 = match(s, "^[-_.]?", p)
      local digits = match(s, "^%d*", p + #sep2)
      if digits == "" then
        sep2 = ""
      end
      return word, digits, p + #sep2 + #digits
    end
  end
end

local function parse_version_uncached(text)
  local s = lower(text)
  -- (every field in the constructor: a table that grows is rebuilt, one of the costs here)
  local v = {epoch = 0, release = {}, pre = nil, post = nil, dev = nil}
  local pos = 1
  local epoch, after = match(s, "^(%d+)!()")
  if epoch then
    v.epoch = number(epoch)
    pos = after
  end
  local first, after1 = match(s, "^(%d+)()", pos)
  if not first then
    return nil
  end
  local release = v.release
  release[1] = number(first)
  pos = after1
  while true do
    local part, after2 = match(s, "^%.(%d+)()", pos)
    if not part then
      break
    end
    release[#release + 1] = number(part)
    pos = after2
  end
  local word, digits, nextpos = suffix(s, pos, PRE_WORDS)
  if word then
    v.pre = {PRE[word], digits == "" and 0 or number(digits)}
    pos = nextpos
  end
  local implicit, after3 = match(s, "^%-(%d+)()", pos)
  if implicit then
    v.post = number(implicit)
    pos = after3
  else
    word, digits, nextpos = suffix(s, pos, POST_WORDS)
    if word then
      v.post = digits == "" and 0 or number(digits)
      pos = nextpos
    end
  end
  word, digits, nextpos = suffix(s, pos, DEV_WORDS)
  if word then
    v.dev = digits == "" and 0 or number(digits)
    pos = nextpos
  end
  if pos <= #s then
    return nil
  end
  return v
end

-- A version as {epoch, release = {...}, pre = {letter, n} | nil, post = n | nil,
-- dev = n | nil}; nil when *text* is not one of the forms handled here (no local part, no
-- leading v, no surrounding spaces).
local versions_seen = {}
local function parse_version(text)
  local v = versions_seen[text]
  if v == nil then
    -- up to three release numbers (3.11.2, a runtime's version: the common case) in one
    -- search: a dot matched before an empty part (1., 1..2) shows in the length
    local a, b, c = match(text, "^(%d+)%.?(%d*)%.?(%d*)$")
    if a and (b ~= "" or c == "") and
       #a + (b ~= "" and #b + 1 or 0) + (c ~= "" and #c + 1 or 0) == #text then
      if b == "" then
        v = {epoch = 0, release = {number(a)}}
      elseif c == "" then
        v = {epoch = 0, release = {number(a), number(b)}}
      else
        v = {epoch = 0, release = {number(a), number(b), number(c)}}
      end
    else
      v = parse_version_uncached(text) or false
    end
    versions_seen[text] = v
  end
  return v or nil
end
P.parse_version = parse_version

-- packaging's _cmpkey, as a list of numbers compared in order.
local PRE_RANK = {a = 0, b = 1, rc = 2}
local function pre_key(v)
  local pre = v.pre
  if not pre then
    if not v.post and v.dev then
      return -1, 0
    end
    return 9, 0
  end
  return PRE_RANK[pre[1]], pre[2]
end

local function compare(a, b)
  if a.epoch ~= b.epoch then
    return a.epoch < b.epoch and -1 or 1
  end
  local ra, rb = a.release, b.release  -- missing parts count as 0: 3.11 == 3.11.0
  local n = #ra > #rb and #ra or #rb
  for i = 1, n do
    local x, y = ra[i] or 0, rb[i] or 0
    if x ~= y then
      return x < y and -1 or 1
    end
  end
  local pa1, pa2 = pre_key(a)
  local pb1, pb2 = pre_key(b)
  if pa1 ~= pb1 then
    return pa1 < pb1 and -1 or 1
  end
  if pa2 ~= pb2 then
    return pa2 < pb2 and -1 or 1
  end
  local posta, postb = a.post or -1, b.post or -1
  if posta ~= postb then
    return posta < postb and -1 or 1
  end
  local deva, devb = a.dev or math.huge, b.dev or math.huge
  if deva ~= devb then
    return deva < devb and -1 or 1
  end
  return 0
end
P.compare_versions = compare

local function is_prerelease(v)
  return v.pre ~= nil or v.dev ~= nil
end

local function base_equal(a, b)
  if a.epoch ~= b.epoch then
    return false
  end
  local ra, rb = a.release, b.release
  for i = 1, #ra > #rb and #ra or #rb do
    if (ra[i] or 0) ~= (rb[i] or 0) then
      return false
    end
  end
  return true
end

-- Specifier(op .. text).contains(candidate, prereleases=True) for the forms handled here;
-- bail when the specifier is not one (the tool decides what it means).
-- (*text* read once: {prefix = its wildcard's release numbers}, its version or false)
local specifiers_seen = {}
local function specifier_contains(op, text, candidate)
  local spec = specifiers_seen[text]
  if spec == nil then
    local wildcard = match(text, "^(%d+[%.%d]*)%.%*$")
    if wildcard then
      if find(wildcard, "..", 1, true) or sub(wildcard, -1) == "." then
        P.bail()
      end
      spec = {prefix = parse_version(wildcard).release}
    else
      spec = find(text, "^%d") and parse_version(text) or false
    end
    specifiers_seen[text] = spec
  end
  local prefix = spec and spec.prefix
  if prefix then
    if op ~= "==" and op ~= "!=" then
      P.bail()
    end
    if candidate.epoch ~= 0 then
      return op == "!="
    end
    -- packaging pads the candidate's release, then compares its pre/post/dev too only when
    -- the prefix has them (it never has here).
    local release = candidate.release
    for i = 1, #prefix do
      if (release[i] or 0) ~= prefix[i] then
        return op == "!="
      end
    end
    return op == "=="
  end
  if op == "===" or not spec then
    P.bail()
  end
  local c = compare(candidate, spec)
  if op == "==" then
    return c == 0
  elseif op == "!=" then
    return c ~= 0
  elseif op == "<=" then
    return c <= 0
  elseif op == ">=" then
    return c >= 0
  elseif op == "<" then
    if c >= 0 then
      return false
    end
    -- below a post-release of the candidate's own release (<1.0.post1 for 1.0rc1):
    -- packaging 26 and earlier releases answer differently; the tool's packaging decides
    if spec.post and base_equal(candidate, spec) then
      P.bail()
    end
    return not (not is_prerelease(spec) and is_prerelease(candidate) and
                base_equal(candidate, spec))
  elseif op == ">" then
    if c <= 0 then
      return false
    end
    -- a post-release above its own release's pre- or dev-release (1.0.post1 for >1.0rc1):
    -- the same
    if candidate.post and not spec.post and base_equal(candidate, spec) then
      P.bail()
    end
    return true
  elseif op == "~=" then
    local release = spec.release
    if #release < 2 or spec.epoch ~= 0 then
      P.bail()
    end
    if c < 0 or candidate.epoch ~= 0 then  -- ~=V is >=V and ==V.*, whose prefix has V's epoch
      return false
    end
    local mine = candidate.release
    for i = 1, #release - 1 do
      if (mine[i] or 0) ~= release[i] then
        return false
      end
    end
    return true
  end
  P.bail()
end

-- -- --where conditions (rpm_pyconfig.condition) ----------------------------------------

-- A recursive-descent parser shared by conditions and markers, reading tokens as it goes
-- (no token list): the current token is *kind* (( ) str op and or not in var, nil at the
-- end) and *text*, *at* the position after it.  One parse at a time: the comparison
-- functions it calls parse nothing.
local source, at, kind, text, comparison, eager
local WORDS = {["and"] = true, ["or"] = true, ["not"] = true, ["in"] = true}

-- Bytes: space 32, tab 9, newline 10; ( 40 ) 41; quotes 39 34; the operators' = ~ ! < >
local OPERATOR = {[61] = "=", [126] = "~", [33] = "!", [60] = "<", [62] = ">"}

local function advance()
  local pos = at
  local c = byte(source, pos)
  while c == 32 or c == 9 or c == 10 do
    pos = pos + 1
    c = byte(source, pos)
  end
  if not c then
    kind, text = nil, nil
    return
  end
  if c == 40 or c == 41 then
    kind = c == 40 and "(" or ")"
    text, at = kind, pos + 1
  elseif c == 39 or c == 34 then
    local close = find(source, c == 39 and "'" or '"', pos + 1, true)
    if not close then
      P.bail()
    end
    kind, text, at = "str", sub(source, pos + 1, close - 1), close + 1
  elseif OPERATOR[c] then
    -- ===, else a two-character operator (X=), else < or >
    if byte(source, pos + 1) ~= 61 then
      if c ~= 60 and c ~= 62 then
        P.bail()
      end
      kind, text, at = "op", OPERATOR[c], pos + 1
    elseif c == 61 and byte(source, pos + 2) == 61 then
      kind, text, at = "op", "===", pos + 3
    else
      kind, text, at = "op", OPERATOR[c] .. "=", pos + 2
    end
  else
    local _, last = find(source, "^[A-Za-z_][A-Za-z0-9_.]*", pos)
    if not last then
      P.bail()
    end
    local word = sub(source, pos, last)
    kind, text, at = WORDS[word] and word or "var", word, last + 1
  end
end

-- and/or of *tests*: a single test is itself; eager evaluates every test first (as
-- packaging evaluates markers: a comparison it cannot make fails the whole marker), else
-- they stop at the first that decides (as --where conditions do)
local function series(tests, decides)
  local n = #tests
  if n == 1 then
    return tests[1]
  end
  if eager then
    return function(env)
      local result = not decides
      for k = 1, n do
        if (not not tests[k](env)) == decides then
          result = decides
        end
      end
      return result
    end
  end
  return function(env)
    for k = 1, n do
      if (not not tests[k](env)) == decides then
        return decides
      end
    end
    return not decides
  end
end

local parse_or
local function atom()
  if kind == "(" then
    advance()
    local inner = parse_or()
    if kind ~= ")" then
      P.bail()
    end
    advance()
    return inner
  end
  local lkind, ltext = kind, text
  if lkind ~= "var" and lkind ~= "str" then
    P.bail()
  end
  advance()
  local op = text
  if kind == "op" or kind == "in" then
    advance()
  elseif kind == "not" then
    advance()
    if kind ~= "in" then
      P.bail()
    end
    op = "not in"
    advance()
  else
    P.bail()
  end
  local rkind, rtext = kind, text
  if rkind ~= "var" and rkind ~= "str" then
    P.bail()
  end
  advance()
  return comparison(lkind == "var", ltext, op, rkind == "var", rtext)
end

local function parse_and()
  local test = atom()
  if kind ~= "and" then
    return test
  end
  local tests = {test}
  while kind == "and" do
    advance()
    tests[#tests + 1] = atom()
  end
  return series(tests, false)
end

parse_or = function()
  local test = parse_and()
  if kind ~= "or" then
    return test
  end
  local tests = {test}
  while kind == "or" do
    advance()
    tests[#tests + 1] = parse_and()
  end
  return series(tests, true)
end

-- The operators of specifiers, in the order packaging sorts them (by their version first):
-- also the operators a comparison can be read with in one search.
local RANK = {[">="] = 0, [">"] = 1, ["~="] = 2, ["=="] = 3, ["==="] = 4, ["!="] = 5,
              ["<="] = 6, ["<"] = 7}

-- *compare(left_is_var, left, op, right_is_var, right)* gives the test of one comparison
-- (a function of the environment).
local function parse_logic(text_, compare_, eager_)
  -- The common form, one variable compared with a string, in one search; any other (or one
  -- the tokens would read otherwise: a keyword for the variable, an operator that is not
  -- one token, the quote inside the string) through the tokens.
  local name, op, quote, literal = match(text_,
    "^[ \t\n]*([A-Za-z_][A-Za-z0-9_.]*)[ \t\n]*([=~!<>]=?=?)[ \t\n]*(['\"])(.-)%3[ \t\n]*$")
  if name and RANK[op] and not WORDS[name] and not find(literal, quote, 1, true) then
    return compare_(true, name, op, false, literal)
  end
  source, at, comparison, eager = text_, 1, compare_, eager_
  advance()
  local test = parse_or()
  if kind ~= nil then
    P.bail()
  end
  return test
end

local function string_test(op, variable_first, name, value)
  return function(env)
    local actual = env[name]
    if op == "==" then
      return actual == value
    elseif op == "!=" then
      return actual ~= value
    end
    local needle, haystack = actual, value
    if not variable_first then
      needle, haystack = value, actual
    end
    local found = find(haystack, needle, 1, true) ~= nil
    if op == "in" then
      return found
    end
    return not found
  end
end

-- The simple versions --where compares: release numbers and an a/b/rc pre-release.
local function where_version(text_)
  local v = parse_version(text_)
  if not v or v.post or v.dev or v.epoch ~= 0 or not match(text_, "^%d[%d.]*%l*%d*$") then
    return nil
  end
  return v
end

local function where_comparison(lvar, left, op, rvar, right)
  if lvar == rvar then
    P.bail()
  end
  local variable, value = left, right
  if not lvar then
    variable, value = right, left
  end
  local name = variable:gsub("%.", "_")
  if name == "python_implementation" then  -- packaging's legacy spelling
    name = "platform_python_implementation"
  end
  local kind_ = P.registry.where_kinds[name]
  if not kind_ then
    P.bail()
  end
  if op == "in" or op == "not in" or (kind_ ~= "version" and (op == "==" or op == "!=")) then
    if kind_ == "bool" and (op == "==" or op == "!=") and value ~= "true" and value ~= "false" then
      P.bail()
    end
    return string_test(op, lvar, name, value)
  end
  if kind_ ~= "version" then
    P.bail()
  end
  if op == "===" then  -- PEP 440 arbitrary equality: the strings, ignoring case
    if find(value, "[\128-\255]") then
      P.bail()
    end
    if not lvar then
      local lowered = lower(value)
      return function(env)
        return lowered == lower(strip(env[name]))
      end
    end
    local arbitrary = match(value, "^%s*([^%s;)]*)%s*$")
    if not arbitrary then
      P.bail()
    end
    arbitrary = lower(arbitrary)
    return function(env)
      return lower(env[name]) == arbitrary
    end
  end
  if lvar then
    if not where_version(value) and not match(value, "^%d[%d.]*%.%*$") then
      P.bail()
    end
    return function(env)
      local candidate = where_version(env[name])
      if not candidate then
        P.bail()
      end
      return specifier_contains(op, value, candidate)
    end
  end
  local candidate = where_version(value)
  if not candidate then
    P.bail()
  end
  return function(env)
    if not where_version(env[name]) then
      P.bail()
    end
    return specifier_contains(op, env[name], candidate)
  end
end

function P.parse_where(text_)
  if find(text_, "[\028-\031]") then
    P.bail()  -- blanks to Python's \s (packaging's, the tool's) that Lua's %s is not
  end
  return parse_logic(text_, where_comparison, false)
end

-- -- PEP 508 markers (packaging.markers, as rpm_pyconfig.dependencies calls it) ----------

local MARKER_VERSION_KEYS = {python_version = true, python_full_version = true,
                             implementation_version = true}
local MARKER_KEYS = {python_version = true, python_full_version = true,
                     implementation_version = true, implementation_name = true,
                     platform_python_implementation = true, os_name = true,
                     sys_platform = true, platform_system = true, platform_machine = true,
                     extra = true}

-- The answer of one comparison for the variable's *value*.
-- *checked*: the literal on the right has passed the checks of the specifier already.
local function marker_answer(lvar, key, op, literal, value, checked)
  local lhs, rhs
  if lvar then
    lhs, rhs = value, literal
  else
    lhs, rhs = literal, value
  end
  if MARKER_VERSION_KEYS[key] and op ~= "in" and op ~= "not in" then
    if checked then
      local candidate = parse_version(lhs)
      if not candidate then
        P.bail()
      end
      return specifier_contains(op, rhs, candidate)
    end
    if op == "===" or find(rhs, "%s") then
      P.bail()
    end
    local candidate = parse_version(lhs)
    local wildcard = match(rhs, "^%d[%d.]*%.%*$")
    local spec = parse_version(rhs)
    if not candidate or (not spec and not wildcard) or not find(rhs, "^%d") or
       (wildcard and op ~= "==" and op ~= "!=") or (op == "~=" and #spec.release < 2) then
      P.bail()
    end
    return specifier_contains(op, rhs, candidate)
  end
  if op == "==" then
    return lhs == rhs
  elseif op == "!=" then
    return lhs ~= rhs
  elseif op == "in" then
    return find(rhs, lhs, 1, true) ~= nil
  elseif op == "not in" then
    return find(rhs, lhs, 1, true) == nil
  end
  -- ordering of names and ~=/=== on them: packaging versions disagree; the tool decides
  P.bail()
end

-- One test per comparison, shared by every marker that makes it (extra == "cli" in
-- several requirements): the answer is a function of the variable's value, so runtimes of
-- one version (and every extra's environment of one runtime) share it.  A bail is raised
-- again each time.
local marker_tests = {}
local function marker_comparison(lvar, left, op, rvar, right)
  if lvar == rvar or (lvar and not MARKER_KEYS[left]) or (rvar and not MARKER_KEYS[right]) then
    P.bail()
  end
  local key, literal = left, right
  if rvar then
    key, literal = right, left
  end
  -- the variable's name has no \1: the id is unambiguous
  local id = op .. (lvar and "\1" or "\2") .. key .. "\1" .. literal
  local test = marker_tests[id]
  if test then
    return test
  end
  if key == "extra" then
    if op ~= "==" and op ~= "!=" then
      P.bail()  -- packaging releases disagree on normalising other comparisons
    end
    literal = canon(literal)
  end
  local answers, checked = {}, false
  test = function(env)
    local value = env[key]
    if value == nil then
      return marker_answer(lvar, key, op, literal, value, checked)
    end
    local found = answers[value]
    if found == nil then
      found = marker_answer(lvar, key, op, literal, value, checked)
      answers[value] = found
      checked = lvar  -- (the checks of a literal on the right passed: they always will)
    end
    return found
  end
  marker_tests[id] = test
  return test
end

-- The test of a marker, once per text (requirements often share one).
local markers_seen = {}
function P.parse_marker(text_)
  local test = markers_seen[text_]
  if not test then
    if find(text_, "[\n\028-\031]") then
      -- \n: a blank to the --where tokens shared here, not to packaging's markers;
      -- \x1c-\x1f: blanks to Python's \s that Lua's %s is not
      P.bail()
    end
    test = parse_logic(text_, marker_comparison, true)
    markers_seen[text_] = test
  end
  return test
end

local function marker_environment(runtime, extra)
  extra = extra or ""
  local environments = runtime.environments
  if not environments then
    environments = {}
    runtime.environments = environments
  end
  local env = environments[extra]
  if not env then
    env = P.new_marker_environment(runtime, extra)
    environments[extra] = env
  end
  return env
end
P.marker_environment = marker_environment

-- platform_machine is asked of rpm (posix.uname) when a marker first reads it: the call
-- cost more than evaluating all the markers of a spec that does not read it.
local LAZY_MACHINE = {__index = function(env, key)
  if key == "platform_machine" then
    local machine = P.machine()
    rawset(env, key, machine)
    return machine
  end
end}

function P.new_marker_environment(runtime, extra)
  local t = runtime.t
  return setmetatable({
    implementation_name = t.implementation,
    implementation_version = t.version,
    os_name = "posix",
    platform_python_implementation = t.platform_python_implementation,
    platform_system = "Linux",
    python_full_version = t.version,
    python_version = t.short_version,
    sys_platform = "linux",
    extra = extra,
  }, LAZY_MACHINE)
end

function P.machine()
  if not P._machine then
    local ok, machine = pcall(posix.uname, "%m")
    if not ok or type(machine) ~= "string" or machine == "" then
      P.bail()
    end
    P._machine = machine
  end
  return P._machine
end

-- -- PEP 508 requirements as rpm dependencies (rpm_pyconfig.dependencies) ---------------

-- release_string(release, true): the numbers are integers, which concat writes as %d does
local function release_text(release)
  local n = #release
  while n > 1 and release[n] == 0 do
    n = n - 1
  end
  return concat(release, ".", 1, n)
end

local function evr(epoch, release)
  local text_ = release_text(release)
  if epoch ~= 0 then
    return epoch .. ":" .. text_
  end
  return text_
end

local function dependency_version(v)
  local text_ = release_text(v.release)
  if v.pre then
    text_ = text_ .. "~" .. v.pre[1] .. v.pre[2]
  end
  if v.post then
    text_ = text_ .. "^post" .. v.post
  end
  if v.dev then
    text_ = text_ .. "~~dev" .. v.dev
  end
  if v.epoch ~= 0 then
    return v.epoch .. ":" .. text_
  end
  return text_
end

-- *release* (its first *n* numbers) with the last one plus one
local function bump(release, n)
  local out = {}
  for i = 1, n do
    out[i] = release[i]
  end
  out[n] = out[n] + 1
  return out
end

-- The rpm terms of one specifier of *name*.
local function convert(name, op, text_)
  if op == "===" then
    P.bail()
  end
  local wildcard = match(text_, "^(.*)%.%*$")
  if wildcard then
    local prefix = parse_version(wildcard)
    if not prefix or prefix.pre or prefix.post or prefix.dev or (op ~= "==" and op ~= "!=") then
      P.bail()
    end
    local release = prefix.release
    local lower_, upper = evr(prefix.epoch, release), evr(prefix.epoch, bump(release, #release))
    if op == "==" then
      return name .. " >= " .. lower_, name .. " < " .. upper
    end
    return "(" .. name .. " < " .. lower_ .. " or " .. name .. " >= " .. upper .. ")"
  end
  local v = parse_version(text_)
  local version = dependency_version(v)
  if op == "~=" then
    return name .. " >= " .. version, name .. " < " .. evr(v.epoch, bump(v.release, #v.release - 1))
  elseif op == "==" then
    return name .. " = " .. version
  elseif op == "!=" then
    return "(" .. name .. " < " .. version .. " or " .. name .. " > " .. version .. ")"
  elseif op == "<" then
    if is_prerelease(v) then
      return name .. " < " .. version
    end
    return name .. " < " .. version .. "~~"
  elseif op == ">" then
    if not v.post and not v.dev then
      return name .. " > " .. version .. ".0"
    end
    return name .. " > " .. version
  end
  return name .. " " .. op .. " " .. version
end

-- One requirement line: {name, extras = {...}, specs = {{op, version}...}, marker = test|nil}
function P.parse_requirement(line)
  local name, pos = match(line, "^([A-Za-z0-9][A-Za-z0-9._-]*)()")
  local last = name and byte(name, -1)
  if not name or last == 45 or last == 46 or last == 95 then  -- - . _
    P.bail()
  end
  local extras, specs = {}, {}
  local req = {name = name, extras = extras, specs = specs, marker = false, templates = false}
  local c = byte(line, pos)
  while c == 32 or c == 9 do
    pos = pos + 1
    c = byte(line, pos)
  end
  if c == nil then  -- the name alone
    return req
  elseif c == 59 then  -- ;: the name and a marker
    req.marker = P.parse_marker(sub(line, pos + 1))
    return req
  elseif c ~= 91 and c ~= 40 then
    -- one specifier, then the end or a marker, in one search: what the general reading
    -- below makes of it (which reads anything else)
    local op, version, semicolon, rest = match(line,
      "^([=~!<>]=?=?)[ \t]*(%d[A-Za-z0-9.!*_-]*)[ \t]*(;?)(.*)$", pos)
    if op and (semicolon ~= "" or rest == "") then
      if not RANK[op] or op == "===" then
        P.bail()
      end
      local wildcard = byte(version, -1) == 42 and match(version, "^(.*)%.%*$")  -- *
      local v = parse_version(wildcard or version)
      if not v or (wildcard and (op ~= "==" and op ~= "!=" or v.pre or v.post or v.dev))
         or (op == "~=" and #v.release < 2) then
        P.bail()  -- (a prefix match is of a release alone: packaging refuses 1.0a1.*)
      end
      req.specs = {{op, version, v, 1}}
      if semicolon ~= "" then
        req.marker = P.parse_marker(rest)
      end
      return req
    end
  end
  if c == 91 then  -- [
    local close = find(line, "]", pos, true)
    if not close then
      P.bail()
    end
    local body = sub(line, pos + 1, close - 1)
    if not find(body, "^[ \t]*$") then
      local from = 1
      repeat
        local comma = find(body, ",", from, true)
        local extra = match(sub(body, from, comma and comma - 1),
                            "^[ \t]*([A-Za-z0-9][A-Za-z0-9._-]*)[ \t]*$")
        if not extra or find(extra, "[._-]$") then
          P.bail()
        end
        extras[#extras + 1] = extra
        from = comma and comma + 1
      until not from
    end
    pos = close + 1
    c = byte(line, pos)
    while c == 32 or c == 9 do
      pos = pos + 1
      c = byte(line, pos)
    end
  end
  local semicolon = find(line, ";", pos, true)
  local spec_text = sub(line, pos, semicolon and semicolon - 1)
  if spec_text ~= "" then
    spec_text = strip(spec_text)
  end
  if byte(spec_text) == 40 then  -- (
    if byte(spec_text, -1) ~= 41 then
      P.bail()
    end
    spec_text = strip(sub(spec_text, 2, -2))
  end
  local size = #spec_text
  if size > 0 then
    -- each specifier up to a comma or the end (neither is in its classes): what matching
    -- each comma-separated item whole would accept; a version must begin with a digit
    local from = 1
    repeat
      local op, version, after = match(spec_text,
        "^[ \t]*([=~!<>]=?=?)[ \t]*(%d[A-Za-z0-9.!*_-]*)[ \t]*()", from)
      if not op or not RANK[op] or op == "===" or (after <= size and byte(spec_text, after) ~= 44) then
        P.bail()
      end
      local wildcard = byte(version, -1) == 42 and match(version, "^(.*)%.%*$")  -- *
      local v = parse_version(wildcard or version)
      if not v or (wildcard and (op ~= "==" and op ~= "!=" or v.pre or v.post or v.dev))
         or (op == "~=" and #v.release < 2) then
        P.bail()  -- (a prefix match is of a release alone: packaging refuses 1.0a1.*)
      end
      specs[#specs + 1] = {op, version, v, #specs + 1}
      from = after + 1
    until from > size + 1
  end
  if semicolon then
    -- (a blank marker fails to parse)
    req.marker = P.parse_marker(sub(line, semicolon + 1))
  end
  return req
end

-- Specifiers in the order of packaging's sort key: version, then operator (then as written).
local function spec_less(a, b)
  local c = compare(a[3], b[3])
  if c ~= 0 then
    return c < 0
  end
  if a[1] ~= b[1] then
    return RANK[a[1]] < RANK[b[1]]
  end
  return a[4] < b[4]
end

-- The dependency of *name* with *specs* (ordered).
local function specifier_dependency(name, specs)
  local n = #specs
  if n == 0 then
    return name
  end
  if n == 1 then
    local a, b = convert(name, specs[1][1], specs[1][2])
    if not b then
      return a
    end
    return "(" .. a .. " with " .. b .. ")"
  end
  local terms, seen = {}, {}
  for i = 1, n do
    local a, b = convert(name, specs[i][1], specs[i][2])
    if not seen[a] then
      seen[a] = true
      terms[#terms + 1] = a
    end
    if b and not seen[b] then
      seen[b] = true
      terms[#terms + 1] = b
    end
  end
  if #terms == 1 then
    return terms[1]
  end
  return "(" .. concat(terms, " with ") .. ")"
end

-- The placeholder of the dist prefix in a requirement's dependencies (its templates), which
-- differ by runtime only there.  Templates sort as their dependencies do when the prefix
-- begins with a byte above "(" (or is empty: "dist(" follows): a template differs from
-- another at a placeholder only where the other has "(" (the start of a group, at the
-- beginning or after " with "), and \127 is above "(" and in no name or version.
local PLACE = "\127"

-- byte_less, eight bytes a call: templates share their first bytes ("\127dist(" and more),
-- which byte_less reads two calls a byte.
local function template_less(a, b)
  local i = 1
  while true do
    local a1, a2, a3, a4, a5, a6, a7, a8 = byte(a, i, i + 7)
    local b1, b2, b3, b4, b5, b6, b7, b8 = byte(b, i, i + 7)
    if a1 ~= b1 then
      return (a1 or -1) < (b1 or -1)  -- (nil: the end, before any byte)
    elseif a2 ~= b2 then
      return (a2 or -1) < (b2 or -1)
    elseif a3 ~= b3 then
      return (a3 or -1) < (b3 or -1)
    elseif a4 ~= b4 then
      return (a4 or -1) < (b4 or -1)
    elseif a5 ~= b5 then
      return (a5 or -1) < (b5 or -1)
    elseif a6 ~= b6 then
      return (a6 or -1) < (b6 or -1)
    elseif a7 ~= b7 then
      return (a7 or -1) < (b7 or -1)
    elseif a8 ~= b8 then
      return (a8 or -1) < (b8 or -1)
    elseif not a8 then
      return false  -- equal
    end
    i = i + 8
  end
end
local pieces_seen = {}  -- template -> the text around its placeholders

-- The templates of *req*, one per extra named (or one), made on first use: a requirement
-- no runtime selects is never converted (nor fails to be).
local function templates_of(req)
  local specs = req.specs
  if #specs > 1 then
    sort(specs, spec_less)
    -- Equal keys: Python's order is that of a set; the same text is fine, anything else is not.
    for i = 2, #specs do
      local a, b = specs[i - 1], specs[i]
      if a[1] == b[1] and a[2] ~= b[2] and compare(a[3], b[3]) == 0 then
        P.bail()
      end
    end
  end
  local name = PLACE .. "dist(" .. canon(req.name)
  local extras, out = req.extras, {}
  if #extras > 0 then
    for k = 1, #extras do
      out[k] = specifier_dependency(name .. "[" .. extras[k] .. "])", specs)
    end
  else
    out[1] = specifier_dependency(name .. ")", specs)
  end
  req.templates = out
  return out
end

-- The requirements of *lines* (one per line, blank and # lines skipped), parsed once.
local requirements_seen = {}
local function requirements_of(lines)
  local found = requirements_seen[lines]
  if found then
    return found
  end
  plain(lines)
  -- sorted: a choice of requirements (the bits of their numbers, or these as text) -> their
  -- templates, sorted
  found = {sorted = {}}
  -- each line stripped (strip() removes %s, which in plain() text is a space, tab or
  -- newline: within a line, a space or tab); the lines found with a plain search, not a
  -- pattern (a lazy "-" tries the rest of the pattern at every byte: six times the cost)
  local pos, size = 1, #lines
  while pos <= size do
    local newline = find(lines, "\n", pos, true) or size + 1
    local line = sub(lines, pos, newline - 1)
    pos = newline + 1
    local first, last = byte(line, 1), byte(line, -1)
    if first == 32 or first == 9 or last == 32 or last == 9 then
      line = strip(line)
    end
    if line ~= "" and byte(line) ~= 35 then  -- #
      local req = P.parse_requirement(line)
      local extras = req.extras
      if #extras > 0 then
        local canonicals = {}
        for k = 1, #extras do
          canonicals[k] = canon(extras[k])
        end
        req.extras = sorted_unique(canonicals)
      end
      found[#found + 1] = req
    end
  end
  requirements_seen[lines] = found
  return found
end

-- dependencies.requires_prefix: versioned_dist_prefix, plus t for a free-threaded build
local function requires_prefix(t)
  local prefix = t.versioned_dist_prefix
  if t.free_threaded == "1" and sub(prefix, -1) ~= "t" then
    prefix = prefix .. "t"
  end
  return prefix
end

-- rendering._dist_requires: sorted rpm dependencies of PEP 508 *lines* for one runtime.
local requires_seen = {}  -- lines -> key of the runtime -> extra -> answer
function P.dist_requires(lines, runtime, extra)
  -- a pure function of these: runtimes of one version and implementation share the answer
  local key = runtime.requires_key  -- the runtime's part, once per runtime
  if not key then
    local t = runtime.t
    key = concat({requires_prefix(t), t.implementation, t.version, t.short_version,
                  t.platform_python_implementation}, "\1")
    runtime.requires_key = key
  end
  local by_runtime = requires_seen[lines]
  if not by_runtime then
    by_runtime = {}
    requires_seen[lines] = by_runtime
  end
  local by_extra = by_runtime[key]
  if not by_extra then
    by_extra = {}
    by_runtime[key] = by_extra
  end
  local found = by_extra[extra or "\0"]
  if not found then
    found = P.dist_requires_uncached(lines, runtime, extra)
    by_extra[extra or "\0"] = found
  end
  return found
end

function P.dist_requires_uncached(lines, runtime, extra)
  local requirements = requirements_of(lines)
  local n = #requirements
  if n == 0 then
    return {}
  end
  local wanted = extra and canon(extra)
  local base_env, extra_env  -- made when a marker needs them
  local chosen, count, mask = n >= 60 and {} or nil, 0, 0
  for k = 1, n do
    local marker, selected = requirements[k].marker, nil
    if not marker then
      selected = wanted == nil
    else
      base_env = base_env or marker_environment(runtime, "")
      local in_base = marker(base_env)
      if wanted == nil then
        selected = in_base
      else
        extra_env = extra_env or marker_environment(runtime, wanted)
        selected = not in_base and marker(extra_env)
      end
    end
    if selected then
      count = count + 1
      if chosen then
        chosen[count] = k
      else
        mask = mask | (1 << k)
      end
    end
  end
  if count == 0 then
    return {}
  end
  -- the templates of the chosen requirements, each once, sorted once per choice (named by
  -- the bits of their numbers while they fit in an integer: a text cost a conversion each)
  local choice = chosen and concat(chosen, ",") or mask
  local templates = requirements.sorted[choice]
  if not templates then
    local seen, size = {}, 0
    templates = {}
    for i = 1, chosen and count or n do
      if chosen or mask & (1 << i) ~= 0 then
        local req = requirements[chosen and chosen[i] or i]
        local list = req.templates or templates_of(req)
        for j = 1, #list do
          local template = list[j]
          if not seen[template] then
            seen[template] = true
            size = size + 1
            templates[size] = template
          end
        end
      end
    end
    if size > 1 then
      sort(templates, template_less)
    end
    requirements.sorted[choice] = templates
  end
  local prefix = requires_prefix(runtime.t)
  local found = {}
  for i = 1, #templates do
    local template = templates[i]
    local pieces = pieces_seen[template]
    if not pieces then
      pieces = {}
      local from = 1
      repeat
        local place = find(template, PLACE, from, true)
        pieces[#pieces + 1] = sub(template, from, place and place - 1)
        from = place and place + 1
      until not from
      pieces_seen[template] = pieces
    end
    found[i] = concat(pieces, prefix)
  end
  if prefix ~= "" and prefix:byte(1) <= 40 then
    return sorted_unique(found)  -- a prefix the templates' order does not hold for
  end
  return found
end

--@lazy-end

-- -- selection --------------------------------------------------------------------------

-- Shell words of the options a macro was given, for the forms that need no shell: plain
-- words, '...', "..." without $ ` \ (/bin/sh has no ! history); anything else (globs the shell would expand, $VAR,
-- redirections) goes to the tool and its /bin/sh.
function P.shell_words(text)
  local out, pos = {}, 1
  while true do
    pos = text:match("^[ \t\n]*()", pos)
    if pos > #text then
      return out
    end
    local word = {}
    while pos <= #text do
      local c = text:sub(pos, pos)
      if c == "'" then
        local close = text:find("'", pos + 1, true)
        if not close then
          P.bail()
        end
        word[#word + 1] = text:sub(pos + 1, close - 1)
        pos = close + 1
      elseif c == '"' then
        local close = text:find('"', pos + 1, true)
        if not close then
          P.bail()
        end
        local inner = text:sub(pos + 1, close - 1)
        if inner:find("[$`\\]") then
          P.bail()
        end
        word[#word + 1] = inner
        pos = close + 1
      elseif c:find("[ \t\n]") then
        break
      elseif c:find("[$`\\|&;<>()*?%[#~{}=]") and not (c == "=" and #word > 0) then
        P.bail()
      else
        local run = text:match("^[^ \t\n'\"$`\\|&;<>()*?%[#~{}]+", pos)
        word[#word + 1] = run
        pos = pos + #run
      end
    end
    out[#out + 1] = table.concat(word)
  end
end

-- Selection options (--only, --exclude, --where) and, for render, --set KEY=VALUE.
function P.parse_options(list, allow_set)
  local o = {only = {}, exclude = {}, where = nil, values = {}, order = {}}
  local i = 1
  while i <= #list do
    local w = list[i]
    local option, value = w:match("^(%-%-[a-z]+)=(.*)$")
    if not option then
      option = w
      value = list[i + 1]
      if value == nil or value:sub(1, 1) == "-" then
        P.bail()
      end
      i = i + 1
    end
    i = i + 1
    if option == "--only" or option == "--exclude" then
      local key = option:sub(3)
      table.insert(o[key], value)
      o.order[key] = true
    elseif option == "--where" and o.where == nil then
      o.where = value
      o.order.where = true
    elseif option == "--set" and allow_set then
      local key, sep, v = value:match("^([^=]*)(=?)(.*)$")
      if sep == "" or not key:match("^[A-Za-z_][A-Za-z0-9_]*$") then
        P.bail()
      end
      o.values[key] = v
    else
      P.bail()
    end
  end
  return o
end

-- The runtimes the options select, in order; bail when they select none (the tool's
-- message says which filter dropped what).
function P.select(o)
  local where = o.where and P.parse_where(o.where)
  if P.registry.marked ~= RUNTIME then
    for _, rt in ipairs(P.registry.runtimes) do
      setmetatable(rt, RUNTIME)
    end
    P.registry.marked = RUNTIME
  end
  local chosen = {}
  for _, rt in ipairs(P.registry.runtimes) do
    local keep = true
    if #o.only > 0 then
      keep = false
      for _, glob in ipairs(o.only) do
        if P.glob_match(rt.t.name, glob) then
          keep = true
        end
      end
    end
    for _, glob in ipairs(o.exclude) do
      if keep and P.glob_match(rt.t.name, glob) then
        keep = false
      end
    end
    if keep and where then
      keep = where(rt.v)
    end
    if keep then
      chosen[#chosen + 1] = rt
    end
  end
  if #chosen == 0 then
    P.bail()
  end
  return chosen
end

-- installing.relies_on (pure unknown: both kinds of wheel counted): for each runtime, the
-- earlier ones that ship into its directories: for each of purelib and platlib, the first
-- with the same directory and the first with the same directory and cache tag; one pass,
-- linear (a spec with 100 runtimes asks on every parse), no key built by concatenation
local NO_RUNTIMES = {}  -- relies_on's empty answer, shared: the templates only read it
function P.relies_on(runtimes)
  local result = {}
  -- directory -> index of its first runtime, and directory -> cache tag -> index
  local first_pure, first_plat, tagged_pure, tagged_plat = {}, {}, {}, {}
  for index = 1, #runtimes do
    local rt = runtimes[index]
    local t = rt.t
    local pure, plat, tag = t.purelib, t.platlib, t.cache_tag
    local by_pure, by_plat = tagged_pure[pure], tagged_plat[plat]
    if not by_pure then
      by_pure = {}
      tagged_pure[pure] = by_pure
    end
    if not by_plat then
      by_plat = {}
      tagged_plat[plat] = by_plat
    end
    local a, b, c, d = first_pure[pure], by_pure[tag], first_plat[plat], by_plat[tag]
    if a or c then  -- (b needs a, d needs c)
      -- the distinct indices (at most four), in order
      local list = {a}
      if b and b ~= a then
        list[#list + 1] = b
      end
      if c and c ~= a and c ~= b then
        list[#list + 1] = c
      end
      if d and d ~= a and d ~= b and d ~= c then
        list[#list + 1] = d
      end
      for i = 2, #list do
        local j, k = list[i], i - 1
        while k > 0 and list[k] > j do
          list[k + 1] = list[k]
          k = k - 1
        end
        list[k + 1] = j
      end
      for i = 1, #list do
        list[i] = runtimes[list[i]]
      end
      result[t.name] = list
    else
      result[t.name] = NO_RUNTIMES
    end
    if not a then
      first_pure[pure] = index
    end
    if not c then
      first_plat[plat] = index
    end
    if not b then
      by_pure[tag] = index
    end
    if not d then
      by_plat[tag] = index
    end
  end
  return result
end

-- installing.sharing_problems: a registry that cannot build is the tool's to explain
function P.check_sharing(runtimes)
  local extension, scripts = {}, {}
  for _, rt in ipairs(runtimes) do
    local key = rt.extension_key
    if not key then
      key = rt.t.platlib .. "\0" .. rt.t.ext_suffix
      rt.extension_key = key
    end
    if extension[key] or scripts[rt.t.script_suffix] then
      P.bail()
    end
    extension[key] = true
    scripts[rt.t.script_suffix] = true
  end
end

-- versions.trim_rpm_version
local function trim_release(text)
  plain(text)
  local epoch, colon, version = "", "", text
  if text:find(":", 1, true) then
    epoch, colon, version = text:match("^(.*)(:)(.-)$")
  end
  -- the common release (1.2.0, 10.1rc1): its own digits, no part with a leading zero or
  -- more than 15 digits; trimmed as text: no number, no table
  local head = version:match("^[1-9][%d.]*")
  if head and not head:find("..", 1, true) and not head:find("%.0%d") and
     not head:find("%d%d%d%d%d%d%d%d%d%d%d%d%d%d%d%d") then
    local rest = version:sub(#head + 1)
    if head:sub(-1) == "." then
      head, rest = head:sub(1, -2), "." .. rest
    end
    while head:sub(-2) == ".0" do
      head = head:sub(1, -3)
    end
    return epoch .. colon .. head .. rest
  end
  local head = version:match("^%d+")
  if not head then
    return text
  end
  local pos = #head + 1
  while true do
    local part = version:match("^%.%d+", pos)
    if not part then
      break
    end
    head = head .. part
    pos = pos + #part
  end
  local release = {}
  for part in head:gmatch("%d+") do
    release[#release + 1] = number(part)
  end
  return epoch .. colon .. release_string(release, true) .. version:sub(pos)
end

-- -- the Jinja operations of the shipped templates ----------------------------------------
--
-- pyconfig_stanzas.lua is generated from templates/*.j2 (rpm_pyconfig/stanzas.py): each
-- shipped stanza is one Lua function of its values (P.render) that calls these.  Values
-- are Lua strings, numbers, booleans and lists, runtimes ({t, v, a}: a holds the Runtime's
-- attributes) and spec text: {s = TEXT} tables, what spectext's SpecText is in Python, so
-- that `literal` leaves spec text alone and printing refuses plain strings, as there.
-- Where the generator knows a value's type (the context's values, runtimes' attributes,
-- what a filter gives), its code does the operation itself and holds spec text as the
-- plain string: these J functions are for the rest, and for what the typed code calls.

local J = {}
P.jinja = J
local SPEC = {}
-- Runtimes are told from lists and mappings by their metatable RUNTIME (P.select sets it),
-- never by their fields: a mapping keyed by runtime names may have a runtime named "a".

function J.spec(text)
  return setmetatable({s = text}, SPEC)
end

-- (written out below as getmetatable(value) == SPEC: a call less on every value printed)

local function is_integer(value)
  return math_type(value) == "integer"
end

-- str(value)
function J.text(value)
  local kind = type(value)
  if kind == "string" then
    return value
  elseif getmetatable(value) == SPEC then
    return value.s
  elseif is_integer(value) then
    return string.format("%d", value)
  elseif kind == "boolean" then
    return value and "True" or "False"
  end
  P.bail()
end

-- {{ value }}: rendering._finalize lets through spec text and integers only
function J.output(value)
  if getmetatable(value) == SPEC then
    return value.s
  elseif is_integer(value) then
    return string.format("%d", value)
  end
  P.bail()
end

function J.attr(object, name)
  local value
  local kind = getmetatable(object)
  if kind == RUNTIME then
    value = object.a[name]
  elseif kind == nil and type(object) == "table" then
    value = object[name]
  end
  if value == nil then
    P.bail()
  end
  return value
end

function J.item(object, key)
  local value
  if type(object) == "table" and getmetatable(object) == nil then
    if is_integer(key) then
      value = object[key + 1]
    else
      value = object[J.text(key)]
    end
  end
  if value == nil then
    P.bail()
  end
  return value
end

function J.list(value)
  if type(value) ~= "table" or getmetatable(value) ~= nil then
    P.bail()  -- iterating a string or a runtime: not something the templates do
  end
  return value
end

function J.truth(value)
  if value == nil or value == false or value == "" or value == 0 then
    return false
  elseif getmetatable(value) == SPEC then
    return value.s ~= ""
  elseif type(value) == "table" then
    return next(value) ~= nil
  end
  return true
end

function J.choose(test, yes, no)
  if test then
    return yes()
  end
  return no()
end

local function plain_value(value)
  if getmetatable(value) == SPEC then
    return value.s
  end
  return value
end

function J.eq(a, b)
  a, b = plain_value(a), plain_value(b)
  if type(a) == "table" or type(b) == "table" or type(a) == "boolean" or
     type(b) == "boolean" then
    P.bail()
  end
  return a == b
end

-- str methods: split(), split(SEP), strip()
function J.split(value, separator)
  local text = plain_value(value)
  if type(text) ~= "string" then
    P.bail()
  end
  if separator == nil then
    return words(text)
  end
  separator = plain_value(separator)
  if type(separator) ~= "string" or separator == "" then
    P.bail()
  end
  local out, pos = {}, 1
  while true do
    local at = text:find(separator, pos, true)
    if not at then
      out[#out + 1] = text:sub(pos)
      return out
    end
    out[#out + 1] = text:sub(pos, at - 1)
    pos = at + #separator
  end
end

function J.strip(value)
  local text = plain_value(value)
  if type(text) ~= "string" then
    P.bail()
  end
  return strip(plain(text))
end

-- the filters of rendering._environment
-- Spec text is immutable: the same value gives the same object (a template quotes a
-- runtime's directories again and again, for every runtime).
local quoted, literals = {}, {}

function J.sh(value)
  if type(value) == "string" then
    local found = quoted[value]
    if not found then
      found = J.spec(L(Q(value)))
      quoted[value] = found
    end
    return found
  end
  return J.spec(L(Q(J.text(value))))
end

function J.literal(value)
  if getmetatable(value) == SPEC then
    return value
  end
  if type(value) == "string" then
    local found = literals[value]
    if not found then
      found = J.spec(L(value))
      literals[value] = found
    end
    return found
  elseif is_integer(value) then
    return J.spec(string.format("%d", value))
  end
  P.bail()
end

-- object.NAME | sh and object.NAME | literal: a runtime's attribute as spec text that
-- `rpm-pyconfig compile` wrote with Python's own filters (the runtime's q and l tables:
-- no pattern search over every path at every parse), else computed here
local computed = {}  -- spec text -> its value

local function spec_once(text)
  local found = computed[text]
  if not found then
    found = J.spec(text)
    computed[text] = found
  end
  return found
end

-- A runtime attribute as compile wrote it through a filter (table q: sh, l: literal), or nil.
local function prepared(object, filtered, name)
  if getmetatable(object) == RUNTIME then
    local done = object[filtered]
    done = done and done[name]
    if done then
      return spec_once(done)
    end
  end
end

-- The typed code of pyconfig_stanzas.lua holds spec text as its plain Lua string (the type
-- is known where it is generated): sh and literal of a string as such text, each string
-- computed once (the generated code reads these tables first, and calls only on a miss).
local quoted_text, literal_text = {}, {}
J.quoted_text, J.literal_text = quoted_text, literal_text
J.EMPTY = {}  -- a runtime's q or l when compile wrote none

function J.line_text(text)
  local found = literal_text[text]
  if not found then
    found = L(text)
    literal_text[text] = found
  end
  return found
end

-- A text with a blank or a parenthesis (a dependency with a version, pythonX.Ydist(...))
-- and no ' is what Q puts between single quotes, and literal() reads it a byte at a time:
-- L(Q(text)) is then the text's literal form (often made already, for a Requires: line)
-- between quotes, without Q's pattern search or a second one over the quoted copy.
local str_find = string.find
function J.sh_text(text)
  local found = quoted_text[text]
  if not found then
    if (str_find(text, " ", 1, true) or str_find(text, "(", 1, true)) and
       not str_find(text, "'", 1, true) then
      found = "'" .. (literal_text[text] or J.line_text(text)) .. "'"
    else
      found = L(Q(text))
    end
    quoted_text[text] = found
  end
  return found
end

-- a list of such text as J values, for the J functions
function J.specs(list)
  local out = {}
  for i = 1, #list do
    out[i] = J.spec(list[i])
  end
  return out
end

function J.sh_attr(object, name)
  return prepared(object, "q", name) or J.sh(J.attr(object, name))
end

function J.literal_attr(object, name)
  return prepared(object, "l", name) or J.literal(J.attr(object, name))
end

function J.at(text, runtime)
  if getmetatable(runtime) ~= RUNTIME then
    P.bail()
  end
  return P.evaluate(P.parse_expression(J.text(text)), runtime)
end

-- P.dist_requires's answer (shared: never changed) for a runtime and extra
-- (a stanza asks for the same lines once per runtime and extra: whether they are blank is
-- looked up, not searched again; a string is its own text)
local NO_REQUIREMENTS = {}
local blank_lines = {}  -- lines -> whether they name no requirement
local function dist_answer(lines, runtime, extra)
  if getmetatable(runtime) ~= RUNTIME then
    P.bail()
  end
  if type(lines) ~= "string" then
    lines = J.text(lines)
  end
  if extra ~= nil and type(extra) ~= "string" then
    extra = J.text(extra)
  end
  local blank = blank_lines[lines]
  if blank == nil then
    blank = str_find(lines, "^[\t\n ]*$") ~= nil
    blank_lines[lines] = blank
  end
  if blank then
    return NO_REQUIREMENTS  -- what P.dist_requires says, without loading that part
  end
  return P.dist_requires(lines, runtime, extra)
end

-- | dist_requirements: the same dependencies as plain values (printed with literal or sh)
function J.dist_requirements(lines, runtime, extra)
  local out = {}
  for i, dependency in ipairs(dist_answer(lines, runtime, extra)) do
    out[i] = dependency
  end
  return out
end

-- | dist_requires: the same as spec text for a tag line
function J.dist_requires(lines, runtime, extra)
  local out = {}
  for i, dependency in ipairs(J.dist_requirements(lines, runtime, extra)) do
    out[i] = J.literal(dependency)
  end
  return out
end

-- | dist_requires for the typed code: the spec text as strings, one list per answer
-- (runtimes of one version share it), never changed by the caller
local requires_text = {}
function J.dist_requires_text(lines, runtime, extra)
  local answer = dist_answer(lines, runtime, extra)
  local found = requires_text[answer]
  if not found then
    found = {}
    for i = 1, #answer do
      found[i] = J.line_text(answer[i])
    end
    requires_text[answer] = found
  end
  return found
end

-- rendering._each_once: the dependencies of every runtime's lists, each once, none of seen:
-- add_answer appends one list (P.dist_requires's answer, read in place) to found
local function add_answer(found, seen, lines, runtime, extra)
  local answer = dist_answer(lines, runtime, extra)
  for i = 1, #answer do
    local dependency = answer[i]
    if not seen[dependency] then
      seen[dependency] = true
      found[#found + 1] = dependency
    end
  end
end

-- rendering._build_dependencies: pip, build_requires, with compiled the headers
function J.build_dependencies(runtimes, build_requires, compiled)
  runtimes = J.list(runtimes)
  local found, seen = {}, {}
  local with_headers = J.truth(compiled)
  for i = 1, #runtimes do
    local rt = runtimes[i]
    local headers = J.attr(rt, "devel_requires")
    add_answer(found, seen, "pip", rt)
    add_answer(found, seen, build_requires, rt)
    if with_headers and headers ~= "" and not seen[headers] then
      seen[headers] = true
      found[#found + 1] = headers
    end
  end
  return found
end

-- rendering._check_dependencies: what %check needs besides built
function J.check_dependencies(runtimes, requires_dist, test_requires, test_extras, built)
  runtimes, test_extras, built = J.list(runtimes), J.list(test_extras), J.list(built)
  local found, seen = {}, {}
  for i = 1, #built do
    seen[built[i]] = true
  end
  for i = 1, #runtimes do
    local rt = runtimes[i]
    add_answer(found, seen, requires_dist, rt)
    add_answer(found, seen, test_requires, rt)
    for j = 1, #test_extras do
      add_answer(found, seen, requires_dist, rt, test_extras[j])
    end
  end
  return found
end

function J.canonical(value)
  local name = J.text(value)
  -- spectext.name: anything else is the tool's to refuse
  if not (name:match("^[A-Za-z0-9]$") or name:match("^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$")) then
    P.bail()
  end
  return J.spec(canonical(name))
end

-- rendering._provided_evr
function J.provided_evr(value)
  if J.truth(value) then
    return J.spec(L(trim_release(J.text(value))))
  end
  return J.spec("%\123?epoch:%\123epoch\125:\125%\123version\125")
end

function J.conf()
  P.bail()  -- embedded registries are for static specs (`spec --static`), rendered by Python
end

-- cli._selection_args: the selection options for the command %install runs later.
local function selection_args(o)
  local passed = {}
  for _, glob in ipairs(o.only) do
    passed[#passed + 1] = Q("--only=" .. glob)
  end
  for _, glob in ipairs(o.exclude) do
    passed[#passed + 1] = Q("--exclude=" .. glob)
  end
  if o.where then
    passed[#passed + 1] = Q("--where=" .. o.where)
  end
  return table.concat(passed, " ")
end

-- contexts.KINDS: how Value.convert makes each kind of value from its text (a string: the
-- macros' values and --set ones); each template's function converts the values it reads
-- (contexts.StanzaContext), and only those: no conversion can fail in Python, so leaving
-- the others out changes nothing but the time
local KINDS = {
  text = function(text) return text end,
  trimmed = function(text) return strip(plain(text)) end,
  words = words,
  items = function(text)
    local out = {}
    if text == "" then
      return out
    end
    plain(text)
    for item in (text .. ","):gmatch("([^,]*),") do
      item = strip(item)
      if item ~= "" then
        out[#out + 1] = item
      end
    end
    return out
  end,
  flag = function(text)
    text = strip(plain(text))
    return text ~= "" and text ~= "0"
  end,
}
J.kinds = KINDS
-- -- entry points: the text a macro prints, or bail ----------------------------------------

-- The options of `tool SELECT render TEMPLATE VALUES ARGS`: argparse lets the
-- subcommand's selection options replace the main ones; when both give the same kind,
-- the tool decides.
local function merged_options(select_text, args_text)
  local main = P.parse_options(P.shell_words(select_text), false)
  local sub = P.parse_options(P.shell_words(args_text), true)
  for _, key in ipairs({"only", "exclude", "where"}) do
    if main.order[key] and sub.order[key] then
      P.bail()
    end
    if sub.order[key] then
      main[key] = sub[key]
    end
  end
  main.values = sub.values
  return main
end

-- The options and runtimes of each selection and arguments already rendered: a spec's
-- stanzas usually all select the same (read only, never changed by a template).
local selections = {}

-- settings: {name = value} of %pyconfig_* settings (as macros.pyconfig passes with --set)
function P.render(template, select_text, args_text, settings)
  -- (the bytecode form loads some templates on first use: compiled._lazy_templates)
  local stanza = P.templates[template] or P["lazy_template_" .. template]
  if not stanza then
    P.bail()
  end
  local key = select_text .. "\0" .. args_text
  local selection = selections[key]
  if not selection then
    local o = merged_options(select_text, args_text)
    local runtimes = P.select(o)
    P.check_sharing(runtimes)
    selection = {o = o, runtimes = runtimes, args = selection_args(o)}
    selections[key] = selection
  end
  local runtimes = selection.runtimes
  -- (relies_on: only for a template that reads it)
  return stanza(settings, selection.o.values, runtimes,
                P.template_reads[template].relies_on and P.relies_on(runtimes), selection.args)
end

-- `tool SELECT --foreach --eval EXPR` (each=true) or `tool SELECT --eval EXPR`
--@lazy-group foreach
function P.foreach(select_text, expression, each)
  local o = P.parse_options(P.shell_words(select_text), false)
  local parts = P.parse_expression(expression)
  local chosen = P.select(o)
  if not each then
    local pick = chosen[1]
    for _, rt in ipairs(chosen) do
      if rt.t.default == "1" then
        pick = rt
        break
      end
    end
    chosen = {pick}
  end
  local out = {}
  for i, rt in ipairs(chosen) do
    out[i] = P.evaluate(parts, rt, E) .. "\n"
  end
  return table.concat(out)
end
--@lazy-group-end foreach

-- -- the macros' entry points (macros.pyconfig: %pyconfig_* call these) ------------------
--
-- Here, not in macros.pyconfig, whose text rpm reads on every run: its
-- %_pyconfig_lua_setup keeps only how the tool runs (the helpers group at the end).

-- The template values the spec sets (%pyconfig_name -> pkgname...): P.values, the
-- tool's own table (rpm_pyconfig/contexts.py), names each one and the macro text it is.
-- %pyconfig_name and %pyconfig_modules as macros.pyconfig defines them give the same text
-- computed here, without rpm compiling their Lua on each read (tests/test_macros.py)
local NAME_LUA = '%\123lua:print((string.gsub(rpm.expand("%\123name\125"), "^python%-", "")))\125'
local MODULES_LUA =
  '%\123lua:print((string.gsub(rpm.expand("%\123pyconfig_name\125"), "-", "_")))\125'
-- A body without % expands to itself: then the body read to compare is the value, and rpm
-- is not asked again (an empty one is: %\123?x\125 and %\123x\125 differ when x is undefined).
local function plain_body(body)
  return body ~= "" and not body:find("%", 1, true)
end
-- pyconfig_name as *ref* expands it (%\123?pyconfig_name\125 or %\123pyconfig_name\125)
local function name_value(ref)
  local body = rpm.expand("%\123?pyconfig_name:%\123macrobody:pyconfig_name\125\125")
  if body == NAME_LUA then
    return (string.gsub(rpm.expand("%\123name\125"), "^python%-", ""))
  elseif plain_body(body) then
    return body
  end
  return rpm.expand(ref)
end
local DEFAULTS = {
  ["%\123?pyconfig_name\125"] = function()
    return name_value("%\123?pyconfig_name\125")
  end,
  ["%\123?pyconfig_modules\125"] = function()
    local body = rpm.expand("%\123?pyconfig_modules:%\123macrobody:pyconfig_modules\125\125")
    if body == MODULES_LUA then
      return (string.gsub(name_value("%\123pyconfig_name\125"), "-", "_"))
    elseif plain_body(body) then
      return body
    end
    return rpm.expand("%\123?pyconfig_modules\125")
  end,
}
function P.setting(macro)
  local own = DEFAULTS[macro]
  if own then
    return own()
  end
  return rpm.expand(macro)
end
-- The settings of *wanted* (entries of P.values: P.template_values of a template, the
-- values it reads), or of every value with their order (the tool's --set words)
function P.settings(wanted)
  local values = {}
  if wanted then
    for i = 1, #wanted do
      local value = wanted[i]
      if value.macro then
        values[value.name] = P.setting(value.macro)
      end
    end
    return values
  end
  local order = {}
  for _, value in ipairs(P.values) do
    if value.macro then
      values[value.name] = P.setting(value.macro)
      order[#order + 1] = value.name
    end
  end
  return values, order
end
-- The evaluator gives up (P.bail) on what it does not handle exactly: the tool answers.
-- Any other Lua error is a bug of the evaluator, which must not hide behind the tool.
function P.unhandled(problem)
  if problem ~= P.BAIL then
    error("rpm-pyconfig: internal error in the Lua evaluator of the compiled registry " ..
          "(a bug, please report it): " .. tostring(problem), 0)
  end
end
-- extra: values of this call only ({test_args = ...} of %pyconfig_test); arguments: text,
-- or the words of rpm's arg table (the macros pass it: less Lua for rpm to compile)
local function stanza_text(template, arguments, extra)
  local selected = rpm.expand("%\123?pyconfig_select\125")
  local settings = P.settings(P.template_values[template] or {})
  for key, value in pairs(extra or {}) do
    settings[key] = value
  end
  local ok, text = pcall(P.render, template, selected, arguments, settings)
  if not ok then
    P.unhandled(text)
    local values, order = P.settings()
    local words = {}
    for _, key in ipairs(order) do
      words[#words + 1] = "--set " .. P.quote(key .. "=" .. values[key])
    end
    for key, value in pairs(extra or {}) do
      words[#words + 1] = "--set " .. P.quote(key .. "=" .. value)
    end
    text = P.run("render " .. template .. " " .. table.concat(words, " ") .. " " .. arguments)
  end
  return rpm.expand(text)
end
function P.stanza(template, arguments, extra)
  if type(arguments) == "table" then
    arguments = table.concat(arguments, " ")
  end
  -- no collector steps while it renders: what it allocates lives until the text is printed,
  -- and a step would only mark the evaluator's own objects again.  Resumed as it was
  -- before any error goes on (one stops this parse, not the process: rpm's Python
  -- bindings parse spec after spec in one)
  local collecting = collectgarbage("isrunning")
  collectgarbage("stop")
  local ok, text = pcall(stanza_text, template, arguments, extra)
  if collecting then
    collectgarbage("restart")
  end
  if not ok then
    error(text, 0)
  end
  print(text)
end
-- %pyconfig_test [OPTIONS] [-- TEST ARGUMENTS]: the words after -- go to the test command
-- (these two: a lazy group, compiled._split_lazy)
--@lazy-group each
function P.test(words)
  local options, passed, after = {}, {}, false
  for _, word in ipairs(words) do
    if after then
      passed[#passed + 1] = word
    elseif word == "--" then
      after = true
    else
      options[#options + 1] = word
    end
  end
  P.stanza("test", table.concat(options, " "), {test_args = table.concat(passed, " ")})
end
function P.each(expression, each)
  if type(expression) == "table" then  -- rpm's arg table (see P.stanza)
    expression = table.concat(expression, " ")
  end
  local ok, text = pcall(P.foreach, rpm.expand("%\123?pyconfig_select\125"), expression, each)
  if not ok then
    P.unhandled(text)
    text = P.run((each and "--foreach --eval=" or "--eval=") .. P.quote(expression))
  end
  print(rpm.expand(text))
end
--@lazy-group-end each

-- -- is the registry current? ------------------------------------------------------------

-- The *.conf names of *directory* as a set, and how many; nil when it cannot be listed.
-- (A set: comparing it with the recorded sorted list needs no sort, which cost more than
-- reading the files with 100 drop-ins.)
local function conf_names(directory)
  local ok, entries = pcall(posix.dir, directory)
  if not ok or entries == nil then
    return nil
  end
  local names, count = {}, 0
  for _, name in ipairs(entries) do
    -- a *.conf name that is not hidden (46: ".")
    if string.sub(name, -5) == ".conf" and byte_of(name) ~= 46 and not names[name] then
      names[name] = true
      count = count + 1
    end
  end
  return names, count
end

-- The same device and inode: /dev/null (a masked drop-in) is read as empty.
local function is_null_device(path)
  local dev, ino = posix.stat(path, "dev"), posix.stat(path, "ino")
  return dev ~= nil and dev == posix.stat("/dev/null", "dev") and
         ino == posix.stat("/dev/null", "ino")
end

-- A file's bytes, as the registry reads them: only a regular file is opened (io.open
-- would block on a FIFO and read a device forever), /dev/null is empty, the rest nil.
local function read_file(path)
  local kind = posix.stat(path, "type")
  if kind ~= "regular" then
    if kind == "character device" and is_null_device(path) then
      return ""
    end
    return nil
  end
  local file = io.open(path, "rb")
  if not file then
    return nil
  end
  local ok, data = pcall(file.read, file, "a")
  file:close()
  if not ok then
    return nil
  end
  return data
end
P.read_file = read_file

-- Whether the drop-in files and RPM_PYCONFIG_PATH are what the registry was compiled from:
-- the same search path, the same *.conf names in every directory, the same bytes in each
-- file that counts, and the engine's files as they were (compiled.engine_files()).  No
-- process is started.
function P.current()
  local R = P.registry
  if not R then
    return false
  end
  -- the engine's Lua files first: when they are unchanged, a fallback reuses the evaluator
  -- loaded here (compiled.fallback_chunk() compares P.engine_current with its own files)
  P.engine_current = nil
  for path, recorded in pairs(R.stats or {}) do
    if not recorded or posix.stat(path, "size") ~= recorded.size or
       posix.stat(path, "mtime") ~= recorded.mtime then
      return false
    end
  end
  -- (their paths, sorted and joined by compile: the same every parse)
  P.engine_current = R.engine_current
  local dirs = {}
  for entry in (os.getenv("RPM_PYCONFIG_PATH") or ""):gmatch("[^:]+") do
    dirs[#dirs + 1] = entry
  end
  if #dirs == 0 then
    dirs = R.default_path
  end
  if #dirs ~= #R.dirs then
    return false
  end
  for i, directory in ipairs(R.dirs) do
    if dirs[i] ~= directory.path then
      return false
    end
    local names, count = conf_names(directory.path)
    if (names == nil) ~= (directory.names == false) then
      return false
    end
    if names then
      if count ~= #directory.names then
        return false
      end
      for _, name in ipairs(directory.names) do
        if not names[name] then
          return false
        end
      end
    end
  end
  for path, content in pairs(R.files) do
    if read_file(path) ~= content then
      return false
    end
  end
  return true
end

-- -- the macros' helpers: loading the registry when the compiled one is not current -----
--
-- %_pyconfig_lua_load calls P.load when the compiled registry (its chunk ends with the
-- check) is stale, or missing and the evaluator came from %_pyconfig_engine.  How the
-- tool runs (P.run_command, P.fallback_command, P.bootstrap: the fallback's one call) is
-- %_pyconfig_lua_setup of macros.pyconfig, which also loads the evaluator when nothing
-- else did: expanded here only when a parse needs the tool.
--@lazy-group helpers
local function tool_helpers()
  if not P.bootstrap then
    rpm.expand("%\123?_pyconfig_lua_setup\125")
    if not P.bootstrap then  -- a macros.pyconfig older than this evaluator
      error("rpm-pyconfig: the macros file (macros.pyconfig) defines no %_pyconfig_lua_setup " ..
            "with pyconfig.bootstrap: it is of another version than this evaluator", 0)
    end
  end
end
function P.quote(text)
  return "'" .. string.gsub(text, "'", "'\\''") .. "'"
end
function P.run(arguments)
  tool_helpers()
  return P.run_command(rpm.expand("%\123pyconfig_tool\125 %\123?pyconfig_select\125") ..
                       " " .. arguments)
end
-- The registry for this parse: the compiled one when current (its chunk checked that as
-- it loaded: P.stale), else the tool's answer (one process).
function P.load()
  if rpm.expand("%\123?_pyconfig_compiled:1\125") == "1" then
    if not P.registry then
      rpm.expand("%\123_pyconfig_compiled\125")
    end
    if P.registry ~= nil and P.stale == false then
      return
    end
  end
  tool_helpers()
  P.bootstrap()
end
--@lazy-group-end helpers
