#!/usr/bin/env node
// Entry for the `pipeline` command: registers the TypeScript loader, then starts the CLI.
import { register } from "tsx/esm/api";
register();
await import("../src/cli/main.ts");
