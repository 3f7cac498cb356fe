import { prepare, type SqliteDatabase } from '../database.ts';
import { ACTIVE_STATUSES, type JobPatch, type JobRecord, type JobStatus, type JobStore } from './job-store.ts';

interface Row {
  record: string;
}

const ACTIVE = ACTIVE_STATUSES.map((status) => `'${status}'`).join(', ');

/** One row a job: the columns it is found by, and the whole record as JSON. */
export class SqliteJobStore implements JobStore {
  private readonly insertStatement;
  private readonly getStatement;
  private readonly writeStatement;
  private readonly listStatement;
  private readonly listByStatusStatement;
  private readonly abandonedStatement;
  private readonly pruneStatement;

  constructor(private readonly db: SqliteDatabase) {
    this.insertStatement = prepare<{ id: string; subject: string; status: string; createdAt: string; updatedAt: string; leaseUntil: number; record: string }>(
      db,
      `INSERT INTO jobs (id, subject, status, created_at, updated_at, lease_until, record)
       VALUES (@id, @subject, @status, @createdAt, @updatedAt, @leaseUntil, @record)`,
    );
    this.getStatement = prepare<[string], Row>(db, 'SELECT record FROM jobs WHERE id = ?');
    this.writeStatement = prepare<{ id: string; status: string; updatedAt: string; leaseUntil: number; record: string }>(
      db,
      'UPDATE jobs SET status = @status, updated_at = @updatedAt, lease_until = @leaseUntil, record = @record WHERE id = @id',
    );
    this.listStatement = prepare<{ subject: string; limit: number }, Row>(
      db,
      'SELECT record FROM jobs WHERE subject = @subject ORDER BY created_at DESC, id DESC LIMIT @limit',
    );
    this.listByStatusStatement = prepare<{ subject: string; status: string; limit: number }, Row>(
      db,
      'SELECT record FROM jobs WHERE subject = @subject AND status = @status ORDER BY created_at DESC, id DESC LIMIT @limit',
    );
    this.abandonedStatement = prepare<{ now: number; limit: number }, Row>(
      db,
      `SELECT record FROM jobs WHERE status IN (${ACTIVE}) AND lease_until < @now LIMIT @limit`,
    );
    this.pruneStatement = prepare<{ before: string }, { id: string }>(
      db,
      `DELETE FROM jobs WHERE status NOT IN (${ACTIVE}) AND updated_at < @before RETURNING id`,
    );
  }

  async create(record: JobRecord): Promise<void> {
    this.insertStatement.run({
      id: record.id,
      subject: record.subject,
      status: record.status,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      leaseUntil: record.leaseUntil,
      record: JSON.stringify(record),
    });
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const row = this.getStatement.get([id]);
    return row && (JSON.parse(row.record) as JobRecord);
  }

  async update(id: string, patch: JobPatch, from?: readonly JobStatus[]): Promise<JobRecord | undefined> {
    // Read, check and write in one immediate transaction: another process sharing the file
    // (a second instance, the CLI) cannot end the job in between.
    return this.db
      .transaction(() => {
        const row = this.getStatement.get([id]);
        if (!row) return undefined;
        const current = JSON.parse(row.record) as JobRecord;
        if (from && !from.includes(current.status)) return undefined;
        const next: JobRecord = { ...current, ...patch };
        this.writeStatement.run({ id, status: next.status, updatedAt: next.updatedAt, leaseUntil: next.leaseUntil, record: JSON.stringify(next) });
        return next;
      })
      .immediate();
  }

  async list(subject: string, options: { status?: JobStatus; limit: number }): Promise<JobRecord[]> {
    const rows = options.status
      ? this.listByStatusStatement.all({ subject, status: options.status, limit: options.limit })
      : this.listStatement.all({ subject, limit: options.limit });
    return rows.map((row) => JSON.parse(row.record) as JobRecord);
  }

  async abandoned(now: number, limit: number): Promise<JobRecord[]> {
    return this.abandonedStatement.all({ now, limit }).map((row) => JSON.parse(row.record) as JobRecord);
  }

  async prune(before: string): Promise<number> {
    return this.pruneStatement.all({ before }).length;
  }
}
