// Command sdkgen-pulumi writes the Python or Go SDK of a Pulumi package schema
// with Pulumi's own generators (github.com/pulumi/pulumi/pkg/v3/codegen at the
// CLI's version, pinned in go.mod). `pulumi package gen-sdk` would call the
// same generators through each language host, and no Python or Go language
// host is served here.
//
// Usage: sdkgen-pulumi <schema.json> <out-dir> <python|go>
package main

import (
	"fmt"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	"managed-secrets.local/sdkgen/common"
)

func main() {
	common.Main("sdkgen-pulumi", func(pkg *schema.Package, language string) (map[string][]byte, error) {
		switch language {
		case "python":
			return python.GeneratePackage(common.Tool, pkg, nil, common.NoReferences{})
		case "go":
			return gogen.GeneratePackage(common.Tool, pkg, nil)
		}
		return nil, fmt.Errorf("language %q: this tool writes python or go", language)
	})
}
