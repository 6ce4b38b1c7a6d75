// Command sdkgen-dotnet writes the .NET SDK of a Pulumi package schema with
// Pulumi's .NET generator, which lives in the .NET language host's module
// (github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3/codegen, pinned
// with the Pulumi packages its go.mod names: on the CLI's version it does not
// compile).
//
// The generator downloads the package logo (schema logoUrl, or Pulumi's
// generic one) for the NuGet package. Nothing outside the package registries
// is reachable here, so this tool answers that one request itself with a
// plain 64x64 PNG it draws; any other request fails as before.
//
// Usage: sdkgen-dotnet <schema.json> <out-dir>
package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"strings"

	dotnet "github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3/codegen"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	"managed-secrets.local/sdkgen/common"
)

type offlineLogo struct{}

func (offlineLogo) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || !strings.HasSuffix(req.URL.Path, ".png") {
		return nil, fmt.Errorf("sdkgen-dotnet: no network here for %s", req.URL)
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{R: 0xff, G: 0x6a, B: 0x00, A: 0xff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"image/png"}}, Body: io.NopCloser(&buf), Request: req}, nil
}

func main() {
	http.DefaultClient.Transport = offlineLogo{}
	common.Main("sdkgen-dotnet", func(pkg *schema.Package, _ string) (map[string][]byte, error) {
		return dotnet.GeneratePackage(common.Tool, pkg, nil, nil)
	})
}
