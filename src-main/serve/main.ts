import { parseArgs } from 'node:util';
import { runServe, ServeUsageError } from './run-serve.js';

/**
 * `node out/main/serve.js [--library DIR] [--port N] [--allow-dir DIR]... [--allow-extra-args] [--allow-remote --tls-cert F --tls-key F] [--token-file F]`:
 * the browser host on its own (`npm start` runs this when Electron is not available).
 */
let values;
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      library: { type: 'string' },
      port: { type: 'string' },
      'allow-dir': { type: 'string', multiple: true },
      'allow-extra-args': { type: 'boolean' },
      'allow-remote': { type: 'boolean' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'token-file': { type: 'string' },
    },
    strict: true,
  }));
} catch (err) {
  process.stderr.write(`hangar serve: ${(err as Error).message}\n`);
  process.exit(2);
}
const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
  process.stderr.write(`hangar serve: --port must be a port number (got "${values.port}")\n`);
  process.exit(2);
}
runServe({
  library: values.library,
  port,
  allowDirs: values['allow-dir'],
  allowExtraArgs: values['allow-extra-args'],
  allowRemote: values['allow-remote'],
  tlsCert: values['tls-cert'],
  tlsKey: values['tls-key'],
  tokenFile: values['token-file'],
  io: { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
})
  .then((code) => process.exit(code))
  .catch((err: Error) => {
    process.stderr.write(`hangar serve: ${err.message}\n`);
    process.exit(err instanceof ServeUsageError ? 2 : 1);
  });
