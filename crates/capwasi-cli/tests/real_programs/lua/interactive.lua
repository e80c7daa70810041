-- Answers each line of stdin as it arrives: the test writes the next line only after it has
-- read the answer to the previous one, so this only finishes if stdin is streamed.
io.write("ready\n")
io.stdout:flush()
local n = 0
for line in io.lines() do
  n = n + 1
  if line == "quit" then break end
  io.write(string.format("%d: %s (%d bytes)\n", n, line:upper(), #line))
  io.stdout:flush()
end
io.write("bye after ", n, " lines\n")
