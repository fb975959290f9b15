// The official AsyncAPI parser on each document named on the command line: prints every
// diagnostic, exits 1 when one is an error (severity 0) or a document does not parse.
import { readFile } from "node:fs/promises";
import { Parser } from "@asyncapi/parser";

const parser = new Parser();
let failed = false;
for (const path of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(await readFile(path, "utf8"));
  const errors = diagnostics.filter((d) => d.severity === 0);
  for (const d of diagnostics) {
    console.log(`${path}: [${d.severity}] ${d.code}: ${d.message} at ${d.path.join("/")}`);
  }
  if (document === undefined || errors.length > 0) failed = true;
  else console.log(`${path}: parsed, ${document.channels().length} channels`);
}
process.exit(failed ? 1 : 0);
