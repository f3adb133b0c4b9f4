// Prints the closing line CI reads, "N passed, N failed, N skipped", from vitest's JSON report.
// A missing or unreadable report (the build or the runner broke) counts as one failure.
import { readFileSync } from 'node:fs';

const [file, status] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  for (const suite of report.testResults ?? []) {
    if ((suite.assertionResults ?? []).length === 0 && suite.status === 'failed') failed++;
    for (const test of suite.assertionResults ?? []) {
      if (test.status === 'passed') passed++;
      else if (test.status === 'failed') failed++;
      else skipped++;
    }
  }
} catch (error) {
  console.error(`no test report at ${file}: ${error.message}`);
  failed = Math.max(failed, 1);
}
if (status !== '0' && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
