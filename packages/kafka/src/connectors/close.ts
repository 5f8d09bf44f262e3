/** Closing clients when a job ends or fails: errors there must not hide the job's own error. */

/** Closes a client (forcing pending streams shut) and ignores any error. */
export async function closeQuietly(c: { close(force: boolean): unknown } | undefined): Promise<void> {
  if (!c) return;
  try {
    await c.close(true);
  } catch {
    // best effort
  }
}
