import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref } from './route.js';

const id = '0123456789abcdef0123456789abcdef';

describe('parseRoute', () => {
  it('reads the patient route', () => {
    expect(parseRoute(`#/patient/${id}`)).toEqual({ name: 'patient', patientId: id });
    expect(parseRoute(`#/patient/${id}/`)).toEqual({ name: 'patient', patientId: id });
  });

  it("reads a patient's report route", () => {
    expect(parseRoute(`#/patient/${id}/report`)).toEqual({ name: 'report', patientId: id });
    expect(parseRoute(routeHref({ name: 'report', patientId: id }))).toEqual({ name: 'report', patientId: id });
    expect(parseRoute(`#/patient/${id}/reports`)).toEqual({ name: 'panel' });
  });

  it('treats everything else as the panel', () => {
    for (const hash of ['', '#', '#/', '#token=abc', '#/patient/xyz', `#/patient/${id.toUpperCase()}`, '#/nowhere']) {
      expect(parseRoute(hash)).toEqual({ name: 'panel' });
    }
  });

  it('round-trips through routeHref', () => {
    expect(parseRoute(routeHref({ name: 'patient', patientId: id }))).toEqual({ name: 'patient', patientId: id });
    expect(routeHref({ name: 'panel' })).toBe('#/');
  });
});
