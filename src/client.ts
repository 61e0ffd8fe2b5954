/** Entry point of `phoenix-client` (bin/phoenix-client.js requires the compiled dist/client.js). */
import { main } from './cli/main';

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
