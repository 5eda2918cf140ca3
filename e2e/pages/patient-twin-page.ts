/** Page object of a patient's twin view (renderer/src/screens/PatientScreen.tsx, components/twin). */
import type { Locator, Page } from 'playwright-core';

export class PatientTwinPage {
  constructor(private readonly page: Page) {}

  async open(patientId: string): Promise<void> {
    await this.page.evaluate((id) => {
      window.location.hash = `#/patient/${id}`;
    }, patientId);
  }

  heading(): Locator {
    return this.page.getByRole('heading', { level: 1 });
  }

  glucose(): Locator {
    return this.page.locator('[data-twin-chart="glucose"]');
  }

  heartFailure(): Locator {
    return this.page.locator('[data-twin-chart="heart-failure"]');
  }

  /** Waits until the section shows a computed twin and its charts have drawn (twins are computed in the background after unlock). */
  async waitForComputedTwin(section: Locator, timeout = 150_000): Promise<void> {
    await section.and(this.page.locator('[data-twin-state="computed"][data-ready="true"]')).waitFor({ timeout });
  }

  projectionSummary(): Locator {
    return this.heartFailure().getByTestId('hf-projection-summary');
  }

  /** Opens "Projection day by day" and returns its table. */
  async projectionTable(): Promise<Locator> {
    await this.heartFailure().getByText('Projection day by day').click();
    return this.page.getByRole('table', { name: 'Heart-failure projection' });
  }

  forecastTable(): Locator {
    return this.glucose().getByRole('table');
  }

  async chooseWindow(label: 'All data' | 'Last 14 days' | 'Last 24 hours'): Promise<void> {
    await this.page.getByRole('radio', { name: label }).check();
  }

  chartLabels(section: Locator): Promise<(string | null)[]> {
    return section.locator('canvas[role="img"]').evaluateAll((canvases) => canvases.map((c) => c.getAttribute('aria-label')));
  }

  timeline(): Locator {
    return this.page.getByRole('region', { name: 'Labs and medications' });
  }
}
