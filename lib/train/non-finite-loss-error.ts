/**
 * A block loss came out NaN or infinite. Thrown by the training step before any weight changes, and
 * rethrown by the training loop with the global step and the run's last good checkpoint.
 */
export class NonFiniteLossError extends Error {
  constructor(
    message: string,
    /** The training block (0-based) whose loss is not finite. */
    readonly block: number,
    /** The loss value (NaN, Infinity or -Infinity). */
    readonly value: number,
    /** Global step (0-based) of the failed step, when known. */
    readonly step: number | null = null,
    /** The last checkpoint written before the failure, when known. */
    readonly lastCheckpoint: string | null = null,
  ) {
    super(message);
    this.name = 'NonFiniteLossError';
  }
}
