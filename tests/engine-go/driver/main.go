// Command driver runs one Pulumi operation on an inline program through the Go
// Automation API (github.com/pulumi/pulumi/sdk/v3/go/auto), with the generated
// Go SDK (sdk/go, reached by a replace directive as a user reaches an
// unpublished module), as a Go user's code would. The test sends a JSON
// request on stdin and reads one JSON line back.
//
// The Automation API runs the program in this process and calls the real CLI
// with --client: no language host binary is involved.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	ms "github.com/alicloud-managed-secrets/alicloud-managed-secrets/sdk/go/alicloudmanagedsecrets"
)

type request struct {
	Op      string `json:"op"`
	Program string `json:"program"`
	Stack   string `json:"stack"`
	Project string `json:"project"`
	WorkDir string `json:"workDir"`
	Config  map[string]struct {
		Value  string
		Secret bool
	} `json:"config"`
	Options struct {
		Refresh         bool `json:"refresh"`
		ExpectNoChanges bool `json:"expectNoChanges"`
	} `json:"options"`
}

func lifecycle(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	connection := ms.EcsConnectionArgs{
		Host:               pulumi.String(cfg.Require("web1Host")),
		Port:               pulumi.Int(cfg.RequireInt("web1Port")),
		HostKeyFingerprint: pulumi.String(cfg.Require("web1HostKeyFingerprint")),
		Admin:              ms.EcsAdminArgs{User: pulumi.String("root"), PrivateKey: cfg.RequireSecret("web1AdminPrivateKey")},
	}
	trigger := pulumi.String(cfg.Require("rotateNow"))
	root, err := ms.NewEcsSecret(ctx, "web1-root", &ms.EcsSecretArgs{
		InstanceId:         pulumi.String("i-sandboxweb1"),
		ManagedUser:        pulumi.String("root"),
		CredentialType:     ms.CredentialTypePassword,
		InitialValue:       cfg.RequireSecret("web1RootPassword"),
		Connection:         connection,
		RotationPeriod:     pulumi.String("7d"),
		RotationTrigger:    trigger,
		RecoveryWindowDays: pulumi.Int(7),
	})
	if err != nil {
		return err
	}
	key, err := ms.NewEcsSecret(ctx, "web1-root-key", &ms.EcsSecretArgs{
		InstanceId:         pulumi.String("i-sandboxweb1"),
		ManagedUser:        pulumi.String("root"),
		CredentialType:     ms.CredentialTypeKeyPair,
		SecretName:         pulumi.String("ecs/i-sandboxweb1/root-key"),
		InitialValue:       cfg.RequireSecret("web1RootPrivateKey"),
		KeyAlgorithm:       ms.KeyAlgorithmEd25519,
		Connection:         connection,
		RotationPeriod:     pulumi.String("7d"),
		RotationTrigger:    trigger,
		RecoveryWindowDays: pulumi.Int(7),
	})
	if err != nil {
		return err
	}
	app, err := ms.NewRamSecret(ctx, "app-key", &ms.RamSecretArgs{
		UserName:               pulumi.String(cfg.Require("ramUserName")),
		InitialAccessKeyId:     pulumi.String(cfg.Require("ramAccessKeyId")),
		InitialAccessKeySecret: cfg.RequireSecret("ramAccessKeySecret"),
		PreviousKeyAction:      ms.PreviousKeyActionDeactivate,
		RotationPeriod:         pulumi.String("7d"),
		RotationTrigger:        trigger,
		RecoveryWindowDays:     pulumi.Int(7),
	})
	if err != nil {
		return err
	}
	ctx.Export("web1RootVersion", root.VersionId)
	ctx.Export("web1RootKeyVersion", key.VersionId)
	ctx.Export("appAccessKeyId", app.AccessKeyId)
	return nil
}

func bad(variant string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		args := &ms.EcsSecretArgs{
			InstanceId:     pulumi.String("i-bp1abcdefghijk"),
			ManagedUser:    pulumi.String("root"),
			CredentialType: ms.CredentialTypePassword,
			InitialValue:   pulumi.ToSecret(pulumi.String("Initial-Passw0rd-1")).(pulumi.StringOutput),
			Connection:     ms.EcsConnectionArgs{Host: pulumi.String("127.0.0.1"), HostKeyFingerprint: pulumi.String("SHA256:" + strings.Repeat("A", 43))},
		}
		switch variant {
		case "missing-required":
			args.InstanceId = nil
		case "wrong-enum":
			args.CredentialType = ms.CredentialType("passwd")
		case "plain-secret":
			args.Connection = ms.EcsConnectionArgs{
				Host: pulumi.String("127.0.0.1"), HostKeyFingerprint: pulumi.String("SHA256:" + strings.Repeat("A", 43)),
				Admin: ms.EcsAdminArgs{User: pulumi.String("root"), Password: pulumi.String("Admin-Passw0rd-1")},
			}
		}
		_, err := ms.NewEcsSecret(ctx, "s1", args)
		return err
	}
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	program := lifecycle
	if req.Program != "lifecycle" {
		program = bad(req.Program)
	}
	ctx := context.Background()
	var out strings.Builder
	code := 0
	err := func() error {
		stack, err := auto.UpsertStackInlineSource(ctx, req.Stack, req.Project, program, auto.WorkDir(req.WorkDir))
		if err != nil {
			return err
		}
		cfg := auto.ConfigMap{}
		for k, v := range req.Config {
			cfg[k] = auto.ConfigValue{Value: v.Value, Secret: v.Secret}
		}
		if err := stack.SetAllConfig(ctx, cfg); err != nil {
			return err
		}
		switch req.Op {
		case "up":
			opts := []optup.Option{optup.ProgressStreams(&out)}
			if req.Options.Refresh {
				opts = append(opts, optup.Refresh())
			}
			if req.Options.ExpectNoChanges {
				opts = append(opts, optup.ExpectNoChanges())
			}
			_, err = stack.Up(ctx, opts...)
		case "preview":
			opts := []optpreview.Option{optpreview.ProgressStreams(&out), optpreview.Diff()}
			if req.Options.Refresh {
				opts = append(opts, optpreview.Refresh())
			}
			if req.Options.ExpectNoChanges {
				opts = append(opts, optpreview.ExpectNoChanges())
			}
			_, err = stack.Preview(ctx, opts...)
		case "destroy":
			_, err = stack.Destroy(ctx, optdestroy.ProgressStreams(&out))
		default:
			err = fmt.Errorf("unknown op %q", req.Op)
		}
		return err
	}()
	if err != nil {
		out.WriteString("\n" + err.Error())
		code = 1
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"code": code, "text": out.String()})
}
