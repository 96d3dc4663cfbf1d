import { createHash } from 'node:crypto';
import type { PdpToolCall, RequestOf } from '@ironcurtain/proto-schemas';

type ToolCallRequest = RequestOf<typeof PdpToolCall>;

/**
 * A tool call as it can travel on the bus: unchanged when its arguments fit `maxArgumentBytes`
 * (`maximumToolArgumentBytes` of the server's max payload), else without them and with their size and hash instead
 * (`oversize`: bytes and SHA-256 of their JSON text). The bus would refuse the whole request unseen; this way the PDP
 * still denies the call and the audit trail records it.
 */
export function fitToolCallRequest(request: ToolCallRequest, maxArgumentBytes: number): ToolCallRequest {
  if (request.arguments === undefined) return request;
  const text = JSON.stringify(request.arguments);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxArgumentBytes) return request;
  const { arguments: _tooLarge, ...call } = request;
  return { ...call, oversize: { bytes, sha256: createHash('sha256').update(text, 'utf8').digest('hex') } };
}
