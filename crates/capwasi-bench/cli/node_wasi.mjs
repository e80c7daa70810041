// Runs a WASI 0.1 module under Node's node:wasi: node node_wasi.mjs HOST_DIR MODULE [ARGS...]
// HOST_DIR is granted to the guest as /work.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const [hostDir, modulePath, ...args] = process.argv.slice(2);
const wasi = new WASI({
  version: 'preview1',
  args: [modulePath, ...args],
  env: {},
  preopens: { '/work': hostDir },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(modulePath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
