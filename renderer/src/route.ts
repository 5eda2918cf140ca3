/**
 * Hash routes: `#/` is the panel, `#/patient/<id>` a patient. Any other hash (for instance what is left
 * of the web host's `#token=...` if a bridge did not remove it) means the panel.
 */
export type Route = { readonly name: 'panel' } | { readonly name: 'patient'; readonly patientId: string };

const PATIENT = /^#\/patient\/([0-9a-f]{32})\/?$/;

export function parseRoute(hash: string): Route {
  const match = PATIENT.exec(hash);
  return match?.[1] ? { name: 'patient', patientId: match[1] } : { name: 'panel' };
}

export function routeHref(route: Route): string {
  return route.name === 'patient' ? `#/patient/${route.patientId}` : '#/';
}
