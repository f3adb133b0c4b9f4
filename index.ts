/**
 * chatbench as a library: load scenarios, open a target, run, render.
 * The CLI (cli/) is a thin shell over exactly these calls.
 */
export { loadScenarioFile, parseScenarioText, scenarioJsonSchema } from './core/scenario/index.js';
export { runScenarios, runScenario, planScenario, selectScenarios } from './core/engine/index.js';
export { describeTargetSpec, limitsFor, openTarget, redactTargetUrl, targetFromUrl } from './runners/index.js';
export { registerRunner } from './core/target.js';
export type { ProtocolRunner, ProtocolLimits } from './core/target.js';
export { createMqttDriver } from './runners/mqtt/driver.js';
export { startEmbeddedBroker } from './runners/mqtt/embedded.js';
export { renderConsole, renderHtml, renderJson, renderJunit, renderMarkdown, renderResult, reportFormats, type ReportFormat } from './reports/index.js';
export { readResultFile, writeTextFile } from './cli/files.js';
export { mergeRunResults, type MergeOptions } from './core/result/merge.js';
export { ChatbenchResult as ChatbenchResultSchema, RunResult as RunResultSchema, RESULT_SCHEMA_VERSION } from './core/result/index.js';
export { ChatbenchError, ExitCode, InputError, RunAbortedError, TargetUnreachableError } from './core/errors.js';

export type { RunResult, ScenarioResult, LatencySummary, Delivery, Throughput } from './core/result/index.js';
export type { ScenarioFile, ScenarioSpec, TargetSpec, ThresholdSpec } from './core/scenario/types.js';
export type { ChatSession, Driver, InboundMessage, TargetHandle, TargetInfo } from './core/driver.js';
export type { EngineEvent } from './core/engine/index.js';
