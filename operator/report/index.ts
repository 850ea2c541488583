/** Pure renderings of plans, apply results and drift: terminal text, Markdown, JSON. */
export { renderPlanText, renderPlanMarkdown, planSummaryLine, countPlans, notReadText, PLAN_MARKER, type PlanCounts } from './plan.ts';
export { changeLines, fmtBytes, fmtOption, fmtSeconds, stepsText } from './changes.ts';
export { renderApplyText, renderApplyMarkdown, applySummaryLine, applyExitCode, countApply, APPLY_MARKER, type ApplyCounts } from './apply.ts';
export { toJson } from './json.ts';
export { JSON_FORMAT, planJson, applyJson, driftJson, type JsonReport, type JsonCommand } from './envelope.ts';
export { describeAction, headline, redactUrls } from './format.ts';
