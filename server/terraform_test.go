package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/dynacache/dynacache/server"
)

// tfProvider is the provider version testdata/terraform/main.tf pins.
const tfProvider = "registry.terraform.io/hashicorp/aws/5.100.0"

// tfMirror returns the filesystem mirror (the directory holding
// registry.terraform.io) that has the pinned provider, or "". It looks at
// $DYNACACHE_TF_MIRROR, the places Terraform's docs name for implied
// mirrors, then every directory down to depth 3 from / (as
// `find / -maxdepth 3 -type d -name registry.terraform.io` would).
func tfMirror() string {
	has := func(dir string) bool {
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(tfProvider)))
		return err == nil && st.IsDir()
	}
	home, _ := os.UserHomeDir()
	candidates := []string{os.Getenv("DYNACACHE_TF_MIRROR"), "/opt/tf-plugins",
		filepath.Join(home, ".terraform.d", "plugins"), filepath.Join(home, ".local", "share", "terraform", "plugins"),
		"/usr/local/share/terraform/plugins", "/usr/share/terraform/plugins"}
	for _, c := range candidates {
		if c != "" && has(c) {
			return c
		}
	}
	found := ""
	visited := 0
	filepath.WalkDir("/", func(path string, d fs.DirEntry, err error) error {
		visited++
		if err != nil || found != "" || visited > 100_000 {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			return nil
		}
		if path == "/proc" || path == "/sys" || path == "/dev" {
			return filepath.SkipDir
		}
		if d.Name() == "registry.terraform.io" && has(filepath.Dir(path)) {
			found = filepath.Dir(path)
			return filepath.SkipAll
		}
		if strings.Count(path, "/") >= 3 {
			return filepath.SkipDir
		}
		return nil
	})
	return found
}

// dirServer is an in-process dynacache on a data directory, restartable
// (a new loopback port each start).
type dirServer struct {
	t             *testing.T
	dir           string
	snapshotBytes int64     // 0: the default
	log           io.Writer // nil: discarded
	srv           *server.Server
	url           string
}

func (s *dirServer) start() {
	s.t.Helper()
	cfg := server.DefaultConfig()
	cfg.Dir = s.dir
	cfg.RESPAddr = ""
	cfg.SnapshotBytes = s.snapshotBytes
	cfg.Log = s.log
	srv, err := server.Open(cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		s.t.Fatal(err)
	}
	srv.ServeHTTP(ln)
	s.srv, s.url = srv, "http://"+ln.Addr().String()
}

func (s *dirServer) stop() {
	s.t.Helper()
	if s.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		s.t.Fatal(err)
	}
	s.srv = nil
}

func (s *dirServer) client() *ddb.Client {
	return ddb.New(ddb.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(s.url),
		Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
		RetryMaxAttempts: 1,
	})
}

// TestTerraform runs the real Terraform and hashicorp/aws provider against
// dynacache through a table's whole lifecycle (testdata/terraform/main.tf):
// create, import, change in two stages, restart, destroy; after every
// apply and every restart, `terraform plan -detailed-exitcode` must find
// nothing to change. It needs `terraform` on PATH and the provider in a
// filesystem mirror, and runs only with DYNACACHE_TERRAFORM=1 (.ci/run
// sets it): it takes a minute or two, most of it the provider starting.
func TestTerraform(t *testing.T) {
	if os.Getenv("DYNACACHE_TERRAFORM") == "" {
		t.Skip("Terraform end-to-end test: set DYNACACHE_TERRAFORM=1 to run it (.ci/run does)")
	}
	tfBin, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("Terraform end-to-end test skipped: no terraform on PATH")
	}
	mirror := tfMirror()
	if mirror == "" {
		t.Skip("Terraform end-to-end test skipped: no filesystem mirror holds " + tfProvider)
	}
	t.Logf("terraform %s, provider mirror %s", tfBin, mirror)

	work := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "terraform", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "main.tf"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	cliConfig := filepath.Join(work, "cli.tfrc")
	if err := os.WriteFile(cliConfig, []byte(`provider_installation {
  filesystem_mirror {
    path    = `+strconv.Quote(mirror)+`
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	// Terraform and the provider see only what the test sets: no plugin
	// cache, no version check over the network, no AWS profile.
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + work, "TF_CLI_CONFIG_FILE=" + cliConfig,
		"TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(work, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(work, "aws-credentials")}

	srv := &dirServer{t: t, dir: filepath.Join(work, "data")}
	srv.start()
	t.Cleanup(srv.stop)

	// tf runs terraform with the server's endpoint and returns its output
	// and exit code.
	tf := func(args ...string) (string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, tfBin, args...)
		cmd.Dir = work
		cmd.Env = append(env, "TF_VAR_endpoint="+srv.url)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		t.Logf("terraform %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return out.String(), exit.ExitCode()
		}
		if err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String(), 0
	}
	mustTF := func(args ...string) {
		t.Helper()
		if out, code := tf(args...); code != 0 {
			t.Fatalf("terraform %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
	}
	vars := func(stage int, imported bool) []string {
		return []string{"-var", "stage=" + strconv.Itoa(stage), "-var", "with_imported=" + strconv.FormatBool(imported)}
	}
	apply := func(stage int, imported bool) {
		t.Helper()
		mustTF(append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, vars(stage, imported)...)...)
	}
	noDrift := func(stage int, imported bool, when string) {
		t.Helper()
		out, code := tf(append([]string{"plan", "-detailed-exitcode", "-input=false", "-no-color"}, vars(stage, imported)...)...)
		if code != 0 {
			t.Fatalf("%s: terraform plan exit %d, want 0 (no changes)\n%s", when, code, out)
		}
	}
	ctx := context.Background()
	describe := func(name string) *types.TableDescription {
		t.Helper()
		out, err := srv.client().DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Table
	}
	attrNames := func(d *types.TableDescription) []string {
		var names []string
		for _, a := range d.AttributeDefinitions {
			names = append(names, *a.AttributeName)
		}
		slices.Sort(names)
		return names
	}

	mustTF("init", "-input=false", "-no-color")

	// Stage 1: create.
	apply(1, false)
	noDrift(1, false, "after stage 1")
	db := srv.client()
	ttl, err := db.DescribeTimeToLive(ctx, &ddb.DescribeTimeToLiveInput{TableName: aws.String("tf-orders")})
	if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusEnabled ||
		*ttl.TimeToLiveDescription.AttributeName != "expires_at" {
		t.Fatalf("time to live after stage 1: %+v, %v", ttl, err)
	}
	if d := describe("tf-orders"); d.StreamSpecification == nil || !*d.StreamSpecification.StreamEnabled ||
		len(d.GlobalSecondaryIndexes) != 1 || len(d.LocalSecondaryIndexes) != 1 {
		t.Fatalf("tf-orders after stage 1: %+v", d)
	}

	// A table made with the SDK, imported: nothing to change.
	_, err = db.CreateTable(ctx, &ddb.CreateTableInput{
		TableName: aws.String("tf-imported"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("kind"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(2), WriteCapacityUnits: aws.Int64(3)},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:             aws.String("by-kind"),
			KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("kind"), KeyType: types.KeyTypeHash}},
			Projection:            &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)},
		}},
		Tags: []types.Tag{{Key: aws.String("made-by"), Value: aws.String("sdk")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	mustTF(append([]string{"import", "-input=false", "-no-color"}, append(vars(1, true), "aws_dynamodb_table.imported[0]", "tf-imported")...)...)
	noDrift(1, true, "after import")

	// Restart on the same data directory: nothing drifts.
	srv.stop()
	srv.start()
	noDrift(1, true, "after a restart")

	// Stage 2: tags changed, a second GSI, a capacity raised, deletion
	// protection on.
	apply(2, true)
	noDrift(2, true, "after stage 2")
	db = srv.client()
	d := describe("tf-orders")
	if !*d.DeletionProtectionEnabled || len(d.GlobalSecondaryIndexes) != 2 || !slices.Contains(attrNames(d), "customer") {
		t.Fatalf("tf-orders after stage 2: %+v", d)
	}
	if c := describe("tf-counters"); *c.ProvisionedThroughput.ReadCapacityUnits != 10 {
		t.Fatalf("tf-counters read capacity after stage 2: %d", *c.ProvisionedThroughput.ReadCapacityUnits)
	}
	_, err = db.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String("tf-orders")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" ||
		ae.ErrorMessage() != "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first." {
		t.Fatalf("DeleteTable under deletion protection: %v", err)
	}

	// Stage 3: the second GSI (and the attribute only it used), point-in-
	// time recovery and deletion protection go.
	apply(3, true)
	noDrift(3, true, "after stage 3")
	d = describe("tf-orders")
	if *d.DeletionProtectionEnabled || len(d.GlobalSecondaryIndexes) != 1 ||
		!slices.Equal(attrNames(d), []string{"amount", "pk", "sk", "status"}) {
		t.Fatalf("tf-orders after stage 3: %+v, attributes %v", d, attrNames(d))
	}
	pitr, err := srv.client().DescribeContinuousBackups(ctx, &ddb.DescribeContinuousBackupsInput{TableName: aws.String("tf-orders")})
	if err != nil || pitr.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusDisabled {
		t.Fatalf("continuous backups after stage 3: %+v, %v", pitr, err)
	}

	srv.stop()
	srv.start()
	noDrift(3, true, "after a second restart")

	// Destroy: no table is left.
	mustTF(append([]string{"destroy", "-auto-approve", "-input=false", "-no-color"}, vars(3, true)...)...)
	list, err := srv.client().ListTables(ctx, &ddb.ListTablesInput{})
	if err != nil || len(list.TableNames) != 0 {
		t.Fatalf("tables after destroy: %v, %v", list.TableNames, err)
	}
}
