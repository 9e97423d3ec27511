import { runServe } from './run-serve.js';

/** `node out/main/serve.js [--library DIR] [--port N]`: the browser host on its own. */
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const port = opt('--port');
runServe({
  library: opt('--library'),
  port: port ? Number(port) : undefined,
  io: { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
})
  .then((code) => process.exit(code))
  .catch((err: Error) => {
    process.stderr.write(`hangar serve: ${err.message}\n`);
    process.exit(1);
  });
