/** Page objects for the patient page's alerts and RPM program sections. */
import type { Locator, Page } from 'playwright-core';

export class AlertsSection {
  constructor(private readonly page: Page) {}
  section(): Locator {
    return this.page.getByRole('region', { name: 'Alerts' });
  }
  activeAlerts(): Locator {
    return this.section().getByRole('list', { name: 'Open and acknowledged alerts' }).getByRole('listitem');
  }
  alert(text: RegExp): Locator {
    return this.activeAlerts().filter({ hasText: text });
  }
  noOpenAlerts(): Locator {
    return this.section().getByText('No open alerts.');
  }
  toggleResolved(): Locator {
    return this.section().getByRole('button', { name: /resolved$/ });
  }
  resolvedAlerts(): Locator {
    return this.section().getByRole('list', { name: 'Resolved alerts' }).getByRole('listitem');
  }
}

export class ProgramSection {
  constructor(private readonly page: Page) {}
  section(): Locator {
    return this.page.getByRole('region', { name: /Remote monitoring program/ });
  }
  fact(term: string): Locator {
    return this.section().locator('dt', { hasText: term }).locator('xpath=following-sibling::dd[1]');
  }
  startTimer(): Locator {
    return this.section().getByRole('button', { name: 'Start timer' });
  }
  stopTimer(): Locator {
    return this.section().getByRole('button', { name: 'Stop timer' });
  }
  timerStatus(): Locator {
    return this.section().getByRole('status');
  }
  async logMinutes(minutes: number, note: string): Promise<void> {
    await this.section().getByLabel('Minutes').fill(String(minutes));
    await this.section().getByLabel('Note').fill(note);
    await this.section().getByLabel('Note').press('Enter');
  }
}
