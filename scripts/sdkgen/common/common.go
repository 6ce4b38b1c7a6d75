// Package common is what every generator tool of scripts/sdkgen shares:
// reading and binding the schema, and writing the generated files. Each tool
// is its own Go module with the pins its generator needs (replace
// directive), so this package compiles against each tool's Pulumi version.
package common

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// Tool is the generator name generated files record.
const Tool = "alicloud-managed-secrets-sdkgen"

// NoReferences loads nothing: the schema refers to no other package.
type NoReferences struct{}

func refused(name string) error {
	return fmt.Errorf("package %s: the schema may not refer to other packages", name)
}

func (NoReferences) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, refused(pkg)
}
func (NoReferences) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, refused(d.Name)
}
func (NoReferences) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, refused(pkg)
}
func (NoReferences) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, refused(d.Name)
}

// Bind reads schema.json and binds it, validated against Pulumi's metaschema:
// a schema it rejects fails here, not in a user's program.
func Bind(schemaPath string) (*schema.Package, error) {
	text, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	pkg, diags, err := schema.BindSpec(spec, NoReferences{}, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return pkg, nil
}

// WriteFiles writes generated files (paths relative to outDir).
func WriteFiles(outDir string, files map[string][]byte) error {
	for path, data := range files {
		full := filepath.Join(outDir, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Main runs generate for `<tool> <schema.json> <out-dir> [language]`.
func Main(name string, generate func(pkg *schema.Package, language string) (map[string][]byte, error)) {
	if len(os.Args) < 3 {
		fmt.Fprintf(os.Stderr, "usage: %s <schema.json> <out-dir> [language]\n", name)
		os.Exit(2)
	}
	language := ""
	if len(os.Args) > 3 {
		language = os.Args[3]
	}
	err := func() error {
		pkg, err := Bind(os.Args[1])
		if err != nil {
			return err
		}
		files, err := generate(pkg, language)
		if err != nil {
			return err
		}
		return WriteFiles(os.Args[2], files)
	}()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}
