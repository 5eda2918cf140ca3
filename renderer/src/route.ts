/**
 * Hash routes: `#/` is the panel, `#/patient/<id>` a patient, `#/patient/<id>/report` the patient's printable
 * report. Any other hash (for instance what is left
 * of the web host's `#token=...` if a bridge did not remove it) means the panel.
 */
export type Route =
  | { readonly name: 'panel' }
  | { readonly name: 'patient'; readonly patientId: string }
  | { readonly name: 'report'; readonly patientId: string };

const PATIENT = /^#\/patient\/([0-9a-f]{32})\/?$/;
const REPORT = /^#\/patient\/([0-9a-f]{32})\/report\/?$/;

export function parseRoute(hash: string): Route {
  const report = REPORT.exec(hash);
  if (report?.[1]) return { name: 'report', patientId: report[1] };
  const match = PATIENT.exec(hash);
  return match?.[1] ? { name: 'patient', patientId: match[1] } : { name: 'panel' };
}

export function routeHref(route: Route): string {
  if (route.name === 'report') return `#/patient/${route.patientId}/report`;
  return route.name === 'patient' ? `#/patient/${route.patientId}` : '#/';
}
