import type { OutputNote } from './output-notes.js';
import { appendTranscript, sessionPathsOf } from './session-files.js';
import type { ToolNote } from './tool-bridge.js';

/** What recording a tool call's note needs: where sessions live, the bus, and where failures are reported. */
export interface ToolNoteDependencies {
  home: string;
  publishOutput(sessionId: string, note: OutputNote, turn: number): void;
  onError(error: unknown, what: string, sessionId: string): void;
  now(): Date;
}

/** The note a tool call becomes: `<tool>: <text>` for people, and the call itself (with any part that was down). */
export function outputNoteOfToolNote(note: ToolNote): OutputNote {
  return {
    kind: 'tool',
    text: `${note.tool}: ${note.text}`,
    toolCall: {
      tool: note.tool,
      outcome: note.outcome,
      ...(note.unavailable === undefined ? {} : { unavailable: note.unavailable }),
    },
  };
}

/**
 * Publishes a tool call's note and appends it to the session's transcript, so that `/logs` can count afterwards the
 * calls that were denied because a part of IronCurtain was down.
 */
export function recordToolNote(
  deps: ToolNoteDependencies,
  sessionId: string,
  turn: number,
  note: ToolNote,
): void {
  const output = outputNoteOfToolNote(note);
  deps.publishOutput(sessionId, output, turn);
  // The transcript's path depends on the session id alone (a workspace only moves the sandbox).
  const entry = { at: deps.now().toISOString(), turn, ...output };
  appendTranscript(sessionPathsOf(deps.home, sessionId), entry).catch((error: unknown) =>
    deps.onError(error, 'append the transcript', sessionId),
  );
}
