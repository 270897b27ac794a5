package server_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestMultiAttributeGSIPersists: a GSI with a multi-attribute key, made by
// CreateTable, and another made by UpdateTable, keep their key schemas and
// their query semantics across a restart from the log and one from a
// snapshot.
func TestMultiAttributeGSIPersists(t *testing.T) {
	dir := t.TempDir()
	srv := &dirServer{t: t, dir: dir}
	srv.start()
	t.Cleanup(srv.stop)
	ctx := context.Background()
	db := srv.client()
	def := func(n string, ty types.ScalarAttributeType) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: ty}
	}
	key := func(n string, kt types.KeyType) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(n), KeyType: kt}
	}
	_, err := db.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:   aws.String("Multi"),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{def("pk", types.ScalarAttributeTypeS),
			def("g1", types.ScalarAttributeTypeS), def("g2", types.ScalarAttributeTypeN),
			def("s1", types.ScalarAttributeTypeS), def("s2", types.ScalarAttributeTypeN)},
		KeySchema: []types.KeySchemaElement{key("pk", types.KeyTypeHash)},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String("by-g"),
			KeySchema: []types.KeySchemaElement{key("g1", types.KeyTypeHash), key("g2", types.KeyTypeHash),
				key("s1", types.KeyTypeRange), key("s2", types.KeyTypeRange)},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	put := func(db *ddb.Client, pk, s1, s2 string) {
		t.Helper()
		if _, err := db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Multi"), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: pk}, "g1": &types.AttributeValueMemberS{Value: "a"},
			"g2": &types.AttributeValueMemberN{Value: "1"}, "s1": &types.AttributeValueMemberS{Value: s1},
			"s2": &types.AttributeValueMemberN{Value: s2}}}); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range [][2]string{{"y", "5"}, {"x", "10"}, {"x", "-2"}, {"x", "3"}} {
		put(db, fmt.Sprint("p", i), r[0], r[1])
	}
	_, err = db.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("Multi"),
		AttributeDefinitions: []types.AttributeDefinition{def("s1", types.ScalarAttributeTypeS), def("s2", types.ScalarAttributeTypeN)},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName: aws.String("by-s"), KeySchema: []types.KeySchemaElement{key("s1", types.KeyTypeHash), key("s2", types.KeyTypeHash)},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}}})
	if err != nil {
		t.Fatal(err)
	}
	query := func(db *ddb.Client, index, cond string, vals map[string]types.AttributeValue) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			out, err := db.Query(ctx, &ddb.QueryInput{TableName: aws.String("Multi"), IndexName: aws.String(index),
				KeyConditionExpression: aws.String(cond), ExpressionAttributeValues: vals})
			if err != nil && strings.Contains(err.Error(), "backfill") && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond) // the new index is being backfilled
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			var pks []string
			for _, it := range out.Items {
				pks = append(pks, it["pk"].(*types.AttributeValueMemberS).Value)
			}
			return strings.Join(pks, ",")
		}
	}
	check := func(when string, extra string) {
		t.Helper()
		db := srv.client()
		d, err := db.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("Multi")})
		if err != nil {
			t.Fatal(err)
		}
		var schemas []string
		for _, g := range d.Table.GlobalSecondaryIndexes {
			var ks []string
			for _, k := range g.KeySchema {
				ks = append(ks, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
			}
			schemas = append(schemas, aws.ToString(g.IndexName)+"="+strings.Join(ks, ","))
		}
		want := "by-g=g1:HASH,g2:HASH,s1:RANGE,s2:RANGE by-s=s1:HASH,s2:HASH"
		if got := strings.Join(schemas, " "); got != want {
			t.Fatalf("%s: schemas %s, want %s", when, got, want)
		}
		ab := map[string]types.AttributeValue{":a": &types.AttributeValueMemberS{Value: "a"}, ":b": &types.AttributeValueMemberN{Value: "1"}}
		if got := query(db, "by-g", "g1 = :a AND g2 = :b", ab); got != "p2,p3,p1,p0"+extra {
			t.Fatalf("%s: by-g order %s", when, got)
		}
		ab[":x"], ab[":n"] = &types.AttributeValueMemberS{Value: "x"}, &types.AttributeValueMemberN{Value: "3"}
		if got := query(db, "by-g", "g1 = :a AND g2 = :b AND s1 = :x AND s2 >= :n", ab); got != "p3,p1" {
			t.Fatalf("%s: by-g range %s", when, got)
		}
		if got := query(db, "by-s", "s1 = :x AND s2 = :n", map[string]types.AttributeValue{
			":x": &types.AttributeValueMemberS{Value: "x"}, ":n": &types.AttributeValueMemberN{Value: "3"}}); got != "p3" {
			t.Fatalf("%s: by-s %s", when, got)
		}
	}
	check("before a restart", "")

	srv.stop()
	srv.start()
	check("after a restart from the log", "")
	// The recovered index is maintained by new writes.
	put(srv.client(), "p9", "z", "0")
	check("after a write", ",p9")

	srv.stop()
	srv.snapshotBytes = 1
	srv.start()
	// An item without s2: in neither index.
	if _, err := srv.client().PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Multi"), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "p8"}, "g1": &types.AttributeValueMemberS{Value: "a"},
		"g2": &types.AttributeValueMemberN{Value: "1"}, "s1": &types.AttributeValueMemberS{Value: "x"}}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if snaps, _ := filepath.Glob(filepath.Join(dir, "snap-*.dcs")); len(snaps) > 0 {
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
	check("after a restart from a snapshot", ",p9")
}
