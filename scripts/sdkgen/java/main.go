// Command sdkgen-java writes the Java SDK of a Pulumi package schema with
// pulumi-java's own generator (github.com/pulumi/pulumi-java/pkg/codegen/java,
// pinned with the Pulumi packages its go.mod names). Gradle files are left out
// (schema language.java.buildFiles "none"): sdk/java builds with Maven here.
//
// Usage: sdkgen-java <schema.json> <out-dir>
package main

import (
	"github.com/pulumi/pulumi-java/pkg/codegen/java"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	"managed-secrets.local/sdkgen/common"
)

func main() {
	common.Main("sdkgen-java", func(pkg *schema.Package, _ string) (map[string][]byte, error) {
		return java.GeneratePackage(common.Tool, pkg, nil, nil, false, false)
	})
}
