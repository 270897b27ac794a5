package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestFlags(t *testing.T) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_DEFAULT_REGION": "ap-south-1"}
	getenv := func(k string) string { return env[k] }
	var errb bytes.Buffer
	cfg, err := parseFlags(nil, getenv, &errb)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Targets[0] != "http://127.0.0.1:8000" || cfg.Rounds != 1 || cfg.Dist != "zipfian" || !cfg.Load {
		t.Errorf("defaults: %+v", cfg)
	}
	if cfg.Creds.AccessKey != "AKID" || cfg.Creds.SecretKey != "SECRET" || cfg.Region != "ap-south-1" {
		t.Errorf("credentials from the environment: %+v %s", cfg.Creds, cfg.Region)
	}
	cfg, err = parseFlags([]string{"--region", "eu-west-1", "--access-key", "A", "--target", "http://127.0.0.1:1", "--target", "resp://127.0.0.1:2",
		"--workload", "get", "--distribution", "latest"}, getenv, &errb)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-1" || cfg.Creds.AccessKey != "A" || cfg.Rounds != 3 || cfg.Dist != "latest" {
		t.Errorf("flags win over the environment; two targets mean 3 rounds: %+v", cfg)
	}
	for _, bad := range [][]string{
		{"--compare"},
		{"--table", `a"b`},
		{"--table", "ab"},
		{"--records", "0"},
		{"--batch", "101"},
		{"--load-batch", "26"},
		{"--distribution", "normal"},
		{"--workload", "z"},
		{"--progress", "sometimes"},
		{"--load-only", "--skip-load"},
		{"extra"},
	} {
		if _, err := parseFlags(bad, getenv, &errb); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTargets(t *testing.T) {
	build := func(args ...string) error {
		var errb bytes.Buffer
		cfg, err := parseFlags(args, func(string) string { return "" }, &errb)
		if err != nil {
			return err
		}
		_, err = buildTargets(cfg)
		return err
	}
	for _, ok := range [][]string{
		{"--target", "http://localhost:8000"},
		{"--target", "resp://[::1]:6379", "--workload", "incr"},
		{"--target", "https://dynamodb.eu-west-1.amazonaws.com", "--allow-remote"},
	} {
		if err := build(ok...); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--target", "https://dynamodb.eu-west-1.amazonaws.com"}, "not a loopback address"},
		{[]string{"--target", "http://10.0.0.1:8000"}, "not a loopback address"},
		{[]string{"--target", "ftp://127.0.0.1:21"}, "unknown scheme"},
		{[]string{"--target", "127.0.0.1:8000"}, "want http://"},
		{[]string{"--target", "http://127.0.0.1:8000", "--workload", "incr"}, "has no DynamoDB form"},
	} {
		if err := build(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.args, err, tc.want)
		}
	}
}

// A target that is not there: the run fails with a clear message, exit 1.
func TestUnreachableTarget(t *testing.T) {
	f := startFakeRedis(t)
	addr := f.addr()
	f.close() // nothing listens there now
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"--target", "resp://" + addr, "--ops", "10", "--timeout", "2s"}, func(string) string { return "" }, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "refused") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}
