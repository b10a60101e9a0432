/**
 * An internal inconsistency: not a property violation of the model under
 * check, but a broken assumption of the checker itself, such as a replay
 * that diverges from a path the explorer found (a nondeterministic model).
 */
export class CheckerBug extends Error {
  constructor(message: string) {
    super(`[checker bug] ${message}`);
    this.name = 'CheckerBug';
  }
}
