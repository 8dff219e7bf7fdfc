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
local function byte_less(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = a:byte(i), b:byte(i)
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
          set[#set + 1] = literal(a) .. "-" .. literal(b)
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
-- on the first call of a P function they define (compiled.py: a spec without --where or
-- requirements never loads them).  So they reach what is above only through its top-level
-- locals, and what is below reaches them only through P.
--@lazy-begin

-- -- versions (PEP 440), for --where and markers ------------------------------------------

local PRE = {alpha = "a", a = "a", beta = "b", b = "b", preview = "rc", pre = "rc", c = "rc",
             rc = "rc"}
local PRE_WORDS = {"alpha", "a", "beta", "b", "preview", "pre", "c", "rc"}
local POST_WORDS = {"post", "rev", "r"}

-- A version as {epoch, release = {...}, pre = {letter, n} | nil, post = n | nil,
-- dev = n | nil}; nil when *text* is not one of the forms handled here (no local part, no
-- leading v, no surrounding spaces).
local parse_version_uncached
local versions_seen = {}
local function parse_version(text)
  local v = versions_seen[text]
  if v == nil then
    if text:find("^%d+[%.%d]*$") and not text:find("..", 1, true) and
       text:sub(-1) ~= "." then
      -- release numbers only (3.11.2, a runtime's version): the common case, in one pass
      v = {epoch = 0, release = {}}
      for digits in text:gmatch("%d+") do
        v.release[#v.release + 1] = number(digits)
      end
    else
      v = parse_version_uncached(text) or false
    end
    versions_seen[text] = v
  end
  return v or nil
end

parse_version_uncached = function(text)
  local s = text:lower()
  local pos = 1
  local v = {epoch = 0, release = {}}
  local epoch, after = s:match("^(%d+)!()", pos)
  if epoch then
    v.epoch = number(epoch)
    pos = after
  end
  local first, after1 = s:match("^(%d+)()", pos)
  if not first then
    return nil
  end
  v.release[1] = number(first)
  pos = after1
  while true do
    local part, after2 = s:match("^%.(%d+)()", pos)
    if not part then
      break
    end
    v.release[#v.release + 1] = number(part)
    pos = after2
  end
  local function suffix(words_list)
    if pos > #s then
      return nil  -- nothing left (the common case): no word can follow
    end
    local sep = s:match("^[-_.]?", pos)
    for _, word in ipairs(words_list) do
      if s:sub(pos + #sep, pos + #sep + #word - 1) == word then
        local p = pos + #sep + #word
        local sep2 = s:match("^[-_.]?", p)
        local digits = s:match("^%d*", p + #sep2)
        if digits == "" then
          sep2 = ""
        end
        return word, digits, p + #sep2 + #digits
      end
    end
  end
  local word, digits, nextpos = suffix(PRE_WORDS)
  if word then
    v.pre = {PRE[word], digits == "" and 0 or number(digits)}
    pos = nextpos
  end
  local implicit, after3 = s:match("^%-(%d+)()", pos)
  if implicit then
    v.post = number(implicit)
    pos = after3
  else
    word, digits, nextpos = suffix(POST_WORDS)
    if word then
      v.post = digits == "" and 0 or number(digits)
      pos = nextpos
    end
  end
  word, digits, nextpos = suffix({"dev"})
  if word then
    v.dev = digits == "" and 0 or number(digits)
    pos = nextpos
  end
  if pos <= #s then
    return nil
  end
  return v
end
P.parse_version = parse_version

-- packaging's _cmpkey, as a list of numbers compared in order.
local PRE_RANK = {a = 0, b = 1, rc = 2}
local function compare(a, b)
  if a.epoch ~= b.epoch then
    return a.epoch < b.epoch and -1 or 1
  end
  local ra, rb = a.release, b.release  -- missing parts count as 0: 3.11 == 3.11.0
  for i = 1, math.max(#ra, #rb) do
    local x, y = ra[i] or 0, rb[i] or 0
    if x ~= y then
      return x < y and -1 or 1
    end
  end
  local function pre_key(v)
    if not v.pre and not v.post and v.dev then
      return -1, 0
    end
    if not v.pre then
      return 9, 0
    end
    return PRE_RANK[v.pre[1]], v.pre[2]
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
  for i = 1, math.max(#a.release, #b.release) do
    if (a.release[i] or 0) ~= (b.release[i] or 0) then
      return false
    end
  end
  return true
end

-- Specifier(op .. text).contains(candidate, prereleases=True) for the forms handled here;
-- bail when the specifier is not one (the tool decides what it means).
local function specifier_contains(op, text, candidate)
  local wildcard = text:match("^(%d+[%.%d]*)%.%*$")
  if wildcard then
    if (op ~= "==" and op ~= "!=") or wildcard:find("%.%.") or wildcard:find("%.$") then
      P.bail()
    end
    local prefix = parse_version(wildcard)
    if candidate.epoch ~= 0 then
      return op == "!="
    end
    local match = true
    for i, part in ipairs(prefix.release) do
      if (candidate.release[i] or 0) ~= part then
        match = false
      end
    end
    -- packaging pads the candidate's release, then compares its pre/post/dev too only when
    -- the prefix has them (it never has here).
    if op == "==" then
      return match
    end
    return not match
  end
  if op == "===" then
    P.bail()
  end
  local spec = text:find("^%d") and parse_version(text)
  if not spec then
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
    if not is_prerelease(spec) and is_prerelease(candidate) and base_equal(candidate, spec) then
      return false
    end
    return true
  elseif op == ">" then
    if c <= 0 then
      return false
    end
    if not spec.post and candidate.post and base_equal(candidate, spec) then
      return false
    end
    return true
  elseif op == "~=" then
    if #spec.release < 2 or spec.epoch ~= 0 then
      P.bail()
    end
    if c < 0 then
      return false
    end
    for i = 1, #spec.release - 1 do
      if (candidate.release[i] or 0) ~= spec.release[i] then
        return false
      end
    end
    return true
  end
  P.bail()
end

-- -- --where conditions (rpm_pyconfig.condition) ----------------------------------------

-- Tokens of a condition or marker: {kind, text}; kinds: ( ) str op and or not in var
local function lex(source)
  local out, pos = {}, 1
  while true do
    pos = source:match("^[ \t\n]*()", pos)
    if pos > #source then
      break
    end
    local c = source:sub(pos, pos)
    if c == "(" or c == ")" then
      out[#out + 1] = {c, c}
      pos = pos + 1
    elseif c == "'" or c == '"' then
      local close = source:find(c, pos + 1, true)
      if not close then
        P.bail()
      end
      out[#out + 1] = {"str", source:sub(pos + 1, close - 1)}
      pos = close + 1
    else
      local op = source:match("^===", pos) or source:match("^[=~!<>]=", pos) or
                 source:match("^[<>]", pos)
      if op then
        out[#out + 1] = {"op", op}
        pos = pos + #op
      else
        local word = source:match("^[A-Za-z_][A-Za-z0-9_.]*", pos)
        if not word then
          P.bail()
        end
        if word == "and" or word == "or" or word == "not" or word == "in" then
          out[#out + 1] = {word, word}
        else
          out[#out + 1] = {"var", word}
        end
        pos = pos + #word
      end
    end
  end
  return out
end

-- A recursive-descent parser shared by conditions and markers: *comparison(l, op, r)*
-- gives the test of one comparison (a function of the environment); *eager*: see series.
local function parse_logic(source, comparison, eager)
  local toks = lex(source)
  local i = 1
  local function peek()
    return toks[i] and toks[i][1]
  end
  local parse_or
  local function atom()
    if peek() == "(" then
      i = i + 1
      local inner = parse_or()
      if peek() ~= ")" then
        P.bail()
      end
      i = i + 1
      return inner
    end
    local left = toks[i]
    if not left or (left[1] ~= "var" and left[1] ~= "str") then
      P.bail()
    end
    i = i + 1
    local op
    if peek() == "op" or peek() == "in" then
      op = toks[i][2]
      i = i + 1
    elseif peek() == "not" and toks[i + 1] and toks[i + 1][1] == "in" then
      op = "not in"
      i = i + 2
    else
      P.bail()
    end
    local right = toks[i]
    if not right or (right[1] ~= "var" and right[1] ~= "str") then
      P.bail()
    end
    i = i + 1
    return comparison(left, op, right)
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
  local function parse_and()
    local tests = {atom()}
    while peek() == "and" do
      i = i + 1
      tests[#tests + 1] = atom()
    end
    return series(tests, false)
  end
  parse_or = function()
    local tests = {parse_and()}
    while peek() == "or" do
      i = i + 1
      tests[#tests + 1] = parse_and()
    end
    return series(tests, true)
  end
  local test = parse_or()
  if i <= #toks then
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
    local found = haystack:find(needle, 1, true) ~= nil
    if op == "in" then
      return found
    end
    return not found
  end
end

-- The simple versions --where compares: release numbers and an a/b/rc pre-release.
local function where_version(text)
  local v = parse_version(text)
  if not v or v.post or v.dev or v.epoch ~= 0 or not text:match("^%d[%d.]*%l*%d*$") then
    return nil
  end
  return v
end

function P.parse_where(source)
  local kinds = P.registry.where_kinds
  return parse_logic(source, function(left, op, right)
    if (left[1] == "var") == (right[1] == "var") then
      P.bail()
    end
    local variable, literal = left, right
    if left[1] ~= "var" then
      variable, literal = right, left
    end
    local name = variable[2]:gsub("%.", "_")
    if name == "python_implementation" then  -- packaging's legacy spelling
      name = "platform_python_implementation"
    end
    local kind = kinds[name]
    if not kind then
      P.bail()
    end
    local value = literal[2]
    if op == "in" or op == "not in" or (kind ~= "version" and (op == "==" or op == "!=")) then
      if kind == "bool" and (op == "==" or op == "!=") and value ~= "true" and value ~= "false" then
        P.bail()
      end
      return string_test(op, left == variable, name, value)
    end
    if kind ~= "version" then
      P.bail()
    end
    if op == "===" then  -- PEP 440 arbitrary equality: the strings, ignoring case
      if value:find("[\128-\255]") then
        P.bail()
      end
      if left == literal then
        local lowered = value:lower()
        return function(env)
          return lowered == strip(env[name]):lower()
        end
      end
      local arbitrary = value:match("^%s*([^%s;)]*)%s*$")
      if not arbitrary then
        P.bail()
      end
      arbitrary = arbitrary:lower()
      return function(env)
        return env[name]:lower() == arbitrary
      end
    end
    local spec_text, candidate_of
    if right == literal then
      if not where_version(value) and not value:match("^%d[%d.]*%.%*$") then
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
  end)
end

-- -- PEP 508 markers (packaging.markers, as rpm_pyconfig.dependencies calls it) ----------

local MARKER_VERSION_KEYS = {python_version = true, python_full_version = true,
                             implementation_version = true}
local MARKER_KEYS = {python_version = true, python_full_version = true,
                     implementation_version = true, implementation_name = true,
                     platform_python_implementation = true, os_name = true,
                     sys_platform = true, platform_system = true, platform_machine = true,
                     extra = true}

local function marker_comparison(left, op, right)
  local lvar, rvar = left[1] == "var", right[1] == "var"
  if (lvar and not MARKER_KEYS[left[2]]) or (rvar and not MARKER_KEYS[right[2]]) or
     (lvar and rvar) or (not lvar and not rvar) then
    P.bail()
  end
  local key = lvar and left[2] or right[2]
  local literal = lvar and right[2] or left[2]
  if key == "extra" then
    if op ~= "==" and op ~= "!=" then
      P.bail()  -- packaging releases disagree on normalising other comparisons
    end
    literal = canonical(literal)
  end
  -- The answer is a function of the variable's value: runtimes of one version (and every
  -- extra's environment of one runtime) share it.  A bail is raised again each time.
  local answers = {}
  local function answer(value)
    local lhs, rhs
    if lvar then
      lhs, rhs = value, literal
    else
      lhs, rhs = literal, value
    end
    if MARKER_VERSION_KEYS[key] and op ~= "in" and op ~= "not in" then
      if op == "===" or rhs:find("%s") then
        P.bail()
      end
      local candidate = parse_version(lhs)
      local wildcard = rhs:match("^%d[%d.]*%.%*$")
      local spec = parse_version(rhs)
      if not candidate or (not spec and not wildcard) or not rhs:find("^%d") or
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
      return rhs:find(lhs, 1, true) ~= nil
    elseif op == "not in" then
      return rhs:find(lhs, 1, true) == nil
    end
    -- ordering of names and ~=/=== on them: packaging versions disagree; the tool decides
    P.bail()
  end
  return function(env)
    local value = env[key]
    if value == nil then
      return answer(value)
    end
    local found = answers[value]
    if found == nil then
      found = answer(value)
      answers[value] = found
    end
    return found
  end
end

function P.parse_marker(source)
  return parse_logic(source, marker_comparison, true)
end

function P.marker_environment(runtime, extra)
  extra = extra or ""
  runtime.environments = runtime.environments or {}
  local env = runtime.environments[extra]
  if not env then
    env = P.new_marker_environment(runtime, extra)
    runtime.environments[extra] = env
  end
  return env
end

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

local RANK = {[">="] = 0, [">"] = 1, ["~="] = 2, ["=="] = 3, ["==="] = 4, ["!="] = 5,
              ["<="] = 6, ["<"] = 7}

local function dependency_version(v)
  local text = release_string(v.release, true)
  if v.pre then
    text = text .. "~" .. v.pre[1] .. string.format("%d", v.pre[2])
  end
  if v.post then
    text = text .. "^post" .. string.format("%d", v.post)
  end
  if v.dev then
    text = text .. "~~dev" .. string.format("%d", v.dev)
  end
  if v.epoch ~= 0 then
    text = string.format("%d", v.epoch) .. ":" .. text
  end
  return text
end

local function evr(epoch, release)
  local text = release_string(release, true)
  if epoch ~= 0 then
    return string.format("%d", epoch) .. ":" .. text
  end
  return text
end

local function bump(release)
  local out = {}
  for i, n in ipairs(release) do
    out[i] = n
  end
  out[#out] = out[#out] + 1
  return out
end

local function convert(name, op, text)
  if op == "===" then
    P.bail()
  end
  local wildcard = text:match("^(.*)%.%*$")
  if wildcard then
    local prefix = parse_version(wildcard)
    if not prefix or prefix.pre or prefix.post or prefix.dev or (op ~= "==" and op ~= "!=") then
      P.bail()
    end
    local lower, upper = evr(prefix.epoch, prefix.release), evr(prefix.epoch, bump(prefix.release))
    if op == "==" then
      return {name .. " >= " .. lower, name .. " < " .. upper}
    end
    return {"(" .. name .. " < " .. lower .. " or " .. name .. " >= " .. upper .. ")"}
  end
  local v = parse_version(text)
  local version = dependency_version(v)
  if op == "~=" then
    local head = {}
    for i = 1, #v.release - 1 do
      head[i] = v.release[i]
    end
    return {name .. " >= " .. version, name .. " < " .. evr(v.epoch, bump(head))}
  elseif op == "==" then
    return {name .. " = " .. version}
  elseif op == "!=" then
    return {"(" .. name .. " < " .. version .. " or " .. name .. " > " .. version .. ")"}
  elseif op == "<" then
    if is_prerelease(v) then
      return {name .. " < " .. version}
    end
    return {name .. " < " .. version .. "~~"}
  elseif op == ">" then
    if not v.post and not v.dev then
      return {name .. " > " .. version .. ".0"}
    end
    return {name .. " > " .. version}
  end
  return {name .. " " .. op .. " " .. version}
end

-- One requirement line: {name, extras = {...}, specs = {{op, version}...}, marker = test|nil}
function P.parse_requirement(line)
  local name, pos = line:match("^([A-Za-z0-9][A-Za-z0-9._-]*)()")
  if not name or name:find("[._-]$") then
    P.bail()
  end
  local req = {name = name, extras = {}, specs = {}}
  pos = line:match("^[ \t]*()", pos)
  if line:sub(pos, pos) == "[" then
    local close = line:find("]", pos, true)
    if not close then
      P.bail()
    end
    local body = line:sub(pos + 1, close - 1)
    if not body:match("^[ \t]*$") then
      for item in (body .. ","):gmatch("([^,]*),") do
        local extra = item:match("^[ \t]*([A-Za-z0-9][A-Za-z0-9._-]*)[ \t]*$")
        if not extra or extra:find("[._-]$") then
          P.bail()
        end
        req.extras[#req.extras + 1] = extra
      end
    end
    pos = line:match("^[ \t]*()", close + 1)
  end
  local rest = line:sub(pos)
  local spec_text, marker_text = rest, nil
  local semicolon = rest:find(";", 1, true)
  if semicolon then
    spec_text, marker_text = rest:sub(1, semicolon - 1), rest:sub(semicolon + 1)
  end
  spec_text = strip(spec_text)
  if spec_text:sub(1, 1) == "(" then
    if spec_text:sub(-1) ~= ")" then
      P.bail()
    end
    spec_text = strip(spec_text:sub(2, -2))
  end
  if spec_text ~= "" then
    for item in (spec_text .. ","):gmatch("([^,]*),") do
      local op, version = item:match("^[ \t]*([=~!<>]=?=?)[ \t]*([A-Za-z0-9.!*_-]+)[ \t]*$")
      if not op or not RANK[op] or op == "===" then
        P.bail()
      end
      local wildcard = version:match("^(.*)%.%*$")
      local v = parse_version(wildcard or version)
      if not v or not version:find("^%d") or (wildcard and op ~= "==" and op ~= "!=") or
         (op == "~=" and #v.release < 2) or version:find("%*", 1, true) and not wildcard then
        P.bail()
      end
      req.specs[#req.specs + 1] = {op, version, v}
    end
  end
  if marker_text then
    if strip(marker_text) == "" then
      P.bail()
    end
    req.marker = P.parse_marker(marker_text)
  end
  return req
end

local function specifier_dependency(name, specs)
  local order = {}
  for i, spec in ipairs(specs) do
    order[i] = {spec, i}
  end
  table.sort(order, function(a, b)
    local c = compare(a[1][3], b[1][3])
    if c ~= 0 then
      return c < 0
    end
    if RANK[a[1][1]] ~= RANK[b[1][1]] then
      return RANK[a[1][1]] < RANK[b[1][1]]
    end
    return a[2] < b[2]
  end)
  -- Equal keys: Python's order is that of a set; the same text is fine, anything else is not.
  for i = 2, #order do
    local a, b = order[i - 1][1], order[i][1]
    if compare(a[3], b[3]) == 0 and a[1] == b[1] and a[2] ~= b[2] then
      P.bail()
    end
  end
  local terms, seen = {}, {}
  for _, entry in ipairs(order) do
    for _, term in ipairs(convert(name, entry[1][1], entry[1][2])) do
      if not seen[term] then
        seen[term] = true
        terms[#terms + 1] = term
      end
    end
  end
  if #terms == 0 then
    return name
  elseif #terms == 1 then
    return terms[1]
  end
  return "(" .. table.concat(terms, " with ") .. ")"
end

-- The requirements of *lines* (one per line, blank and # lines skipped), parsed once.
local function requirements_of(lines)
  P._requirements = P._requirements or {}
  local found = P._requirements[lines]
  if found then
    return found
  end
  plain(lines)
  found = {}
  for line in (lines .. "\n"):gmatch("([^\n]*)\n") do
    line = strip(line)
    if line ~= "" and line:sub(1, 1) ~= "#" then
      local req = P.parse_requirement(line)
      local extras = {}
      for _, e in ipairs(req.extras) do
        extras[#extras + 1] = canonical(e)
      end
      req.extras = sorted_unique(extras)
      req.dependencies = {}  -- dist prefix -> its rpm dependencies
      found[#found + 1] = req
    end
  end
  P._requirements[lines] = found
  return found
end

-- The dependencies of *req* as text around the dist prefix, which differs by runtime:
-- {pieces, ...} with the prefix between the pieces (NUL stands for it while converting).
local function dependency_pieces(req)
  local out = {}
  local name = "\0dist(" .. canonical(req.name)
  local names = {}
  if #req.extras > 0 then
    for _, e in ipairs(req.extras) do
      names[#names + 1] = name .. "[" .. e .. "])"
    end
  else
    names[1] = name .. ")"
  end
  for i, dist in ipairs(names) do
    local pieces = {}
    for piece in (specifier_dependency(dist, req.specs) .. "\0"):gmatch("([^%z]*)%z") do
      pieces[#pieces + 1] = piece
    end
    out[i] = pieces
  end
  return out
end

local function requirement_dependencies(req, prefix)
  local deps = req.dependencies[prefix]
  if deps then
    return deps
  end
  req.pieces = req.pieces or dependency_pieces(req)
  deps = {}
  for i, pieces in ipairs(req.pieces) do
    deps[i] = table.concat(pieces, prefix)
  end
  req.dependencies[prefix] = deps
  return deps
end

-- dependencies.requires_prefix: versioned_dist_prefix, plus t for a free-threaded build
local function requires_prefix(t)
  local prefix = t.versioned_dist_prefix
  if t.free_threaded == "1" and prefix:sub(-1) ~= "t" then
    prefix = prefix .. "t"
  end
  return prefix
end

-- rendering._dist_requires: sorted rpm dependencies of PEP 508 *lines* for one runtime.
local requires_seen = {}  -- lines -> key of the runtime and extra -> answer
function P.dist_requires(lines, runtime, extra)
  -- a pure function of these: runtimes of one version and implementation share the answer
  local t = runtime.t
  local key = runtime.requires_key  -- the runtime's part, once per runtime
  if not key then
    key = table.concat({requires_prefix(t), t.implementation, t.version, t.short_version,
                        t.platform_python_implementation}, "\1")
    runtime.requires_key = key
  end
  key = (extra or "\0") .. "\1" .. key
  local seen = requires_seen[lines]
  if not seen then
    seen = {}
    requires_seen[lines] = seen
  end
  local found = seen[key]
  if not found then
    found = P.dist_requires_uncached(lines, runtime, extra)
    seen[key] = found
  end
  return found
end

function P.dist_requires_uncached(lines, runtime, extra)
  local requirements = requirements_of(lines)
  if #requirements == 0 then
    return {}
  end
  local wanted = extra and canonical(extra)
  local base_env = P.marker_environment(runtime, "")
  local extra_env = wanted and P.marker_environment(runtime, wanted) or base_env
  local found = {}
  for _, req in ipairs(requirements) do
    local selected
    if not req.marker then
      selected = wanted == nil
    else
      local in_base = req.marker(base_env)
      if wanted == nil then
        selected = in_base
      else
        selected = not in_base and req.marker(extra_env)
      end
    end
    if selected then
      for _, dep in ipairs(requirement_dependencies(req, requires_prefix(runtime.t))) do
        found[#found + 1] = dep
      end
    end
  end
  if #found < 2 then
    return found
  end
  return sorted_unique(found)
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

function J.sh_text(text)
  local found = quoted_text[text]
  if not found then
    found = L(Q(text))
    quoted_text[text] = found
  end
  return found
end

function J.line_text(text)
  local found = literal_text[text]
  if not found then
    found = L(text)
    literal_text[text] = found
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
local NO_REQUIREMENTS = {}
local function dist_answer(lines, runtime, extra)
  if getmetatable(runtime) ~= RUNTIME then
    P.bail()
  end
  local text, wanted = J.text(lines), extra ~= nil and J.text(extra) or nil
  if text:find("^[\t\n ]*$") then
    return NO_REQUIREMENTS  -- what P.dist_requires says, without loading that part
  end
  return P.dist_requires(text, runtime, wanted)
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
-- Here, not in %_pyconfig_lua_setup, which rpm reads from macros.pyconfig on every run:
-- that macro keeps only what loads this file (P.load and the fallback's P.run...).

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
-- rpm's collector stays paused after the compiled registry's load (compiled._checked_load
-- sets P.gc_paused: Lua's memory then, in kB) until the parse has allocated 16 MB more: a
-- collection cycle walks the whole evaluator, which lives to the parse's end anyway, and
-- finds next to nothing to free (a spec's parse allocates a few hundred kB in all).
function P.collector()
  local paused = P.gc_paused
  if paused and collectgarbage("count") > paused + 16384 then
    P.gc_paused = nil
    collectgarbage("restart")
  end
end
-- extra: values of this call only ({test_args = ...} of %pyconfig_test); arguments: text,
-- or the words of rpm's arg table (the macros pass it: less Lua for rpm to compile)
function P.stanza(template, arguments, extra)
  P.collector()
  if type(arguments) == "table" then
    arguments = table.concat(arguments, " ")
  end
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
  print(rpm.expand(text))
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
  P.collector()
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
    if name:sub(-5) == ".conf" and name:sub(1, 1) ~= "." and not names[name] then
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
  local engine = {}
  for path, recorded in pairs(R.stats or {}) do
    if not recorded or posix.stat(path, "size") ~= recorded.size or
       posix.stat(path, "mtime") ~= recorded.mtime then
      return false
    end
    engine[#engine + 1] = path
  end
  table.sort(engine, byte_less)
  P.engine_current = table.concat(engine, "\n")
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
