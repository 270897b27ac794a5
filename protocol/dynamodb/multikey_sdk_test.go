package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// Multi-attribute GSI keys through the AWS SDK, after moto's AWS-verified
// tests/test_dynamodb/test_dynamodb_multi_attribute_gsi.py: table key pk
// (S); GSI "test_gsi" keyed gsi_pk (HASH, S), gsi_sk (RANGE, S), gsi_sk2
// (RANGE, N).

func hashKey(n string) types.KeySchemaElement {
	return types.KeySchemaElement{AttributeName: aws.String(n), KeyType: types.KeyTypeHash}
}

func rangeKey(n string) types.KeySchemaElement {
	return types.KeySchemaElement{AttributeName: aws.String(n), KeyType: types.KeyTypeRange}
}

func attrDef(n string, t types.ScalarAttributeType) types.AttributeDefinition {
	return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: t}
}

func createMultiGSI(t *testing.T, c *ddb.Client, name string) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &ddb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			attrDef("pk", types.ScalarAttributeTypeS), attrDef("gsi_pk", types.ScalarAttributeTypeS),
			attrDef("gsi_sk", types.ScalarAttributeTypeS), attrDef("gsi_sk2", types.ScalarAttributeTypeN),
		},
		KeySchema: []types.KeySchemaElement{hashKey("pk")},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String("test_gsi"),
			KeySchema:  []types.KeySchemaElement{hashKey("gsi_pk"), rangeKey("gsi_sk"), rangeKey("gsi_sk2")},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func putMulti(t *testing.T, c *ddb.Client, table string, items ...map[string]types.AttributeValue) {
	t.Helper()
	for _, it := range items {
		if _, err := c.PutItem(context.Background(), &ddb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
}

func insertMultiItems(t *testing.T, c *ddb.Client, table string) {
	t.Helper()
	for _, r := range []struct{ pk, gpk, gsk, gsk2 string }{
		{"1", "pk1", "skA", "100"}, {"2", "pk1", "skA", "200"}, {"3", "pk1", "skA", "300"},
		{"4", "pk1", "skB", "150"}, {"5", "pk2", "skA", "250"},
	} {
		putMulti(t, c, table, map[string]types.AttributeValue{"pk": s(r.pk), "gsi_pk": s(r.gpk), "gsi_sk": s(r.gsk), "gsi_sk2": n(r.gsk2)})
	}
}

// queryGSI runs a KeyConditionExpression on test_gsi; vals alternate
// placeholder and value.
func queryGSI(c *ddb.Client, table, cond string, vals ...any) (*ddb.QueryOutput, error) {
	in := &ddb.QueryInput{TableName: aws.String(table), IndexName: aws.String("test_gsi"),
		KeyConditionExpression: aws.String(cond), ExpressionAttributeValues: map[string]types.AttributeValue{}}
	for i := 0; i+1 < len(vals); i += 2 {
		in.ExpressionAttributeValues[vals[i].(string)] = vals[i+1].(types.AttributeValue)
	}
	return c.Query(context.Background(), in)
}

// pkOrder is the items' table keys in reply order, joined by commas.
func pkOrder(items []map[string]types.AttributeValue) string {
	var out []string
	for _, it := range items {
		out = append(out, attrS(it, "pk"))
	}
	return strings.Join(out, ",")
}

func TestSDKMultiAttributeGSI(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMultiGSI(t, c, "mgsi")
	d, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("mgsi")})
	if err != nil {
		t.Fatal(err)
	}
	ks := d.Table.GlobalSecondaryIndexes[0].KeySchema
	if len(ks) != 3 || aws.ToString(ks[0].AttributeName) != "gsi_pk" || ks[0].KeyType != types.KeyTypeHash ||
		aws.ToString(ks[1].AttributeName) != "gsi_sk" || ks[1].KeyType != types.KeyTypeRange ||
		aws.ToString(ks[2].AttributeName) != "gsi_sk2" || ks[2].KeyType != types.KeyTypeRange {
		t.Fatalf("key schema %+v", ks)
	}
	insertMultiItems(t, c, "mgsi")

	for _, tc := range []struct {
		name, cond string
		vals       []any
		want       string // pk order
	}{
		{"hash only", "gsi_pk = :pk", []any{":pk", s("pk1")}, "1,2,3,4"},
		{"first range equality", "gsi_pk = :pk AND gsi_sk = :sk", []any{":pk", s("pk1"), ":sk", s("skA")}, "1,2,3"},
		{"first range comparison", "gsi_pk = :pk AND gsi_sk > :sk", []any{":pk", s("pk1"), ":sk", s("skA")}, "4"},
		{"first range >=", "gsi_pk = :pk AND gsi_sk >= :sk", []any{":pk", s("pk1"), ":sk", s("skA")}, "1,2,3,4"},
		{"first range <", "gsi_pk = :pk AND gsi_sk < :sk", []any{":pk", s("pk1"), ":sk", s("skB")}, "1,2,3"},
		{"first range <=", "gsi_pk = :pk AND gsi_sk <= :sk", []any{":pk", s("pk1"), ":sk", s("skA")}, "1,2,3"},
		{"begins_with", "gsi_pk = :pk AND begins_with(gsi_sk, :sk)", []any{":pk", s("pk1"), ":sk", s("sk")}, "1,2,3,4"},
		{"begins_with whole", "gsi_pk = :pk AND begins_with(gsi_sk, :sk)", []any{":pk", s("pk1"), ":sk", s("skB")}, "4"},
		{"full equality", "gsi_pk = :pk AND gsi_sk = :sk AND gsi_sk2 = :sk2", []any{":pk", s("pk1"), ":sk", s("skA"), ":sk2", n("200")}, "2"},
		{"full comparison", "gsi_pk = :pk AND gsi_sk = :sk AND gsi_sk2 > :sk2", []any{":pk", s("pk1"), ":sk", s("skA"), ":sk2", n("100")}, "2,3"},
		{"full <=", "gsi_pk = :pk AND gsi_sk = :sk AND gsi_sk2 <= :sk2", []any{":pk", s("pk1"), ":sk", s("skA"), ":sk2", n("200")}, "1,2"},
		{"full <", "gsi_pk = :pk AND gsi_sk = :sk AND gsi_sk2 < :sk2", []any{":pk", s("pk1"), ":sk", s("skA"), ":sk2", n("200")}, "1"},
		{"full >=", "gsi_pk = :pk AND gsi_sk = :sk AND gsi_sk2 >= :sk2", []any{":pk", s("pk1"), ":sk", s("skA"), ":sk2", n("200")}, "2,3"},
		{"between", "gsi_pk = :pk AND gsi_sk = :sk AND gsi_sk2 BETWEEN :lo AND :hi", []any{":pk", s("pk1"), ":sk", s("skA"), ":lo", n("150"), ":hi", n("250")}, "2"},
		{"between inclusive", "gsi_pk = :pk AND gsi_sk = :sk AND gsi_sk2 BETWEEN :lo AND :hi", []any{":pk", s("pk1"), ":sk", s("skA"), ":lo", n("100"), ":hi", n("300")}, "1,2,3"},
		{"conditions in any order", "gsi_sk2 > :sk2 AND gsi_sk = :sk AND gsi_pk = :pk", []any{":pk", s("pk1"), ":sk", s("skA"), ":sk2", n("100")}, "2,3"},
		{"other partition", "gsi_pk = :pk", []any{":pk", s("pk2")}, "5"},
	} {
		out, err := queryGSI(c, "mgsi", tc.cond, tc.vals...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := pkOrder(out.Items); got != tc.want || int(out.Count) != len(out.Items) {
			t.Fatalf("%s: got %s (count %d), want %s", tc.name, got, out.Count, tc.want)
		}
		// The same range, descending.
		in := &ddb.QueryInput{TableName: aws.String("mgsi"), IndexName: aws.String("test_gsi"), ScanIndexForward: aws.Bool(false),
			KeyConditionExpression: aws.String(tc.cond), ExpressionAttributeValues: map[string]types.AttributeValue{}}
		for i := 0; i+1 < len(tc.vals); i += 2 {
			in.ExpressionAttributeValues[tc.vals[i].(string)] = tc.vals[i+1].(types.AttributeValue)
		}
		out, err = c.Query(ctx, in)
		if err != nil {
			t.Fatalf("%s descending: %v", tc.name, err)
		}
		want := strings.Split(tc.want, ",")
		slices.Reverse(want)
		if got := pkOrder(out.Items); got != strings.Join(want, ",") {
			t.Fatalf("%s descending: got %s, want %s", tc.name, got, strings.Join(want, ","))
		}
	}
	// Descending: the composite order reversed.
	out, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String("mgsi"), IndexName: aws.String("test_gsi"),
		KeyConditionExpression:    aws.String("gsi_pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("pk1")}, ScanIndexForward: aws.Bool(false)})
	if err != nil || pkOrder(out.Items) != "4,3,2,1" {
		t.Fatalf("descending: %v %v", err, out)
	}

	// Errors.
	_, err = queryGSI(c, "mgsi", "gsi_pk = :pk AND gsi_sk2 > :sk2", ":pk", s("pk1"), ":sk2", n("100"))
	apiErr(t, err, "ValidationException", "Query condition missed key schema element: gsi_sk")
	_, err = queryGSI(c, "mgsi", "gsi_pk = :pk AND gsi_sk > :sk AND gsi_sk2 = :sk2", ":pk", s("pk1"), ":sk", s("skA"), ":sk2", n("100"))
	apiErr(t, err, "ValidationException", "Query key condition not supported")
	_, err = queryGSI(c, "mgsi", "gsi_sk = :sk", ":sk", s("skA"))
	apiErr(t, err, "ValidationException", "Query condition missed key schema element: gsi_pk")
	_, err = queryGSI(c, "mgsi", "gsi_pk > :pk", ":pk", s("pk1"))
	apiErr(t, err, "ValidationException", "Query key condition not supported")
	_, err = queryGSI(c, "mgsi", "gsi_pk = :pk AND gsi_sk2 = :sk", ":pk", s("pk1"), ":sk", s("skA"))
	apiErr(t, err, "ValidationException", "Query condition missed key schema element: gsi_sk")
	_, err = queryGSI(c, "mgsi", "gsi_pk = :pk AND gsi_sk = :sk AND gsi_sk2 = :sk2", ":pk", s("pk1"), ":sk", s("skA"), ":sk2", s("x"))
	apiErr(t, err, "ValidationException", "One or more parameter values were invalid: Condition parameter type does not match schema type")
	_, err = queryGSI(c, "mgsi", "gsi_pk = :pk AND gsi_sk = :sk AND xyz = :sk", ":pk", s("pk1"), ":sk", s("skA"))
	apiErr(t, err, "ValidationException", "Query condition missed key schema element: gsi_sk2")
	// More than two conditions on the table itself keep the old answer.
	_, err = c.Query(ctx, &ddb.QueryInput{TableName: aws.String("mgsi"), KeyConditionExpression: aws.String("pk = :a AND b = :a AND c = :a"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": s("1")}})
	apiErr(t, err, "ValidationException", "Conditions can be of length 1 or 2 only")
}

func TestSDKMultiAttributeGSISorting(t *testing.T) {
	c := newClient(t)
	createMultiGSI(t, c, "mgsi_sort")
	// Table key order differs from the sort key order; the numbers cover
	// negatives, zero, fractions and magnitudes whose digit strings are
	// prefixes of each other.
	nums := []string{"300", "-1.5", "100", "0", "-12", "1.5", "10", "1", "-1", "2.25e10", "15"}
	for i, v := range nums {
		putMulti(t, c, "mgsi_sort", map[string]types.AttributeValue{"pk": s(fmt.Sprint("k", i)), "gsi_pk": s("p"), "gsi_sk": s("a"), "gsi_sk2": n(v)})
	}
	// Strings that are prefixes of each other, and a zero byte.
	for i, v := range []string{"ab", "a", "a\x00b", "b", "a\x00"} {
		putMulti(t, c, "mgsi_sort", map[string]types.AttributeValue{"pk": s(fmt.Sprint("s", i)), "gsi_pk": s("p"), "gsi_sk": s(v), "gsi_sk2": n("7")})
	}
	out, err := queryGSI(c, "mgsi_sort", "gsi_pk = :p", ":p", s("p"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range out.Items {
		got = append(got, fmt.Sprintf("%q/%s", attrS(it, "gsi_sk"), attrN(it, "gsi_sk2")))
	}
	want := `"a"/-12,"a"/-1.5,"a"/-1,"a"/0,"a"/1,"a"/1.5,"a"/7,"a"/10,"a"/15,"a"/100,"a"/300,"a"/22500000000,` +
		`"a\x00"/7,"a\x00b"/7,"ab"/7,"b"/7`
	if strings.Join(got, ",") != want {
		t.Fatalf("order\n got %s\nwant %s", strings.Join(got, ","), want)
	}
	// begins_with "a" takes every "a..." and not "b"; begins_with "a\x00"
	// exactly the two with a zero byte.
	out, err = queryGSI(c, "mgsi_sort", "gsi_pk = :p AND begins_with(gsi_sk, :x)", ":p", s("p"), ":x", s("a\x00"))
	if err != nil || len(out.Items) != 2 {
		t.Fatalf("begins_with zero byte: %v %d", err, len(out.Items))
	}
	out, err = queryGSI(c, "mgsi_sort", "gsi_pk = :p AND gsi_sk = :a AND gsi_sk2 BETWEEN :lo AND :hi", ":p", s("p"), ":a", s("a"), ":lo", n("-1.5"), ":hi", n("1"))
	if err != nil || len(out.Items) != 4 {
		t.Fatalf("between over signs: %v %d", err, len(out.Items))
	}
	out, err = queryGSI(c, "mgsi_sort", "gsi_pk = :p AND gsi_sk = :a AND gsi_sk2 > :x", ":p", s("p"), ":a", s("a"), ":x", n("1"))
	if err != nil || len(out.Items) != 7 {
		t.Fatalf("> 1: %v %d", err, len(out.Items))
	}
	out, err = queryGSI(c, "mgsi_sort", "gsi_pk = :p AND gsi_sk = :a AND gsi_sk2 <= :x", ":p", s("p"), ":a", s("a"), ":x", n("-1"))
	if err != nil || len(out.Items) != 3 {
		t.Fatalf("<= -1: %v %d", err, len(out.Items))
	}
}

func TestSDKMultiAttributeGSISparseAndPaging(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMultiGSI(t, c, "mgsi_sparse")
	putMulti(t, c, "mgsi_sparse",
		map[string]types.AttributeValue{"pk": s("1"), "gsi_pk": s("pk1"), "gsi_sk": s("skA"), "gsi_sk2": n("100")},
		map[string]types.AttributeValue{"pk": s("2"), "gsi_pk": s("pk1"), "gsi_sk": s("skB")},
		map[string]types.AttributeValue{"pk": s("3"), "gsi_pk": s("pk1"), "gsi_sk2": n("200")},
		map[string]types.AttributeValue{"pk": s("4"), "gsi_pk": s("pk1"), "gsi_sk": s("skC"), "gsi_sk2": n("300")},
	)
	out, err := queryGSI(c, "mgsi_sparse", "gsi_pk = :pk", ":pk", s("pk1"))
	if err != nil || pkOrder(out.Items) != "1,4" {
		t.Fatalf("sparse: %v %v", err, out)
	}
	// Removing a key attribute takes the item out of the index.
	if _, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("mgsi_sparse"), Key: map[string]types.AttributeValue{"pk": s("4")},
		UpdateExpression: aws.String("REMOVE gsi_sk2")}); err != nil {
		t.Fatal(err)
	}
	out, err = queryGSI(c, "mgsi_sparse", "gsi_pk = :pk", ":pk", s("pk1"))
	if err != nil || pkOrder(out.Items) != "1" {
		t.Fatalf("after REMOVE: %v %v", err, out)
	}
	// A key attribute of the wrong type is refused on write.
	_, err = c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("mgsi_sparse"),
		Item: map[string]types.AttributeValue{"pk": s("9"), "gsi_pk": s("pk1"), "gsi_sk": s("x"), "gsi_sk2": s("notanumber")}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" || !strings.Contains(ae.ErrorMessage(), "gsi_sk2") {
		t.Fatalf("wrong type: %v", err)
	}

	// Pagination: every key attribute in LastEvaluatedKey, no duplicates,
	// nothing lost, in both directions.
	createMultiGSI(t, c, "mgsi_page")
	insertMultiItems(t, c, "mgsi_page")
	for _, forward := range []bool{true, false} {
		var pages []string
		var esk map[string]types.AttributeValue
		for i := 0; i < 10; i++ {
			out, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String("mgsi_page"), IndexName: aws.String("test_gsi"),
				KeyConditionExpression:    aws.String("gsi_pk = :pk"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("pk1")},
				Limit:                     aws.Int32(2), ExclusiveStartKey: esk, ScanIndexForward: aws.Bool(forward)})
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, pkOrder(out.Items))
			esk = out.LastEvaluatedKey
			if esk == nil {
				break
			}
			for _, k := range []string{"pk", "gsi_pk", "gsi_sk", "gsi_sk2"} {
				if esk[k] == nil {
					t.Fatalf("LastEvaluatedKey %v lacks %s", esk, k)
				}
			}
			if len(esk) != 4 {
				t.Fatalf("LastEvaluatedKey %v", esk)
			}
		}
		want := "1,2|3,4|"
		if !forward {
			want = "4,3|2,1|"
		}
		if got := strings.Join(pages, "|"); got != want {
			t.Fatalf("forward %v pages %q, want %q", forward, got, want)
		}
	}
	// A start key outside the conditions is refused.
	_, err = c.Query(ctx, &ddb.QueryInput{TableName: aws.String("mgsi_page"), IndexName: aws.String("test_gsi"),
		KeyConditionExpression:    aws.String("gsi_pk = :pk AND gsi_sk = :sk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("pk1"), ":sk": s("skA")},
		ExclusiveStartKey:         map[string]types.AttributeValue{"pk": s("4"), "gsi_pk": s("pk1"), "gsi_sk": s("skB"), "gsi_sk2": n("150")}})
	apiErr(t, err, "ValidationException", "The provided starting key does not match the range key predicate")
	// Scan of the index pages through it too.
	var all []string
	var esk map[string]types.AttributeValue
	for i := 0; i < 10; i++ {
		out, err := c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("mgsi_page"), IndexName: aws.String("test_gsi"), Limit: aws.Int32(2), ExclusiveStartKey: esk})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, pkOrder(out.Items))
		if esk = out.LastEvaluatedKey; esk == nil {
			break
		}
	}
	if got := strings.Join(all, ","); len(strings.Split(strings.Trim(strings.ReplaceAll(got, ",,", ","), ","), ",")) != 5 {
		t.Fatalf("scan pages %q", got)
	}
}

func TestSDKMultiAttributeGSIKeyConditions(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMultiGSI(t, c, "mgsi_legacy")
	insertMultiItems(t, c, "mgsi_legacy")
	cond := func(op types.ComparisonOperator, v types.AttributeValue) types.Condition {
		return types.Condition{ComparisonOperator: op, AttributeValueList: []types.AttributeValue{v}}
	}
	q := func(kc map[string]types.Condition) (*ddb.QueryOutput, error) {
		return c.Query(ctx, &ddb.QueryInput{TableName: aws.String("mgsi_legacy"), IndexName: aws.String("test_gsi"), KeyConditions: kc})
	}
	out, err := q(map[string]types.Condition{"gsi_pk": cond(types.ComparisonOperatorEq, s("pk1"))})
	if err != nil || out.Count != 4 {
		t.Fatalf("hash only: %v %v", err, out)
	}
	out, err = q(map[string]types.Condition{"gsi_pk": cond(types.ComparisonOperatorEq, s("pk1")),
		"gsi_sk": cond(types.ComparisonOperatorEq, s("skA")), "gsi_sk2": cond(types.ComparisonOperatorGt, n("100"))})
	if err != nil || pkOrder(out.Items) != "2,3" {
		t.Fatalf("with range keys: %v %v", err, out)
	}
	_, err = q(map[string]types.Condition{"gsi_pk": cond(types.ComparisonOperatorEq, s("pk1")), "gsi_sk2": cond(types.ComparisonOperatorGt, n("100"))})
	apiErr(t, err, "ValidationException", "Query condition missed key schema element: gsi_sk")
}

func TestSDKMultiAttributeGSISchemas(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	defs := []types.AttributeDefinition{attrDef("pk", types.ScalarAttributeTypeS)}
	var ks []types.KeySchemaElement
	for i := 1; i <= 4; i++ {
		defs = append(defs, attrDef(fmt.Sprint("h", i), types.ScalarAttributeTypeS), attrDef(fmt.Sprint("r", i), types.ScalarAttributeTypeN))
		ks = append(ks, hashKey(fmt.Sprint("h", i)))
	}
	for i := 1; i <= 4; i++ {
		ks = append(ks, rangeKey(fmt.Sprint("r", i)))
	}
	create := func(name string, defs []types.AttributeDefinition, ks []types.KeySchemaElement) error {
		_, err := c.CreateTable(ctx, &ddb.CreateTableInput{TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: defs, KeySchema: []types.KeySchemaElement{hashKey("pk")},
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("gix"), KeySchema: ks,
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}})
		return err
	}
	// The largest key: 4 + 4, queried on every attribute.
	if err := create("mgsi_max", defs, ks); err != nil {
		t.Fatal(err)
	}
	item := map[string]types.AttributeValue{"pk": s("x")}
	vals := map[string]types.AttributeValue{}
	var conds []string
	for i := 1; i <= 4; i++ {
		item[fmt.Sprint("h", i)], item[fmt.Sprint("r", i)] = s(fmt.Sprint("v", i)), n(fmt.Sprint(i))
		vals[fmt.Sprint(":h", i)], vals[fmt.Sprint(":r", i)] = s(fmt.Sprint("v", i)), n(fmt.Sprint(i))
		conds = append(conds, fmt.Sprintf("h%d = :h%d", i, i))
	}
	for i := 1; i <= 4; i++ {
		conds = append(conds, fmt.Sprintf("r%d = :r%d", i, i))
	}
	putMulti(t, c, "mgsi_max", item)
	out, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String("mgsi_max"), IndexName: aws.String("gix"),
		KeyConditionExpression: aws.String(strings.Join(conds, " AND ")), ExpressionAttributeValues: vals})
	if err != nil || out.Count != 1 || len(out.Items[0]) != 9 {
		t.Fatalf("8 conditions: %v %v", err, out)
	}
	_, err = c.Query(ctx, &ddb.QueryInput{TableName: aws.String("mgsi_max"), IndexName: aws.String("gix"),
		KeyConditionExpression: aws.String(strings.Join(conds[:3], " AND ")), ExpressionAttributeValues: map[string]types.AttributeValue{
			":h1": s("v1"), ":h2": s("v2"), ":h3": s("v3")}})
	apiErr(t, err, "ValidationException", "Query condition missed key schema element: h4")

	// Two HASH and no RANGE.
	if err := create("mgsi_two_hash", defs[:4], []types.KeySchemaElement{hashKey("h1"), hashKey("h2")}); err == nil {
		t.Fatal("h2 is not defined in defs[:4]: want an error")
	}
	if err := create("mgsi_two_hash", []types.AttributeDefinition{defs[0], defs[1], defs[3]}, []types.KeySchemaElement{hashKey("h1"), hashKey("h2")}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		ks   []types.KeySchemaElement
		msg  string
	}{
		{"first range", []types.KeySchemaElement{rangeKey("r1"), hashKey("h1"), hashKey("h2")},
			"Invalid KeySchema: The first KeySchemaElement is not a HASH key type"},
		{"hash after range", []types.KeySchemaElement{hashKey("h1"), rangeKey("r1"), hashKey("h2")},
			"Invalid KeySchema: The KeySchemaElement at position 3 is a HASH key type after a RANGE key type: all HASH key elements must come first"},
		{"duplicate", []types.KeySchemaElement{hashKey("h1"), rangeKey("r1"), rangeKey("r1")},
			"Invalid KeySchema: Duplicate attribute name in KeySchema: r1"},
		{"five hash", []types.KeySchemaElement{hashKey("h1"), hashKey("h2"), hashKey("h3"), hashKey("h4"), hashKey("r1")},
			"One or more parameter values were invalid: The KeySchema has 5 HASH key elements; at most 4 are allowed"},
		{"five range", []types.KeySchemaElement{hashKey("h1"), rangeKey("r1"), rangeKey("r2"), rangeKey("r3"), rangeKey("r4"), rangeKey("h2")},
			"One or more parameter values were invalid: The KeySchema has 5 RANGE key elements; at most 4 are allowed"},
	} {
		apiErr(t, create("mgsi_bad", defs, tc.ks), "ValidationException", tc.msg)
	}
	nine := append(append([]types.KeySchemaElement(nil), ks...), rangeKey("pk"))
	err = create("mgsi_bad", defs, nine)
	var ae smithy.APIError
	if !errors.As(err, &ae) || !strings.Contains(ae.ErrorMessage(), "Member must have length less than or equal to 8") {
		t.Fatalf("nine elements: %v", err)
	}

	// UpdateTable: create a multi-attribute GSI on a table with items; the
	// backfill indexes them.
	if _, err := c.CreateTable(ctx, &ddb.CreateTableInput{TableName: aws.String("mgsi_upd"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{attrDef("pk", types.ScalarAttributeTypeS)},
		KeySchema:            []types.KeySchemaElement{hashKey("pk")}}); err != nil {
		t.Fatal(err)
	}
	insertMultiItems(t, c, "mgsi_upd")
	newIndex := func(ks []types.KeySchemaElement) error {
		_, err := c.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("mgsi_upd"),
			AttributeDefinitions: []types.AttributeDefinition{attrDef("gsi_pk", types.ScalarAttributeTypeS),
				attrDef("gsi_sk", types.ScalarAttributeTypeS), attrDef("gsi_sk2", types.ScalarAttributeTypeN)},
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName: aws.String("test_gsi"), KeySchema: ks, Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}}})
		return err
	}
	apiErr(t, newIndex([]types.KeySchemaElement{hashKey("gsi_pk"), rangeKey("gsi_sk"), hashKey("gsi_sk2")}), "ValidationException",
		"Invalid KeySchema: The KeySchemaElement at position 3 is a HASH key type after a RANGE key type: all HASH key elements must come first")
	if err := newIndex([]types.KeySchemaElement{hashKey("gsi_pk"), rangeKey("gsi_sk"), rangeKey("gsi_sk2")}); err != nil {
		t.Fatal(err)
	}
	waitIndexActive(t, c, "mgsi_upd", "test_gsi")
	out, err = queryGSI(c, "mgsi_upd", "gsi_pk = :pk AND gsi_sk = :sk AND gsi_sk2 >= :x", ":pk", s("pk1"), ":sk", s("skA"), ":x", n("200"))
	if err != nil || pkOrder(out.Items) != "2,3" {
		t.Fatalf("after backfill: %v %v", err, out)
	}
}

// PartiQL reads a multi-attribute index by scanning it with the WHERE as
// its filter.
func TestSDKMultiAttributeGSIPartiQL(t *testing.T) {
	c := newClient(t)
	createMultiGSI(t, c, "mgsi_pq")
	insertMultiItems(t, c, "mgsi_pq")
	out, err := c.ExecuteStatement(context.Background(), &ddb.ExecuteStatementInput{
		Statement:  aws.String(`SELECT pk FROM "mgsi_pq"."test_gsi" WHERE gsi_pk = ? AND gsi_sk = ? AND gsi_sk2 > ?`),
		Parameters: []types.AttributeValue{s("pk1"), s("skA"), n("100")}})
	if err != nil {
		t.Fatal(err)
	}
	var pks []string
	for _, it := range out.Items {
		pks = append(pks, attrS(it, "pk"))
	}
	sort.Strings(pks)
	if strings.Join(pks, ",") != "2,3" {
		t.Fatalf("PartiQL: %v", pks)
	}
}
