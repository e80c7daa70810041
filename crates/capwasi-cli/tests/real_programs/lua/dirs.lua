-- One host directory granted three times (/a, /b, and /c read-only) and a host tempdir
-- granted as /tmp.
local function slurp(path)
  local f, err = io.open(path)
  if not f then return "error: " .. err end
  local text = f:read("a")
  f:close()
  return text
end

local f = assert(io.open("/a/shared.txt", "w"))
f:write("written via /a\n")
f:close()
print("read via /b:", slurp("/b/shared.txt"))
assert(os.rename("/b/shared.txt", "/b/moved.txt"))
print("after rename via /b, /a/shared.txt:", slurp("/a/shared.txt"))
print("after rename via /b, /a/moved.txt:", slurp("/a/moved.txt"))
f = assert(io.open("/a/moved.txt", "a"))
f:write("appended via /a\n")
f:close()
print("read via /b:", slurp("/b/moved.txt"))
print("read via /c:", slurp("/c/moved.txt"))
print("write via /c:", io.open("/c/moved.txt", "a"))
print("rename from /c:", os.rename("/c/moved.txt", "/a/other.txt"))

f = assert(io.open("/tmp/scratch.txt", "w"))
f:write(string.rep("t", 1000))
f:close()
print("tmp size", #slurp("/tmp/scratch.txt"))
assert(os.rename("/tmp/scratch.txt", "/tmp/kept.txt"))
local g = assert(io.open("/tmp/gone.txt", "w"))
g:write("x")
g:close()
print("remove /tmp/gone.txt", os.remove("/tmp/gone.txt"))
print("done")
