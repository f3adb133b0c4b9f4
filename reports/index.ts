export { renderConsole, type ConsoleOptions } from './console.js';
export { prepareOutputFile, renderJson, writeJsonFile, writeTextFile } from './json.js';
export { formatBytes, formatCount, formatMicros, formatRate } from './format.js';
export { renderHtml } from './html.js';
export { renderJunit } from './junit.js';
export { renderMarkdown } from './markdown.js';
export { parseResult, readResultFile } from './read.js';
