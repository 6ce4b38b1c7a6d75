#!/usr/bin/env node
import { runCli } from "./program";

runCli(process.argv.slice(2), { out: process.stdout, err: process.stderr }).then((code) => {
  process.exitCode = code;
});
