import { optional, pageParams, paginate } from "../../gateway/params";
import type { ActionContext } from "../../gateway/product";
import type { SystemEventRecord } from "../../state/state-types";
import { cmsErrors } from "./cms-errors";

/**
 * DescribeSystemEventAttribute (API 2019-01-01): the system events other
 * services raised (KMS's Secret:RotateSecret:Success|Failure here), the way
 * a reader with cms:DescribeSystemEventAttribute sees them. Parameters, per
 * the reference: Product, EventType, Name, Level, Status, GroupId,
 * SearchKeywords ("a and b", "a or b", matched in the content), StartTime and
 * EndTime (Unix milliseconds: the reference's example is 13 digits, though
 * one translation says seconds), PageNumber (from 1) and PageSize (1..100,
 * default 10). The answer: SystemEvents.SystemEvent[] with Time (ms),
 * Product, Name, Level, Status, EventType, RegionId, ResourceId,
 * InstanceName, GroupId and Content (the content as a JSON string).
 *
 * Ours, where the reference is silent: the newest event first; Product, Name,
 * Level, Status and EventType compared without regard to case; a keyword
 * matched as a plain substring of the content; no GroupId on KMS's events
 * (so asking for one finds none of them); StartTime after EndTime refused.
 */

const PAGE_SIZE = { min: 1, max: 100, default: 10 } as const;
const MILLISECONDS = /^\d{1,15}$/;

function time(ctx: ActionContext, name: string): number | undefined {
  const raw = optional(ctx.params, name);
  if (raw === undefined) return undefined;
  if (!MILLISECONDS.test(raw)) throw cmsErrors.invalid(`${name} must be a Unix timestamp in milliseconds.`);
  return Number(raw);
}

/** "a and b" needs both in the content, "a or b" either; anything else is one keyword. */
function keywordMatch(search: string | undefined): (content: string) => boolean {
  if (search === undefined) return () => true;
  const any = search.split(/\s+or\s+/i).map((alternative) => alternative.split(/\s+and\s+/i).map((k) => k.trim()).filter((k) => k !== ""));
  return (content) => any.some((all) => all.length > 0 && all.every((k) => content.includes(k)));
}

function same(wanted: string | undefined, actual: string): boolean {
  return wanted === undefined || wanted.toLowerCase() === actual.toLowerCase();
}

function view(e: SystemEventRecord) {
  return {
    Time: Date.parse(e.time),
    Product: e.product,
    Name: e.name,
    Level: e.level,
    Status: e.status,
    EventType: e.eventType,
    RegionId: e.regionId,
    ResourceId: e.resourceId,
    InstanceName: e.resourceId,
    Content: JSON.stringify(e.content),
  };
}

export function describeSystemEventAttribute(ctx: ActionContext) {
  const from = time(ctx, "StartTime");
  const to = time(ctx, "EndTime");
  if (from !== undefined && to !== undefined && from > to) throw cmsErrors.invalid("StartTime must not be after EndTime.");
  const { pageNumber, pageSize } = pageParams(ctx.params, PAGE_SIZE, (name) => cmsErrors.invalid(`${name} must be a whole number${name === "PageSize" ? " 1 to 100" : " from 1"}.`));
  const p = (name: string) => optional(ctx.params, name);
  const keywords = keywordMatch(p("SearchKeywords"));
  const group = p("GroupId");
  const matching = (ctx.state.data.systemEvents ?? [])
    .filter((e) => {
      const at = Date.parse(e.time);
      return (
        same(p("Product"), e.product) &&
        same(p("Name"), e.name) &&
        same(p("Level"), e.level) &&
        same(p("Status"), e.status) &&
        same(p("EventType"), e.eventType) &&
        group === undefined &&
        (from === undefined || at >= from) &&
        (to === undefined || at <= to) &&
        keywords(JSON.stringify(e.content))
      );
    })
    .map((e, i) => ({ e, i }))
    // Newest first; events of one second in the order they were raised, latest first.
    .sort((a, b) => Date.parse(b.e.time) - Date.parse(a.e.time) || b.i - a.i)
    .map(({ e }) => view(e));
  return { Code: "200", Message: "", Success: "true", SystemEvents: { SystemEvent: paginate(matching, pageNumber, pageSize) } };
}
