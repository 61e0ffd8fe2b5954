/** Entry point of `phoenix-client` (bin/phoenix-client.js requires the compiled dist/client.js). */
import { main } from './cli/main';

// `phoenix-client plan 950 | head` closes the pipe early; that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // main() reports its own errors; reaching this means a bug in the handler itself.
    console.error(err);
    process.exitCode = 1;
  },
);
