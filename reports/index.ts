export { renderConsole, type ConsoleOptions } from './console.js';
export { prepareOutputFile, renderJson, writeJsonFile } from './json.js';
export { formatBytes, formatCount, formatMicros, formatRate } from './format.js';
