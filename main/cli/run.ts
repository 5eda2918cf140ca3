import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from '../../shared/ipc/errors.js';
import { defaultDataDir } from '../core/store/data-dir.js';
import { commands, type CommandIo } from './commands/index.js';

export type { CommandIo };

export class UsageError extends Error {}

const USAGE = `Usage: caretwin <command> [options]

Commands:
  init                         create an encrypted store (passcode from CARETWIN_PASSCODE or asked twice)
  demo [--patients N] [--days N] [--seed S]
                               fill an empty store with a synthetic demo panel (default 120 x 90 days)
  patients [--json]            list patients: id, name, conditions, last data received, days with data in the last 30
  serve [--port P] [--demo]    serve the app on 127.0.0.1 for a browser (web host)
  import [--patient ID] [--zone Area/City] [--json] FILE...
                               import device exports (format detected; one transaction per file)
  summary --patient ID [--json]
                               what is stored for a patient: streams, counts, first/last, records
  sync --fhir-base URL [--client-id ID --key FILE] [--interactive] [--bulk]
  sync --nightscout URL --patient ID
                               read what is new from a FHIR server (SMART) or a Nightscout site; resumable
  hf-evaluate [--patients N] [--days N] [--seed S] [--json]
                               heart-failure twin alerts vs. the weight rule of thumb on a synthetic panel's planted episodes
  twin forecast --cgm FILE --out OUT.csv [--horizons 30,60] [--burn-in-hours 24] [--refit-hours 24]
                               glucose twin forecasts with bands from a CGM CSV (iglu, Dexcom Clarity, simglucose), no store
  twin evaluate --cgm FILE [--drop-random F | --drop-gaps F --gap-hours A-B | --degradation-curve] [--seed S | --seeds A-B] [--json]
                               the twin's scores next to last value, linear and Nightscout AR2 on the same origins;
                               --seeds repeats the removal with each seed: every score's mean ± its standard error
  twin refit [--patient ID] [--json]
                               refit the stored patients' living twins on worker threads (progress on stderr; Ctrl-C cancels)
  consent show|set|revoke|import --patient ID [--class C] [--status permit|deny] [--purposes P,..] [--roles R,..]
          [--retention-days N|none] [--period-end YYYY-MM-DD|none] [--json] [FILE]
                               a patient's consent per data class; revoke (or deny) destroys that class's data
  retention sweep [--json]     destroy every data class whose retention period has ended
  audit verify|list [--patient ID] [--json]
                               check the hash chain (names the first broken entry) or list the entries
  export --patient ID --out FILE
                               the patient's data their consent permits as a FHIR Bundle (audited)
  users add --role admin|clinician|nurse|patient [--patient ID] | list [--json] | disable|enable|remove --account ID
                               accounts with their own passcode (CARETWIN_NEW_PASSCODE, or asked) and key slot
  alerts [--json] [--patient ID] [--state open|acknowledged|resolved]
                               alerts with reasons (no-data and CGM-wear alerts are refreshed first)
  alerts ack|resolve --patient ID --alert ID [--note TEXT]
                               acknowledge an alert, or resolve it with a note saying what was done
  program [--month YYYY-MM] [--json] [--patient ID]
                               RPM program: device days (99445/99454), projection of 16 days, minutes (99470/99457/99458)
  program timer start|stop --patient ID [--note TEXT] [--minutes N] | program add --patient ID --minutes N --note TEXT
                               log interactive minutes with a per-patient timer (survives restarts) or by hand

Every command takes --data-dir DIR (default: ${'<OS app-data>/CareTwin'}). Commands unlock with CARETWIN_PASSCODE
(or ask); consent, retention, audit, export and users act as CARETWIN_ACCOUNT when it is set, else as the owner.`;

export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE);
    return name ? 0 : 2;
  }
  const command = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.stderr(`caretwin: unknown command "${name.slice(0, 40)}"; run "caretwin --help" for the list.`);
    return 2;
  }
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    const options: ParseArgsConfig['options'] = { 'data-dir': { type: 'string' }, ...command.options };
    ({ values, positionals } = parseArgs({ args: [...rest], options, strict: true, allowPositionals: command.positionals === true }) as { values: Record<string, string | boolean | undefined>; positionals: string[] });
  } catch (error) {
    io.stderr(`caretwin ${name}: ${(error as Error).message.split('\n')[0]}`);
    return 2;
  }
  const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : (io.env.CARETWIN_DATA_DIR ?? defaultDataDir());
  try {
    return (await command.run({ dataDir, values, io, positionals })) ?? 0;
  } catch (error) {
    if (error instanceof AppError || error instanceof UsageError) {
      io.stderr(`caretwin ${name}: ${error.message}`);
      return error instanceof UsageError ? 2 : 1;
    }
    const kind = error instanceof Error ? error.name : typeof error;
    io.stderr(`caretwin ${name}: failed unexpectedly (${kind}); nothing was changed. Report it if it keeps happening.`);
    return 1;
  }
}
