import type { ProductSpec } from "../../gateway/product";
import { putCustomEvent } from "./cms-custom-events";
import { cmsErrors } from "./cms-errors";
import { describeSystemEventAttribute } from "./cms-system-events";
import { deleteMetricRules, putCustomEventRule, putEventRule, putEventRuleTargets } from "./cms-event-rules";

/**
 * CloudMonitor (API 2019-01-01): custom events (what the rotation runner
 * reports), the alert rules that turn custom and system events into
 * notifications, and the system events other emulated services raise
 * (cms-alerts.ts raiseSystemEvent), readable with DescribeSystemEventAttribute.
 */
export const cmsProduct: ProductSpec = {
  code: "Cms",
  ramNamespace: "cms",
  version: "2019-01-01",
  hostId: (regionId) => `metrics.${regionId}.aliyuncs.com`,
  noPermission: cmsErrors.noPermission,
  throttling: cmsErrors.throttling,
  actions: {
    PutCustomEvent: { handle: putCustomEvent },
    PutCustomEventRule: putCustomEventRule,
    PutEventRule: putEventRule,
    PutEventRuleTargets: putEventRuleTargets,
    DescribeSystemEventAttribute: { handle: describeSystemEventAttribute },
    DeleteMetricRules: deleteMetricRules,
  },
};
