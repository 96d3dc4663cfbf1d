import { wrapLanguageModel, type LanguageModel, type LanguageModelMiddleware } from 'ai';

type WrapStream = NonNullable<LanguageModelMiddleware['wrapStream']>;
type StreamResult = Awaited<ReturnType<WrapStream>>;
type StreamPart = StreamResult['stream'] extends ReadableStream<infer Part> ? Part : never;

/** Receives the words of a step, each piece before the code that follows it runs. */
export type NarrationListener = (text: string) => void;

/**
 * The model with the words of each step reported before the step's tool calls run. The AI SDK runs a step's tool
 * calls inside the model call, so the step's text, read from the finished step, would come after its code: here it
 * is read from the model's own response, before the SDK sees a tool call. Non-streaming: all the text of the
 * response, as soon as it arrives (the SDK runs tools only after). Streaming: the text so far, when a tool call
 * starts, and any text after the last tool call when the response ends. Undefined for a model given by its id
 * string, which cannot be wrapped: its step's text is reported after the step.
 */
export function narratedModel(
  model: LanguageModel,
  onNarration: NarrationListener,
): LanguageModel | undefined {
  if (typeof model === 'string') return undefined;
  return wrapLanguageModel({ model, middleware: narrationMiddleware(onNarration) });
}

function narrationMiddleware(onNarration: NarrationListener): LanguageModelMiddleware {
  const report = (text: string): void => {
    if (text !== '') onNarration(text);
  };
  return {
    wrapGenerate: async ({ doGenerate }) => {
      const result = await doGenerate();
      report(result.content.map((part) => (part.type === 'text' ? part.text : '')).join(''));
      return result;
    },
    wrapStream: async ({ doStream }) => {
      const result = await doStream();
      return { ...result, stream: result.stream.pipeThrough(narratingTransform(report)) };
    },
  };
}

/** Passes the stream on unchanged, reporting the text gathered so far before each tool call goes on to the SDK. */
function narratingTransform(report: (text: string) => void): TransformStream<StreamPart, StreamPart> {
  let pending = '';
  const flush = (): void => {
    const text = pending;
    pending = '';
    report(text);
  };
  return new TransformStream<StreamPart, StreamPart>({
    transform(part, controller) {
      if (part.type === 'text-delta') pending += part.delta;
      if (part.type === 'tool-input-start' || part.type === 'tool-call') flush();
      controller.enqueue(part);
    },
    flush,
  });
}
