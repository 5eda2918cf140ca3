/**
 * The audit log: append-only, hash-chained rows in `audit_log` (see migration 0003 for why the columns are
 * plaintext and hold nothing about a person).
 *
 * hash(n) = HMAC-SHA256(auditKey, hash(n-1) || canonical(entry n)), hash(0) = 32 zero bytes. The audit key is
 * derived from the store key, so the chain cannot be recomputed after an edit without the passcode. The newest
 * (seq, hash) is also kept in meta with a MAC under the audit key, so that deleting the last rows is found as well.
 * A patient account holds a copy of the audit key (not the store key) and so can append entries too.
 */
import type Database from 'better-sqlite3';
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { AUDIT_ACTIONS, ROLES, type AuditAction, type AuditActor, type Role } from '../../../shared/domain/consent.js';
import { AppError } from '../../../shared/ipc/errors.js';

export type AuditOutcome = 'ok' | 'denied' | 'failed';
/** Only codes, class names, counts and flags: a detail value is never free text from a person or a file. */
export type AuditDetailValue = string | number | boolean | null | readonly (string | number)[];
export type AuditDetails = Readonly<Record<string, AuditDetailValue>>;

export interface AuditEntryInput {
  readonly actor: AuditActor;
  readonly action: AuditAction;
  readonly patientId?: string | null;
  readonly outcome?: AuditOutcome;
  readonly details?: AuditDetails;
}

export interface AuditEntry {
  readonly seq: number;
  readonly atMs: number;
  readonly actor: string;
  readonly role: Role;
  readonly action: AuditAction;
  readonly patientId: string | null;
  readonly outcome: AuditOutcome;
  readonly details: Record<string, AuditDetailValue>;
}

export type AuditVerification =
  | { readonly ok: true; readonly entries: number; readonly appendOnlyTriggers: boolean }
  | {
      readonly ok: false;
      readonly entries: number;
      /** The first entry that is not as it was written (or is missing). */
      readonly firstBrokenSeq: number;
      readonly reason: string;
      readonly appendOnlyTriggers: boolean;
    };

export interface AuditQuery {
  readonly patientId?: string;
  readonly afterSeq?: number;
  readonly limit?: number;
}

export interface AuditPageQuery {
  readonly patientId?: string;
  readonly action?: AuditAction;
  readonly actor?: string;
  /** Entries older than this seq (the previous page's `nextBeforeSeq`). */
  readonly beforeSeq?: number;
  readonly limit?: number;
}

export interface AuditPage {
  readonly entries: AuditEntry[];
  readonly total: number;
  readonly nextBeforeSeq: number | null;
}

const HASH_BYTES = 32;
const GENESIS = new Uint8Array(HASH_BYTES);
const AUDIT_KEY_INFO = 'caretwin audit chain v1';
const HEAD_META_KEY = 'audit.head';
const MAX_DETAIL_TEXT = 200;
const PATIENT_ID = /^[0-9a-f]{32}$/;
const SAFE_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

type AuditRow = [
  seq: number,
  at: number,
  actor: string,
  role: string,
  action: string,
  patientId: string | null,
  outcome: string,
  details: string,
  prevHash: Uint8Array,
  hash: Uint8Array,
];

export function deriveAuditKey(storeKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', storeKey, new Uint8Array(0), AUDIT_KEY_INFO, HASH_BYTES));
}

/** The bytes an entry's hash covers: every column but the hashes, in a fixed order, as JSON. */
export function canonicalEntry(row: AuditRow): string {
  return JSON.stringify([row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7]]);
}

function chainHash(key: Uint8Array, prev: Uint8Array, canonical: string): Buffer {
  return createHmac('sha256', key).update(prev).update(canonical, 'utf8').digest();
}

/** JSON with sorted keys, so that the same details always hash the same. */
function canonicalDetails(details: AuditDetails): string {
  const sorted: Record<string, AuditDetailValue> = {};
  for (const k of Object.keys(details).sort()) {
    if (!SAFE_NAME.test(k)) throw new AppError('VALIDATION', 'An audit detail name is not a plain identifier.');
    const v = details[k]!;
    const items = Array.isArray(v) ? v : [v];
    for (const item of items as unknown[]) {
      if (item === null || typeof item === 'boolean') continue;
      if (typeof item === 'number' && Number.isFinite(item)) continue;
      if (typeof item === 'string' && item.length <= MAX_DETAIL_TEXT) continue;
      throw new AppError('VALIDATION', 'An audit detail is not a short code, number or flag.');
    }
    sorted[k] = v;
  }
  return JSON.stringify(sorted);
}

export class AuditLog {
  private readonly stmts;

  constructor(
    private readonly db: Database.Database,
    private readonly auditKey: Uint8Array,
    private readonly nowMs: () => number,
  ) {
    this.stmts = {
      last: db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').raw(),
      insert: db.prepare(
        'INSERT INTO audit_log (seq, at, actor, role, action, patient_id, outcome, details, prev_hash, hash) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      all: db.prepare('SELECT * FROM audit_log ORDER BY seq').raw(),
      head: db.prepare('SELECT blob FROM meta WHERE key = ?').pluck(),
      upsertHead: db.prepare(
        'INSERT INTO meta (key, blob) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET blob = excluded.blob',
      ),
      triggers: db
        .prepare(
          "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log' AND name IN " +
            "('audit_log_append_only_update', 'audit_log_append_only_delete')",
        )
        .pluck(),
    };
  }

  /** Appends one entry; the caller runs it inside a write transaction (the store's `audit` does). */
  append(input: AuditEntryInput): number {
    const { actor, role } = input.actor;
    if (!SAFE_NAME.test(actor) || !(ROLES as readonly string[]).includes(role)) {
      throw new AppError('VALIDATION', 'An audit entry names an unknown actor or role.');
    }
    if (!(AUDIT_ACTIONS as readonly string[]).includes(input.action)) {
      throw new AppError('VALIDATION', 'An audit entry names an unknown action.');
    }
    const patientId = input.patientId ?? null;
    if (patientId !== null && !PATIENT_ID.test(patientId)) {
      throw new AppError('VALIDATION', 'An audit entry names a patient by something other than their random id.');
    }
    const last = this.stmts.last.get() as [number, Uint8Array] | undefined;
    const seq = (last?.[0] ?? 0) + 1;
    const prev = last?.[1] ?? GENESIS;
    const row: AuditRow = [
      seq,
      this.nowMs(),
      actor,
      role,
      input.action,
      patientId,
      input.outcome ?? 'ok',
      canonicalDetails(input.details ?? {}),
      prev,
      GENESIS,
    ];
    const hash = chainHash(this.auditKey, prev, canonicalEntry(row));
    this.stmts.insert.run(...row.slice(0, 9), hash);
    this.stmts.upsertHead.run(HEAD_META_KEY, headBytes(this.auditKey, seq, hash));
    return seq;
  }

  list(query: AuditQuery = {}): AuditEntry[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (query.patientId !== undefined) {
      where.push('patient_id = ?');
      args.push(query.patientId);
    }
    if (query.afterSeq !== undefined) {
      where.push('seq > ?');
      args.push(query.afterSeq);
    }
    const limit = Math.max(1, Math.min(query.limit ?? 10_000, 100_000));
    const sql =
      'SELECT * FROM audit_log' + (where.length ? ` WHERE ${where.join(' AND ')}` : '') + ` ORDER BY seq LIMIT ${limit}`;
    return (this.db.prepare(sql).raw().all(...args) as AuditRow[]).map(toEntry);
  }

  /**
   * One page of entries, newest first, matching every filter given (the care team's audit view); `total` counts
   * all matches. The next page starts below `nextBeforeSeq` (null: this was the last).
   */
  page(query: AuditPageQuery = {}): AuditPage {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (query.patientId !== undefined) {
      where.push('patient_id = ?');
      args.push(query.patientId);
    }
    if (query.action !== undefined) {
      where.push('action = ?');
      args.push(query.action);
    }
    if (query.actor !== undefined) {
      where.push('actor = ?');
      args.push(query.actor);
    }
    const filter = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const total = this.db.prepare(`SELECT COUNT(*) FROM audit_log${filter}`).pluck().get(...args) as number;
    if (query.beforeSeq !== undefined) {
      where.push('seq < ?');
      args.push(query.beforeSeq);
    }
    const limit = Math.max(1, Math.min(query.limit ?? 50, 1000));
    const sql = `SELECT * FROM audit_log${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${limit + 1}`;
    const rows = this.db.prepare(sql).raw().all(...args) as AuditRow[];
    const entries = rows.slice(0, limit).map(toEntry);
    return { entries, total, nextBeforeSeq: rows.length > limit ? entries[entries.length - 1]!.seq : null };
  }

  /** When each actor last did `action` (e.g. account.unlock: last sign-in), UTC ms. */
  lastAtByActor(action: AuditAction): Map<string, number> {
    const rows = this.db.prepare('SELECT actor, MAX(at) FROM audit_log WHERE action = ? AND outcome = ? GROUP BY actor').raw().all(action, 'ok') as [
      string,
      number,
    ][];
    return new Map(rows);
  }

  /** Walks the whole chain and names the first entry that is not as written. */
  verify(): AuditVerification {
    const appendOnlyTriggers = this.stmts.triggers.get() === 2;
    let prev: Uint8Array = GENESIS;
    let expected = 1;
    let entries = 0;
    const broken = (seq: number, reason: string): AuditVerification => ({
      ok: false,
      entries,
      firstBrokenSeq: seq,
      reason,
      appendOnlyTriggers,
    });
    for (const row of this.stmts.all.iterate() as IterableIterator<AuditRow>) {
      const seq = row[0];
      if (seq > expected) return broken(expected, `entry ${expected} is missing (the next entry is ${seq})`);
      if (seq < expected) return broken(seq, `entry ${seq} is out of order`);
      if (!sameBytes(row[8], prev)) {
        return broken(seq, `entry ${seq} does not follow the entry before it (removed, inserted or reordered)`);
      }
      if (!sameBytes(row[9], chainHash(this.auditKey, prev, canonicalEntry(row)))) {
        return broken(seq, `entry ${seq} was changed after it was written`);
      }
      prev = row[9];
      expected++;
      entries++;
    }
    const headBlob = this.stmts.head.get(HEAD_META_KEY) as Uint8Array | undefined;
    if (headBlob !== undefined) {
      let head: { seq: number; hash: Uint8Array };
      try {
        head = parseHead(this.auditKey, headBlob);
      } catch {
        return broken(expected, 'the record of the newest entry is damaged');
      }
      if (head.seq >= expected) {
        return broken(expected, `entries ${expected} to ${head.seq} are missing from the end of the log`);
      }
      if (head.seq === expected - 1 && !sameBytes(head.hash, prev)) {
        return broken(head.seq, `entry ${head.seq} is not the newest entry that was written`);
      }
    } else if (entries > 0) {
      return broken(1, 'the record of the newest entry is missing');
    }
    return { ok: true, entries, appendOnlyTriggers };
  }
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    seq: row[0],
    atMs: row[1],
    actor: row[2],
    role: row[3] as Role,
    action: row[4] as AuditAction,
    patientId: row[5],
    outcome: row[6] as AuditOutcome,
    details: JSON.parse(row[7]) as Record<string, AuditDetailValue>,
  };
}

/** seq (float64 BE) | hash | HMAC(auditKey, 'audit head' | seq | hash). */
function headBytes(auditKey: Uint8Array, seq: number, hash: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 2 * HASH_BYTES);
  new DataView(out.buffer).setFloat64(0, seq);
  out.set(hash, 8);
  out.set(headMac(auditKey, out.subarray(0, 8 + HASH_BYTES)), 8 + HASH_BYTES);
  return out;
}

function headMac(auditKey: Uint8Array, body: Uint8Array): Buffer {
  return createHmac('sha256', auditKey).update('audit head').update(body).digest();
}

function parseHead(auditKey: Uint8Array, bytes: Uint8Array): { seq: number; hash: Uint8Array } {
  if (bytes.length !== 8 + 2 * HASH_BYTES) throw new Error('bad head');
  const body = bytes.subarray(0, 8 + HASH_BYTES);
  if (!sameBytes(bytes.subarray(8 + HASH_BYTES), headMac(auditKey, body))) throw new Error('bad head');
  return { seq: new DataView(bytes.buffer, bytes.byteOffset).getFloat64(0), hash: bytes.slice(8, 8 + HASH_BYTES) };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
