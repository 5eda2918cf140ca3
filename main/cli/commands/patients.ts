import { createServices } from '../../core/services.js';
import { CONDITION_LABEL } from '../../../shared/domain/patient.js';
import { passcodeFor } from '../passcode.js';
import type { Command } from './index.js';

export const patientsCommand: Command = {
  options: { json: { type: 'boolean' } },
  async run({ dataDir, values, io }) {
    const services = await createServices({ dataDir, host: 'web' });
    try {
      await services.session.unlock(await passcodeFor(io, 'unlock'));
      const rows = services.panel();
      if (values.json) {
        io.stdout(
          JSON.stringify(
            rows.map((r) => ({
              id: r.id,
              name: r.name,
              conditions: r.conditions,
              demo: r.demo,
              lastDataReceived: r.lastDataMs === null ? null : new Date(r.lastDataMs).toISOString(),
              daysWithDataLast30: r.daysWithData30,
            })),
            null,
            2,
          ),
        );
        return;
      }
      if (rows.length === 0) {
        io.stdout('No patients in this store yet. "caretwin demo" fills an empty store with synthetic patients.');
        return;
      }
      const table = rows.map((r) => [
        r.id,
        r.name + (r.demo ? ' (demo)' : ''),
        r.conditions.map((c) => CONDITION_LABEL[c]).join(', '),
        r.lastDataMs === null ? 'never' : new Date(r.lastDataMs).toISOString().slice(0, 16).replace('T', ' ') + 'Z',
        `${r.daysWithData30}/30`,
      ]);
      const header = ['id', 'name', 'conditions', 'last data (UTC)', 'days with data, last 30'];
      const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
      const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
      io.stdout(line(header));
      for (const row of table) io.stdout(line(row));
    } finally {
      await services.close();
    }
  },
};
