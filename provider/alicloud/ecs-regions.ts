/**
 * Region ids where ECS and Cloud Assistant are offered. A typo here would
 * otherwise surface as "instance not found" after a network round trip, or
 * as a DNS failure for a made-up endpoint.
 */
export const ECS_REGIONS = [
  "cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu", "cn-hangzhou", "cn-shanghai", "cn-nanjing",
  "cn-fuzhou", "cn-wuhan-lr", "cn-shenzhen", "cn-heyuan", "cn-guangzhou", "cn-chengdu", "cn-hongkong",
  "cn-hangzhou-finance", "cn-shanghai-finance-1", "cn-shenzhen-finance-1", "cn-beijing-finance-1",
  "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-3", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
  "ap-south-1", "us-east-1", "us-west-1", "na-south-1", "eu-west-1", "eu-central-1", "me-east-1", "me-central-1",
] as const;

export const REGION_FORM = 'one of the ECS region ids, e.g. "cn-hangzhou", "ap-southeast-1"';

export function isKnownRegion(region: string): boolean {
  return (ECS_REGIONS as readonly string[]).includes(region);
}
