/**
 * `npm run test-ehr -- --bundles DIR [--port P] [--fail-every N] [--latency MS] [--jwks FILE --client-id ID]`:
 * runs the test EHR until interrupted and prints `READY <fhir base url>` once it listens.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startTestEhr } from './index.js';

const { values } = parseArgs({
  options: {
    bundles: { type: 'string' },
    port: { type: 'string', default: '0' },
    'fail-every': { type: 'string', default: '0' },
    latency: { type: 'string', default: '0' },
    jwks: { type: 'string' },
    'client-id': { type: 'string', default: 'caretwin-backend' },
  },
  strict: true,
});

if (!values.bundles) {
  console.error('test-ehr: --bundles DIR is required (a directory of FHIR transaction Bundles).');
  process.exit(2);
}
const whole = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`test-ehr: --${name} takes a whole number.`);
    process.exit(2);
  }
  return n;
};
const jwks = values.jwks ? (JSON.parse(fs.readFileSync(values.jwks, 'utf8')) as { keys: [] }) : undefined;
const ehr = await startTestEhr({
  bundles: values.bundles,
  port: whole('port', values.port),
  failEvery: whole('fail-every', values['fail-every']),
  latencyMs: whole('latency', values.latency),
  backendClients: jwks ? [{ clientId: values['client-id'] ?? 'caretwin-backend', jwks }] : [],
});
console.log(`issuer ${ehr.issuer}; interactive client id ${ehr.interactiveClientId}`);
console.log(`READY ${ehr.fhirBaseUrl}`);
const stop = () => void ehr.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
