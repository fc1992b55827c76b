// Validates an AsyncAPI document with the AsyncAPI parser (the same checks as
// `asyncapi validate`): prints every diagnostic, fails on errors.
// Usage: node validate-asyncapi.cjs openapi/asyncapi.json (NODE_PATH = the tools' node_modules)
'use strict';
const { readFileSync } = require('node:fs');
const { Parser } = require('@asyncapi/parser');

async function main() {
  const file = process.argv[2];
  const diagnostics = await new Parser().validate(readFileSync(file, 'utf8'), { source: file });
  const names = ['error', 'warning', 'info', 'hint'];
  const counts = [0, 0, 0, 0];
  for (const d of diagnostics) {
    counts[d.severity] += 1;
    console.log(`${file} ${d.path.join('.') || '(root)'}: ${names[d.severity]} ${d.code}: ${d.message}`);
  }
  console.log(`${file}: ${counts[0]} errors, ${counts[1]} warnings (AsyncAPI parser)`);
  process.exitCode = counts[0] > 0 ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 2;
});
