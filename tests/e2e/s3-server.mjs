// An S3-compatible server (s3rver) in its own process, for tests that drive the CLI with
// spawnSync (which would block a server living in the test's own event loop).
// Usage: node s3-server.mjs DIR BUCKET — prints "port N" once listening; stops on SIGTERM.
import S3rver from "s3rver";

const [dir, bucket] = process.argv.slice(2);
const server = new S3rver({
  port: 0,
  address: "127.0.0.1",
  silent: true,
  directory: dir,
  configureBuckets: [{ name: bucket }],
});
const addr = await server.run();
process.stdout.write(`port ${addr.port}\n`);
process.on("SIGTERM", () => server.close().then(() => process.exit(0)));
