// Declarative, rotated ECS passwords / SSH keys and RAM AccessKeys on Alibaba Cloud, with KMS managed-secret semantics.
package alicloudmanagedsecrets
