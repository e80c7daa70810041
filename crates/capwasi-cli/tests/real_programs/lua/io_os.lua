-- Lua 5.4 under capwasi: files, os functions, string functions and errors caught by pcall
-- (setjmp/longjmp, lowered to wasm exceptions). Run with the test's tempdir as /work and
-- CAPWASI_GREETING set; every line printed is checked exactly.

print(_VERSION, #arg, arg[0])

-- Write a file, append to it, read it back three ways.
local path = "/work/notes.txt"
local f = assert(io.open(path, "w"))
f:write("alpha 1\n", "beta 22\n")
f:write(string.format("%s %d\n", "gamma", 333))
assert(f:close())
f = assert(io.open(path, "a"))
f:write("delta 4444\n")
f:close()

f = assert(io.open(path, "r"))
local all = f:read("a")
print("bytes", #all, "seek end", f:seek("end"), "seek set 6", f:seek("set", 6))
print("read after seek", f:read("l"))
f:close()

local total, names = 0, {}
for name, n in string.gmatch(all, "(%a+) (%d+)") do
  total = total + tonumber(n)
  names[#names + 1] = name:upper()
end
print("names", table.concat(names, ","), "total", total)

local count = 0
for line in io.lines(path) do count = count + 1 end
print("lines", count)

-- os: time, clock, getenv, rename, remove.
local now = os.time()
print("time is recent", now > 1700000000, "clock", type(os.clock()), os.clock() >= 0)
print("date of 0", os.date("!%Y-%m-%d %H:%M:%S", 0), "difftime", os.difftime(now + 90, now))
print("time of a date", os.time({year = 2000, month = 1, day = 1, hour = 12}) - os.time({year = 2000, month = 1, day = 1, hour = 0}))
print("getenv", os.getenv("CAPWASI_GREETING"), os.getenv("CAPWASI_SURELY_UNSET"))
assert(os.rename(path, "/work/renamed.txt"))
print("old name opens", io.open(path) ~= nil, "new name opens", io.open("/work/renamed.txt") ~= nil)
local out = assert(io.open("/work/out.txt", "w"))
out:write(string.rep("xy", 5), "\n")
out:close()
local scratch = assert(io.open("/work/scratch.txt", "w"))
scratch:write("temporary")
scratch:close()
print("remove", os.remove("/work/scratch.txt"))
local ok, msg, code = os.remove("/work/scratch.txt")
print("remove again", ok, msg, code)
print("open missing", io.open("/work/missing.txt"))
print("escape the preopen", io.open("/work/../etc/passwd"))

-- Strings.
local s = "The quick brown fox"
print(s:len(), s:upper(), s:lower():reverse())
print(s:match("(%a+) fox"), (s:gsub("o", "0")), s:find("quick"))
print(string.format("%5.2f|%-4d|%q|%x", math.pi, 42, "a\nb", 255))
print(("%d words"):format(select(2, s:gsub("%S+", ""))), utf8.char(72, 228, 8364), utf8.len("Hä€"))
local packed = string.pack(">I4 z", 0xDEADBEEF, "end")
print(#packed, string.unpack(">I4 z", packed))

-- Errors: error() with strings, tables and levels; nested pcall; xpcall with a handler;
-- errors raised inside C functions and coroutines. Each unwinds with longjmp.
print(pcall(error, "plain"))
print(pcall(function() error("with position") end))
print(pcall(function() error({code = 7}) end) == false, select(2, pcall(error, {code = 7})).code)
print(pcall(function() local t = nil; return t.field end))
print(xpcall(function() error("deep", 0) end, function(m) return "handled: " .. m end))
print(pcall(function()
  local ok, inner = pcall(error, "inner")
  error("outer after " .. tostring(inner), 0)
end))
print(pcall(string.rep))
print(pcall(string.rep, "x", 1 << 40))
local co = coroutine.create(function(a) local b = coroutine.yield(a + 1); error("in coroutine " .. b, 0) end)
print(coroutine.resume(co, 1))
print(coroutine.resume(co, "two"))
print(coroutine.status(co))
local depth = 0
local function recurse() depth = depth + 1; return 1 + recurse() end
local overflow_ok, overflow = pcall(recurse)
print("stack overflow caught", overflow_ok, overflow:match("stack overflow") ~= nil, depth > 1000)
local sum = 0
for i = 1, 2000 do
  local ok = pcall(error, i)
  if not ok then sum = sum + i end
end
print("2000 errors caught, sum", sum)

-- What WASI lacks fails like Lua says, and does not crash.
print("tmpfile", io.tmpfile())
print("execute", os.execute("true"), "shell?", os.execute())
print("done")
