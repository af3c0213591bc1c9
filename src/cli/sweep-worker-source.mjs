// The sweep worker when stacklab runs from its sources (through tsx): tinypool loads this plain
// JavaScript file in a worker thread or a child process, and it loads the TypeScript worker through
// tsx's API (a thread does not reliably get tsx's loader from --import; the bundle needs no shim).
import { tsImport } from 'tsx/esm/api';

const worker = await tsImport('./sweep-worker.ts', import.meta.url);
export default worker.default;
