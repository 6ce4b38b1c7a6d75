module managed-secrets.local/sdkgen/common

go 1.24
