/** Pure renderings of plans, apply results and drift: terminal text, Markdown, JSON. */
export { renderPlanText, renderPlanMarkdown, summaryLine, PLAN_MARKER } from './plan.ts';
export { renderApplyText, renderApplyMarkdown, applySummaryLine, applyExitCode, countApply, APPLY_MARKER, type ApplyCounts } from './apply.ts';
export { renderDriftText, renderDriftMarkdown, driftSummaryLine, DRIFT_MARKER } from './drift.ts';
export { toJson } from './json.ts';
export { describeAction, headline, redactUrls } from './format.ts';
