// validate.mjs — validates EPCIS documents against the GS1 EPCIS 2.0 JSON
// Schema (draft-07) with ajv and ajv-formats.
//
//   node validate.mjs SCHEMA DOCUMENT...
//
// Prints one line per document; exit status 0 when all are valid, 1 when
// one is not (its errors printed), 2 on a usage or I/O error.
import { readFileSync } from "node:fs";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const [schemaPath, ...docs] = process.argv.slice(2);
if (!schemaPath || docs.length === 0) {
	console.error("usage: node validate.mjs SCHEMA DOCUMENT...");
	process.exit(2);
}
// strict: false: the GS1 schema uses keywords ajv's strict mode questions
// (e.g. "format" beside "$ref"); allErrors to report everything at once.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")));
let bad = 0;
for (const path of docs) {
	const doc = JSON.parse(readFileSync(path, "utf8"));
	const events = doc?.epcisBody?.eventList?.length ?? 0;
	if (validate(doc)) {
		console.log(`valid: ${path} (${events} events)`);
	} else {
		bad++;
		console.log(`INVALID: ${path}`);
		for (const e of validate.errors.slice(0, 20))
			console.log(`  ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
	}
}
process.exit(bad ? 1 : 0);
