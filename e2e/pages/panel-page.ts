/** Page object for the triage panel (renderer/src/screens/PanelScreen.tsx): filters, sorting, rows and row actions. */
import type { Locator, Page } from 'playwright-core';

export class TriagePanel {
  constructor(private readonly page: Page) {}
  table(): Locator {
    return this.page.getByRole('table', { name: /Patient panel/ });
  }
  /** Patient rows rendered now (a panel above 200 rows renders only those near the view). */
  rows(): Locator {
    return this.table().locator('tbody tr[data-patient-id]');
  }
  row(name: string): Locator {
    return this.rows().filter({ has: this.page.getByRole('rowheader').filter({ hasText: name }) });
  }
  rowAt(index: number): Locator {
    return this.table().locator(`tbody tr[data-index="${index}"]`);
  }
  async nameOf(row: Locator): Promise<string> {
    return (await row.getByRole('link').innerText()).trim();
  }
  /** "Showing N of M patients" */
  count(): Locator {
    return this.page.getByText(/^Showing [\d,.\s]+ of [\d,.\s]+ patients$/);
  }
  async filter(label: 'Condition' | 'Category' | 'Tag' | 'Assigned nurse' | 'Period', option: string): Promise<void> {
    await this.page.getByRole('form', { name: 'Filter the panel' }).getByLabel(label).selectOption({ label: option });
  }
  columnHeader(name: string | RegExp): Locator {
    return this.table().getByRole('columnheader', { name });
  }
  async sortBy(name: string | RegExp): Promise<void> {
    await this.columnHeader(name).getByRole('button').click();
  }
  /** The open-alert count of a row. */
  async openAlerts(row: Locator): Promise<number> {
    return Number((await row.locator('td.col-alerts > span').first().innerText()).replace(/\D/g, ''));
  }
  status(): Locator {
    return this.page.getByRole('status').filter({ hasText: /^(Acknowledged|Assigned|Saved|Started|Stopped)/ });
  }
  focused(): Promise<string | null> {
    return this.page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-patient-id') ?? null);
  }
  assignDialog(): Locator {
    return this.page.getByRole('dialog');
  }
}
