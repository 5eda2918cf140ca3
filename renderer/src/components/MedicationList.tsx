/** Each medication with its dose history, oldest change first. Dates are in the viewer's zone. */
import type { PatientDetail } from '../../../shared/ipc/contract.js';
import { formatCount, formatDate } from '../format.js';

export function MedicationList({ medications }: { medications: PatientDetail['medications'] }) {
  if (medications.length === 0) return <p className="muted">No medications recorded.</p>;
  return (
    <ul className="medications">
      {medications.map((med, index) => {
        const doses = [...med.doses].sort((a, b) => a.startMs - b.startMs);
        const hasNotes = doses.some((d) => d.note);
        return (
          <li key={`${med.name}-${index}`} className="medication">
            <table className="dose-table">
              <caption>
                <span className="medication-name">{med.name}</span> <span className="muted">({med.unit})</span>
              </caption>
              <thead>
                <tr>
                  <th scope="col">From</th>
                  <th scope="col" className="num">
                    Dose
                  </th>
                  {hasNotes && <th scope="col">Note</th>}
                </tr>
              </thead>
              <tbody>
                {doses.map((dose, i) => (
                  <tr key={`${dose.startMs}-${i}`}>
                    <td>
                      <time dateTime={new Date(dose.startMs).toISOString()}>{formatDate(dose.startMs)}</time>
                    </td>
                    <td className="num">
                      {formatCount(dose.dose)} {med.unit}
                    </td>
                    {hasNotes && <td>{dose.note ?? ''}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          </li>
        );
      })}
    </ul>
  );
}
