/**
 * What the bridge understands, for `/help`. It holds no style markers, so it reads the same in Signal's `normal`
 * and `styled` text modes.
 */
export function helpMessage(): string {
  return [
    'IronCurtain on Signal. A plain message goes to your current session, or starts a new one if there is none.',
    '',
    'Answering a call that waits for approval:',
    'approve / deny: answer the one waiting call',
    'approve #N / deny #N: answer call #N when several wait',
    '',
    'Commands:',
    '/sessions: list your sessions',
    '/switch N: make session N of that list the current one',
    '/new: your next message starts a new session',
    '/budget: what the current session has used of its budget',
    '/stop: stop the current session',
    '/help: this message',
  ].join('\n');
}
