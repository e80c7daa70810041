-- Exits with the status given as the first argument, after printing to stdout and stderr.
local code = tonumber(arg[1])
print("exiting with " .. code)
io.stderr:write("stderr before exit\n")
os.exit(code)
