package server_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// syncBuffer is a log writer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestControlSettingsPersist: tags, time to live, point-in-time recovery,
// deletion protection and a GSI deletion survive a restart from the log,
// and another from a snapshot.
func TestControlSettingsPersist(t *testing.T) {
	dir := t.TempDir()
	srv := &dirServer{t: t, dir: dir}
	srv.start()
	t.Cleanup(srv.stop)
	ctx := context.Background()
	db := srv.client()
	arn := "arn:aws:dynamodb:us-east-1:000000000000:table/Kept"
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"dynamodb:GetItem","Resource":"*"}]}`
	var revision string

	_, err := db.CreateTable(ctx, &ddb.CreateTableInput{
		TableName: aws.String("Kept"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("kind"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema:   []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode: types.BillingModePayPerRequest,
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String("by-kind"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("kind"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}},
		Tags:                      []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}},
		DeletionProtectionEnabled: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error {
			_, err := db.TagResource(ctx, &ddb.TagResourceInput{ResourceArn: aws.String(arn),
				Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}}})
			return err
		},
		func() error {
			_, err := db.UntagResource(ctx, &ddb.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"env"}})
			return err
		},
		func() error {
			out, err := db.PutResourcePolicy(ctx, &ddb.PutResourcePolicyInput{ResourceArn: aws.String(arn), Policy: aws.String(policy)})
			if err == nil {
				revision = *out.RevisionId
			}
			return err
		},
		func() error {
			_, err := db.UpdateTimeToLive(ctx, &ddb.UpdateTimeToLiveInput{TableName: aws.String("Kept"),
				TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(true)}})
			return err
		},
		func() error {
			_, err := db.UpdateContinuousBackups(ctx, &ddb.UpdateContinuousBackupsInput{TableName: aws.String("Kept"),
				PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true), RecoveryPeriodInDays: aws.Int32(10)}})
			return err
		},
		func() error {
			_, err := db.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("Kept"),
				GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("by-kind")}}}})
			return err
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}

	check := func(when string) {
		t.Helper()
		db := srv.client()
		tags, err := db.ListTagsOfResource(ctx, &ddb.ListTagsOfResourceInput{ResourceArn: aws.String(arn)})
		if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Key != "team" || *tags.Tags[0].Value != "core" {
			t.Fatalf("%s: tags %+v, %v", when, tags, err)
		}
		pol, err := db.GetResourcePolicy(ctx, &ddb.GetResourcePolicyInput{ResourceArn: aws.String(arn)})
		if err != nil || *pol.Policy != policy || *pol.RevisionId != revision {
			t.Fatalf("%s: resource policy %+v, %v", when, pol, err)
		}
		ttl, err := db.DescribeTimeToLive(ctx, &ddb.DescribeTimeToLiveInput{TableName: aws.String("Kept")})
		if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusEnabled || *ttl.TimeToLiveDescription.AttributeName != "exp" {
			t.Fatalf("%s: time to live %+v, %v", when, ttl, err)
		}
		pitr, err := db.DescribeContinuousBackups(ctx, &ddb.DescribeContinuousBackupsInput{TableName: aws.String("Kept")})
		if err != nil {
			t.Fatal(err)
		}
		if p := pitr.ContinuousBackupsDescription.PointInTimeRecoveryDescription; p.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusEnabled || *p.RecoveryPeriodInDays != 10 {
			t.Fatalf("%s: point-in-time recovery %+v", when, p)
		}
		d, err := db.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Kept")})
		if err != nil {
			t.Fatal(err)
		}
		if !*d.Table.DeletionProtectionEnabled || len(d.Table.GlobalSecondaryIndexes) != 0 ||
			len(d.Table.AttributeDefinitions) != 1 || *d.Table.AttributeDefinitions[0].AttributeName != "id" {
			t.Fatalf("%s: table %+v", when, d.Table)
		}
		_, err = db.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String("Kept")})
		if err == nil || !strings.Contains(err.Error(), "protected against deletion") {
			t.Fatalf("%s: DeleteTable: %v", when, err)
		}
	}
	check("before a restart")

	// From the log.
	srv.stop()
	srv.start()
	check("after a restart from the log")

	// From a snapshot: one more logged change past a tiny threshold
	// makes the log write one.
	srv.stop()
	srv.snapshotBytes = 1
	srv.start()
	if _, err := srv.client().TagResource(ctx, &ddb.TagResourceInput{ResourceArn: aws.String(arn),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		snaps, _ := filepath.Glob(filepath.Join(dir, "snap-*.dcs"))
		if len(snaps) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no snapshot written")
		}
		time.Sleep(10 * time.Millisecond)
	}
	srv.stop()
	srv.snapshotBytes = 0
	logs := &syncBuffer{}
	srv.log = logs
	srv.start()
	if out := logs.String(); !strings.Contains(out, "from snapshot snap-") {
		t.Fatalf("the restart did not start from a snapshot:\n%s", out)
	}
	check("after a restart from a snapshot")

	// Deletion protection off, and the table goes for good.
	db = srv.client()
	if _, err := db.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("Kept"), DeletionProtectionEnabled: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String("Kept")}); err != nil {
		t.Fatal(err)
	}
	srv.stop()
	srv.start()
	list, err := srv.client().ListTables(ctx, &ddb.ListTablesInput{})
	if err != nil || len(list.TableNames) != 0 {
		t.Fatalf("tables after delete and restart: %v, %v", list.TableNames, err)
	}
}
