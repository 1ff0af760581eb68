#!/usr/bin/env node
// Thin launcher: the CLI is compiled from src/ to dist/ by `npm run build` (run by `npm install`).
import { main } from "../dist/cli/main.js";

main(process.argv).then(
  (code) => {
    if (typeof code === "number") process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`paddock: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
