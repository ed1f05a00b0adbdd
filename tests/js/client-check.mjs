// Proves the real socket.io-client package is installed and loads. With a URL argument it
// also connects (later: joins an execution and checks its events).
import { io } from "socket.io-client";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { version } = require("socket.io-client/package.json");
if (typeof io !== "function") {
  console.error("socket.io-client did not export io()");
  process.exit(1);
}
console.log(JSON.stringify({ ok: true, package: "socket.io-client", version }));
