#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-or-later
// Validate a JSON document against an official schema (tests only):
//   node validate.js cyclonedx-1.5 FILE   CycloneDX 1.5 (schemas from @cyclonedx/cyclonedx-library)
//   node validate.js sarif-2.1.0 FILE     SARIF 2.1.0 (schema from @microsoft/jest-sarif)
//   node validate.js SCHEMA.json FILE     any draft-07 schema file
// Exit 0 when valid, 1 with the errors on stderr when not, 2 on usage errors.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

const CDX = path.join(__dirname, 'node_modules/@cyclonedx/cyclonedx-library/res/schema');
const SARIF = path.join(__dirname, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

function load(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// The CycloneDX schemas refer to each other by their SNAPSHOT file names: give each the
// $id its referrers resolve to.
function cyclonedx(ajv) {
  for (const f of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json']) {
    const s = load(path.join(CDX, f));
    s.$id = 'http://cyclonedx.org/schema/' + f;
    ajv.addSchema(s);
  }
  const bom = load(path.join(CDX, 'bom-1.5.SNAPSHOT.schema.json'));
  bom.$id = 'http://cyclonedx.org/schema/bom-1.5.SNAPSHOT.schema.json';
  return bom;
}

// The SARIF schema is draft-04; its only draft-04-isms are "id" and "$schema".
function sarif() {
  const s = load(SARIF);
  delete s.$schema;
  s.$id = s.id;
  delete s.id;
  return s;
}

function main(argv) {
  if (argv.length !== 2) {
    process.stderr.write('usage: validate.js cyclonedx-1.5|sarif-2.1.0|SCHEMA.json FILE\n');
    return 2;
  }
  // The SARIF schema's language pattern ("...{2}]?$") is only valid without the u flag.
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: argv[0] !== 'sarif-2.1.0' });
  addFormats(ajv);
  let schema;
  if (argv[0] === 'cyclonedx-1.5') schema = cyclonedx(ajv);
  else if (argv[0] === 'sarif-2.1.0') schema = sarif();
  else schema = load(argv[0]);
  const validate = ajv.compile(schema);
  if (validate(load(argv[1]))) return 0;
  for (const e of validate.errors)
    process.stderr.write(`${argv[1]}: ${e.instancePath || '/'}: ${e.message} ${JSON.stringify(e.params)}\n`);
  return 1;
}

process.exitCode = main(process.argv.slice(2));
