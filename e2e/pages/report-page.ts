/** The patient report page (#/patient/<id>/report) and the AGP on it. */
import type { Locator, Page } from 'playwright-core';

export class ReportPage {
  constructor(private readonly page: Page) {}

  async open(baseUrl: string, patientId: string): Promise<void> {
    const origin = new URL(baseUrl).origin;
    await this.page.goto(`${origin}/#/patient/${patientId}/report`);
  }

  /** From the patient's page, by its link (keyboard: focus and Enter). */
  async openFromPatientPage(baseUrl: string, patientId: string): Promise<void> {
    const origin = new URL(baseUrl).origin;
    await this.page.goto(`${origin}/#/patient/${patientId}`);
    const link = this.page.getByRole('link', { name: /^Report and AGP/ });
    await link.focus({ timeout: 20_000 });
    await this.page.keyboard.press('Enter');
    await this.page.waitForURL(/\/report$/);
  }

  heading(): Locator {
    return this.page.getByRole('heading', { level: 1 });
  }

  agp(): Locator {
    return this.page.getByRole('region', { name: 'Ambulatory glucose profile' });
  }

  /** Waits until the AGP's time-of-day chart has drawn. */
  async waitForAgp(): Promise<void> {
    await this.page.locator('.agp-chart[data-drawn="true"]').waitFor({ timeout: 20_000 });
  }

  metric(name: 'mean' | 'gmi' | 'cv' | 'sd' | 'wear' | 'days' | 'readings'): Locator {
    return this.agp().locator(`[data-metric="${name}"]`);
  }

  range(name: 'veryHigh' | 'high' | 'inRange' | 'low' | 'veryLow'): Locator {
    return this.agp().locator(`[data-range="${name}"]`);
  }

  sufficiency(): Locator {
    return this.page.getByTestId('report-sufficiency');
  }

  printButton(): Locator {
    return this.page.getByRole('button', { name: 'Print / Save as PDF' });
  }

  async choosePeriod(days: 14 | 30 | 90): Promise<void> {
    await this.page.getByLabel('Period').selectOption(String(days));
  }
}
