/** The diabetes twin's AGP: the consensus profile of the last 14 days of CGM (renderer/src/components/Agp.tsx). */
import { AgpSection } from '../Agp.js';

export function AgpSlot({ patientId }: { patientId: string }) {
  return (
    <section className="stream twin-agp" aria-labelledby="twin-agp-title">
      <h2 id="twin-agp-title">Ambulatory glucose profile, last 14 days</h2>
      <AgpSection patientId={patientId} days={14} headingLevel={3} labelledBy="twin-agp-title" />
    </section>
  );
}
