import { lazy } from "../core/lazy";

/** The Alibaba Cloud SDK modules the clients call, each loaded on first use (core/lazy.ts says what that buys). */
export const openApiCore = lazy(() => require("@alicloud/openapi-core") as typeof import("@alicloud/openapi-core"));
export const teaUtil = lazy(() => require("@alicloud/tea-util") as typeof import("@alicloud/tea-util"));
export const credentialsSdk = lazy(() => require("@alicloud/credentials") as typeof import("@alicloud/credentials"));
export const ecsSdk = lazy(() => require("@alicloud/ecs20140526") as typeof import("@alicloud/ecs20140526"));
export const ramSdk = lazy(() => require("@alicloud/ram20150501") as typeof import("@alicloud/ram20150501"));
export const stsSdk = lazy(() => require("@alicloud/sts20150401") as typeof import("@alicloud/sts20150401"));
