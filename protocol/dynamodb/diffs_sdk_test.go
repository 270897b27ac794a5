package dynamodb_test

// SDK tests for the differences from DynamoDB that suites written against
// real DynamoDB found (issue 14, "the remaining differences"): each test
// sends what such a suite sends, through aws-sdk-go-v2, and checks
// DynamoDB's answer.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

func TestSDKDiffsTableNames(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	_, err := c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("ab"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3")
	_, err = c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("ab")})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3")

	item := map[string]types.AttributeValue{"pk": s("x")}
	_, err = c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String(""), Item: item})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value '' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 1")
	long := strings.Repeat("a", 256)
	_, err = c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String(long), Item: item})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value '"+long+"' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255")
	_, err = c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("bad table!@#"), Item: item})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value 'bad table!@#' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	// A short name is a name like any other for an item operation.
	_, err = c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("ab"), Item: item})
	apiErr(t, err, "ResourceNotFoundException", "")
}

func TestSDKDiffsConstraintMessages(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	_, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String("Music"), Limit: aws.Int32(0),
		KeyConditionExpression: aws.String("Artist = :a"), ExpressionAttributeValues: map[string]types.AttributeValue{":a": s("x")}})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
	_, err = c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("Music"), Limit: aws.Int32(0)})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")

	keys := make([]map[string]types.AttributeValue, 101)
	for i := range keys {
		keys[i] = map[string]types.AttributeValue{"Artist": s(fmt.Sprint(i)), "Song": s("s")}
	}
	_, err = c.BatchGetItem(ctx, &ddb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"Music": {Keys: keys}}})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value at 'RequestItems.Music.member.Keys' failed to satisfy constraint: Member must have length less than or equal to 100")

	_, err = c.BatchGetItem(ctx, &ddb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{}})
	apiErr(t, err, "ValidationException", "The requestItems parameter is required for BatchGetItem")
	_, err = c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{}})
	apiErr(t, err, "ValidationException", "The requestItems parameter is required for BatchWriteItem")

	writes := make([]types.WriteRequest, 26)
	for i := range writes {
		writes[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"Artist": s(fmt.Sprint(i)), "Song": s("s")}}}
	}
	_, err = c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Music": writes}})
	one := `WriteRequest\(putRequest=PutRequest\(item=\{(Artist|Song)=com\.amazonaws\.dynamodb\.v20120810\.AttributeValue@[0-9a-f]+, (Artist|Song)=com\.amazonaws\.dynamodb\.v20120810\.AttributeValue@[0-9a-f]+\}, workloadProfileName=null\), deleteRequest=null\)`
	apiErrMatch(t, err, "ValidationException", `^1 validation error detected: Value '\{Music=\[`+one+`(, `+one+`){25}\]\}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: \[Member must have length less than or equal to 25, Member must have length greater than or equal to 1\]$`)

	_, err = c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName: aws.String("three"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("extra"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
			{AttributeName: aws.String("extra"), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	})
	apiErr(t, err, "ValidationException", "1 validation error detected: Value '[KeySchemaElement(attributeName=pk, keyType=HASH), KeySchemaElement(attributeName=sk, keyType=RANGE), KeySchemaElement(attributeName=extra, keyType=RANGE)]' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2")
}

// apiErrMatch is apiErr with the message matched by a regular expression.
func apiErrMatch(t *testing.T, err error, code, pattern string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code || !regexp.MustCompile(pattern).MatchString(ae.ErrorMessage()) {
		t.Fatalf("want %s: /%s/\n got %s: %q", code, pattern, ae.ErrorCode(), ae.ErrorMessage())
	}
}

func TestSDKDiffsSegmentAlone(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	for _, seg := range []int32{0, 1} {
		_, err := c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("Music"), Segment: aws.Int32(seg)})
		apiErr(t, err, "ValidationException", "The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	}
	if _, err := c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("Music"), Segment: aws.Int32(0), TotalSegments: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
}

func TestSDKDiffsUpdateTableIndexCreates(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	def := func(name string, typ types.ScalarAttributeType) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: typ}
	}
	key := func(name string, kt types.KeyType) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(name), KeyType: kt}
	}
	all := &types.Projection{ProjectionType: types.ProjectionTypeAll}
	_, err := c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("gsiu"),
		AttributeDefinitions: []types.AttributeDefinition{def("p", "S"), def("c", "S"), def("x", "S")},
		KeySchema:            []types.KeySchemaElement{key("p", types.KeyTypeHash), key("c", types.KeyTypeRange)},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("lsi"),
			KeySchema: []types.KeySchemaElement{key("p", types.KeyTypeHash), key("x", types.KeyTypeRange)}, Projection: all}},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	create := func(name, attr string, proj *types.Projection) types.GlobalSecondaryIndexUpdate {
		return types.GlobalSecondaryIndexUpdate{Create: &types.CreateGlobalSecondaryIndexAction{IndexName: aws.String(name),
			KeySchema: []types.KeySchemaElement{key(attr, types.KeyTypeHash)}, Projection: proj}}
	}
	update := func(defs []types.AttributeDefinition, ups ...types.GlobalSecondaryIndexUpdate) error {
		_, err := c.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("gsiu"), AttributeDefinitions: defs, GlobalSecondaryIndexUpdates: ups})
		return err
	}
	// The key attribute must be defined in the request, even one the table knows.
	apiErr(t, update(nil, create("gsx", "x", all)), "ValidationException",
		"One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [x], AttributeDefinitions: []")
	apiErr(t, update([]types.AttributeDefinition{def("y", "S"), def("y", "N")}, create("gsy", "y", all)), "ValidationException",
		"One or more parameter values were invalid: Cannot have two attributes with the same name")
	apiErr(t, update([]types.AttributeDefinition{def("x", "N")}, create("gsx", "x", all)), "ValidationException",
		"One or more parameter values were invalid: Attributes cannot be redefined. Please check that your attribute has the same type as previously defined. "+
			"Existing schema: Schema:[SchemaElement: key{p:S:HASH}, SchemaElement: key{x:S:RANGE}] New schema: Schema:[SchemaElement: key{x:N:HASH}]")
	apiErr(t, update([]types.AttributeDefinition{def("y", "S")}, create("lsi", "y", all)), "ValidationException",
		"One or more parameter values were invalid: Index with name: lsi already exists")
	apiErr(t, update([]types.AttributeDefinition{def("y", "S")}, create("gs1", "y", all), create("gs2", "y", all)), "LimitExceededException",
		"Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table")
	apiErr(t, update([]types.AttributeDefinition{def("y", "S")}, create("gs1", "y", &types.Projection{ProjectionType: types.ProjectionTypeInclude})), "ValidationException",
		"One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
	apiErr(t, update([]types.AttributeDefinition{def("y", "S")}, create("gs1", "y", &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"a", "a"}})), "ValidationException",
		"One or more parameter values were invalid: Duplicate value in attribute name: a")
	// Nothing was created by the refused requests; a proper one works.
	d, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("gsiu")})
	if err != nil || len(d.Table.GlobalSecondaryIndexes) != 0 {
		t.Fatalf("%v %+v", err, d)
	}
	if err := update([]types.AttributeDefinition{def("x", "S")}, create("gsx", "x", all)); err != nil {
		t.Fatal(err)
	}

	_, err = c.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String("gsic"),
		AttributeDefinitions: []types.AttributeDefinition{def("p", "S"), def("x", "S")},
		KeySchema:            []types.KeySchemaElement{key("p", types.KeyTypeHash)},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("gsx"),
			KeySchema: []types.KeySchemaElement{key("x", types.KeyTypeHash)}, Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude}}},
		BillingMode: types.BillingModePayPerRequest,
	})
	apiErr(t, err, "ValidationException", "One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
}

func TestSDKDiffsConditionOperands(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	key := map[string]types.AttributeValue{"Artist": s("a"), "Song": s("b")}
	item := map[string]types.AttributeValue{"Artist": s("a"), "Song": s("b"), "n": n("1"), "s": s("abc"),
		"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{n("1")}},
		"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": s("v")}},
		"t": &types.AttributeValueMemberBOOL{Value: true}}
	if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Music"), Item: item}); err != nil {
		t.Fatal(err)
	}
	list := &types.AttributeValueMemberL{Value: []types.AttributeValue{n("1")}}
	boolean := &types.AttributeValueMemberBOOL{Value: true}
	cond := func(expr string, vals map[string]types.AttributeValue) error {
		_, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("Music"), Key: key,
			UpdateExpression: aws.String("SET x = :one"), ConditionExpression: aws.String(expr),
			ExpressionAttributeValues: mergeValues(map[string]types.AttributeValue{":one": n("1")}, vals)})
		return err
	}
	const ot = "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: "
	apiErr(t, cond("n < :v", map[string]types.AttributeValue{":v": list}), "ValidationException", ot+"<, operand type: L")
	apiErr(t, cond("n >= :v", map[string]types.AttributeValue{":v": boolean}), "ValidationException", ot+">=, operand type: BOOL")
	apiErr(t, cond("n BETWEEN :v AND :v", map[string]types.AttributeValue{":v": boolean}), "ValidationException", ot+"BETWEEN, operand type: BOOL")
	apiErr(t, cond("begins_with(s, :v)", map[string]types.AttributeValue{":v": n("1")}), "ValidationException", ot+"begins_with, operand type: N")
	// A path's type is only known on the item: a mismatch there is false.
	apiErr(t, cond("l < :v", map[string]types.AttributeValue{":v": n("3")}), "ConditionalCheckFailedException", "")
	if err := cond("t = :v AND l = :l", map[string]types.AttributeValue{":v": boolean, ":l": list}); err != nil {
		t.Fatal(err)
	}

	expected := func(exp map[string]types.ExpectedAttributeValue, op types.ConditionalOperator) error {
		_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Music"), Item: item, Expected: exp, ConditionalOperator: op})
		return err
	}
	cmp := func(op types.ComparisonOperator, v ...types.AttributeValue) types.ExpectedAttributeValue {
		return types.ExpectedAttributeValue{ComparisonOperator: op, AttributeValueList: v}
	}
	const inv = "One or more parameter values were invalid: "
	apiErr(t, expected(map[string]types.ExpectedAttributeValue{"n": cmp(types.ComparisonOperatorLt, list)}, ""), "ValidationException", inv+"ComparisonOperator LT is not valid for L AttributeValue type")
	apiErr(t, expected(map[string]types.ExpectedAttributeValue{"n": cmp(types.ComparisonOperatorIn, list)}, ""), "ValidationException", inv+"ComparisonOperator IN is not valid for L AttributeValue type")
	apiErr(t, expected(map[string]types.ExpectedAttributeValue{"l": cmp(types.ComparisonOperatorContains, list)}, ""), "ValidationException", inv+"ComparisonOperator CONTAINS is not valid for L AttributeValue type")
	apiErr(t, expected(map[string]types.ExpectedAttributeValue{"n": {ComparisonOperator: types.ComparisonOperatorGt, Value: boolean}}, ""), "ValidationException", inv+"ComparisonOperator GT is not valid for BOOL AttributeValue type")
	// NOT_CONTAINS on a missing attribute fails, unlike NE.
	apiErr(t, expected(map[string]types.ExpectedAttributeValue{"nope": cmp(types.ComparisonOperatorNotContains, s("x"))}, ""), "ConditionalCheckFailedException", "")
	if err := expected(map[string]types.ExpectedAttributeValue{"nope": cmp(types.ComparisonOperatorNe, s("x")), "s": cmp(types.ComparisonOperatorNotContains, s("x"))}, ""); err != nil {
		t.Fatal(err)
	}
	// EQ and NE take documents and booleans.
	if err := expected(map[string]types.ExpectedAttributeValue{"l": cmp(types.ComparisonOperatorEq, list), "t": cmp(types.ComparisonOperatorEq, boolean),
		"m": cmp(types.ComparisonOperatorNe, &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": s("w")}})}, types.ConditionalOperatorAnd); err != nil {
		t.Fatal(err)
	}
	// ConditionalOperator needs two conditions to join.
	apiErr(t, expected(nil, types.ConditionalOperatorAnd), "ValidationException", "ConditionalOperator cannot be used without Filter or Expected")
	apiErr(t, expected(map[string]types.ExpectedAttributeValue{"n": cmp(types.ComparisonOperatorEq, n("1"))}, types.ConditionalOperatorOr), "ValidationException",
		"ConditionalOperator can only be used when Filter or Expected has two or more elements")
	_, err := c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("Music"), ConditionalOperator: types.ConditionalOperatorAnd})
	apiErr(t, err, "ValidationException", "ConditionalOperator cannot be used without Filter or Expected")
	_, err = c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Music"), Item: item, ConditionalOperator: types.ConditionalOperatorAnd, ConditionExpression: aws.String("attribute_exists(n)")})
	apiErr(t, err, "ValidationException", "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {ConditionalOperator} Expression parameters: {ConditionExpression}")

	// QueryFilter and ScanFilter: EQ and NE with L, M and BOOL.
	q, err := c.Query(ctx, &ddb.QueryInput{TableName: aws.String("Music"),
		KeyConditions: map[string]types.Condition{"Artist": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{s("a")}}},
		QueryFilter: map[string]types.Condition{"l": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{list}},
			"t": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{boolean}}}})
	if err != nil || q.Count != 1 {
		t.Fatalf("%v %+v", err, q)
	}
	sc, err := c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("Music"),
		ScanFilter: map[string]types.Condition{"m": {ComparisonOperator: types.ComparisonOperatorNe, AttributeValueList: []types.AttributeValue{&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": s("v")}}}}}})
	if err != nil || sc.Count != 0 {
		t.Fatalf("%v %+v", err, sc)
	}
}

func mergeValues(a, b map[string]types.AttributeValue) map[string]types.AttributeValue {
	for k, v := range b {
		a[k] = v
	}
	return a
}

func TestSDKDiffsNameAndKeyLimits(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	def := func(name string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
	}
	long := strings.Repeat("k", 256)
	_, err := c.CreateTable(ctx, &ddb.CreateTableInput{TableName: aws.String("names"),
		AttributeDefinitions: []types.AttributeDefinition{def(long)},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(long), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest})
	apiErr(t, err, "ValidationException", "2 validation errors detected: "+
		"Value '"+long+"' at 'attributeDefinitions.1.member.attributeName' failed to satisfy constraint: Member must have length less than or equal to 255; "+
		"Value '"+long+"' at 'keySchema.1.member.attributeName' failed to satisfy constraint: Member must have length less than or equal to 255")

	_, err = c.CreateTable(ctx, &ddb.CreateTableInput{TableName: aws.String("lim"),
		AttributeDefinitions: []types.AttributeDefinition{def("p"), def("g"), def("r")},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("p"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("gsi"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("r"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}},
		BillingMode: types.BillingModePayPerRequest})
	if err != nil {
		t.Fatal(err)
	}
	put := func(item map[string]types.AttributeValue) error {
		_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("lim"), Item: item})
		return err
	}
	apiErr(t, put(map[string]types.AttributeValue{"p": s("a"), "": s("x")}), "ValidationException", "Empty attribute name")
	apiErr(t, put(map[string]types.AttributeValue{"p": s("a"), strings.Repeat("n", 65536): s("x")}), "ValidationException",
		"Attribute name is too large, must be less than 65536 bytes")
	if err := put(map[string]types.AttributeValue{"p": s("a"), strings.Repeat("n", 65535): s("x")}); err != nil {
		t.Fatal(err)
	}
	const hashMsg = "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"
	const rangeMsg = "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
	apiErr(t, put(map[string]types.AttributeValue{"p": s("a"), "g": s(strings.Repeat("g", 2049)), "r": s("r")}), "ValidationException", hashMsg)
	apiErr(t, put(map[string]types.AttributeValue{"p": s("a"), "g": s("g"), "r": s(strings.Repeat("r", 1025))}), "ValidationException", rangeMsg)
	if err := put(map[string]types.AttributeValue{"p": s("a"), "g": s(strings.Repeat("g", 2048)), "r": s(strings.Repeat("r", 1024))}); err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("lim"), Key: map[string]types.AttributeValue{"p": s("a")},
		UpdateExpression: aws.String("SET g = :g"), ExpressionAttributeValues: map[string]types.AttributeValue{":g": s(strings.Repeat("g", 2049))}})
	apiErr(t, err, "ValidationException", hashMsg)
	_, err = c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("lim"), Key: map[string]types.AttributeValue{"p": s("a")},
		UpdateExpression: aws.String("SET #n = :g"), ExpressionAttributeNames: map[string]string{"#n": ""}, ExpressionAttributeValues: map[string]types.AttributeValue{":g": s("g")}})
	apiErr(t, err, "ValidationException", "ExpressionAttributeNames contains invalid value: Empty attribute name for key #n")
	_, err = c.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"lim": {{PutRequest: &types.PutRequest{
		Item: map[string]types.AttributeValue{"p": s("b"), "g": s("g"), "r": s(strings.Repeat("r", 1025))}}}}}})
	apiErr(t, err, "ValidationException", rangeMsg)
	_, err = c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("lim"), Key: map[string]types.AttributeValue{"p": s("a")},
		ProjectionExpression: aws.String("a" + strings.Repeat(".b", 32))})
	apiErr(t, err, "ValidationException", "Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 33")
	if _, err = c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("lim"), Key: map[string]types.AttributeValue{"p": s("a")},
		ProjectionExpression: aws.String("a" + strings.Repeat(".b", 31))}); err != nil {
		t.Fatal(err)
	}

	// Items written before an index existed with values over the limits
	// are left out of its backfill.
	if _, err := c.CreateTable(ctx, &ddb.CreateTableInput{TableName: aws.String("fill"),
		AttributeDefinitions: []types.AttributeDefinition{def("p")},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("p"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest}); err != nil {
		t.Fatal(err)
	}
	for i, size := range []int{10, 1024, 1025, 2048, 2049} {
		if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("fill"), Item: map[string]types.AttributeValue{
			"p": s(fmt.Sprint(i)), "x": s(strings.Repeat("x", size)), "c": s("c")}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, gsi := range []struct {
		name string
		keys []types.KeySchemaElement
		want int
	}{
		{"byx", []types.KeySchemaElement{{AttributeName: aws.String("x"), KeyType: types.KeyTypeHash}}, 4},
		{"byc", []types.KeySchemaElement{{AttributeName: aws.String("c"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("x"), KeyType: types.KeyTypeRange}}, 2},
	} {
		if _, err := c.UpdateTable(ctx, &ddb.UpdateTableInput{TableName: aws.String("fill"),
			AttributeDefinitions: []types.AttributeDefinition{def("x"), def("c")},
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName: aws.String(gsi.name), KeySchema: gsi.keys, Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}}}); err != nil {
			t.Fatal(err)
		}
		waitIndexActive(t, c, "fill", gsi.name)
		out, err := c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("fill"), IndexName: aws.String(gsi.name)})
		if err != nil || int(out.Count) != gsi.want {
			t.Fatalf("index %s: %v, %d items, want %d", gsi.name, err, out.Count, gsi.want)
		}
	}
}

// waitIndexActive polls, with a deadline, until the table's index is ACTIVE.
func waitIndexActive(t *testing.T, c *ddb.Client, table, index string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := c.DescribeTable(context.Background(), &ddb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range d.Table.GlobalSecondaryIndexes {
			if aws.ToString(g.IndexName) == index && g.IndexStatus == types.IndexStatusActive {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("index %s not active", index)
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
}

func TestSDKDiffsRemoveOnMissingItem(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	key := func(song string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"Artist": s("a"), "Song": s(song)}
	}
	for i, upd := range []*ddb.UpdateItemInput{
		{UpdateExpression: aws.String("REMOVE x")},
		{UpdateExpression: aws.String("REMOVE x.y, z[3]")},
		{UpdateExpression: aws.String("DELETE ss :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberSS{Value: []string{"a"}}}},
		{AttributeUpdates: map[string]types.AttributeValueUpdate{"x": {Action: types.AttributeActionDelete}}},
	} {
		song := fmt.Sprint("s", i)
		upd.TableName, upd.Key, upd.ReturnValues = aws.String("Music"), key(song), types.ReturnValueAllNew
		out, err := c.UpdateItem(ctx, upd)
		if err != nil || out.Attributes != nil {
			t.Fatalf("update %d: %v %v", i, err, out)
		}
		got, err := c.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String("Music"), Key: key(song), ConsistentRead: aws.Bool(true)})
		if err != nil || got.Item != nil {
			t.Fatalf("update %d created %v (%v)", i, got.Item, err)
		}
	}
	// An update with no action at all still creates the key-only item, and
	// one that sets something creates the item.
	for _, upd := range []*ddb.UpdateItemInput{{}, {UpdateExpression: aws.String("REMOVE x SET y = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("v")}}} {
		upd.TableName, upd.Key, upd.ReturnValues = aws.String("Music"), key("made"), types.ReturnValueAllNew
		out, err := c.UpdateItem(ctx, upd)
		if err != nil || out.Attributes == nil {
			t.Fatalf("%v %v", err, out)
		}
	}
}

func TestSDKDiffsIndexWriteCapacityAndDeleteTable(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	def := func(name string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
	}
	if _, err := c.CreateTable(ctx, &ddb.CreateTableInput{TableName: aws.String("cap"),
		AttributeDefinitions: []types.AttributeDefinition{def("p"), def("g")},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("p"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byg"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
		BillingMode: types.BillingModePayPerRequest}); err != nil {
		t.Fatal(err)
	}
	check := func(what string, cc *types.ConsumedCapacity, total, table float64, index map[string]float64) {
		t.Helper()
		if cc == nil || aws.ToFloat64(cc.CapacityUnits) != total || cc.Table == nil || aws.ToFloat64(cc.Table.CapacityUnits) != table || len(cc.GlobalSecondaryIndexes) != len(index) {
			t.Fatalf("%s: consumed %+v, want total %v table %v indexes %v", what, cc, total, table, index)
		}
		for name, u := range index {
			if got := cc.GlobalSecondaryIndexes[name]; aws.ToFloat64(got.CapacityUnits) != u {
				t.Fatalf("%s: index %s: %v, want %v", what, name, aws.ToFloat64(got.CapacityUnits), u)
			}
		}
	}
	key := map[string]types.AttributeValue{"p": s("a")}
	put, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("cap"), Item: map[string]types.AttributeValue{"p": s("a"), "g": s("x")},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if err != nil {
		t.Fatal(err)
	}
	check("put into the index", put.ConsumedCapacity, 2, 1, map[string]float64{"byg": 1})
	upd, err := c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("cap"), Key: key, UpdateExpression: aws.String("SET g = :g"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":g": s("y")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if err != nil {
		t.Fatal(err)
	}
	check("index key changed: delete and put", upd.ConsumedCapacity, 3, 1, map[string]float64{"byg": 2})
	upd, err = c.UpdateItem(ctx, &ddb.UpdateItemInput{TableName: aws.String("cap"), Key: key, UpdateExpression: aws.String("SET extra = :o"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": s("o")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if err != nil {
		t.Fatal(err)
	}
	check("attribute not projected", upd.ConsumedCapacity, 1, 1, nil)
	del, err := c.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String("cap"), Key: key, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil || aws.ToFloat64(del.ConsumedCapacity.CapacityUnits) != 2 || del.ConsumedCapacity.Table != nil {
		t.Fatalf("delete: %v %+v", err, del)
	}

	out, err := c.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String("cap")})
	if err != nil {
		t.Fatal(err)
	}
	d := out.TableDescription
	if d.TableStatus != types.TableStatusDeleting || aws.ToString(d.TableName) != "cap" || d.TableArn == nil || d.TableId == nil || d.ItemCount == nil ||
		d.KeySchema != nil || d.AttributeDefinitions != nil || d.CreationDateTime != nil || d.GlobalSecondaryIndexes != nil {
		t.Fatalf("DeleteTable reply %+v", d)
	}
}

func TestSDKDiffsConditionFailureItem(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	item := map[string]types.AttributeValue{"Artist": s("a"), "Song": s("b"), "n": n("1")}
	if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Music"), Item: item}); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("Music"), Item: item, ConditionExpression: aws.String("attribute_not_exists(Artist)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || ccf.ErrorMessage() != "The conditional request failed" || len(ccf.Item) != 3 {
		t.Fatalf("%v", err)
	}
}

func TestSDKDiffsExpressionParser(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	key := map[string]types.AttributeValue{"Artist": s("a"), "Song": s("b")}
	list := func(v ...string) types.AttributeValue {
		l := &types.AttributeValueMemberL{}
		for _, x := range v {
			l.Value = append(l.Value, n(x))
		}
		return l
	}
	update := func(u, cond string, vals map[string]types.AttributeValue) (*ddb.UpdateItemOutput, error) {
		in := &ddb.UpdateItemInput{TableName: aws.String("Music"), Key: key, UpdateExpression: aws.String(u),
			ExpressionAttributeValues: vals, ReturnValues: types.ReturnValueAllNew}
		if cond != "" {
			in.ConditionExpression = aws.String(cond)
		}
		return c.UpdateItem(ctx, in)
	}
	_, err := update("SET _123 = :v", "", map[string]types.AttributeValue{":v": s("x")})
	apiErr(t, err, "ValidationException", `Invalid UpdateExpression: Syntax error; token: "_", near: "SET _123"`)
	_, err = update("SET a = :v", "if_not_exists(a, :v) = :v", map[string]types.AttributeValue{":v": s("x")})
	apiErr(t, err, "ValidationException", "Invalid ConditionExpression: The function is not allowed in a condition expression; function: if_not_exists")
	_, err = update("SET a = :v", "starts_with(a, :v)", map[string]types.AttributeValue{":v": s("x")})
	apiErr(t, err, "ValidationException", "Invalid ConditionExpression: Invalid function name; function: starts_with")
	_, err = update("SET l = list_append(list_append(:a, :b), :b)", "", map[string]types.AttributeValue{":a": list("1"), ":b": list("2")})
	apiErr(t, err, "ValidationException", "Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: list_append")
	out, err := update("SET l = list_append(if_not_exists(l, :e), :b), a_1 = :b", "", map[string]types.AttributeValue{":e": list(), ":b": list("2")})
	if err != nil || len(out.Attributes["l"].(*types.AttributeValueMemberL).Value) != 1 {
		t.Fatalf("%v %v", err, out)
	}
}

// TestSDKDiffsIndexReadCapacity: reading a KEYS_ONLY index is charged for
// the index's items (their keys), not the table's whole items.
func TestSDKDiffsIndexReadCapacity(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	def := func(name string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
	}
	if _, err := c.CreateTable(ctx, &ddb.CreateTableInput{TableName: aws.String("rcap"),
		AttributeDefinitions: []types.AttributeDefinition{def("p"), def("g")},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("p"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byg"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
		BillingMode: types.BillingModePayPerRequest}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		if _, err := c.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("rcap"), Item: map[string]types.AttributeValue{
			"p": s(fmt.Sprint(i)), "g": s("g"), "big": s(strings.Repeat("b", 10000))}}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("rcap"), IndexName: aws.String("byg"), ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if err != nil || out.Count != 4 {
		t.Fatal(err, out)
	}
	if cc := out.ConsumedCapacity; aws.ToFloat64(cc.CapacityUnits) != 0.5 || aws.ToFloat64(cc.GlobalSecondaryIndexes["byg"].CapacityUnits) != 0.5 {
		t.Fatalf("index scan consumed %v (index %v), want 0.5", aws.ToFloat64(cc.CapacityUnits), aws.ToFloat64(cc.GlobalSecondaryIndexes["byg"].CapacityUnits))
	}
	out, err = c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("rcap"), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil || aws.ToFloat64(out.ConsumedCapacity.CapacityUnits) != 5 {
		t.Fatalf("table scan consumed %v, want 5 (40 KB, eventually consistent)", aws.ToFloat64(out.ConsumedCapacity.CapacityUnits))
	}
}

func TestSDKDiffsExpressionSize(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	createMusic(t, c)
	cond := strings.Repeat("Artist = :v OR ", 300) + "Artist = :v"
	_, err := c.Scan(ctx, &ddb.ScanInput{TableName: aws.String("Music"), FilterExpression: aws.String(cond),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("x")}})
	apiErr(t, err, "ValidationException", fmt.Sprintf("Invalid FilterExpression: Expression size has exceeded the maximum allowed size; expression size: %d", len(cond)))
}

func TestSDKDiffsKeyConditionsStayScalar(t *testing.T) {
	c := newClient(t)
	createMusic(t, c)
	_, err := c.Query(context.Background(), &ddb.QueryInput{TableName: aws.String("Music"),
		KeyConditions: map[string]types.Condition{"Artist": {ComparisonOperator: types.ComparisonOperatorEq,
			AttributeValueList: []types.AttributeValue{&types.AttributeValueMemberL{}}}}})
	apiErr(t, err, "ValidationException", "One or more parameter values were invalid: ComparisonOperator EQ is not valid for L AttributeValue type")
}
