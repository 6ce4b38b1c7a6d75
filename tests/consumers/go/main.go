// A Go application reading managed secrets through Alibaba's Secrets Manager
// client for Go, as its README shows, with the region's endpoint set through
// models.NewRegionInfoWithEndpoint (the client's documented custom endpoint).
//
// Credentials and secret names come from the environment, never argv. Output
// is one JSON line per phase holding only SHA-256 digests of the parsed
// fields, so a test can compare values without a credential reaching a pipe
// or a log.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	sdk "github.com/aliyun/aliyun-secretsmanager-client-go/sdk"
	"github.com/aliyun/aliyun-secretsmanager-client-go/sdk/models"
	"github.com/aliyun/aliyun-secretsmanager-client-go/sdk/service"
)

type secretView struct {
	VersionId      string            `json:"versionId"`
	SecretDataType string            `json:"secretDataType"`
	Fields         map[string]string `json:"fields,omitempty"`
	Error          string            `json:"error,omitempty"`
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// view parses the value as the app would (JSON object of strings) and keeps digests only.
func view(info *models.SecretInfo) secretView {
	v := secretView{VersionId: info.VersionId, SecretDataType: info.SecretDataType, Fields: map[string]string{}}
	var parsed map[string]string
	if err := json.Unmarshal([]byte(info.SecretValue), &parsed); err != nil {
		v.Error = "value is not a JSON object of strings"
		return v
	}
	for k, val := range parsed {
		v.Fields[k] = digest(val)
	}
	return v
}

func report(phase string, client *sdk.SecretManagerCacheClient, names []string) {
	out := map[string]interface{}{"phase": phase}
	secrets := map[string]secretView{}
	for _, name := range names {
		info, err := client.GetSecretInfo(name)
		if err != nil {
			secrets[name] = secretView{Error: describe(err)}
			continue
		}
		secrets[name] = view(info)
	}
	out["secrets"] = secrets
	line, _ := json.Marshal(out)
	fmt.Println(string(line))
}

// describe keeps what the service answered (status, code, message), never a request's values.
func describe(err error) string {
	var server *sdkerrors.ServerError
	if errors.As(err, &server) {
		return fmt.Sprintf("%d %s: %s", server.HttpStatus(), server.ErrorCode(), server.Message())
	}
	return firstLine(err.Error())
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func main() {
	names := strings.Split(os.Getenv("CONSUMER_SECRETS"), ",")
	sort.Strings(names)
	region := models.NewRegionInfoWithEndpoint(os.Getenv("CONSUMER_REGION"), os.Getenv("CONSUMER_ENDPOINT"))
	smc := service.NewDefaultSecretManagerClientBuilder().Standard().
		WithAccessKey(os.Getenv("CONSUMER_AK_ID"), os.Getenv("CONSUMER_AK_SECRET")).
		AddRegionInfo(region).Build()
	client, err := sdk.NewSecretCacheClientBuilder(smc).Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, "build:", firstLine(err.Error()))
		os.Exit(2)
	}
	report("initial", client, names)
	// The test rotates the secrets, then says so on stdin.
	stdin := bufio.NewScanner(os.Stdin)
	for stdin.Scan() {
		switch stdin.Text() {
		case "cached":
			report("cached", client, names)
		case "refresh":
			for _, name := range names {
				if _, err := client.RefreshNow(name); err != nil {
					fmt.Fprintln(os.Stderr, "refresh:", firstLine(err.Error()))
				}
			}
			report("refreshed", client, names)
		case "quit":
			_ = client.Close()
			return
		}
	}
}
